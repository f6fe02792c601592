package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/newsmon/newsmon/internal/evaldata"
)

// TestEvalE2E crawls the labelled cluster data through the real pipeline in
// every order of Orders and scores the stored incidents. Run with
//
//	NEWSMON_CLUSTER_DATA=../shared/data/cluster/articles.jsonl go test -run TestEvalE2E -v ./internal/clustereval/e2e/
func TestEvalE2E(t *testing.T) {
	items := evaldata.ClusterForTest(t)
	rows, err := Evaluate(context.Background(), Sets(items), func() (string, error) { return t.TempDir(), nil })
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	Markdown(&table, rows)
	t.Logf("\n%s", table.String())
	// The pipeline commits (and clusters) a batch when it is full or every
	// 200 ms, so batches, and with them the figures, vary a little from run
	// to run and more on a loaded machine; settling at the end of each crawl
	// takes most of that out (ten runs, docs/benchmarks.md: best minus worst
	// at most 0.010 BASIL, 0.011 ITN). The floors are issue 11's targets
	// (BASIL 0.96, ITN 0.90, pairs recall 0.70, best minus worst 0.02), but
	// pairs precision, whose worst in ten runs came within 0.02 of its 0.90,
	// keeps a floor below it so that it catches a regression without
	// failing on a loaded machine.
	sum := Summarize(rows)
	b, i := sum["basil"], sum["itn zh+en"]
	for _, c := range []struct {
		what       string
		got, floor float64
	}{
		{"worst BASIL B3 F1", b.WorstF1, 0.96},
		{"worst ITN zh+en B3 F1", i.WorstF1, 0.90},
		{"worst zh-en pairs recall", i.WorstPairsR, 0.70},
		{"worst zh-en pairs precision", i.WorstPairsP, 0.85},
	} {
		if c.got < c.floor {
			t.Errorf("%s %.3f < %.2f", c.what, c.got, c.floor)
		}
	}
	for set, s := range map[string]Summary{"BASIL": b, "ITN zh+en": i} {
		if d := s.BestF1 - s.WorstF1; d > 0.02 {
			t.Errorf("%s: best minus worst order B3 F1 %.3f > 0.02", set, d)
		}
	}
}
