// Package clustereval scores a clustering of the labelled cluster data
// (internal/evaldata: B-cubed and zh-en same-event pairs) and serves that
// data as a local fake web, one host per outlet, for evaluations that go
// through the real crawl (package e2e). It is the one scorer of that data.
package clustereval

import "github.com/newsmon/newsmon/internal/evaldata"

// Item is one labelled article.
type Item = evaldata.Item

// Score is a clustering's agreement with the gold events.
type Score struct {
	N         int     // items scored
	P, R, F1  float64 // B-cubed precision, recall and F1
	PairsGold int     // zh-en pairs of one event
	PairsPred int     // zh-en pairs put in one incident
	PairsR    float64 // recall of the gold zh-en pairs
	PairsP    float64 // precision of the predicted zh-en pairs
}

// Evaluate scores pred (item id to incident id; an item missing from pred
// is an incident of its own) over the items that keep selects (all when
// keep is nil). The zh-en pairs count over the selected items of ITN.
func Evaluate(items []Item, pred map[string]string, keep func(Item) bool) Score {
	label := func(it Item) string {
		if p, ok := pred[it.ID]; ok {
			return p
		}
		return "single:" + it.ID
	}
	var sel []Item
	for _, it := range items {
		if keep == nil || keep(it) {
			sel = append(sel, it)
		}
	}
	var s Score
	s.N = len(sel)
	type key struct{ pred, gold string }
	predN, goldN, both := map[string]int{}, map[string]int{}, map[key]int{}
	for _, it := range sel {
		predN[label(it)]++
		goldN[it.Event]++
		both[key{label(it), it.Event}]++
	}
	for _, it := range sel {
		k := float64(both[key{label(it), it.Event}])
		s.P += k / float64(predN[label(it)])
		s.R += k / float64(goldN[it.Event])
	}
	if s.N > 0 {
		s.P, s.R = s.P/float64(s.N), s.R/float64(s.N)
		s.F1 = 2 * s.P * s.R / (s.P + s.R)
	}
	var zh, en []Item
	for _, it := range sel {
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
			g, p := a.Event == b.Event, label(a) == label(b)
			if g {
				s.PairsGold++
			}
			if p {
				s.PairsPred++
			}
			if g && p {
				tp++
			}
		}
	}
	if s.PairsGold > 0 {
		s.PairsR = float64(tp) / float64(s.PairsGold)
	}
	if s.PairsPred > 0 {
		s.PairsP = float64(tp) / float64(s.PairsPred)
	}
	return s
}
