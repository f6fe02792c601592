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
	// to run and more on a loaded machine. These floors sit below the
	// figures of docs/benchmarks.md by that variation: they catch a
	// regression; they are not the targets (issue 11: BASIL 0.96, ITN 0.90,
	// pairs recall 0.70 at precision 0.90, best minus worst 0.02).
	sum := Summarize(rows)
	b, i := sum["basil"], sum["itn zh+en"]
	for _, c := range []struct {
		what       string
		got, floor float64
	}{
		{"worst BASIL B3 F1", b.WorstF1, 0.95},
		{"worst ITN zh+en B3 F1", i.WorstF1, 0.88},
		{"worst zh-en pairs recall", i.WorstPairsR, 0.65},
		{"worst zh-en pairs precision", i.WorstPairsP, 0.85},
	} {
		if c.got < c.floor {
			t.Errorf("%s %.3f < %.2f", c.what, c.got, c.floor)
		}
	}
}
