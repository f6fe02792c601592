// Package e2e evaluates clustering end to end: the labelled cluster data is
// served as a local fake web (clustereval.Web), crawled by the real
// pipeline into a real store, in the orders users bring (date order,
// reverse, shuffled, a backfill over several processes, a daemon catching
// up over several cycles), and the stored incidents are scored.
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/clustereval"
	"github.com/newsmon/newsmon/internal/evaldata"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/store"
)

// Order is one way the articles reach newsmon.
type Order struct {
	Name    string
	Arrival clustereval.Arrival
	// Restart runs each phase in a new pipeline over the reopened store (a
	// new process); otherwise one pipeline runs every phase (a daemon's
	// cycles).
	Restart bool
}

// Orders are the orders of the evaluation: date, reverse date, five
// shuffles, a backfill in three crawls (newest first, each a new process)
// and a daemon catching up oldest first over four cycles.
func Orders() []Order {
	orders := []Order{
		{Name: "date", Arrival: clustereval.Arrival{Order: "date"}},
		{Name: "reverse", Arrival: clustereval.Arrival{Order: "reverse"}},
	}
	for seed := uint64(1); seed <= 5; seed++ {
		orders = append(orders, Order{Name: fmt.Sprintf("shuffle %d", seed), Arrival: clustereval.Arrival{Order: "shuffle", Seed: seed}})
	}
	return append(orders,
		Order{Name: "backfill, 3 processes", Restart: true,
			Arrival: clustereval.Arrival{Order: "shuffle", Seed: 11, Phases: 3, Backfill: true}},
		Order{Name: "daemon catch-up, 4 cycles",
			Arrival: clustereval.Arrival{Order: "shuffle", Seed: 12, Phases: 4}},
	)
}

// Run serves items in the order given, crawls them into a new store in dir
// and returns each item's incident (item id to incident id; an item folded
// as a duplicate of another article takes that article's incident).
func Run(ctx context.Context, items []clustereval.Item, o Order, dir string) (map[string]string, error) {
	web := clustereval.NewWeb(items, o.Arrival)
	defer web.Close()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Sources = web.Sources()
	cfg.Topics = nil
	cfg.Crawl.AllowPrivateNetworks = true
	cfg.Crawl.PerHostDelay = 0
	cfg.Crawl.Retries = 2
	cfg.Crawl.Timeout = 30 * time.Second
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	path := filepath.Join(dir, "newsmon.db")

	var st *store.Store
	var p *pipeline.Pipeline
	closeStore := func() {
		if st != nil {
			st.Close()
			st, p = nil, nil
		}
	}
	defer closeStore()
	for phase := 0; phase < max(o.Arrival.Phases, 1); phase++ {
		web.SetPhase(phase)
		if st == nil {
			var err error
			if st, err = store.Open(path); err != nil {
				return nil, err
			}
			if p, err = pipeline.New(cfg, st, log, nil); err != nil {
				return nil, err
			}
		}
		if _, err := p.Run(ctx, cfg.Sources, nil); err != nil {
			return nil, fmt.Errorf("order %s, phase %d: %w", o.Name, phase, err)
		}
		if o.Restart {
			closeStore()
		}
	}
	if st == nil {
		var err error
		if st, err = store.Open(path); err != nil {
			return nil, err
		}
	}
	pred := map[string]string{}
	err := st.Incidents(func(inc newsmon.Incident) error {
		for _, id := range inc.ArticleIDs {
			a, err := st.Article(id)
			if err != nil {
				return fmt.Errorf("incident %s: article %s: %w", inc.ID, id, err)
			}
			if a.IncidentID != inc.ID {
				return fmt.Errorf("order %s: article %s is stored as part of incident %s, and incident %s lists it", o.Name, id, a.IncidentID, inc.ID)
			}
			urls := []string{a.URL}
			for _, d := range a.Duplicates {
				urls = append(urls, d.URL)
			}
			for _, u := range urls {
				if it, ok := web.ItemByURL(u); ok {
					pred[it.ID] = inc.ID
				}
			}
		}
		return nil
	})
	return pred, err
}

// Row is the score of one set of items in one order.
type Row struct {
	Order, Set string
	clustereval.Score
}

// Sets are the evaluation's sets: BASIL (English, three outlets) and ITN's
// Chinese and English reports.
func Sets(items []clustereval.Item) []Set {
	return []Set{
		{"basil", evaldata.Select(items, "basil")},
		{"itn zh+en", evaldata.Select(items, "itn", "zh", "en")},
	}
}

// Set is a named selection of the items.
type Set struct {
	Name  string
	Items []clustereval.Item
}

// Evaluate runs every set in every order of Orders, each in a new
// directory that tempDir returns, and scores each.
func Evaluate(ctx context.Context, sets []Set, tempDir func() (string, error)) ([]Row, error) {
	var rows []Row
	for _, o := range Orders() {
		for _, set := range sets {
			dir, err := tempDir()
			if err != nil {
				return nil, err
			}
			pred, err := Run(ctx, set.Items, o, dir)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", o.Name, set.Name, err)
			}
			rows = append(rows, Row{o.Name, set.Name, clustereval.Evaluate(set.Items, pred, nil)})
		}
	}
	return rows, nil
}

// Summary is the worst and best of a set's rows.
type Summary struct {
	WorstF1, BestF1          float64
	WorstPairsR, WorstPairsP float64
	MeanF1                   float64
}

// Summarize returns each set's summary.
func Summarize(rows []Row) map[string]Summary {
	out := map[string]Summary{}
	n := map[string]int{}
	for _, r := range rows {
		s, seen := out[r.Set]
		if !seen {
			s = Summary{WorstF1: r.F1, BestF1: r.F1, WorstPairsR: r.PairsR, WorstPairsP: r.PairsP}
		}
		s.WorstF1, s.BestF1 = min(s.WorstF1, r.F1), max(s.BestF1, r.F1)
		s.WorstPairsR, s.WorstPairsP = min(s.WorstPairsR, r.PairsR), min(s.WorstPairsP, r.PairsP)
		s.MeanF1 += r.F1
		n[r.Set]++
		out[r.Set] = s
	}
	for k, s := range out {
		s.MeanF1 /= float64(n[k])
		out[k] = s
	}
	return out
}

// Markdown writes rows and their summary as a markdown table.
func Markdown(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| order | set | B³ P | B³ R | B³ F1 | zh↔en pairs R | zh↔en pairs P |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range rows {
		pairs := "| | "
		if r.PairsGold > 0 {
			pairs = fmt.Sprintf("| %.3f | %.3f ", r.PairsR, r.PairsP)
		}
		fmt.Fprintf(w, "| %s | %s | %.3f | %.3f | %.3f %s|\n", r.Order, r.Set, r.P, r.R, r.F1, pairs)
	}
	sum := Summarize(rows)
	for _, k := range slices.Sorted(maps.Keys(sum)) {
		s := sum[k]
		pairs := "| |"
		if s.WorstPairsR > 0 || s.WorstPairsP > 0 {
			pairs = fmt.Sprintf("| worst %.3f | worst %.3f |", s.WorstPairsR, s.WorstPairsP)
		}
		fmt.Fprintf(w, "| **%s: mean / worst / best − worst** | | | | %.3f / %.3f / %.3f %s\n",
			k, s.MeanF1, s.WorstF1, s.BestF1-s.WorstF1, pairs)
	}
}
