package cluster

import (
	"cmp"
	"slices"
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
			in := fromSnapshot(s)
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
	var clean []*incident
	for _, in := range c.active {
		if !c.dirty[in] {
			clean = append(clean, in)
		}
	}
	slices.SortFunc(clean, func(a, b *incident) int { return cmp.Compare(a.used, b.used) })
	target := c.opts.MaxOpen - c.opts.MaxOpen/8
	for _, in := range clean {
		if len(c.active) <= target {
			break
		}
		c.unindex(in)
		delete(c.active, in.inc.ID)
		delete(c.pending, in)
		for d := dayOf(in.inc.FirstSeen); d <= dayOf(in.inc.LastSeen); d++ {
			delete(c.loaded, d)
		}
	}
}
