package cluster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/newsmon/newsmon"
)

// TestSettleGivesOneGroupingForEveryOrder clusters one stream of made-up
// reports (events of one to eight reports sharing names, a Zipfian
// vocabulary) in date order, in reverse and shuffled, in batches through a
// store: after Settle every order gives the same grouping. Without Settle
// the orders disagree (checked, so that the data keeps the test honest).
func TestSettleGivesOneGroupingForEveryOrder(t *testing.T) {
	s := newSynth(7)
	arts := make([]newsmon.Article, 240)
	for i := range arts {
		arts[i] = s.next()
	}
	orders := [][]newsmon.Article{arts, slices.Clone(arts)}
	slices.Reverse(orders[1])
	for seed := range uint64(4) {
		sh := slices.Clone(arts)
		rand.New(rand.NewPCG(seed, 11)).Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		orders = append(orders, sh)
	}
	settled, unsettled := map[string]bool{}, map[string]bool{}
	var first []string
	for i, o := range orders {
		got := partition(newMemStore().run(t, Options{}, o, 16, 0))
		settled[strings.Join(got, " ")] = true
		if i == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("order %d groups the reports otherwise than date order:\n%v\nwant\n%v", i, diff(got, first), diff(first, got))
		}
		unsettled[strings.Join(partition(unsettledRun(t, o, 16)), " ")] = true
	}
	t.Logf("%d orders: %d groupings with Settle, %d without", len(orders), len(settled), len(unsettled))
	if len(unsettled) < 2 {
		t.Fatalf("without Settle every order gives the same grouping: the data shows nothing")
	}
}

// unsettledRun clusters arts in batches without Settle and returns each
// article's incident.
func unsettledRun(t *testing.T, arts []newsmon.Article, batch int) map[string]string {
	c := New(Options{})
	out := map[string]string{}
	for i := 0; i < len(arts); i += batch {
		part := arts[i:min(i+batch, len(arts))]
		ids, err := c.AddBatch(part)
		if err != nil {
			t.Fatal(err)
		}
		for j, a := range part {
			out[a.ID] = ids[j]
		}
		for _, m := range c.Changes().Merges {
			for a, inc := range out {
				if inc == m.From {
					out[a] = m.Into
				}
			}
		}
	}
	return out
}

// diff lists the groups of a that b does not have.
func diff(a, b []string) []string {
	var out []string
	for _, g := range a {
		if !slices.Contains(b, g) {
			out = append(out, g)
		}
	}
	return out
}

// allReviewed is a Review under which a reviewer decided about every
// incident and refused nothing.
type allReviewed struct{}

func (allReviewed) Refuses(string, string) bool { return false }
func (allReviewed) Reviewed(string) bool        { return true }

// TestSettleLeavesReviewedIncidents: Settle regroups no incident a
// reviewer decided about; without the reviews the same stream has
// articles moved.
func TestSettleLeavesReviewedIncidents(t *testing.T) {
	s := newSynth(7)
	arts := make([]newsmon.Article, 240)
	for i := range arts {
		arts[i] = s.next()
	}
	slices.Reverse(arts)
	moved := func(review Review) int {
		c := New(Options{Review: review})
		for i := 0; i < len(arts); i += 16 {
			if _, err := c.AddBatch(arts[i:min(i+16, len(arts))]); err != nil {
				t.Fatal(err)
			}
			c.Changes()
		}
		if err := c.Settle(nil); err != nil {
			t.Fatal(err)
		}
		ch := c.Changes()
		return len(ch.Moves) + len(ch.Merges)
	}
	if n := moved(nil); n == 0 {
		t.Fatal("Settle changed nothing without reviews: the test shows nothing")
	}
	if n := moved(allReviewed{}); n != 0 {
		t.Errorf("Settle moved or merged %d times among reviewed incidents, want none", n)
	}
}

// TestPruneTermsKeepsTheHeaviest: pruneTerms keeps what sorting by weight,
// then key, and cutting after centroidTerms keeps, ties at the cut
// included, and reports every term it drops.
func TestPruneTermsKeepsTheHeaviest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{centroidTerms - 1, centroidTerms, centroidTerms + 1, 2 * centroidTerms, 500} {
		for _, levels := range []int{3, 50, 1 << 30} { // few distinct weights: many ties at the cut
			terms := map[string]float64{}
			for i := range n {
				terms[fmt.Sprintf("t%04d", i)] = float64(rng.IntN(levels))
			}
			all := make([]term, 0, n)
			for k, w := range terms {
				all = append(all, term{k, w})
			}
			slices.SortFunc(all, byWeight)
			want := map[string]bool{}
			for _, tm := range all[:min(n, centroidTerms)] {
				want[tm.k] = true
			}
			dropped := 0
			pruneTerms(terms, func(string) { dropped++ })
			if len(terms) != len(want) || dropped != n-len(want) {
				t.Fatalf("n=%d levels=%d: kept %d, dropped %d; want %d, %d", n, levels, len(terms), dropped, len(want), n-len(want))
			}
			for k := range terms {
				if !want[k] {
					t.Fatalf("n=%d levels=%d: kept %s, which the sorted cut drops", n, levels, k)
				}
			}
		}
	}
}
