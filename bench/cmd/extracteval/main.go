// Command extracteval measures newsmon's article extractor against
// go-trafilatura and go-readability on the extraction data set (see
// shared/data/extract/README.md) in one run: body precision/recall/F1, title
// exact match, published-date accuracy and single-threaded pages per second,
// per system and language, from raw page bytes and from pages decoded with
// the truth's charset.
//
//	cd bench && go run ./cmd/extracteval -data ../../shared/data/extract
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"
	_ "time/tzdata" // Asia/Shanghai without a system zoneinfo
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "extracteval:", err)
		os.Exit(1)
	}
}

func run() error {
	data := flag.String("data", os.Getenv("NEWSMON_EXTRACT_DATA"), "extraction data set `dir` (default $NEWSMON_EXTRACT_DATA)")
	reps := flag.Int("reps", 3, "timed repetitions; each page's fastest extraction is reported")
	procs := flag.Int("procs", 1, "GOMAXPROCS while extracting (1: single-threaded)")
	only := flag.String("only", "", "evaluate only cases whose id matches this `regexp`")
	verbose := flag.Bool("v", false, "list the worst pages per system and language")
	worst := flag.Int("worst", 10, "with -v, how many worst pages to list")
	dump := flag.String("dump", "", "write every extraction to `dir`/<system>-<input>/<id>.txt")
	flag.Parse()

	if *data == "" {
		fmt.Println("skipped: no data (set -data or NEWSMON_EXTRACT_DATA)")
		return nil
	}
	if _, err := os.Stat(filepath.Join(*data, "index.jsonl")); errors.Is(err, fs.ErrNotExist) {
		fmt.Printf("skipped: no data at %s\n", *data)
		return nil
	}
	var filter *regexp.Regexp
	if *only != "" {
		var err error
		if filter, err = regexp.Compile(*only); err != nil {
			return fmt.Errorf("-only: %w", err)
		}
	}
	if *reps < 1 {
		return fmt.Errorf("-reps %d: need at least 1", *reps)
	}
	pages, err := loadPages(*data, filter)
	if err != nil {
		return fmt.Errorf("load %s: %w", *data, err)
	}
	if len(pages) == 0 {
		return fmt.Errorf("no cases in %s match -only %q", *data, *only)
	}

	start := time.Now()
	prev := runtime.GOMAXPROCS(*procs)
	runs := measure(systems(start), pages, *reps)
	runtime.GOMAXPROCS(prev)

	scored, err := scoreRuns(runs, pages)
	if err != nil {
		return err
	}
	w := os.Stdout
	fmt.Fprintf(w, "Run %s, %d pages, %s, GOMAXPROCS=%d, each page's fastest of %d timed runs.\n\n",
		start.UTC().Format("2006-01-02 15:04 MST"), len(pages), runtime.Version(), *procs, *reps)
	printMain(w, scored)
	printGroups(w, scored)
	if *verbose {
		printWorst(w, scored, *worst)
	}
	if *dump != "" {
		return dumpAll(*dump, scored)
	}
	return nil
}

// outcome is one system's output on one page.
type outcome struct {
	res result
	err error
	dur time.Duration // of the extraction call, fastest repetition
}

// sysRun is one system's outcomes over all pages, in page order.
type sysRun struct {
	sys      system
	outcomes []outcome
}

// measure runs every system over every page reps times, one page at a
// time, timing only the extraction call. The systems take turns within each
// repetition, so a burst of load from elsewhere on the machine hits them
// alike, and each page keeps its fastest time (noise only ever adds).
// Results come from the first repetition: the systems are deterministic.
func measure(systems []system, pages []*page, reps int) []*sysRun {
	runs := make([]*sysRun, len(systems))
	for i, s := range systems {
		runs[i] = &sysRun{sys: s, outcomes: make([]outcome, len(pages))}
	}
	for rep := range reps {
		for _, r := range runs {
			fmt.Fprintf(os.Stderr, "run %d/%d: %s (%s)\n", rep+1, reps, r.sys.Name, r.sys.Input)
			runtime.GC()
			for i, p := range pages {
				t0 := time.Now()
				res, err := call(r.sys, p)
				d := time.Since(t0)
				o := &r.outcomes[i]
				if rep == 0 {
					*o = outcome{res: res, err: err, dur: d}
				}
				o.dur = min(o.dur, d)
			}
		}
	}
	return runs
}

// call runs one extraction, turning a panic into an error so that one bad
// page costs a system that page, not the run.
func call(s system, p *page) (res result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return s.run(p)
}

// dumpAll writes each extraction as title, date, blank line, body.
func dumpAll(dir string, scored []*scoredRun) error {
	for _, sr := range scored {
		sub := filepath.Join(dir, sr.sys.Name+"-"+sr.sys.Input)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		for _, ps := range sr.pages {
			o := ps.outcome
			text := fmt.Sprintf("title: %s\npublished: %s\nerror: %v\n\n%s\n", o.res.Title, formatTime(o.res.Published), o.err, o.res.Body)
			if err := os.WriteFile(filepath.Join(sub, ps.page.ID+".txt"), []byte(text), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
