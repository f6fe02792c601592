package cluster

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// mustAdd adds a and returns its incident as the clusterer holds it now.
func mustAdd(t testing.TB, c *Clusterer, a newsmon.Article) newsmon.Incident {
	t.Helper()
	id, err := c.Add(a)
	if err != nil {
		t.Fatalf("Add(%s): %v", a.ID, err)
	}
	inc, ok := c.Incident(id)
	if !ok {
		t.Fatalf("Add(%s): incident %s not in memory", a.ID, id)
	}
	return inc
}

// memStore is what a caller persists from the clusterer (incidents with
// their state, merges, document frequencies), and a Loader over it.
type memStore struct {
	incidents map[string]Snapshot
	alias     map[string]string
	df        map[string]int
	docs      int
	articles  map[string]newsmon.Article // as a store keeps them: with their incident
	loads     int                        // IncidentsBetween calls
	reads     map[string]int             // Article calls, by id
	asked     []span                     // the range of each IncidentsBetween call
}

func newMemStore() *memStore {
	return &memStore{incidents: map[string]Snapshot{}, alias: map[string]string{}, df: map[string]int{}, articles: map[string]newsmon.Article{}}
}

// Article is the stored article id (ArticleReader).
func (s *memStore) Article(id string) (newsmon.Article, error) {
	if s.reads == nil {
		s.reads = map[string]int{}
	}
	s.reads[id]++
	a, ok := s.articles[id]
	if !ok {
		return a, fmt.Errorf("article %s not stored", id)
	}
	return a, nil
}

// save stores arts with the incidents ids that AddBatch gave them.
func (s *memStore) save(arts []newsmon.Article, ids []string) {
	for i, a := range arts {
		a.IncidentID = ids[i]
		s.articles[a.ID] = a
	}
}

func (s *memStore) IncidentsBetween(from, to time.Time, skip func(string) bool, fn func(Snapshot) error) error {
	s.loads++
	s.asked = append(s.asked, span{from, to})
	for _, id := range slices.Sorted(maps.Keys(s.incidents)) {
		sn := s.incidents[id]
		if skip != nil && skip(id) {
			continue
		}
		if !sn.Incident.LastSeen.Before(from) && !sn.Incident.FirstSeen.After(to) {
			if err := fn(sn); err != nil {
				return err
			}
		}
	}
	return nil
}

// sync persists what c changed, as the pipeline does with each batch.
func (s *memStore) sync(c *Clusterer) Changes {
	ch := c.Changes()
	for _, sn := range ch.Incidents {
		s.incidents[sn.Incident.ID] = sn
	}
	for _, m := range ch.Merges {
		delete(s.incidents, m.From)
		s.alias[m.From] = m.Into
	}
	for _, m := range ch.Moves {
		a := s.articles[m.Article]
		a.IncidentID = m.Into
		s.articles[m.Article] = a
	}
	terms, counts, docs := c.DocFreqChanges()
	for i, k := range terms {
		s.df[k] = counts[i]
	}
	s.docs = docs
	return ch
}

// resolve follows merges from id.
func (s *memStore) resolve(id string) string {
	for range 64 {
		into, ok := s.alias[id]
		if !ok {
			return id
		}
		id = into
	}
	return id
}

// open returns a fresh clusterer over s, as a restarted process has.
func (s *memStore) open(opts Options) *Clusterer {
	opts.Store = s
	c := New(opts)
	c.Restore(s.df, s.docs)
	return c
}

// run clusters arts in batches of `batch` (AddBatch, then sync), with a
// fresh clusterer restored from s every `restart` batches (0: never), each
// process ending with Settle as a crawl does, and returns each article's
// incident at the end.
func (s *memStore) run(t testing.TB, opts Options, arts []newsmon.Article, batch, restart int) map[string]string {
	t.Helper()
	var c *Clusterer
	settle := func() {
		if c == nil {
			return
		}
		if err := c.Settle(func() error { s.sync(c); return nil }); err != nil {
			t.Fatal(err)
		}
		s.sync(c)
	}
	for n, i := 0, 0; i < len(arts); n, i = n+1, i+batch {
		if c == nil || (restart > 0 && n%restart == 0) {
			settle()
			c = s.open(opts)
		}
		part := arts[i:min(i+batch, len(arts))]
		ids, err := c.AddBatch(part)
		if err != nil {
			t.Fatal(err)
		}
		s.save(part, ids)
		s.sync(c)
	}
	settle()
	out := map[string]string{}
	for _, sn := range s.incidents {
		for _, a := range sn.Incident.ArticleIDs {
			out[a] = sn.Incident.ID
		}
	}
	for id, a := range s.articles {
		if got := s.resolve(a.IncidentID); out[id] != got {
			t.Fatalf("article %s: stored with %s (now %s), its incident lists it under %s", id, a.IncidentID, got, out[id])
		}
	}
	return out
}
