package clustereval

import (
	"math"
	"testing"
)

func TestEvaluate(t *testing.T) {
	items := []Item{
		{ID: "z1", Lang: "zh", Event: "a", Dataset: "itn"},
		{ID: "e1", Lang: "en", Event: "a", Dataset: "itn"},
		{ID: "e2", Lang: "en", Event: "b", Dataset: "itn"},
		{ID: "z2", Lang: "zh", Event: "b", Dataset: "itn"},
	}
	tests := []struct {
		name         string
		pred         map[string]string
		f1, pr, pp   float64
		gold, predic int
	}{
		{"perfect", map[string]string{"z1": "1", "e1": "1", "e2": "2", "z2": "2"}, 1, 1, 1, 2, 2},
		{"all singletons (missing from pred)", map[string]string{}, 2 * 1 * 0.5 / 1.5, 0, 0, 2, 0},
		{"all in one", map[string]string{"z1": "1", "e1": "1", "e2": "1", "z2": "1"}, 2 * 0.5 * 1 / 1.5, 1, 0.5, 2, 4},
	}
	for _, tt := range tests {
		s := Evaluate(items, tt.pred, nil)
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
		if !near(s.F1, tt.f1) || !near(s.PairsR, tt.pr) || !near(s.PairsP, tt.pp) || s.PairsGold != tt.gold || s.PairsPred != tt.predic {
			t.Errorf("%s: got F1 %.3f pairs R %.3f P %.3f (%d gold, %d predicted); want %.3f %.3f %.3f (%d, %d)",
				tt.name, s.F1, s.PairsR, s.PairsP, s.PairsGold, s.PairsPred, tt.f1, tt.pr, tt.pp, tt.gold, tt.predic)
		}
	}
	if s := Evaluate(items, map[string]string{}, func(it Item) bool { return it.Lang == "zh" }); s.N != 2 || s.PairsGold != 0 {
		t.Errorf("keep zh: N %d, gold pairs %d; want 2, 0", s.N, s.PairsGold)
	}
}
