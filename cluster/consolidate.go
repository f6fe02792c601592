package cluster

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
)

// Consolidation. Single-pass assignment keeps whatever an early, unlucky
// order decided: the report that would have bridged two incidents came
// after both were opened, or a backfill opened an incident before the older
// reports of the same event arrived. Consolidate revisits the incidents
// changed since its last call: each is compared, centroid to centroid, with
// the incidents in memory whose spans come within the window of its own
// (found through the same inverted index as articles), and the two are
// merged when the similarity reaches Options.MergeThreshold. A centroid is
// the sum of its members' vectors, so for an incident of one article this
// is the very test that article would have passed to join the other: the
// result no longer depends on which of them came first. Merges repeat until
// none applies.
//
// The incident first seen earlier (then the smaller id) survives and keeps
// its id; the other id is reported in Changes.Merges and resolves to the
// survivor.

// Consolidate merges the incidents changed since the last call with the
// incidents they now say are the same event.
func (c *Clusterer) Consolidate() error {
	for len(c.pending) > 0 {
		todo := make([]*incident, 0, len(c.pending))
		changed := maps.Clone(c.pending)
		for in := range c.pending {
			todo = append(todo, in)
		}
		clear(c.pending)
		slices.SortFunc(todo, olderFirst)
		for _, in := range todo {
			if c.active[in.inc.ID] != in {
				continue // merged away meanwhile
			}
			near := changed[in]
			w := c.opts.Window
			if err := c.ensure(near.from.Add(-w), near.to.Add(w)); err != nil {
				return err
			}
			if other, sim := c.bestMerge(in, near); other != nil && sim >= c.mergeThreshold(in, other) {
				keep, gone := in, other
				if olderFirst(gone, keep) < 0 {
					keep, gone = gone, keep
				}
				c.merge(keep, gone, near)
			}
		}
	}
	// Not after each incident: a batch whose articles come from more times
	// than the budget holds would read the same incidents again for each
	// one (a 60,000-page crawl did little else).
	c.evict()
	return nil
}

// mergeThreshold is the similarity at which a and b are merged. An
// incident of one article is merged as that article would have joined the
// other had it come later (joinTest: its centroid is its vector, and two
// one-article incidents are tested the same either way round); larger
// ones need Options.MergeThreshold, and never less than what joining asks
// of the shorter of the two, so that consolidation does not merge what
// arrival in another order would have kept apart.
func (c *Clusterer) mergeThreshold(a, b *incident) float64 {
	switch {
	case len(a.inc.ArticleIDs) == 1:
		return c.joinTest(len(a.terms), b)
	case len(b.inc.ArticleIDs) == 1:
		return c.joinTest(len(b.terms), a)
	}
	return max(c.opts.MergeThreshold, c.joinThreshold(min(len(a.terms), len(b.terms))))
}

// olderFirst orders incidents by first article, then id.
func olderFirst(a, b *incident) int {
	if d := a.inc.FirstSeen.Compare(b.inc.FirstSeen); d != 0 {
		return d
	}
	return strings.Compare(a.inc.ID, b.inc.ID)
}

// bestMerge finds the incident in memory most similar to in, among those
// whose spans come within the window of near: the times at which in
// changed since it was last consolidated. Consolidation is local in time,
// as joining is: a change at some time is weighed against the incidents
// around it, not against every incident within the window of a long
// incident's whole span, which would bring months of incidents into
// memory for each new article of a long-running story. Which incidents
// are weighed depends only on the times, never on what is in memory.
func (c *Clusterer) bestMerge(in *incident, near span) (*incident, float64) {
	if in.norm == 0 {
		return nil, 0
	}
	var best *incident
	bestSim := 0.0
	for _, o := range c.nearby(in, near, 0) {
		if c.refusesMerge(in, o) {
			continue
		}
		s := centroidSimilarity(in, o)
		if best == nil || s > bestSim || (s == bestSim && o.inc.ID < best.inc.ID) {
			best, bestSim = o, s
		}
	}
	return best, bestSim
}

// nearby returns the incidents in memory whose spans come within the
// window of near and whose similarity to in over its heaviest terms makes
// them candidates to be the same event, at most maxCandidates, the most
// similar first; limit is probe's.
func (c *Clusterer) nearby(in *incident, near span, limit int) []*incident {
	// The centroid's heaviest terms (and all its translingual ones) find
	// the candidates, as an article's do.
	probe := make([]term, 0, len(in.terms))
	for k, w := range in.terms {
		probe = append(probe, term{c.text(k), k, w})
	}
	slices.SortFunc(probe, byWeight)
	touched := c.probe(probe, in, limit)
	type cand struct {
		in    *incident
		score float64
	}
	var cands []cand
	partial := c.opts.MergeThreshold * minPartial
	for _, o := range touched {
		if !c.meets(o, near) || o.norm == 0 {
			continue
		}
		s := o.dot / (o.norm * in.norm)
		if o.normX > 0 && in.normX > 0 {
			s = max(s, crossDiscount*o.dotX/(o.normX*in.normX))
		}
		if s >= partial {
			cands = append(cands, cand{o, s})
		}
	}
	clear(touched)
	c.touched = touched[:0]
	slices.SortFunc(cands, func(a, b cand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.in.inc.ID, b.in.inc.ID)
	})
	if len(cands) > maxCandidates {
		cands = cands[:maxCandidates]
	}
	out := make([]*incident, len(cands))
	for i, cd := range cands {
		out[i] = cd.in
	}
	return out
}

// refuses reports whether Options.Review refuses article id a place in
// incident in, under its id or one merged into it since the last Changes
// (not yet persisted).
func (c *Clusterer) refuses(in *incident, id string) bool {
	if c.opts.Review == nil {
		return false
	}
	if c.opts.Review.Refuses(in.inc.ID, id) {
		return true
	}
	for gone := range c.alias {
		if c.Resolve(gone) == in.inc.ID && c.opts.Review.Refuses(gone, id) {
			return true
		}
	}
	return false
}

