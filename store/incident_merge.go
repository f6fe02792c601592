package store

import (
	"fmt"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// MergeWrite records that incident From was merged into incident Into (the
// clusterer's consolidation): From is deleted, and its id resolves to Into
// from then on (Incident, ResolveIncident).
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
// [FirstSeen, LastSeen] touches [from, to], least recently seen first. It
// reads the incidents last seen at or after from (an index on LastSeen);
// fn runs outside any database transaction.
func (s *Store) IncidentsBetween(from, to time.Time, fn func(newsmon.Incident) error) error {
	return walk(s, bucketIncidentSeen, timeKey(from), func(tx *bolt.Tx, k, _ []byte) (newsmon.Incident, error) {
		return getIncident(tx.Bucket(bucketIncidents), string(k[timeKeyLen:]))
	}, func(inc newsmon.Incident) error {
		if inc.FirstSeen.After(to) {
			return nil
		}
		return fn(inc)
	})
}
