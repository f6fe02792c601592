package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
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
	// forms (encodeNearKey, encodeIDs).
	migrateNearCompact,
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

// migrateNearCompact rewrites a near bucket of schema 1, which kept band
// keys and IDs as given, in the compact forms of encodeNearKey and
// encodeIDs. It reads the bucket whole, so it needs memory in proportion to
// it; it runs once, inside the migration's transaction.
func migrateNearCompact(tx *bolt.Tx) error {
	old := tx.Bucket(bucketNear)
	if old == nil {
		return errors.New("no near bucket")
	}
	type entry struct{ k, v []byte }
	var entries []entry
	err := old.ForEach(func(k, v []byte) error {
		ids, err := decodeIDs(v)
		if err != nil {
			return fmt.Errorf("near key %q: %w", k, err)
		}
		entries = append(entries, entry{encodeNearKey(string(k)), encodeIDs(ids)})
		return nil
	})
	if err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketNear); err != nil {
		return err
	}
	b, err := tx.CreateBucket(bucketNear)
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(x, y entry) int { return bytes.Compare(x.k, y.k) })
	for _, e := range entries {
		if err := b.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}
