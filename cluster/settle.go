package cluster

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/newsmon/newsmon"
)

// Settling. Joining and consolidation decide with what has arrived: the
// incident's members so far and the document frequencies of the moment,
// so a report near the threshold joins or not depending on which reports
// came before it, and early vectors (few documents counted) are flatter
// than late ones. Settle, at the end of a crawl or cycle, revisits each
// incident changed since its last call together with its nearest
// neighbours (the neighbourhood): their members are grouped again as they
// would be arriving in time order (then by id), with the document
// frequencies of now, by the same join and merge tests. When that grouping
// differs from the incidents as they are, the neighbourhood is rebuilt
// from it: a group keeps the id of the incident most of its members come
// from (each id once), an incident whose id no group keeps is reported
// merged into the group that took most of its members, an article that
// changed incident is reported in Changes.Moves. So the grouping of a
// neighbourhood is a function of its members and the corpus, whatever the
// order they came in.
//
// The tests are eased by settleJoinSlack and settleMergeSlack: with the
// corpus's document frequencies common words weigh less than when the
// first reports of an event arrived, and same-event reports' cosines are
// lower (the three reports of one BASIL event: 0.19-0.41 pairwise among
// few documents, 0.08-0.19 among all 156).

const (
	settleNear       = 3    // neighbours regrouped with a changed incident
	settleLow        = 0.06 // the centroid similarity a neighbour needs
	settleMembers    = 32   // neighbourhoods with more members are left as they are
	settleJoinSlack  = 0.04 // the join test's ease in settling
	settleMergeSlack = 0.08 // the merge test's ease in settling
	// Weights set when the corpus was so much smaller that a rare term's
	// idf has grown by more than this factor since are set again (a
	// centroid), and the terms of an article sketched then are chosen
	// again from its text: with few documents common words weigh almost
	// as much as rare ones. Between 16 and 156 documents a rare term's idf
	// grows by 80 %, between 10,000 and 20,000 by 7 %.
	staleIDF     = 1.2
	settleCopies = 8   // near copies of an incident kept to count again when it is rebuilt
	settleChunk  = 512 // changed incidents settled between two commits
	// Articles whose sketches are kept at most (about 0.9 KB each). A
	// sketch is kept while its article's incident is in memory, and
	// dropped with it (evict): settling regroups incidents in memory and
	// their neighbours, so those are the sketches it uses; an older one is
	// read back and analysed again. Until 2026-12-07 (late) the newest
	// min(cluster.max_open, 32,768) added or used were kept, in two
	// generations: at 100,000 scalebench pages, with cluster.max_open at
	// 5,000, 123,233 articles were analysed again (1.23 for each one
	// added, 10 % of the CPU) while the incidents in memory held 15,000 to
	// 24,000 articles; since, 14,717 (2 % of the CPU), for 14 MB more heap
	// at the peak (docs/benchmarks.md).
	settleKeep = 32768
	// Articles kept in a larger form: their analysed text when the Store
	// cannot read articles back (at most 3 KB each), their sketches
	// weighted now during a Settle (about 2 KB each).
	wholeKeep = 4096
)

// ArticleReader is what Settle asks of the Loader, when it has it: a stored
// article by id. Without it, the clusterer keeps the text of the articles
// added since the last Settle itself.
type ArticleReader interface {
	Article(id string) (newsmon.Article, error)
}

// Move says that article Article is now part of incident Into.
type Move struct {
	Article, Into string
}

// sketch is an article as Settle weighs it: its id, time, and heaviest
// terms with their damped frequencies (vec.tf), to be weighted with the
// document frequencies of now.
type sketch struct {
	id   string
	t    time.Time
	v    vec
	docs int // documents counted when it was made
}

// kept is a sketch as kept between uses: its terms by key (termKey), with
// their damped frequencies, 12 bytes a term instead of a vec's 32 and a
// string's text (a text kept would keep alive the article's terms that no
// centroid holds: about 45 MB more peak RSS at 20,000 scalebench pages).
type kept struct {
	t    time.Time
	keys []uint64
	tf   []float32
	docs int
}

// member is an article of a neighbourhood being settled: its sketch,
// weighted now, and the incident it is in.
type member struct {
	sketch
	from *incident
}

