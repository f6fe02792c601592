// Package store owns newsmon's database: one bbolt file holding the articles
// with their URL, content-hash and time indexes, the crawl state
// (conditional-GET validators, when each source is next due), the candidate
// incidents, the clusterer's state of each incident (in a bucket of its
// own: an incident record is only newsmon.Incident), the review log and the
// clusterer's document frequencies. It is
// the only package that touches bbolt. The near-duplicate index is not in
// the file: the pipeline keeps one of the recent articles in memory
// (dedup.Index), rebuilt from their signatures (RecentSignatures).
//
// Every write that spans buckets happens in one transaction, so a crash
// (kill -9, power loss) leaves all of it or none of it. A Store is safe for
// concurrent use; bbolt serialises writers.
//
// The document frequencies, which every batch would otherwise scatter over
// many B-tree pages, are written as one log record per batch and folded
// into their bucket in key order once the log passes a bound
// (appendDocFreq); readers see bucket and log together.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	// ErrInUse means another process holds the database open.
	ErrInUse = errors.New("database is in use by another newsmon process")
	// ErrNotFound means no article or incident has the requested ID.
	ErrNotFound = errors.New("not found")
	// ErrExists means an article write was given an article already stored under
	// one of its URLs or its ID; nothing was written.
	ErrExists = errors.New("article already stored")
	// ErrSchema means the database was written by a newer newsmon.
	ErrSchema = errors.New("database schema is newer than this newsmon supports")
	// ErrNoDatabase means OpenExisting found no database file.
	ErrNoDatabase = errors.New("no newsmon database")
)

// readBatch is how many records Articles and Incidents read per read
// transaction, so that a slow callback never holds a transaction open.
const readBatch = 256

var (
	bucketMeta          = []byte("meta")           // schema version and counters
	bucketArticles      = []byte("articles")       // id -> the article's signature and compressed JSON newsmon.Article (record.go)
	bucketSignatures    = []byte("signatures")     // schema 11 only: article id -> its near-duplicate signature (migration 12 drops it)
	bucketArticleTime   = []byte("article_time")   // timeKey(FetchedAt)+id -> nil (articleTimeFill)
	bucketURLs          = []byte("urls")           // URL -> article id
	bucketHashes        = []byte("hashes")         // content hash -> article id
	bucketNear          = []byte("near")           // band key -> ids (see encodeIDs)
	bucketValidators    = []byte("validators")     // URL -> JSON validators
	bucketSchedule      = []byte("schedule")       // source -> time (MarshalBinary)
	bucketIncidents     = []byte("incidents")      // id -> JSON newsmon.Incident (incident_state.go: the clusterer's state of it)
	bucketIncidentSeen  = []byte("incident_seen")  // timeKey(LastSeen)+id -> timeKey(FirstSeen) (nil when written before 2026-12)
	bucketIncidentAlias = []byte("incident_alias") // merged-away incident id -> the id it was merged into
	bucketDocFreq       = []byte("docfreq")        // term -> uint64 count
	bucketDocFreqLog    = []byte("docfreqlog")     // sequence -> docfreq record (appendDocFreq)
	bucketNearLog       = []byte("nearlog")        // sequence -> near-list additions (appendNearRecord)

	keySchema    = []byte("schema")
	keyArticles  = []byte("articles")
	keyIncidents = []byte("incidents")
	keyMaxSpan   = []byte("incident_max_span") // seconds: the longest LastSeen - FirstSeen of any incident stored
	keyDocs      = []byte("docs")
)

// Store is an open newsmon database.
type Store struct {
	db   *bolt.DB
	path string
	wmu  sync.Mutex // held by update through its commit, commit handlers included
	w    writer     // used only by update, under wmu

	lookups atomic.Uint64 // lookup calls, for releaseMapped
}

// Open opens the database file at path, creating it and its parent
// directory if needed, and migrates it to the current schema. If another
// process holds the file, Open gives up after a second with an error
// matching ErrInUse.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return open(path)
}

