package cluster

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// What the clusterer holds in memory is a cache over the store, indexed by
// time: a day is "loaded" when every stored incident whose span touches it
// is in memory. Before an article of time t is placed, the days within the
// window of t are loaded (Options.Store); past the budget of Options.MaxOpen
// incidents, the least recently used ones that are not waiting to be
// persisted are dropped, and the days they touch are no longer loaded. So
// memory follows the budget, and which incidents an article can join does
// not.
//
// An incident is as recently used as the most recently asked-for of the
// days it touches (or its own last change, if later): the articles of a
// crawl come from a few stretches of time at once (sitemaps and sources
// interleaved, a backfill), and an incident of those stretches that an
// article merely came near must stay, or dropping it would unload its days
// and the next article of that time would read them all again.

const daySeconds = 24 * 60 * 60

// dayOf is the day of t, counted from the Unix epoch (negative before it).
func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / daySeconds
	if s%daySeconds < 0 {
		d--
	}
	return d
}

func dayStart(d int64) time.Time { return time.Unix(d*daySeconds, 0).UTC() }

// ensure loads the stored incidents whose span touches [from, to] into
// memory, unless they are already there.
func (c *Clusterer) ensure(from, to time.Time) error {
	if c.opts.Store == nil {
		return nil
	}
	first, last := dayOf(from), dayOf(to)
	c.use++
	c.asked = c.use
	for d := first; d <= last; d++ {
		c.dayUse[d] = c.use
	}
	for d := first; d <= last; d++ {
		if c.loaded[d] {
			continue
		}
		// Load the run of days not loaded in one call.
		end := d
		for end < last && !c.loaded[end+1] {
			end++
		}
		inMemory := func(id string) bool { _, ok := c.active[id]; return ok } // as new as the store, or newer
		err := c.opts.Store.IncidentsBetween(dayStart(d), dayStart(end+1).Add(-time.Nanosecond), inMemory, func(s Snapshot) error {
			if inMemory(s.Incident.ID) {
				return nil
			}
			in := fromSnapshot(s, c.vocab)
			c.use++
			in.used = c.use
			c.active[in.inc.ID] = in
			c.index(in)
			return nil
		})
		if err != nil {
			return err
		}
		for ; d <= end; d++ {
			c.loaded[d] = true
		}
		d = end
	}
	return nil
}

// evict drops the least recently used incidents, not waiting to be
// persisted, while more than the budget are in memory: down to 7/8 of it,
// so that the sort is paid once in a while, not with every article.
func (c *Clusterer) evict() {
	if c.opts.Store == nil || len(c.active) <= c.opts.MaxOpen {
		return
	}
	type aged struct {
		in   *incident
		used uint64
	}
	var clean []aged
	for _, in := range c.active {
		if c.dirty[in] {
			continue
		}
		used := in.used
		for d := dayOf(in.inc.FirstSeen); d <= dayOf(in.inc.LastSeen); d++ {
			used = max(used, c.dayUse[d])
		}
		if used >= c.asked {
			// Of the window last asked for: dropping it would unload days
			// the next article of that time needs again. A window holding
			// more incidents than the budget is held whole meanwhile.
			continue
		}
		clean = append(clean, aged{in, used})
	}
	slices.SortFunc(clean, func(a, b aged) int {
		if a.used != b.used {
			return cmp.Compare(a.used, b.used)
		}
		return strings.Compare(a.in.inc.ID, b.in.inc.ID)
	})
	target := c.opts.MaxOpen - c.opts.MaxOpen/8
	var drop []*incident
	for _, a := range clean {
		if len(c.active) <= target {
			break
		}
		in := a.in
		drop = append(drop, in)
		delete(c.active, in.inc.ID)
		delete(c.pending, in)
		delete(c.copies, in.inc.ID)
		for d := dayOf(in.inc.FirstSeen); d <= dayOf(in.inc.LastSeen); d++ {
			delete(c.loaded, d)
			delete(c.dayUse, d)
		}
	}
	c.unindexAll(drop)
	c.dropSketches(drop)
}
