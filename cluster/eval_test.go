package cluster

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// evalItem is one line of the shared cluster evaluation data.
type evalItem struct {
	ID      string  `json:"id"`
	Source  string  `json:"source"`
	Lang    string  `json:"lang"`
	Title   string  `json:"title"`
	Date    *string `json:"date"`
	Body    string  `json:"body"`
	Event   string  `json:"event"`   // gold label: scoring only
	Dataset string  `json:"dataset"` // scoring only
}

func readEval(path string) ([]evalItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval data %s: %w", path, err)
	}
	defer f.Close()
	var items []evalItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var it evalItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return nil, fmt.Errorf("eval data %s line %d: %w", path, n, err)
		}
		if it.Title == "" && it.Body == "" {
			continue // link-only rows (AIID seed list) have no text
		}
		items = append(items, it)
	}
	return items, sc.Err()
}

// clusterData reads $NEWSMON_CLUSTER_DATA (the file, or the directory
// holding articles.jsonl), skipping the test when it is not set.
func clusterData(t *testing.T) []evalItem {
	t.Helper()
	path := os.Getenv("NEWSMON_CLUSTER_DATA")
	if path == "" {
		t.Skip("NEWSMON_CLUSTER_DATA not set")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "articles.jsonl")
	}
	items, err := readEval(path)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// article is what the clusterer sees of an item: no label, no dataset.
func (it evalItem) article() newsmon.Article {
	a := newsmon.Article{ID: it.ID, Source: it.Source, Lang: it.Lang, Title: it.Title, Body: it.Body}
	if it.Date != nil {
		for _, layout := range []string{time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, *it.Date); err == nil {
				a.Published = t
				break
			}
		}
	}
	return a
}

// bcubed returns B-cubed precision, recall and F1 over the items selected by
// keep, with pred and gold cluster labels.
func bcubed(items []evalItem, pred map[string]string, keep func(evalItem) bool) (p, r, f float64, n int) {
	type key struct{ pred, gold string }
	predN, goldN, both := map[string]int{}, map[string]int{}, map[key]int{}
	for _, it := range items {
		if keep(it) {
			predN[pred[it.ID]]++
			goldN[it.Event]++
			both[key{pred[it.ID], it.Event}]++
			n++
		}
	}
	for _, it := range items {
		if keep(it) {
			k := both[key{pred[it.ID], it.Event}]
			p += float64(k) / float64(predN[pred[it.ID]])
			r += float64(k) / float64(goldN[it.Event])
		}
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	p, r = p/float64(n), r/float64(n)
	return p, r, 2 * p * r / (p + r), n
}

// crossPairs scores the zh-en item pairs of ITN: recall and precision of
// "same incident" against "same event".
func crossPairs(items []evalItem, pred map[string]string) (recall, precision float64, gold, predicted int) {
	var zh, en []evalItem
	for _, it := range items {
		if it.Dataset != "itn" {
			continue
		}
		switch it.Lang {
		case "zh":
			zh = append(zh, it)
		case "en":
			en = append(en, it)
		}
	}
	tp := 0
	for _, a := range zh {
		for _, b := range en {
			g, p := a.Event == b.Event, pred[a.ID] == pred[b.ID]
			if g {
				gold++
			}
			if p {
				predicted++
			}
			if g && p {
				tp++
			}
		}
	}
	if gold > 0 {
		recall = float64(tp) / float64(gold)
	}
	if predicted > 0 {
		precision = float64(tp) / float64(predicted)
	}
	return recall, precision, gold, predicted
}

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
		arts[i] = it.article()
	}
	start, cpu0 := time.Now(), cpuTime()
	pred := newMemStore().run(t, opts, arts, 50, 0)
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	c := New(opts)

	// The floors are issue 5's acceptance; with the default threshold a
	// change that falls below one fails here (and in CI, which has the data).
	tuned := opts.Threshold == 0
	zhen := func(it evalItem) bool { return it.Dataset == "itn" && (it.Lang == "zh" || it.Lang == "en") }
	for _, s := range []struct {
		name    string
		keep    func(evalItem) bool
		floorF1 float64
	}{
		{"basil", func(it evalItem) bool { return it.Dataset == "basil" }, 0.96},
		{"itn zh+en", zhen, 0.90},
		{"itn all", func(it evalItem) bool { return it.Dataset == "itn" }, 0},
	} {
		p, r, f, n := bcubed(items, pred, s.keep)
		t.Logf("%-10s n=%4d  B3 P=%.3f R=%.3f F1=%.3f", s.name, n, p, r, f)
		if tuned && f < s.floorF1 {
			t.Errorf("%s: B-cubed F1 %.3f below %.2f", s.name, f, s.floorF1)
		}
	}
	rec, prec, gold, predicted := crossPairs(items, pred)
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
