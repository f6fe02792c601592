package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	"github.com/newsmon/newsmon/internal/cli"
)

// childMain runs newsmon's command line in this process (the code of the
// binary, cmd/newsmon), args after "child PROFILEDIR": with a CPU profile
// of the whole run in PROFILEDIR/cpu.pprof and a heap profile taken when
// the live heap was largest in PROFILEDIR/heap.pprof. It prints the peak
// live heap, number of goroutines and goroutine stack memory on stderr as
// "peak heap N", "peak goroutines N" and "peak stacks N".
func childMain(dir string, args []string) int {
	cpu, err := os.Create(dir + "/cpu.pprof")
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench child:", err)
		return 1
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintln(os.Stderr, "scalebench child:", err)
		return 1
	}
	stop := make(chan struct{})
	done := make(chan [3]uint64)
	go watchHeap(dir+"/heap.pprof", stop, done)
	code := cli.Main(args, os.Stdin, os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	close(stop)
	peak := <-done
	fmt.Fprintf(os.Stderr, "peak heap %d\npeak goroutines %d\npeak stacks %d\n", peak[0], peak[1], peak[2])
	return code
}

// watchHeap samples the live heap every 250 ms and writes a heap profile
// to path whenever it is larger than at every earlier profile (by 5 %), so
// the file shows the heap at about its peak. It sends the peaks of the heap
// and of the number of goroutines on done once stop is closed.
func watchHeap(path string, stop <-chan struct{}, done chan<- [3]uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	var peak, profiled, goroutines, stacks uint64
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			done <- [3]uint64{peak, goroutines, stacks}
			return
		case <-t.C:
		}
		goroutines = max(goroutines, uint64(runtime.NumGoroutine()))
		metrics.Read(s)
		live := s[0].Value.Uint64()
		stacks = max(stacks, s[1].Value.Uint64())
		peak = max(peak, live)
		if live > profiled+profiled/20 {
			profiled = live
			if f, err := os.Create(path); err == nil {
				runtime.GC() // the profile shows the heap as of the last GC
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				_ = f.Close()
			}
		}
	}
}
