package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// Incidents calls fn for each stored incident in ID order; fn runs outside
// any database transaction, as in Articles.
func (s *Store) Incidents(fn func(newsmon.Incident) error) error {
	return walk(s, bucketIncidents, nil, func(_ *bolt.Tx, k, v []byte) (newsmon.Incident, error) {
		return decodeJSON[newsmon.Incident]("incident", string(k), v)
	}, fn)
}

// putIncident writes inc and moves its entry in the last-seen index. wr,
// when not nil, is the transaction's writer.
func putIncident(tx *bolt.Tx, inc newsmon.Incident, wr *writer) error {
	if inc.ID == "" {
		return fmt.Errorf("save incident %q: empty ID", inc.Title)
	}
	b := tx.Bucket(bucketIncidents)
	seen := tx.Bucket(bucketIncidentSeen)
	id := []byte(inc.ID)
	if old := b.Get(id); old != nil {
		var prev struct {
			LastSeen time.Time `json:"last_seen"`
		}
		if err := json.Unmarshal(old, &prev); err != nil {
			return fmt.Errorf("incident %s: %w", inc.ID, err)
		}
		if err := seen.Delete(timeIDKey(prev.LastSeen, inc.ID)); err != nil {
			return err
		}
	} else if err := addUint(tx.Bucket(bucketMeta), keyIncidents, 1); err != nil {
		return err
	}
	if err := raiseMaxSpan(tx, inc.FirstSeen, inc.LastSeen); err != nil {
		return err
	}
	data, err := marshal(wr, &inc, appendIncident)
	if err != nil {
		return fmt.Errorf("incident %s: %w", inc.ID, err)
	}
	if err := b.Put(id, data); err != nil {
		return err
	}
	return seen.Put(timeIDKey(inc.LastSeen, inc.ID), timeKey(inc.FirstSeen))
}

// Incident returns the stored incident id, or an error matching ErrNotFound.
// A merged-away id answers with the incident it was merged into.
func (s *Store) Incident(id string) (newsmon.Incident, error) {
	var inc newsmon.Incident
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		inc, err = getIncident(tx.Bucket(bucketIncidents), resolveIncident(tx, id))
		return err
	})
	return inc, err
}

func getIncident(b *bolt.Bucket, id string) (newsmon.Incident, error) {
	return getJSON[newsmon.Incident](b, "incident", id)
}
