package cluster

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/clustereval"
	"github.com/newsmon/newsmon/internal/evaldata"
)

// clusterData reads $NEWSMON_CLUSTER_DATA (the file, or the directory
// holding articles.jsonl), skipping the test when it is not set.
func clusterData(t *testing.T) []clustereval.Item { return evaldata.ClusterForTest(t) }

// TestEvalCluster replays the shared evaluation data through the clusterer
// and prints its scores; it also checks that replaying in batches, restoring
// between them, assigns every item to the same incident. Run with
//
//	NEWSMON_CLUSTER_DATA=/work/shared/data/cluster/articles.jsonl go test ./cluster -run TestEvalCluster -v
//
// (the directory holding articles.jsonl works too).
func TestEvalCluster(t *testing.T) {
	items := clusterData(t)
	var err error
	opts := Options{}
	if s := os.Getenv("NEWSMON_CLUSTER_THRESHOLD"); s != "" { // for sweeps while developing
		if opts.Threshold, err = strconv.ParseFloat(s, 64); err != nil {
			t.Fatalf("NEWSMON_CLUSTER_THRESHOLD: %v", err)
		}
	}
	arts := make([]newsmon.Article, len(items))
	for i, it := range items {
		arts[i] = it.Article()
	}
	start, cpu0 := time.Now(), cpuTime()
	pred := newMemStore().run(t, opts, arts, 50, 0)
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	c := New(opts)

	// The floors are issue 5's acceptance; with the default threshold a
	// change that falls below one fails here (and in CI, which has the data).
	tuned := opts.Threshold == 0
	zhen := func(it clustereval.Item) bool { return it.Dataset == "itn" && (it.Lang == "zh" || it.Lang == "en") }
	for _, s := range []struct {
		name    string
		keep    func(clustereval.Item) bool
		floorF1 float64
	}{
		{"basil", func(it clustereval.Item) bool { return it.Dataset == "basil" }, 0.96},
		{"itn zh+en", zhen, 0.90},
		{"itn all", func(it clustereval.Item) bool { return it.Dataset == "itn" }, 0},
	} {
		sc := clustereval.Evaluate(items, pred, s.keep)
		t.Logf("%-10s n=%4d  B3 P=%.3f R=%.3f F1=%.3f", s.name, sc.N, sc.P, sc.R, sc.F1)
		if tuned && sc.F1 < s.floorF1 {
			t.Errorf("%s: B-cubed F1 %.3f below %.2f", s.name, sc.F1, s.floorF1)
		}
	}
	all := clustereval.Evaluate(items, pred, nil)
	rec, prec, gold, predicted := all.PairsR, all.PairsP, all.PairsGold, all.PairsPred
	t.Logf("zh<->en pairs: recall=%.3f precision=%.3f (gold %d, predicted %d)", rec, prec, gold, predicted)
	if tuned && (rec < 0.50 || prec < 0.90) {
		t.Errorf("zh<->en pairs: recall %.3f at precision %.3f; want >= 0.50 at >= 0.90", rec, prec)
	}
	t.Logf("%d articles in %v: %.0f articles/s wall, %.0f articles/s CPU (threshold %.2f, window %v)",
		len(items), elapsed.Round(time.Millisecond), float64(len(items))/elapsed.Seconds(),
		float64(len(items))/cpu.Seconds(), c.opts.Threshold, c.opts.Window)
}

// cpuTime is the process's user+system CPU time: a fairer clock than the
// wall on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