// Settle regroups the neighbourhoods of the incidents changed since its
// last call (see above), then consolidates. Call it at the end of a crawl
// or cycle, when the articles it added are stored. It works through the
// changed incidents in time order, settleChunk at a time, and after each
// chunk calls commit (when not nil), which persists what Changes returns,
// so that what it changed can leave memory within the budget.
func (c *Clusterer) Settle(commit func() error) error {
	todo := slices.SortedFunc(maps.Keys(c.unsettled), func(a, b string) int {
		sa, sb := c.unsettled[a], c.unsettled[b]
		if d := sa.from.Compare(sb.from); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	spans := c.unsettled
	c.unsettled = map[string]span{}
	for len(todo) > 0 {
		chunk := todo[:min(settleChunk, len(todo))]
		todo = todo[len(chunk):]
		if err := c.settleChunk(chunk, spans); err != nil {
			return err
		}
		if err := c.Consolidate(); err != nil {
			return err
		}
		clear(c.now)
		if commit != nil {
			if err := commit(); err != nil {
				return err
			}
			c.evict()
		}
	}
	clear(c.unsettled) // what Settle itself changed is settled
	clear(c.texts)
	return nil
}

// settleChunk settles the incidents of ids (changed at the times of spans):
// first each one's centroid is weighed anew, so that neighbours are found
// by today's weights (an incident of reports that came among the first few
// documents has weights unlike today's), then their neighbourhoods are
// regrouped.
func (c *Clusterer) settleChunk(ids []string, spans map[string]span) error {
	w := c.opts.Window
	var ok []string
	for _, id := range ids {
		s := spans[id]
		if err := c.ensure(s.from.Add(-w), s.to.Add(w)); err != nil {
			return err
		}
		in := c.active[c.Resolve(id)]
		if in == nil {
			continue
		}
		if c.stale(in.weighed) {
			had, err := c.reweigh(in)
			if err != nil {
				return err
			}
			if !had {
				continue // a member cannot be had: left as it is
			}
		}
		ok = append(ok, id)
	}
	for _, id := range ok {
		s := spans[id]
		if err := c.ensure(s.from.Add(-w), s.to.Add(w)); err != nil {
			return err
		}
		if in := c.active[c.Resolve(id)]; in != nil {
			if err := c.settle(in, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// keep is how many articles are kept in a larger form (wholeKeep): the
// budget of incidents in memory, at most wholeKeep.
func (c *Clusterer) keep() int {
	return min(c.opts.MaxOpen, wholeKeep)
}

// stale reports whether weights set when docs documents were counted are
// stale now (staleIDF).
func (c *Clusterer) stale(docs int) bool {
	return math.Log1p(float64(c.docs)) > staleIDF*math.Log1p(float64(docs))
}

// reweigh sets in's centroid to the sum of its members' (and copies')
// vectors weighted now; false when a member cannot be had.
func (c *Clusterer) reweigh(in *incident) (bool, error) {
	terms := make(map[uint64]float64, len(in.terms))
	for _, id := range in.inc.ArticleIDs {
		sk, ok, err := c.sketchOf(id)
		if err != nil || !ok {
			return false, err
		}
		for _, tm := range sk.v.terms {
			terms[tm.key] += tm.w
		}
	}
	for _, a := range c.copies[in.inc.ID] {
		for _, tm := range c.analyzeArticle(a, false).terms {
			terms[tm.key] += tm.w
		}
	}
	terms = pruneTerms(terms, nil, c.text)
	c.unindex(in)
	in.terms = terms
	in.norms()
	in.weighed = c.docs
	c.index(in)
	c.dirty[in] = true
	return true, nil
}

// settle regroups in's neighbourhood if its grouping differs.
func (c *Clusterer) settle(in *incident, near span) error {
	hood := []*incident{in}
	n := len(in.inc.ArticleIDs)
	for _, o := range c.neighbours(in, near) {
		if k := len(o.inc.ArticleIDs); n+k <= settleMembers {
			hood, n = append(hood, o), n+k
		}
	}
	if len(hood) == 1 && n < 2 || n > settleMembers || c.reviewed(hood) {
		return nil
	}
	ms := make([]member, 0, n)
	for _, h := range hood {
		for _, id := range h.inc.ArticleIDs {
			sk, ok, err := c.sketchOf(id)
			if err != nil || !ok {
				return err
			}
			ms = append(ms, member{sketch: sk, from: h})
		}
	}
	slices.SortFunc(ms, func(x, y member) int {
		if d := x.t.Compare(y.t); d != 0 {
			return d
		}
		return strings.Compare(x.id, y.id)
	})
	groups := c.regroup(ms)
	if samePartition(ms, groups, len(hood)) {
		return nil
	}
	if c.mergeGroups(hood, ms, groups, near) {
		return nil
	}
	return c.rebuild(hood, ms, groups)
}

// mergeGroups applies groups by merging when each is a union of whole
// incidents of hood (nothing moves or splits): an incident takes in the
// others of its group as Consolidate merges, keeping the id that rebuild
// would (most members, then hood order), with no article read again. It
// reports whether it did; near is the span being settled.
func (c *Clusterer) mergeGroups(hood []*incident, ms []member, groups [][]int, near span) bool {
	of := make(map[*incident]int, len(hood)) // incident -> its group
	for gi, g := range groups {
		for _, i := range g {
			if gj, ok := of[ms[i].from]; ok && gj != gi {
				return false // split
			}
			of[ms[i].from] = gi
		}
	}
	for gi := range groups {
		var keep *incident
		for _, h := range hood {
			if of[h] == gi && (keep == nil || len(h.inc.ArticleIDs) > len(keep.inc.ArticleIDs)) {
				keep = h
			}
		}
		for _, h := range hood {
			if of[h] == gi && h != keep {
				c.merge(keep, h, near)
			}
		}
	}
	return true
}

// keepSketch keeps article id's sketch (its vector v as made when docs
// documents were counted) for Settle, unless settleKeep are kept.
func (c *Clusterer) keepSketch(id string, t time.Time, v vec, docs int) {
	if _, ok := c.sketches[id]; !ok && len(c.sketches) >= settleKeep {
		return
	}
	k := kept{t: t, keys: make([]uint64, len(v.terms)), tf: make([]float32, len(v.terms)), docs: docs}
	for i, tm := range v.terms {
		k.keys[i], k.tf[i] = tm.key, float32(v.tf[i])
	}
	c.sketches[id] = k
}

// dropSketches drops the sketches of the articles of incidents leaving
// memory.
func (c *Clusterer) dropSketches(drop []*incident) {
	for _, in := range drop {
		for _, id := range in.inc.ArticleIDs {
			delete(c.sketches, id)
		}
	}
}

// sketchOf returns article id's sketch weighted with today's document
// frequencies; false when it is not kept and its text cannot be had
// (not kept either, and the Store is no ArticleReader).
func (c *Clusterer) sketchOf(id string) (sketch, bool, error) {
	if sk, ok := c.now[id]; ok {
		return sk, true, nil
	}
	if len(c.now) >= c.keep() {
		clear(c.now)
	}
	var sk sketch
	k, ok := c.sketches[id]
	if ok = ok && !c.stale(k.docs); ok {
		sk, ok = c.weighNow(id, k)
	}
	if !ok {
		a, ok, err := c.article(id)
		if err != nil || !ok {
			return sketch{}, false, err
		}
		sk = sketch{id: id, t: articleTime(a), v: c.analyzeArticle(a, false)}
		c.keepSketch(id, sk.t, sk.v, c.docs)
	}
	c.now[id] = sk
	return sk, true, nil
}

// weighNow is kept sketch k of article id weighted with today's document
// frequencies; false when the text of one of its terms is not known.
func (c *Clusterer) weighNow(id string, k kept) (sketch, bool) {
	v := vec{terms: make([]term, len(k.keys))}
	for i, key := range k.keys {
		text, df, ok := c.vocab.entry(key)
		if !ok {
			return sketch{}, false
		}
		v.terms[i] = term{text, key, float64(k.tf[i]) * c.idf(max(1, df))}
	}
	normalise(&v)
	return sketch{id: id, t: k.t, v: v, docs: k.docs}, true
}

// article returns stored article id: kept since the last Settle, else read
// through the Store if it is an ArticleReader.
func (c *Clusterer) article(id string) (newsmon.Article, bool, error) {
	if a, ok := c.texts[id]; ok {
		return a, true, nil
	}
	r, ok := c.opts.Store.(ArticleReader)
	if !ok {
		return newsmon.Article{}, false, nil
	}
	a, err := r.Article(id)
	if err != nil {
		return a, false, fmt.Errorf("settle: article %s: %w", id, err)
	}
	return a, true, nil
}

// reviewed reports whether a reviewer decided about an incident of hood,
// or refused any of its articles a place in another of them: such a
// neighbourhood is left as it is.
func (c *Clusterer) reviewed(hood []*incident) bool {
	if c.opts.Review == nil {
		return false
	}
	for _, a := range hood {
		if c.opts.Review.Reviewed(a.inc.ID) {
			return true
		}
		for _, b := range hood {
			if a != b && c.refusesMerge(a, b) {
				return true
			}
		}
	}
	return false
}

// neighbours returns up to settleNear incidents in memory most similar to
// in (at least settleLow), among those whose spans come within the window
// of near.
func (c *Clusterer) neighbours(in *incident, near span) []*incident {
	if in.norm == 0 {
		return nil
	}
	type cand struct {
		in    *incident
		score float64
	}
	var cands []cand
	// Neighbours are found only through terms of few incidents (minPosting):
	// settling looks for the incidents an event's reports are split
	// among, which share its rarer terms, and every changed incident is
	// looked at.
	for _, o := range c.nearby(in, near, minPosting) {
		if s := centroidSimilarity(in, o); s >= settleLow {
			cands = append(cands, cand{o, s})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.in.inc.ID, b.in.inc.ID)
	})
	out := make([]*incident, 0, settleNear)
	for i := 0; i < len(cands) && i < settleNear; i++ {
		out = append(out, cands[i].in)
	}
	return out
}

// samePartition reports whether groups (indexes into ms) are the incidents
// the members come from, n of them.
func samePartition(ms []member, groups [][]int, n int) bool {
	if len(groups) != n {
		return false
	}
	seen := make(map[*incident]bool, n)
	for _, g := range groups {
		f := ms[g[0]].from
		if seen[f] {
			return false
		}
		seen[f] = true
		for _, i := range g {
			if ms[i].from != f {
				return false
			}
		}
	}
	return true
}

// regroup groups ms (in time order, analysed) as the clusterer would were
// they to arrive in that order with today's document frequencies: each
// joins the most similar group it passes the join test with, else opens
// one; then groups merge as Consolidate merges incidents. It returns the
// groups as indexes into ms, each in time order, ordered by their first
// member.
func (c *Clusterer) regroup(ms []member) [][]int {
	// A group's centroid is the plain sum of its members' vectors, not cut
	// to centroidTerms (a neighbourhood is small), its norms kept as the
	// terms are added, in the members' order.
	type group struct {
		in      *incident // centroid, span and article count only
		members []int
		n2, x2  float64 // squared norms
	}
	var gs []*group
	add := func(g *group, i int) {
		m := ms[i]
		g.members = append(g.members, i)
		g.in.inc.ArticleIDs = append(g.in.inc.ArticleIDs, m.id)
		if m.t.Before(g.in.inc.FirstSeen) {
			g.in.inc.FirstSeen = m.t
		}
		if m.t.After(g.in.inc.LastSeen) {
			g.in.inc.LastSeen = m.t
		}
		for _, tm := range m.v.terms {
			old := g.in.terms[tm.key]
			w := old + tm.w
			g.in.terms[tm.key] = w
			d := w*w - old*old
			g.n2 += d
			if crossKey(tm.key) {
				g.x2 += d
			}
		}
		g.in.norm, g.in.normX = math.Sqrt(max(0, g.n2)), math.Sqrt(max(0, g.x2))
	}
	for i, m := range ms {
		var best *group
		bestSim := 0.0
		for _, g := range gs {
			if !c.accepts(g.in, m.t) {
				continue
			}
			s := similarity(m.v, g.in)
			if s >= c.joinTest(len(m.v.terms), g.in)-settleJoinSlack && (best == nil || s > bestSim) {
				best, bestSim = g, s
			}
		}
		if best == nil {
			best = &group{in: &incident{terms: map[uint64]float64{}, inc: newsmon.Incident{FirstSeen: m.t, LastSeen: m.t}}}
			gs = append(gs, best)
		}
		add(best, i)
	}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(gs) && !merged; i++ {
			a := gs[i]
			var best *group
			bestSim := 0.0
			for j, b := range gs {
				if j == i || !c.meets(b.in, span{a.in.inc.FirstSeen, a.in.inc.LastSeen}) {
					continue
				}
				s := centroidSimilarity(a.in, b.in)
				if s >= c.mergeThreshold(a.in, b.in)-settleMergeSlack && (best == nil || s > bestSim) {
					best, bestSim = b, s
				}
			}
			if best != nil {
				for _, k := range best.members {
					add(a, k)
				}
				gs = slices.DeleteFunc(gs, func(g *group) bool { return g == best })
				merged = true
			}
		}
	}
	out := make([][]int, len(gs))
	for i, g := range gs {
		out[i] = slices.Sorted(slices.Values(g.members))
	}
	slices.SortFunc(out, func(x, y []int) int { return cmp.Compare(x[0], y[0]) })
	return out
}

// rebuild replaces the incidents of hood by groups of their members (see
// Settle for the ids). An incident whose members form a group, and no
// more, stays as it is.
func (c *Clusterer) rebuild(hood []*incident, ms []member, groups [][]int) error {
	// Each group takes the id of the incident most of its members come
	// from, unless an earlier group took it; the others a new one.
	taken := map[*incident]int{} // incident -> group keeping its id
	ids := make([]string, len(groups))
	for gi, g := range groups {
		count := map[*incident]int{}
		for _, i := range g {
			count[ms[i].from]++
		}
		var pick *incident
		for _, h := range hood { // hood order: ties go to the changed incident, then the nearest
			if _, ok := taken[h]; ok || count[h] == 0 {
				continue
			}
			if pick == nil || count[h] > count[pick] {
				pick = h
			}
		}
		if pick != nil {
			taken[pick] = gi
			ids[gi] = pick.inc.ID
		}
	}
	for gi, g := range groups {
		if ids[gi] == "" {
			ids[gi] = c.freshID(ms[g[0]].id)
		}
	}
	unchanged := make([]bool, len(groups)) // groups that are the incident keeping their id
	for h, gi := range taken {
		unchanged[gi] = len(groups[gi]) == len(h.inc.ArticleIDs) && !slices.ContainsFunc(groups[gi], func(i int) bool { return ms[i].from != h })
	}
	arts := make([]newsmon.Article, len(ms))
	for gi, g := range groups {
		if unchanged[gi] {
			continue
		}
		for _, i := range g {
			a, ok, err := c.article(ms[i].id)
			if err != nil || !ok {
				return err // not kept: the neighbourhood stays as it is
			}
			arts[i] = a
		}
	}
	// Where each incident's members went: its own group, else the group
	// that took most of them (its id resolves there, its copies go there).
	home := map[*incident]int{}
	for _, h := range hood {
		if gi, ok := taken[h]; ok {
			home[h] = gi
			continue
		}
		count := make([]int, len(groups))
		for gi, g := range groups {
			for _, i := range g {
				if ms[i].from == h {
					count[gi]++
				}
			}
		}
		home[h] = 0
		for gi := range groups {
			if count[gi] > count[home[h]] {
				home[h] = gi
			}
		}
	}
	copies := make([][]newsmon.Article, len(groups))
	for _, h := range hood {
		if gi, ok := taken[h]; ok && unchanged[gi] {
			continue
		}
		c.unindex(h)
		delete(c.active, h.inc.ID)
		delete(c.dirty, h)
		delete(c.pending, h)
		copies[home[h]] = append(copies[home[h]], c.copies[h.inc.ID]...)
		delete(c.copies, h.inc.ID)
		if _, ok := taken[h]; !ok {
			into := ids[home[h]]
			c.merges = append(c.merges, Merge{From: h.inc.ID, Into: into})
			c.alias[h.inc.ID] = into
			c.unsettle(h.inc.ID, into)
		}
	}
	for gi, g := range groups {
		if unchanged[gi] {
			continue
		}
		in := &incident{terms: make(map[uint64]float64, articleTerms), langs: map[string]int{}, evidence: map[string]bool{}, score: -1, weighed: c.docs}
		first := ms[g[0]]
		in.inc = newsmon.Incident{ID: ids[gi], FirstSeen: first.t, LastSeen: first.t}
		c.active[in.inc.ID] = in
		for _, i := range g {
			m := ms[i]
			c.join(in, arts[i], m.t, c.analyzeArticle(arts[i], false)) // the analysis leaves the article's terms for its topic evidence
			if m.from.inc.ID != in.inc.ID {
				c.moves = append(c.moves, Move{Article: m.id, Into: in.inc.ID})
			}
		}
		for _, a := range copies[gi] {
			c.copyInto(in, a, false)
		}
	}
	return nil
}

// freshID is the id of an incident split off by Settle whose first
// article is article: derived from it, as IncidentID is, but not that id,
// which an incident the article was first in has or had.
func (c *Clusterer) freshID(article string) string {
	for n := 2; ; n++ {
		id := IncidentID(fmt.Sprintf("%s\x00%d", article, n))
		if c.active[id] == nil && c.alias[id] == "" {
			return id
		}
	}
}
