package cluster

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestRebuildLeavesWholeIncidents regroups a neighbourhood of three
// incidents so that an article moves from the first to the second while
// the third's members stay together: the third stays as it is (the same
// incident, its articles not read back, nothing to persist), the other two
// are rebuilt from their new members.
func TestRebuildLeavesWholeIncidents(t *testing.T) {
	s := newMemStore()
	c := s.open(Options{})
	syn := newSynth(3)
	arts := make([]newsmon.Article, 80)
	for i := range arts {
		arts[i] = syn.next()
	}
	ids, err := c.AddBatch(arts)
	if err != nil {
		t.Fatal(err)
	}
	s.save(arts, ids)
	s.sync(c)
	var hood []*incident
	for _, id := range slices.Sorted(maps.Keys(c.active)) {
		if in := c.active[id]; len(in.inc.ArticleIDs) >= 2 && len(hood) < 3 {
			hood = append(hood, in)
		}
	}
	if len(hood) < 3 {
		t.Fatalf("%d incidents of two articles or more among %d, want 3", len(hood), len(c.active))
	}
	var ms []member
	var groups [3][]int
	for hi, h := range hood {
		for j, id := range h.inc.ArticleIDs {
			sk, ok, err := c.sketchOf(id)
			if err != nil || !ok {
				t.Fatalf("sketch of %s: %v %v", id, ok, err)
			}
			g := hi
			if hi == 0 && j == len(h.inc.ArticleIDs)-1 {
				g = 1 // the first incident's last article moves to the second
			}
			groups[g] = append(groups[g], len(ms))
			ms = append(ms, member{sketch: sk, from: h})
		}
	}
	moved := hood[0].inc.ArticleIDs[len(hood[0].inc.ArticleIDs)-1]
	for _, g := range groups {
		slices.Sort(g)
	}
	third, thirdIDs := hood[2], slices.Clone(hood[2].inc.ArticleIDs)
	clear(s.reads)
	if err := c.rebuild(hood, ms, groups[:]); err != nil {
		t.Fatal(err)
	}
	if c.active[third.inc.ID] != third || !slices.Equal(third.inc.ArticleIDs, thirdIDs) {
		t.Errorf("the third incident was rebuilt: %v, want %v as it was", c.active[third.inc.ID], thirdIDs)
	}
	for _, id := range thirdIDs {
		if s.reads[id] != 0 {
			t.Errorf("article %s of the unchanged incident read back %d times", id, s.reads[id])
		}
	}
	ch := c.Changes()
	changed := map[string]bool{}
	for _, sn := range ch.Incidents {
		changed[sn.Incident.ID] = true
	}
	if changed[third.inc.ID] || !changed[hood[0].inc.ID] || !changed[hood[1].inc.ID] {
		t.Errorf("incidents to persist %v: want the first two (%s, %s), not the third (%s)", changed, hood[0].inc.ID, hood[1].inc.ID, third.inc.ID)
	}
	if want := []Move{{Article: moved, Into: hood[1].inc.ID}}; !slices.Equal(ch.Moves, want) {
		t.Errorf("moves %v, want %v", ch.Moves, want)
	}
}

// TestSketchesFollowIncidents: an article's sketch is kept while its
// incident is in memory, however many articles come meanwhile, and goes
// when the incident does.
func TestSketchesFollowIncidents(t *testing.T) {
	const budget = 8
	s := newMemStore()
	c := s.open(Options{MaxOpen: budget})
	add := func(arts []newsmon.Article) {
		t.Helper()
		ids, err := c.AddBatch(arts)
		if err != nil {
			t.Fatal(err)
		}
		s.save(arts, ids)
		s.sync(c)
		checkSketches(t, c)
	}
	// Five times the budget of events of one day: the day is held whole.
	day := time.Date(2021, 5, 1, 0, 0, 0, 0, time.UTC)
	first := distinct(5*budget, day, 4)
	for i := range first {
		first[i].Published = day.Add(time.Duration(i) * time.Minute)
	}
	add(first)
	if _, ok := c.sketches[first[0].ID]; !ok || len(c.active) != len(first) {
		t.Fatalf("after %d events of one day: %d incidents in memory, sketch of the first kept %v", len(first), len(c.active), ok)
	}
	// Then events of other days, one a day, a year later: the first day's
	// incidents leave memory, and their sketches with them.
	later := distinct(5*budget, day.AddDate(1, 0, 0), 5)
	for i := range later {
		later[i].ID = fmt.Sprint("later-", i)
		add(later[i : i+1])
	}
	if _, ok := c.sketches[first[0].ID]; ok {
		t.Error("the first day's incidents left memory, the first article's sketch did not")
	}
	if len(c.sketches) > 2*budget {
		t.Errorf("%d sketches kept, %d incidents in memory", len(c.sketches), len(c.active))
	}
}