// refusesMerge reports whether Options.Review refuses an article of a a
// place in b or one of b in a.
func (c *Clusterer) refusesMerge(a, b *incident) bool {
	if c.opts.Review == nil {
		return false
	}
	for _, x := range [2][2]*incident{{a, b}, {b, a}} {
		for _, id := range x[1].inc.ArticleIDs {
			if c.refuses(x[0], id) {
				return true
			}
		}
	}
	return false
}

// meets reports whether an incident's span comes within the window of s.
func (c *Clusterer) meets(a *incident, s span) bool {
	w := c.opts.Window
	return !a.inc.FirstSeen.After(s.to.Add(w)) && !s.from.After(a.inc.LastSeen.Add(w))
}

// centroidSimilarity is the similarity of two centroids: the larger of
// their cosine and the discounted cosine over their translingual terms
// (when they share at least minCrossTerms of them), as for an article.
func centroidSimilarity(a, b *incident) float64 {
	if a.norm == 0 || b.norm == 0 {
		return 0
	}
	if len(b.terms) < len(a.terms) {
		a, b = b, a
	}
	var dot, dotX float64
	shared := 0
	for k, w := range a.terms {
		v, ok := b.terms[k]
		if !ok {
			continue
		}
		dot += w * v
		if crossKey(k) {
			dotX += w * v
			shared++
		}
	}
	sim := dot / (a.norm * b.norm)
	if shared >= minCrossTerms && a.normX > 0 && b.normX > 0 {
		sim = max(sim, crossDiscount*dotX/(a.normX*b.normX))
	}
	if math.IsNaN(sim) {
		return 0
	}
	return sim
}

// merge moves incident gone into keep; at is the span whose consolidation
// or settling brought them together.
func (c *Clusterer) merge(keep, gone *incident, at span) {
	c.unindex(keep)
	c.unindex(gone)
	delete(c.active, gone.inc.ID)
	delete(c.dirty, gone)
	delete(c.pending, gone)
	c.merges = append(c.merges, Merge{From: gone.inc.ID, Into: keep.inc.ID})
	c.alias[gone.inc.ID] = keep.inc.ID
	c.unsettle(gone.inc.ID, keep.inc.ID)
	c.copies[keep.inc.ID] = append(c.copies[keep.inc.ID], c.copies[gone.inc.ID]...)
	delete(c.copies, gone.inc.ID)

	k, g := &keep.inc, &gone.inc
	if g.FirstSeen.Before(k.FirstSeen) {
		k.FirstSeen = g.FirstSeen
	}
	if g.LastSeen.After(k.LastSeen) {
		k.LastSeen = g.LastSeen
	}
	k.ArticleIDs = append(k.ArticleIDs, g.ArticleIDs...)
	for _, s := range g.Sources {
		k.Sources = addSorted(k.Sources, s)
	}
	for _, l := range g.Languages {
		k.Languages = addSorted(k.Languages, l)
	}
	for l, n := range gone.langs {
		keep.langs[l] += n
	}
	keep.weighed = min(keep.weighed, gone.weighed)
	for t, w := range gone.terms {
		keep.terms[t] += w
	}
	keep.terms = pruneTerms(keep.terms, nil, c.text)
	keep.norms()
	for e := range gone.evidence {
		keep.evidence[e] = true
	}
	// The title: the one in the majority language, the more central of two.
	major := majority(keep.langs)
	if gone.tlang == major && (keep.tlang != major || gone.score > keep.score) {
		k.Title, k.CentralTitle, k.Summary = g.Title, g.CentralTitle, g.Summary
		keep.tlang, keep.score = gone.tlang, gone.score
	}
	c.index(keep)
	// Both centroids changed: the merged incident is weighed again against
	// the incidents around the times that brought the two together, as
	// bestMerge weighs a change, not around its whole span: a long story
	// merged with a day's report would bring months of incidents into
	// memory, and each article of those months was weighed when it came.
	c.touch(keep, at)
	c.describe(keep)
}

// pruneTerms keeps the centroidTerms heaviest terms of a centroid (of equal
// weights, the first by key), calling drop (when not nil) with each term it
// removes, and returns them: in terms itself when it had no more, else in a
// map of their number (a Go map does not shrink: one grown to 164 terms and
// cut to 100 keeps the table of 164, 6.6 KB where 100 take 3.6). The cut's
// weight is selected in linear time; only terms of exactly that weight are
// sorted, by their texts (text).
func pruneTerms(terms map[uint64]float64, drop func(uint64), text func(uint64) string) map[uint64]float64 {
	if len(terms) <= centroidTerms {
		return terms
	}
	ws := make([]float64, 0, len(terms))
	for _, w := range terms {
		ws = append(ws, w)
	}
	kth := kthLargest(ws, centroidTerms)
	heavier := 0
	var tied []uint64
	for k, w := range terms {
		switch {
		case w > kth:
			heavier++
		case w == kth:
			tied = append(tied, k)
		default:
			delete(terms, k)
			if drop != nil {
				drop(k)
			}
		}
	}
	if keep := centroidTerms - heavier; len(tied) > keep {
		slices.SortFunc(tied, func(a, b uint64) int { return strings.Compare(text(a), text(b)) })
		for _, k := range tied[keep:] {
			delete(terms, k)
			if drop != nil {
				drop(k)
			}
		}
	}
	kept := make(map[uint64]float64, len(terms)) // not maps.Clone: it keeps the table
	for k, w := range terms {
		kept[k] = w
	}
	return kept
}
