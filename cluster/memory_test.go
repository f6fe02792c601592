package cluster

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// distinct returns n made-up articles, each its own event (words drawn at
// random), one a day from start.
func distinct(n int, start time.Time, seed uint64) []newsmon.Article {
	rng := rand.New(rand.NewPCG(seed, 3))
	word := func() string {
		b := make([]byte, 7)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	sentence := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = word()
		}
		return strings.Join(w, " ")
	}
	out := make([]newsmon.Article, n)
	for i := range out {
		out[i] = newsmon.Article{ID: fmt.Sprintf("d%05d", i), Lang: "en", Source: "gen",
			Title: sentence(8), Body: sentence(40), Published: start.Add(time.Duration(i) * 24 * time.Hour)}
	}
	return out
}

// partition is the grouping of article ids, whatever the incident ids.
func partition(byArticle map[string]string) []string {
	groups := map[string][]string{}
	for a, inc := range byArticle {
		groups[inc] = append(groups[inc], a)
	}
	var out []string
	for _, g := range groups {
		slices.Sort(g)
		out = append(out, strings.Join(g, ","))
	}
	slices.Sort(out)
	return out
}

// TestOldArticleJoinsOldIncident: an article published years before
// everything since stored joins its own old incident, found again in the
// store after it was evicted from memory.
func TestOldArticleJoinsOldIncident(t *testing.T) {
	old, oldAgain := xiaomiEN, xiaomiEN2
	old.Published = time.Date(2013, 3, 1, 8, 0, 0, 0, time.UTC)
	oldAgain.Published = old.Published.Add(5 * time.Hour)
	s := newMemStore()
	c := s.open(Options{MaxOpen: 8})
	first, err := c.AddBatch([]newsmon.Article{old})
	if err != nil {
		t.Fatal(err)
	}
	s.sync(c)
	for _, a := range distinct(100, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), 1) {
		if _, err := c.AddBatch([]newsmon.Article{a}); err != nil {
			t.Fatal(err)
		}
		s.sync(c)
	}
	if _, inMemory := c.active[first[0]]; inMemory {
		t.Fatalf("the 2013 incident is still in memory (%d incidents, budget 8): the test shows nothing", len(c.active))
	}
	again, err := c.AddBatch([]newsmon.Article{oldAgain})
	if err != nil {
		t.Fatal(err)
	}
	if again[0] != first[0] {
		t.Errorf("the 2013 report opened %s, want it to join the 2013 incident %s", again[0], first[0])
	}
}

// TestRestartGivesTheSameIncidents: a stream clustered by one process and
// the same stream with a restart (a new clusterer over the store) after
// every batch group the articles the same way.
func TestRestartGivesTheSameIncidents(t *testing.T) {
	arts := []newsmon.Article{xiaomiEN, quakeZH, faceEN, football, xiaomiZH, budget, xiaomiSina, quakeEN, faceZH, xiaomiEN2, xiaomiZH2}
	arts = append(arts, distinct(30, t0.Add(-15*24*time.Hour), 2)...)
	rand.New(rand.NewPCG(5, 5)).Shuffle(len(arts), func(i, j int) { arts[i], arts[j] = arts[j], arts[i] })
	for _, batch := range []int{1, 4} {
		one := partition(newMemStore().run(t, Options{}, arts, batch, 0))
		restarted := partition(newMemStore().run(t, Options{}, arts, batch, 1))
		if !slices.Equal(one, restarted) {
			t.Errorf("batches of %d: with restarts\n%v\nwithout\n%v", batch, restarted, one)
		}
	}
}