// OpenExisting is Open for commands that only read: it opens (and
// migrates) the database file at path only if it exists, and creates
// nothing, neither the file nor its directory. When there is no file its
// error matches ErrNoDatabase.
func OpenExisting(path string) (*Store, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open %s: %w", path, ErrNoDatabase)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("open %s: not a regular file: %w", path, ErrNoDatabase)
	}
	return open(path)
}

func open(path string) (*Store, error) {
	// A larger first mapping spares a growing database the remaps that
	// copy every node a write transaction holds; the file itself still
	// grows only as needed, a mebibyte at a time.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, InitialMmapSize: 64 << 20})
	if err != nil {
		return nil, openError(path, err)
	}
	db.AllocSize = 1 << 20
	s := &Store{db: db, path: path}
	if err := migrateChunked(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Update(migrate); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func openError(path string, err error) error {
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("open %s: %w", path, ErrInUse)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Check opens the database file at path read-only and runs bbolt's
// consistency check, returning the first problem found. It also checks that
// the file is a newsmon database of a schema this build knows. The file
// must not be open for writing by another process (ErrInUse).
func Check(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return openError(path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drain: the checker runs until it closes the channel
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return first
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("not a newsmon database (no meta bucket)")
		}
		if v := getUint(meta, keySchema); v > SchemaVersion {
			return fmt.Errorf("schema version %d, this newsmon supports up to %d: %w", v, SchemaVersion, ErrSchema)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	return nil
}

// Stats returns how many articles (representatives, not counting linked
// duplicates) and incidents are stored.
func (s *Store) Stats() (articles, incidents int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		articles = int(getUint(meta, keyArticles))
		incidents = int(getUint(meta, keyIncidents))
		return nil
	})
	return articles, incidents, err
}

// getJSON decodes the JSON record id of bucket b; kind names it in errors.
func getJSON[T any](b *bolt.Bucket, kind, id string) (T, error) {
	data := b.Get([]byte(id))
	if data == nil {
		var zero T
		return zero, fmt.Errorf("%s %s: %w", kind, id, ErrNotFound)
	}
	return decodeJSON[T](kind, id, data)
}

func decodeJSON[T any](kind, id string, data []byte) (T, error) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("%s %s: %w", kind, id, err)
	}
	return v, nil
}

// walk reads the bucket's records from key start on (nil: the first) in
// batches of readBatch, each in its own read transaction, loading each with
// load, and calls fn for them after the transaction ends.
func walk[T any](s *Store, bucket, start []byte, load func(tx *bolt.Tx, k, v []byte) (T, error), fn func(T) error) error {
	return walkRange(s, bucket, start, nil, load, fn)
}

// walkRange is walk that stops before key end (nil: the last).
func walkRange[T any](s *Store, bucket, start, end []byte, load func(tx *bolt.Tx, k, v []byte) (T, error), fn func(T) error) error {
	next := start
	for {
		var items []T
		more := false
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucket).Cursor()
			for k, v := c.Seek(next); k != nil && (end == nil || bytes.Compare(k, end) < 0); k, v = c.Next() {
				if len(items) == readBatch {
					next, more = slices.Clone(k), true
					return nil
				}
				item, err := load(tx, k, v)
				if err != nil {
					return err
				}
				items = append(items, item)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, item := range items {
			if err := fn(item); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
	}
}

// signatureFill is how full the signatures bucket's pages were filled
// before they split (bbolt's FillPercent, 0.5 by default), as migration 11
// fills them still. A signature is about 1.5 KB: at 0.5 a page splits as
// soon as it holds two, and most pages of the bucket held one signature
// (37 % of the page used); at 0.9 they hold two.
const signatureFill = 0.9

// articleTimeFill is how full the article time index's pages are filled
// before they split. Its keys begin with the fetch time, so a crawl adds
// them in about increasing order, at the right edge of the tree: a page
// split at bbolt's default 0.5 stays half empty (the index was 50 % used
// at 20,000 articles), one split full stays full.
const articleTimeFill = 1.0