// checkSketches fails unless every sketch kept is of an article of an
// incident in memory.
func checkSketches(t *testing.T, c *Clusterer) {
	t.Helper()
	members := map[string]bool{}
	for _, in := range c.active {
		for _, id := range in.inc.ArticleIDs {
			members[id] = true
		}
	}
	for id := range c.sketches {
		if !members[id] {
			t.Fatalf("sketch of %s kept, whose incident is not in memory", id)
		}
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

// TestPrunedCentroidsAreCompact: centroids cut back to centroidTerms after
// growing take the memory of maps made for that many terms, not of the
// larger map they were (Go maps do not shrink).
func TestPrunedCentroidsAreCompact(t *testing.T) {
	const n = 2000
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	build := func(prune bool) uint64 {
		before := heap()
		ms := make([]map[uint64]float64, n)
		for i := range ms {
			m := map[uint64]float64{}
			size := centroidTerms
			if prune {
				size += articleTerms // a centroid that takes an article's terms, then is cut
			}
			for j := range size {
				m[wordKey(fmt.Sprintf("t%04d", (i+j)%5000))] = float64(size - j)
			}
			if prune {
				m = pruneTerms(m, nil, nil)
			}
			ms[i] = m
		}
		used := heap() - before
		runtime.KeepAlive(ms)
		return used
	}
	fresh, pruned := build(false), build(true)
	t.Logf("%d centroids of %d terms: %d bytes each made so, %d grown and pruned", n, centroidTerms, fresh/n, pruned/n)
	if float64(pruned) > 1.2*float64(fresh) {
		t.Errorf("pruned centroids take %d bytes each, %.2f× those made with their size", pruned/n, float64(pruned)/float64(fresh))
	}
}

// TestPruneTermsKeepsTheHeaviest: pruneTerms keeps what sorting by weight,
// then key, and cutting after centroidTerms keeps, ties at the cut
// included, and reports every term it drops.
func TestPruneTermsKeepsTheHeaviest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{centroidTerms - 1, centroidTerms, centroidTerms + 1, 2 * centroidTerms, 500} {
		for _, levels := range []int{3, 50, 1 << 30} { // few distinct weights: many ties at the cut
			terms := map[uint64]float64{}
			texts := map[uint64]string{}
			for i := range n {
				s := fmt.Sprintf("t%04d", i)
				terms[wordKey(s)], texts[wordKey(s)] = float64(rng.IntN(levels)), s
			}
			all := make([]term, 0, n)
			for k, w := range terms {
				all = append(all, term{texts[k], k, w})
			}
			slices.SortFunc(all, byWeight)
			want := map[uint64]bool{}
			for _, tm := range all[:min(n, centroidTerms)] {
				want[tm.key] = true
			}
			dropped := 0
			terms = pruneTerms(terms, func(uint64) { dropped++ }, func(k uint64) string { return texts[k] })
			if len(terms) != len(want) || dropped != n-len(want) {
				t.Fatalf("n=%d levels=%d: kept %d, dropped %d; want %d, %d", n, levels, len(terms), dropped, len(want), n-len(want))
			}
			for k := range terms {
				if !want[k] {
					t.Fatalf("n=%d levels=%d: kept %s, which the sorted cut drops", n, levels, texts[k])
				}
			}
		}
	}
}
