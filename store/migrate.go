package store

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"github.com/newsmon/newsmon"

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
	// moves them in chunks first: migrateChunked).
	migrateIncidentState, // schemaIncidentState
	// 10: each entry of the last-seen index holds its incident's
	// FirstSeen, so that IncidentsBetween passes over an incident that
	// begins after the range without reading its record.
	migrateFirstSeen,
	// 11: each article's signature in the signatures bucket, raw, out of
	// its record, where it was base64 text after the body (open moves them
	// in chunks first: migrateChunked).
	migrateSignatures, // schemaSignatures
	// 12: each article's record compressed, its signature before it,
	// uncompressed (record.go); the signatures bucket is dropped (open
	// rewrites the records in chunks first: migrateChunked).
	migrateCompressed, // schemaCompressed
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

func migrate(tx *bolt.Tx) error { return migrateTo(tx, SchemaVersion) }

// migrateTo applies the migrations up to schema version target.
func migrateTo(tx *bolt.Tx, target uint64) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	v := getUint(meta, keySchema)
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d, this newsmon supports up to %d: %w", v, SchemaVersion, ErrSchema)
	}
	for ; v < target; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	return putUint(meta, keySchema, v)
}

// A migration that rewrites every record of a large bucket would hold all
// of them in one transaction's memory; open does its work beforehand in
// transactions of migrateChunk records (migrateChunked), and the migration
// itself does what remains. The moves can be cut short anywhere (a crash
// between two transactions): a record moved is left as it is.
var chunkedMigrations = []struct {
	schema uint64 // the version the migration brings the database to
	// step moves the records from key start on (nil: the first), at most
	// limit of them (0: all), and says where to go on from (done: nowhere).
	step func(tx *bolt.Tx, start []byte, limit int) (next []byte, done bool, err error)
}{
	{schemaIncidentState, moveIncidentStates},
	{schemaSignatures, moveSignatures},
	{schemaCompressed, compressArticles},
}

// migrateChunk is how many records one transaction of migrateChunked
// moves: about 10 MB of them.
var migrateChunk = 2000

// migrateChunked brings a database of an older schema to each chunked
// migration's version in turn: the migrations before it, then its moves in
// chunks, then (migrate) the migration itself.
func migrateChunked(db *bolt.DB) error {
	for _, m := range chunkedMigrations {
		v := uint64(0)
		if err := db.View(func(tx *bolt.Tx) error {
			if meta := tx.Bucket(bucketMeta); meta != nil {
				v = getUint(meta, keySchema)
			}
			return nil
		}); err != nil {
			return err
		}
		if v == 0 || v >= m.schema {
			continue // a new database, or one past it
		}
		if v < m.schema-1 {
			if err := db.Update(func(tx *bolt.Tx) error { return migrateTo(tx, m.schema-1) }); err != nil {
				return err
			}
		}
		for next := []byte(nil); ; {
			done := false
			if err := db.Update(func(tx *bolt.Tx) error {
				var err error
				next, done, err = m.step(tx, next, migrateChunk)
				return err
			}); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", m.schema, err)
			}
			if done {
				break
			}
		}
		if err := db.Update(func(tx *bolt.Tx) error { return migrateTo(tx, m.schema) }); err != nil {
			return err
		}
	}
	return nil
}

// schemaSignatures is the schema version of migrateSignatures.
const schemaSignatures = 11

// migrateSignatures moves each article's signature out of its record into
// the signatures bucket (moveSignatures).
func migrateSignatures(tx *bolt.Tx) error {
	_, _, err := moveSignatures(tx, nil, 0)
	return err
}

// moveSignatures moves the signatures of the article records from key
// start on (nil: the first) into the signatures bucket, at most limit of
// them (0: all), and says where to go on from (done: nowhere). The record
// keeps its other bytes as they were: the signature member is cut out of
// them, which leaves what appendArticle writes for the article without a
// signature (a record it cannot read so is decoded and written anew).
func moveSignatures(tx *bolt.Tx, start []byte, limit int) (next []byte, done bool, err error) {
	return moveOut(tx, bucketArticles, bucketSignatures, start, limit, func(id string, v []byte) (rec, out []byte, err error) {
		if !bytes.Contains(v, []byte(`"signature"`)) {
			return nil, nil, nil
		}
		return withoutSignature(id, v)
	})
}

