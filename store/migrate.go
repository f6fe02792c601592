package store

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// migrations bring a database from version i to i+1. The list is append-only:
// never edit or reorder an entry that has shipped. The schema version stored
// in the meta bucket is the number of migrations applied.
var migrations = []func(tx *bolt.Tx) error{
	// 1: the initial buckets.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketArticles, bucketArticleTime, bucketURLs,
			bucketHashes, bucketNear, bucketValidators, bucketSchedule, bucketIncidents,
			bucketIncidentSeen, bucketDocFreq} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	},
	// 2: near keys and article IDs in the near bucket in their compact
	// forms. Nothing now: migration 8 drops the near bucket.
	func(*bolt.Tx) error { return nil },
	// 3: the docfreq log, where SaveBatch appends absolute document
	// frequencies (the docfreq bucket and meta docs keep their values).
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketDocFreqLog)
		return err
	},
	// 4: the near log, where SaveBatch appends near-list additions (the
	// near bucket keeps its lists).
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketNearLog)
		return err
	},
	// 5: incident aliases: the id of an incident merged into another ->
	// the id it went into.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketIncidentAlias)
		return err
	},
	// 6: meta incident_max_span, the longest span of any incident, which
	// bounds the incidents IncidentsBetween reads.
	migrateMaxSpan,
	// 7: the review log (review.go): sequence -> reviewer decision.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketReviewLog)
		return err
	},
	// 8: no near-duplicate index in the file: the near and nearlog
	// buckets are dropped. The pipeline keeps the index of the recent
	// articles in memory (dedup.Index), rebuilt from their signatures
	// (RecentSignatures).
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketNear, bucketNearLog} {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return fmt.Errorf("drop bucket %s: %w", name, err)
			}
		}
		return nil
	},
	// 9: the clusterer's state of each incident (newsmon.IncidentState) in
	// a bucket of its own, incident_state, moved out of the incident
	// records, where it was the centroid member with reserved keys (open
	// moves them in chunks first: migrateIncidentStateChunks).
	migrateIncidentState, // schemaIncidentState
	// 10: each entry of the last-seen index holds its incident's
	// FirstSeen, so that IncidentsBetween passes over an incident that
	// begins after the range without reading its record.
	migrateFirstSeen,
}

// migrateFirstSeen writes timeKey(FirstSeen) into each incident_seen entry
// that has no value.
func migrateFirstSeen(tx *bolt.Tx) error {
	seen, incs := tx.Bucket(bucketIncidentSeen), tx.Bucket(bucketIncidents)
	type entry struct{ k, v []byte }
	var todo []entry
	err := seen.ForEach(func(k, v []byte) error {
		if len(v) == timeKeyLen {
			return nil
		}
		id := string(k[min(len(k), timeKeyLen):])
		inc, err := getIncident(incs, id)
		if err != nil {
			return nil // the record is gone or unreadable: IncidentsBetween reads it as before
		}
		todo = append(todo, entry{bytes.Clone(k), timeKey(inc.FirstSeen)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range todo {
		if err := seen.Put(e.k, e.v); err != nil {
			return fmt.Errorf("incident_seen %x: %w", e.k, err)
		}
	}
	return nil
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = uint64(len(migrations))

func migrate(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	v := getUint(meta, keySchema)
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d, this newsmon supports up to %d: %w", v, SchemaVersion, ErrSchema)
	}
	for ; v < SchemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	return putUint(meta, keySchema, v)
}
