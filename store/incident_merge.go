package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// MergeWrite records that incident From was merged into incident Into (the
// clusterer's consolidation): From is deleted, and its id resolves to Into
// from then on (Incident, ResolveIncident). From's state goes with it: Into
// has its own, which the clusterer writes with it.
type MergeWrite struct {
	From, Into string
}

// maxAliasHops bounds how far an alias chain is followed (a merged incident
// merged again).
const maxAliasHops = 64

func mergeIncident(tx *bolt.Tx, m MergeWrite) error {
	if m.From == "" || m.Into == "" || m.From == m.Into {
		return fmt.Errorf("merge incident %q into %q: bad ids", m.From, m.Into)
	}
	b := tx.Bucket(bucketIncidents)
	if old := b.Get([]byte(m.From)); old != nil {
		inc, err := decodeJSON[newsmon.Incident]("incident", m.From, old)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketIncidentSeen).Delete(timeIDKey(inc.LastSeen, m.From)); err != nil {
			return err
		}
		if err := b.Delete([]byte(m.From)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketIncidentState).Delete([]byte(m.From)); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if n := getUint(meta, keyIncidents); n > 0 {
			if err := putUint(meta, keyIncidents, n-1); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bucketIncidentAlias).Put([]byte(m.From), []byte(m.Into))
}

// ResolveIncident follows merges from id to the incident it is part of now
// (id itself when it was never merged).
func (s *Store) ResolveIncident(id string) (string, error) {
	err := s.db.View(func(tx *bolt.Tx) error {
		id = resolveIncident(tx, id)
		return nil
	})
	return id, err
}

func resolveIncident(tx *bolt.Tx, id string) string {
	b := tx.Bucket(bucketIncidentAlias)
	for range maxAliasHops {
		into := b.Get([]byte(id))
		if into == nil {
			break
		}
		id = string(into)
	}
	return id
}

// IncidentsBetween calls fn with each stored incident whose span
// [FirstSeen, LastSeen] touches [from, to], and the clusterer's state of it
// (the zero state if it has none), least recently seen first; fn runs
// outside any database transaction. It reads the incidents last seen
// from `from` to `to` plus the longest span of any stored incident (an
// index on LastSeen, and that span kept in meta), so the cost follows the
// incidents near [from, to], not all those seen since.
func (s *Store) IncidentsBetween(from, to time.Time, fn func(newsmon.Incident, newsmon.IncidentState) error) error {
	return s.IncidentsBetweenExcept(from, to, nil, fn)
}

// IncidentsBetweenExcept is IncidentsBetween without the incidents whose
// id skip reports true for (nil: none), which are neither read nor
// decoded: a cache over the store asks for the incidents of a time it
// holds some of. The index entry of an incident holds its FirstSeen, so
// one that begins after `to` is not read either.
func (s *Store) IncidentsBetweenExcept(from, to time.Time, skip func(id string) bool, fn func(newsmon.Incident, newsmon.IncidentState) error) error {
	var span uint64
	if err := s.db.View(func(tx *bolt.Tx) error {
		span = getUint(tx.Bucket(bucketMeta), keyMaxSpan)
		return nil
	}); err != nil {
		return err
	}
	var end []byte // no bound past a century (or an incident without a first time)
	if span < maxBoundSpan {
		end = timeKey(to.Add(time.Duration(span+1) * time.Second))
	}
	toKey := timeKey(to)
	type withState struct {
		inc  newsmon.Incident
		st   newsmon.IncidentState
		skip bool
	}
	return walkRange(s, bucketIncidentSeen, timeKey(from), end, func(tx *bolt.Tx, k, v []byte) (withState, error) {
		id := string(k[timeKeyLen:])
		if skip != nil && skip(id) || len(v) == timeKeyLen && bytes.Compare(v, toKey) > 0 {
			return withState{skip: true}, nil
		}
		inc, err := getIncident(tx.Bucket(bucketIncidents), id)
		if err != nil || inc.FirstSeen.After(to) {
			return withState{inc: inc, skip: true}, err
		}
		st, err := getIncidentState(tx, id)
		return withState{inc: inc, st: st}, err
	}, func(r withState) error {
		if r.skip {
			return nil
		}
		s.looked() // the pages of its records count for the mapping's release (outside the read transaction)
		return fn(r.inc, r.st)
	})
}

// maxBoundSpan is the longest span, in seconds, that bounds
// IncidentsBetween's reading (a century; time.Duration holds 292 years).
const maxBoundSpan = 100 * 366 * 24 * 3600

// spanSeconds is inc's span LastSeen - FirstSeen in whole seconds, rounded
// up (0 when LastSeen is not after FirstSeen).
func spanSeconds(first, last time.Time) uint64 {
	d := last.Sub(first)
	if d <= 0 {
		return 0
	}
	return uint64((d + time.Second - 1) / time.Second)
}

// raiseMaxSpan records inc's span in meta when it is the longest yet.
func raiseMaxSpan(tx *bolt.Tx, first, last time.Time) error {
	meta := tx.Bucket(bucketMeta)
	if n := spanSeconds(first, last); n > getUint(meta, keyMaxSpan) {
		return putUint(meta, keyMaxSpan, n)
	}
	return nil
}

// migrateMaxSpan records the longest span of the incidents stored.
func migrateMaxSpan(tx *bolt.Tx) error {
	return tx.Bucket(bucketIncidents).ForEach(func(k, v []byte) error {
		var inc struct {
			FirstSeen time.Time `json:"first_seen"`
			LastSeen  time.Time `json:"last_seen"`
		}
		if err := json.Unmarshal(v, &inc); err != nil {
			return fmt.Errorf("incident %s: %w", k, err)
		}
		return raiseMaxSpan(tx, inc.FirstSeen, inc.LastSeen)
	})
}

// MoveWrite says that stored article Article is now part of incident Into
// (the clusterer regrouped its incident's neighbourhood, or a reviewer
// moved it); the caller writes the incidents' new versions in the same
// batch.
type MoveWrite struct {
	Article, Into string
}

// moveArticle sets the incident of a stored article (ErrNotFound when it
// is not stored).
func moveArticle(tx *bolt.Tx, w MoveWrite) error {
	if w.Article == "" || w.Into == "" {
		return fmt.Errorf("move of article %q into %q: article and incident required", w.Article, w.Into)
	}
	articles := tx.Bucket(bucketArticles)
	a, sig, err := getArticleSig(articles, w.Article)
	if err != nil {
		return fmt.Errorf("move article %s: %w", w.Article, err)
	}
	a.IncidentID = w.Into
	data, err := encodeArticle(nil, &a, sig)
	if err != nil {
		return fmt.Errorf("move article %s: %w", a.ID, err)
	}
	return articles.Put([]byte(a.ID), data)
}