// moveOut moves a part of the records of bucket from, from key start on
// (nil: the first), into bucket to, at most limit records (0: all), and
// says where to go on from (done: nowhere). split returns a record's new
// bytes and the part for to under the same key (nil: none), or a nil
// record for one that has nothing to move.
func moveOut(tx *bolt.Tx, from, to, start []byte, limit int, split func(id string, v []byte) (rec, out []byte, err error)) (next []byte, done bool, err error) {
	dst, err := tx.CreateBucketIfNotExists(to)
	if err != nil {
		return nil, false, fmt.Errorf("create bucket %s: %w", to, err)
	}
	if bytes.Equal(to, bucketSignatures) {
		dst.FillPercent = signatureFill
	}
	b := tx.Bucket(from)
	c := b.Cursor()
	k, v := c.First()
	if start != nil {
		k, v = c.Seek(start)
	}
	for moved := 0; k != nil; k, v = c.Next() {
		if limit > 0 && moved == limit {
			return bytes.Clone(k), false, nil
		}
		id := string(k)
		rec, out, err := split(id, v)
		if err != nil {
			return nil, false, err
		}
		if rec == nil {
			continue
		}
		if len(out) > 0 {
			if err := dst.Put([]byte(id), out); err != nil {
				return nil, false, err
			}
		}
		// A put moves the cursor's page: seek back to the key.
		if err := b.Put([]byte(id), rec); err != nil {
			return nil, false, err
		}
		if k, _ = c.Seek([]byte(id)); string(k) != id {
			return nil, false, fmt.Errorf("%s %s: lost by the cursor", from, id)
		}
		moved++
	}
	return nil, true, nil
}

// withoutSignature returns article record v without its signature member,
// and the signature.
func withoutSignature(id string, v []byte) (rec, sig []byte, err error) {
	const key = `,"signature":"`
	if i := bytes.LastIndex(v, []byte(key)); i >= 0 {
		if j := bytes.IndexByte(v[i+len(key):], '"'); j >= 0 {
			end := i + len(key) + j + 1
			if sig, err := base64.StdEncoding.DecodeString(string(v[i+len(key) : end-1])); err == nil {
				return append(slices.Clip(v[:i:i]), v[end:]...), sig, nil
			}
		}
	}
	a, err := decodeJSON[newsmon.Article]("article", id, v) // not as appendArticle writes it
	if err != nil {
		return nil, nil, err
	}
	sig, a.Signature = a.Signature, nil
	rec, err = marshal(nil, &a, appendArticle)
	if err != nil {
		return nil, nil, fmt.Errorf("article %s: %w", id, err)
	}
	return rec, sig, nil
}

// schemaCompressed is the schema version of migrateCompressed.
const schemaCompressed = 12

// migrateCompressed rewrites each article record that is still schema
// 11's (compressArticles) and drops the signatures bucket.
func migrateCompressed(tx *bolt.Tx) error {
	if _, _, err := compressArticles(tx, nil, 0); err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketSignatures); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return fmt.Errorf("drop bucket %s: %w", bucketSignatures, err)
	}
	return nil
}

// compressArticles rewrites the article records of schema 11 (plain JSON,
// their signature in the signatures bucket) from key start on (nil: the
// first) as schema 12 writes them (frameArticle: the signature, then the
// JSON's bytes as they were, compressed), at most limit of them (0: all),
// and says where to go on from (done: nowhere). A record rewritten
// already is left as it is; the signatures stay in their bucket until
// migrateCompressed drops it.
func compressArticles(tx *bolt.Tx, start []byte, limit int) (next []byte, done bool, err error) {
	b, sigs := tx.Bucket(bucketArticles), tx.Bucket(bucketSignatures)
	c := b.Cursor()
	k, v := c.First()
	if start != nil {
		k, v = c.Seek(start)
	}
	for moved := 0; k != nil; k, v = c.Next() {
		if len(v) == 0 || v[0] != '{' {
			continue
		}
		if limit > 0 && moved == limit {
			return bytes.Clone(k), false, nil
		}
		var sig []byte
		if sigs != nil {
			sig = sigs.Get(k)
		}
		id := string(k)
		// A put moves the cursor's page: seek back to the key.
		if err := b.Put([]byte(id), frameArticle(nil, v, sig)); err != nil {
			return nil, false, fmt.Errorf("article %s: %w", id, err)
		}
		if k, _ = c.Seek([]byte(id)); string(k) != id {
			return nil, false, fmt.Errorf("articles %s: lost by the cursor", id)
		}
		moved++
	}
	return nil, true, nil
}