// TestMemoryFollowsTheBudget streams ten times the budget of incidents:
// the incidents in memory stay within the budget, and the grouping is the
// one an unbounded clusterer finds.
func TestMemoryFollowsTheBudget(t *testing.T) {
	const budget = 40
	arts := distinct(10*budget, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), 3)
	// Every tenth article reports again on an event of twenty days before.
	for i := 20; i < len(arts); i += 10 {
		a := arts[i-20]
		a.ID, a.Published = a.ID+"-again", a.Published.Add(6*time.Hour)
		arts = append(arts, a)
	}
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(arts), func(i, j int) { arts[i], arts[j] = arts[j], arts[i] })
	s := newMemStore()
	c := s.open(Options{MaxOpen: budget})
	peak := 0
	byArticle := map[string]string{}
	for i := 0; i < len(arts); i += 5 {
		part := arts[i:min(i+5, len(arts))]
		ids, err := c.AddBatch(part)
		if err != nil {
			t.Fatal(err)
		}
		for j, a := range part {
			byArticle[a.ID] = ids[j]
		}
		s.save(part, ids)
		s.sync(c)
		checkPostings(t, c)
		peak = max(peak, len(c.active))
		if len(c.texts) > budget {
			t.Fatalf("%d texts kept for Settle, budget %d", len(c.texts), budget)
		}
		checkSketches(t, c)
	}
	if err := c.Settle(func() error { s.sync(c); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, m := range s.sync(c).Moves {
		byArticle[m.Article] = m.Into
	}
	checkPostings(t, c)
	peak = max(peak, len(c.active))
	if peak > budget {
		t.Errorf("%d incidents in memory at the peak, budget %d", peak, budget)
	}
	if len(s.incidents) < 5*budget {
		t.Fatalf("%d incidents stored: the stream did not exceed the budget", len(s.incidents))
	}
	for id, inc := range byArticle {
		byArticle[id] = s.resolve(inc)
	}
	unbounded := partition(newMemStore().run(t, Options{MaxOpen: 1 << 20}, arts, 5, 0))
	if got := partition(byArticle); !slices.Equal(got, unbounded) {
		t.Errorf("with a budget of %d the grouping differs from the unbounded one", budget)
	}
	for id := range maps.Keys(byArticle) {
		if strings.HasSuffix(id, "-again") && byArticle[id] != byArticle[strings.TrimSuffix(id, "-again")] {
			t.Errorf("%s did not join its event", id)
		}
	}
}

// checkPostings fails t unless c's postings are exactly the centroid terms
// of the incidents in memory, each posted once with its weight.
func checkPostings(t *testing.T, c *Clusterer) {
	t.Helper()
	n := 0
	for k, p := range c.posting {
		seen := map[*incident]bool{}
		for _, pt := range p {
			if c.active[pt.in.inc.ID] != pt.in {
				t.Fatalf("term %x: incident %s posted, not in memory", k, pt.in.inc.ID)
			}
			if w, ok := pt.in.terms[k]; !ok || w != pt.w || seen[pt.in] {
				t.Fatalf("term %x: incident %s posted with %v (centroid: %v, %v), or twice", k, pt.in.inc.ID, pt.w, w, ok)
			}
			seen[pt.in] = true
		}
		n += len(p)
	}
	want := 0
	for _, in := range c.active {
		want += len(in.terms)
	}
	if n != want {
		t.Fatalf("%d postings for the %d centroid terms of the incidents in memory", n, want)
	}
}

// TestLongStoryLoadsAroundItsNews: a new report of a story that has run
// for months brings the incidents around its own time into memory, not
// those of the story's whole span: consolidation weighs a change against
// the incidents within the window of when it happened, as joining does.
// Before, each new member of a long incident loaded every stored incident
// of its months (42 % of a 100,000-page crawl's CPU).
func TestLongStoryLoadsAroundItsNews(t *testing.T) {
	start := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	story := func(day int) newsmon.Article {
		return newsmon.Article{ID: fmt.Sprintf("s%03d", day), Lang: "en", Source: "gen", Published: start.Add(time.Duration(day) * 24 * time.Hour),
			Title: fmt.Sprintf("Harbour bridge repair enters week %d", day/7),
			Body:  fmt.Sprintf("Engineers repairing the harbour bridge closed two lanes again on day %d. The harbour bridge repair, begun after cracks were found in the main span, keeps traffic on the ferry route and the coastal road.", day)}
	}
	s := newMemStore()
	opts := Options{MaxOpen: 64}
	c := s.open(opts)
	const days = 120
	arts := distinct(days, start.Add(12*time.Hour), 7) // other news, one a day
	for d := range days {
		if _, err := c.AddBatch([]newsmon.Article{story(d), arts[d]}); err != nil {
			t.Fatal(err)
		}
		s.sync(c)
	}
	long, ok := c.Incident(c.Resolve(IncidentID("s000")))
	if !ok || len(long.ArticleIDs) != days || long.LastSeen.Sub(long.FirstSeen) < 100*24*time.Hour {
		t.Fatalf("the story is not one incident of months (%d articles, %v): the test shows nothing", len(long.ArticleIDs), long.LastSeen.Sub(long.FirstSeen))
	}

	c = s.open(opts) // a new process: nothing in memory
	s.asked = nil
	next := story(days)
	ids, err := c.AddBatch([]newsmon.Article{next})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != long.ID {
		t.Fatalf("the new report went to %s, not the story's incident %s", ids[0], long.ID)
	}
	w := DefaultWindow
	earliest := next.Published.Add(-w - 24*time.Hour) // days are loaded whole
	for _, r := range s.asked {
		if r.from.Before(earliest) {
			t.Errorf("the store was asked for incidents from %s, more than the window before the new report (%s)", r.from.Format(time.DateOnly), next.Published.Format(time.DateOnly))
		}
	}
	if len(c.active) > 32 {
		t.Errorf("%d incidents in memory after one report (a fortnight of news is about 15)", len(c.active))
	}
}

// TestMergeWeighedAroundItsCause: when a day's report is merged into a
// story of months, the merged incident is weighed again against the
// incidents around that day, not around the story's whole span: the store
// is not asked for the months of incidents behind it.
func TestMergeWeighedAroundItsCause(t *testing.T) {
	start := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	s := newMemStore()
	opts := Options{MaxOpen: 64}
	c := s.open(opts)
	const days = 120
	arts := distinct(days+1, start.Add(12*time.Hour), 11)
	story := make([]newsmon.Article, days)
	for d := range story {
		story[d] = arts[d]
		story[d].ID = fmt.Sprintf("s%03d", d)
		story[d].Title = fmt.Sprintf("Harbour bridge repair enters week %d", d/7)
		story[d].Body = fmt.Sprintf("Engineers repairing the harbour bridge closed two lanes again on day %d. The harbour bridge repair, begun after cracks were found in the main span, keeps traffic on the ferry route.", d)
	}
	if _, err := c.AddBatch(story); err != nil {
		t.Fatal(err)
	}
	s.sync(c)
	longID := c.Resolve(IncidentID("s000"))
	if long, ok := c.Incident(longID); !ok || len(long.ArticleIDs) != days {
		t.Fatalf("the story is not one incident of %d articles: the test shows nothing", days)
	}

	c = s.open(opts) // a new process
	report := arts[days]
	report.Published = start.Add((days - 1) * 24 * time.Hour)
	if _, err := c.AddBatch([]newsmon.Article{report}); err != nil {
		t.Fatal(err)
	}
	long, gone := c.active[longID], c.active[c.Resolve(IncidentID(report.ID))]
	if long == nil || gone == nil || long == gone {
		t.Fatal("the story and the report are not two incidents in memory: the test shows nothing")
	}
	s.asked = nil
	at := span{report.Published, report.Published}
	c.merge(long, gone, at)
	if err := c.Consolidate(); err != nil {
		t.Fatal(err)
	}
	earliest := report.Published.Add(-DefaultWindow - 24*time.Hour) // days are loaded whole
	for _, r := range s.asked {
		if r.from.Before(earliest) {
			t.Errorf("after the merge the store was asked for incidents from %s, more than the window before the report (%s)", r.from.Format(time.DateOnly), report.Published.Format(time.DateOnly))
		}
	}
}

// TestStretchesInUseStayLoaded: a crawl's articles come from a few
// stretches of time at once. While articles keep coming from two of them,
// the incidents around those times stay in memory, though the articles
// join only one of them and a scattered backfill keeps bringing other
// incidents in past the budget: an incident is as recent as the latest
// article that came near its days. Before, the incidents of the stretches
// were dropped as least recently used, and each article of a stretch read
// its days from the store again.
func TestStretchesInUseStayLoaded(t *testing.T) {
	day := 24 * time.Hour
	a0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	b0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	histA, histB, histC := distinct(60, a0, 11), distinct(60, b0, 12), distinct(300, c0, 13)
	for i := range histB {
		histB[i].ID = "b" + histB[i].ID
	}
	for i := range histC {
		histC[i].ID = "c" + histC[i].ID
	}
	s := newMemStore()
	opts := Options{MaxOpen: 64}
	s.run(t, opts, slices.Concat(histA, histB, histC), 10, 0)

	c := s.open(opts) // a new process
	again := func(a newsmon.Article, n int) newsmon.Article {
		a.ID = fmt.Sprintf("%s-again-%d", a.ID, n)
		a.Published = a.Published.Add(time.Hour)
		return a
	}
	inStretch := func(r span) bool {
		meets := func(from time.Time) bool { return !r.to.Before(from) && !r.from.After(from.Add(60*day)) }
		return meets(a0) || meets(b0)
	}
	reads := 0
	for round := range 20 {
		s.asked = nil
		batch := []newsmon.Article{again(histA[30], round), again(histB[30], round), histC[15*round%300]}
		batch[2].ID = fmt.Sprintf("c-backfill-%d", round)
		batch[2].Published = batch[2].Published.Add(2 * time.Hour)
		ids, err := c.AddBatch(batch)
		if err != nil {
			t.Fatal(err)
		}
		s.sync(c)
		if ids[0] != IncidentID(histA[30].ID) || ids[1] != IncidentID(histB[30].ID) {
			t.Fatalf("round %d: the reports went to %s and %s, not their stretches' incidents", round, ids[0], ids[1])
		}
		if round == 0 {
			continue // the stretches are read once
		}
		for _, r := range s.asked {
			if inStretch(r) {
				reads++
			}
		}
	}
	if len(c.active) > opts.MaxOpen {
		t.Errorf("%d incidents in memory, budget %d", len(c.active), opts.MaxOpen)
	}
	if reads > 0 {
		t.Errorf("the two stretches' days were read from the store %d times after the first round, want none", reads)
	}
}

// TestBusyDayHeldWhole: a day with more incidents than the budget is held
// whole while its articles come, instead of being dropped and read again
// for each article (memory is then that day's incidents, and it falls back
// to the budget once articles come from elsewhere).
func TestBusyDayHeldWhole(t *testing.T) {
	day0 := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	busy := distinct(200, day0, 21)
	for i := range busy {
		busy[i].Published = day0.Add(time.Duration(i) * 5 * time.Minute) // 200 in 17 hours
	}
	s := newMemStore()
	opts := Options{MaxOpen: 64}
	s.run(t, opts, busy[:150], 10, 0)

	c := s.open(opts) // a new process
	s.loads = 0
	for _, a := range busy[150:] {
		if _, err := c.AddBatch([]newsmon.Article{a}); err != nil {
			t.Fatal(err)
		}
		s.sync(c)
	}
	if len(s.incidents) <= opts.MaxOpen {
		t.Fatalf("%d incidents stored: the day does not exceed the budget, the test shows nothing", len(s.incidents))
	}
	if s.loads > 2 {
		t.Errorf("the store was read %d times for 50 articles of one day, want at most 2 (the day once, and the next)", s.loads)
	}
	later := distinct(1, day0.AddDate(1, 0, 0), 22)
	if _, err := c.AddBatch(later); err != nil {
		t.Fatal(err)
	}
	s.sync(c)
	if _, err := c.AddBatch(distinct(1, day0.AddDate(2, 0, 0), 23)); err != nil {
		t.Fatal(err)
	}
	if len(c.active) > opts.MaxOpen {
		t.Errorf("%d incidents in memory once articles come from elsewhere, budget %d", len(c.active), opts.MaxOpen)
	}
}
