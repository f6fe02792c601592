// Package store owns newsmon's database: one bbolt file holding the articles
// with their URL, content-hash, near-duplicate and time indexes, the crawl
// state (conditional-GET validators, when each source is next due), the
// candidate incidents and the clusterer's document frequencies. It is the
// only package that touches bbolt.
//
// Every write that spans buckets happens in one transaction, so a crash
// (kill -9, power loss) leaves all of it or none of it. A Store is safe for
// concurrent use; bbolt serialises writers.
//
// Two indexes that every batch would otherwise scatter over many B-tree
// pages, the document frequencies and the near-duplicate band keys, are
// written as one log record per batch and folded into their buckets in key
// order once the log passes a bound (appendDocFreq, nearlog.go); readers see
// bucket and log together.
package store

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

var (
	// ErrInUse means another process holds the database open.
	ErrInUse = errors.New("database is in use by another newsmon process")
	// ErrNotFound means no article or incident has the requested ID.
	ErrNotFound = errors.New("not found")
	// ErrExists means SaveArticle was given an article already stored under
	// one of its URLs or its ID; nothing was written.
	ErrExists = errors.New("article already stored")
	// ErrSchema means the database was written by a newer newsmon.
	ErrSchema = errors.New("database schema is newer than this newsmon supports")
)

// MaxNearPerKey bounds how many article IDs one near-duplicate band key
// keeps; the oldest are dropped first. It bounds NearCandidates' cost.
const MaxNearPerKey = 64

// readBatch is how many records Articles and Incidents read per read
// transaction, so that a slow callback never holds a transaction open.
const readBatch = 256

var (
	bucketMeta         = []byte("meta")          // schema version and counters
	bucketArticles     = []byte("articles")      // id -> JSON newsmon.Article
	bucketArticleTime  = []byte("article_time")  // timeKey(FetchedAt)+id -> nil
	bucketURLs         = []byte("urls")          // URL -> article id
	bucketHashes       = []byte("hashes")        // content hash -> article id
	bucketNear         = []byte("near")          // band key -> ids (see encodeIDs)
	bucketValidators   = []byte("validators")    // URL -> JSON validators
	bucketSchedule     = []byte("schedule")      // source -> time (MarshalBinary)
	bucketIncidents    = []byte("incidents")     // id -> JSON newsmon.Incident
	bucketIncidentSeen = []byte("incident_seen") // timeKey(LastSeen)+id -> nil
	bucketDocFreq      = []byte("docfreq")       // term -> uint64 count
	bucketDocFreqLog   = []byte("docfreqlog")    // sequence -> docfreq record (appendDocFreq)
	bucketNearLog      = []byte("nearlog")       // sequence -> near-list additions (appendNearRecord)

	keySchema    = []byte("schema")
	keyArticles  = []byte("articles")
	keyIncidents = []byte("incidents")
	keyDocs      = []byte("docs")
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
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = uint64(len(migrations))

// Store is an open newsmon database.
type Store struct {
	db   *bolt.DB
	path string
	wmu  sync.Mutex // held by update through its commit, commit handlers included
	w    writer     // used only by update, under wmu

	// near is the near log bucket's content as of the last commit, for
	// NearCandidates (see there for the locking). Only update's commit
	// handlers change it, under wmu and mu, so update reads it without mu.
	mu   sync.RWMutex
	near nearLog
}

// writer is the scratch space of one write transaction, reused from one to
// the next.
type writer struct {
	near     []nearAdd      // near-list additions, written last in key order
	nearKeys []byte         // the keys of near, one after the other
	nearArts []nearArticle  // the articles of near
	arena    arena          // values put in the transaction
	enc      *json.Encoder  // writes to arena
	buf      []byte         // a record being encoded (marshal)
	terms    []centroidTerm // an incident's centroid (appendIncident)
	key      []byte
	articles uint64 // articles saved
	rec      []byte // a docfreq log record being encoded
	logged   bool   // a docfreq record was logged
	fold     bool   // fold the near log into the near bucket (Compact)
	ids      []byte // a key's logged IDs (foldNear)
	list     []byte // a near list being built (foldNear)
}

// nearAdd is an article to add to the near list of a band key. It holds
// no pointers, which makes it cheap to sort.
type nearAdd struct {
	head     uint64 // keyHead(key): most comparisons need no more
	off, end uint32 // the key (encodeNearKey form) is nearKeys[off:end]
	art      uint32 // index in nearArts; in the order the articles came
}

type nearArticle struct {
	id, url string
	enc     []byte // appendIDs form of id, from the arena
}

// keyHead returns the first 8 bytes of k (zeros after its end) as a
// big-endian number: x < y if keyHead(x) < keyHead(y).
func keyHead[K string | []byte](k K) uint64 {
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// arena hands out byte slices for the values of one write transaction
// (bbolt keeps a value until the transaction ends), from chunks reused by
// the next transactions after reset.
type arena struct {
	chunks [][]byte // chunks before cur are used up
	cur    int      // the chunk in use
	used   int      // bytes handed out from chunks[cur]
	last   []byte   // what Write wrote last
}

const (
	arenaChunk = 64 << 10
	arenaKeep  = 4 << 20 // bytes of chunks kept for the next transaction
)

// alloc returns n bytes that stay untouched until reset.
func (a *arena) alloc(n int) []byte {
	for ; a.cur < len(a.chunks); a.cur, a.used = a.cur+1, 0 {
		if c := a.chunks[a.cur]; a.used+n <= len(c) {
			a.used += n
			return c[a.used-n : a.used : a.used]
		}
	}
	a.chunks = append(a.chunks, make([]byte, max(n, arenaChunk)))
	a.used = n
	return a.chunks[a.cur][:n:n]
}

// Write copies p to the arena, as a.last.
func (a *arena) Write(p []byte) (int, error) {
	a.last = a.alloc(len(p))
	return copy(a.last, p), nil
}

// reset makes the arena's memory free for reuse: call it only when no
// transaction holds values from it. It keeps up to arenaKeep bytes of
// chunks.
func (a *arena) reset() {
	keep, size := 0, 0
	for keep < len(a.chunks) && size+len(a.chunks[keep]) <= arenaKeep {
		size += len(a.chunks[keep])
		keep++
	}
	clear(a.chunks[keep:])
	a.chunks = a.chunks[:keep]
	a.cur, a.used, a.last = 0, 0, nil
}

// marshal returns json.Marshal(v), in the arena when w is not nil. It has
// enc write it (the same bytes, faster), and encoding/json only what enc
// leaves to it.
func marshal[T any](w *writer, v *T, enc jsonEncoder[T]) ([]byte, error) {
	if w == nil {
		var terms []centroidTerm
		if b, ok := enc(nil, v, &terms); ok {
			return b, nil
		}
		return json.Marshal(v)
	}
	b, ok := enc(w.buf[:0], v, &w.terms)
	w.buf = b[:0]
	if ok {
		_, _ = w.arena.Write(b)
		return w.arena.last, nil
	}
	if w.enc == nil {
		w.enc = json.NewEncoder(&w.arena)
	}
	if err := w.enc.Encode(v); err != nil {
		return nil, err
	}
	b = w.arena.last // Encode ends it with a newline
	return b[: len(b)-1 : len(b)-1], nil
}

// update runs fn in a write transaction with the store's writer, then
// writes what the writer gathered (near-list additions, article count) and
// compacts the docfreq log if fn took it past docFreqLogMax. It holds wmu
// until the commit handlers have run: bbolt runs them after it lets the
// next writer in, and the near log index must follow the commits in order.
func (s *Store) update(fn func(tx *bolt.Tx, w *writer) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.db.Update(func(tx *bolt.Tx) error {
		w := &s.w
		w.arena.reset() // the last transaction has ended
		w.near = w.near[:0]
		w.nearKeys = w.nearKeys[:0]
		clear(w.nearArts) // no strings kept alive
		w.nearArts = w.nearArts[:0]
		w.articles = 0
		w.logged, w.fold = false, false
		if err := fn(tx, w); err != nil {
			return err
		}
		if err := s.logNear(tx, w); err != nil {
			return err
		}
		if w.articles > 0 {
			if err := addUint(tx.Bucket(bucketMeta), keyArticles, w.articles); err != nil {
				return err
			}
		}
		if w.logged && logBytes(tx) > docFreqLogMax {
			return compactDocFreq(tx, &w.arena)
		}
		return nil
	})
}

// Open opens the database file at path, creating it and its parent
// directory if needed, and migrates it to the current schema. If another
// process holds the file, Open gives up after a second with an error
// matching ErrInUse.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A larger first mapping spares a growing database the remaps that
	// copy every node a write transaction holds; the file itself still
	// grows only as needed, a mebibyte at a time.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, InitialMmapSize: 64 << 20})
	if err != nil {
		return nil, openError(path, err)
	}
	db.AllocSize = 1 << 20
	s := &Store{db: db, path: path}
	if err := db.Update(migrate); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.View(s.near.load); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func openError(path string, err error) error {
	if errors.Is(err, bolt.ErrTimeout) {
		return fmt.Errorf("open %s: %w", path, ErrInUse)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

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

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

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

// ArticleID returns the ID newsmon gives the article whose canonical URL is
// url: the first 16 hex digits of its SHA-256, so the same URL always gets
// the same ID, across runs and machines.
func ArticleID(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:8])
}

// ArticleWrite is everything stored with a new article, in one transaction.
type ArticleWrite struct {
	Article  *newsmon.Article  // ID assigned (ArticleID of its URL) if empty
	URLs     []string          // every URL of the article (canonical first); indexed -> ID
	NearKeys []string          // dedup.Signature.Keys()
	Incident *newsmon.Incident // optional: saved in the same transaction
}

// SaveArticle stores a new article with its URL, content-hash, near-key and
// time index entries and its incident in one transaction.
//
// Article.URL is indexed with URLs; if it is empty it becomes URLs[0]. An
// empty Article.ID becomes ArticleID(Article.URL) and is written back to
// *w.Article; an empty Article.IncidentID becomes Incident.ID. If any of the
// URLs (or the ID) is already stored, SaveArticle writes nothing, sets
// w.Article.ID to the stored article's ID and returns an error matching
// ErrExists. A content hash already indexed keeps pointing at the first
// article stored with it.
func (s *Store) SaveArticle(w ArticleWrite) error {
	return s.update(func(tx *bolt.Tx, wr *writer) error { return saveArticle(tx, w, wr) })
}

// saveArticle is SaveArticle inside tx. It checks for an existing article
// before it writes anything, so an ErrExists leaves tx untouched.
func saveArticle(tx *bolt.Tx, w ArticleWrite, wr *writer) error {
	if w.Article == nil {
		return errors.New("save article: nil article")
	}
	a := *w.Article
	urls := uniqueNonEmpty(append([]string{a.URL}, w.URLs...))
	if len(urls) == 0 {
		return fmt.Errorf("save article %q: no URL", a.Title)
	}
	if a.URL == "" {
		a.URL = urls[0]
	}
	if a.ID == "" {
		a.ID = ArticleID(a.URL)
	}
	if w.Incident != nil && a.IncidentID == "" {
		a.IncidentID = w.Incident.ID
	}
	data, err := marshal(wr, &a, appendArticle)
	if err != nil {
		return fmt.Errorf("save article %s: %w", a.URL, err)
	}
	id := []byte(a.ID)
	var existing string
	err = func() error {
		ub := tx.Bucket(bucketURLs)
		for _, u := range urls {
			if v := ub.Get([]byte(u)); v != nil {
				existing = string(v)
				return fmt.Errorf("url %s is article %s: %w", u, existing, ErrExists)
			}
		}
		articles := tx.Bucket(bucketArticles)
		if articles.Get(id) != nil {
			existing = a.ID
			return fmt.Errorf("id %s: %w", a.ID, ErrExists)
		}
		if err := articles.Put(id, data); err != nil {
			return err
		}
		wr.key = appendTimeIDKey(wr.key[:0], a.FetchedAt, a.ID)
		if err := tx.Bucket(bucketArticleTime).Put(wr.key, nil); err != nil {
			return err
		}
		if err := indexURLs(ub, urls, id); err != nil {
			return err
		}
		if a.ContentHash != "" {
			hb := tx.Bucket(bucketHashes)
			if hb.Get([]byte(a.ContentHash)) == nil {
				if err := hb.Put([]byte(a.ContentHash), id); err != nil {
					return err
				}
			}
		}
		wr.addNear(w.NearKeys, a.ID, a.URL)
		if w.Incident != nil {
			if err := putIncident(tx, *w.Incident, wr); err != nil {
				return err
			}
		}
		wr.articles++
		return nil
	}()
	if err != nil {
		if existing != "" {
			w.Article.ID = existing
		}
		return fmt.Errorf("save article %s: %w", a.URL, err)
	}
	w.Article.ID = a.ID
	return nil
}

// DuplicateWrite links a copy to a stored article, as AddDuplicateIncident.
type DuplicateWrite struct {
	ID        string // the representative
	Duplicate newsmon.Duplicate
	URLs      []string
	Incident  *newsmon.Incident // optional
}

// Write is one change in a batch: a new article, a duplicate link or the
// clusterer's document frequencies.
type Write struct {
	Article   *ArticleWrite
	Duplicate *DuplicateWrite
	DocFreq   *DocFreqWrite
}

// SaveBatch applies writes in order in one transaction (one disk sync for
// all). A write refused with ErrExists or ErrNotFound changes nothing and is
// reported at its index in errs while the others go ahead; any other error
// rolls the whole batch back and is returned as err.
//
// A DocFreq write sets the counts of its terms (a term repeated in it, or
// in a later write, takes the later count) and the document count, so
// applying it again changes nothing. It is appended to a log, folded into
// the docfreq bucket when the log outgrows docFreqLogMax. Terms and Counts
// of different lengths, or a negative count, fail the batch.
func (s *Store) SaveBatch(writes []Write) (errs []error, err error) {
	errs = make([]error, len(writes))
	err = s.update(func(tx *bolt.Tx, wr *writer) error {
		for i, w := range writes {
			var werr error
			switch {
			case w.Article != nil:
				werr = saveArticle(tx, *w.Article, wr)
			case w.Duplicate != nil:
				d := w.Duplicate
				werr = addDuplicate(tx, d.ID, d.Duplicate, d.URLs, d.Incident, wr)
			case w.DocFreq != nil:
				if err := wr.logDocFreq(tx, w.DocFreq); err != nil {
					return fmt.Errorf("write %d: %w", i, err)
				}
			}
			if werr != nil {
				if !errors.Is(werr, ErrExists) && !errors.Is(werr, ErrNotFound) {
					return werr
				}
				errs[i] = werr
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save batch of %d: %w", len(writes), err)
	}
	return errs, nil
}

// AddDuplicate links a copy to the stored article id (its representative):
// d is appended to the article's Duplicates unless a duplicate with that URL
// is already there or d.URL is the article's own URL, and d.URL and urls are
// indexed to id (a URL already indexed keeps its article). One transaction.
func (s *Store) AddDuplicate(id string, d newsmon.Duplicate, urls []string) error {
	return s.AddDuplicateIncident(id, d, urls, nil)
}

// AddDuplicateIncident is AddDuplicate that also saves inc (when not nil),
// e.g. the representative's incident with the copy's outlet added, in the
// same transaction.
func (s *Store) AddDuplicateIncident(id string, d newsmon.Duplicate, urls []string, inc *newsmon.Incident) error {
	return s.db.Update(func(tx *bolt.Tx) error { return addDuplicate(tx, id, d, urls, inc, nil) })
}

// addDuplicate is AddDuplicateIncident inside tx; it reads the
// representative before it writes, so an ErrNotFound leaves tx untouched.
// wr, when not nil, is the transaction's writer.
func addDuplicate(tx *bolt.Tx, id string, d newsmon.Duplicate, urls []string, inc *newsmon.Incident, wr *writer) error {
	err := func() error {
		articles := tx.Bucket(bucketArticles)
		a, err := getArticle(articles, id)
		if err != nil {
			return err
		}
		if d.URL != "" && d.URL != a.URL && !slices.ContainsFunc(a.Duplicates, func(x newsmon.Duplicate) bool { return x.URL == d.URL }) {
			a.Duplicates = append(a.Duplicates, d)
			data, err := marshal(wr, &a, appendArticle)
			if err != nil {
				return err
			}
			if err := articles.Put([]byte(id), data); err != nil {
				return err
			}
		}
		if err := indexURLs(tx.Bucket(bucketURLs), uniqueNonEmpty(append([]string{d.URL}, urls...)), []byte(id)); err != nil {
			return err
		}
		if inc != nil {
			return putIncident(tx, *inc, wr)
		}
		return nil
	}()
	if err != nil {
		return fmt.Errorf("add duplicate %s to article %s: %w", d.URL, id, err)
	}
	return nil
}

// indexURLs points each URL not yet indexed at id.
func indexURLs(b *bolt.Bucket, urls []string, id []byte) error {
	for _, u := range urls {
		if b.Get([]byte(u)) != nil {
			continue
		}
		if err := b.Put([]byte(u), id); err != nil {
			return fmt.Errorf("index url %.200s: %w", u, err)
		}
	}
	return nil
}

// Article returns the stored article id, or an error matching ErrNotFound.
func (s *Store) Article(id string) (newsmon.Article, error) {
	return viewJSON(s, bucketArticles, getArticle, id)
}

func getArticle(b *bolt.Bucket, id string) (newsmon.Article, error) {
	return getJSON[newsmon.Article](b, "article", id)
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

// viewJSON runs get in a read transaction on bucket.
func viewJSON[T any](s *Store, bucket []byte, get func(*bolt.Bucket, string) (T, error), id string) (T, error) {
	var v T
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = get(tx.Bucket(bucket), id)
		return err
	})
	return v, err
}

// ArticleIDByURL returns the ID of the article stored under url (any of its
// URLs or a linked duplicate's).
func (s *Store) ArticleIDByURL(url string) (string, bool, error) {
	return s.lookup(bucketURLs, url)
}

// ArticleIDByHash returns the ID of the first article stored with the
// content hash.
func (s *Store) ArticleIDByHash(hash string) (string, bool, error) {
	return s.lookup(bucketHashes, hash)
}

func (s *Store) lookup(bucket []byte, key string) (string, bool, error) {
	if key == "" {
		return "", false, nil
	}
	var id string
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucket).Get([]byte(key)); v != nil {
			id, ok = string(v), true
		}
		return nil
	})
	return id, ok, err
}

// NearCandidates returns the IDs of the articles that share at least one of
// the band keys, those sharing the most keys first (ties: the order in which
// the keys and, within a key, the newest IDs come), without repeats and at
// most limit of them (no cap when limit <= 0). Its cost depends on
// len(keys) and MaxNearPerKey, not on how many articles are stored.
//
// A key's list is the near bucket's with the near log's additions applied
// (applyNear). The log's additions come from s.near, which must match the
// transaction's view of the log: NearCandidates holds mu's read lock from
// before its transaction begins to its end, so no commit handler changes
// s.near meanwhile, and every commit whose handler ran (every SaveBatch
// that returned) is in both the view and s.near. The writer that commits
// while the lock is held blocks in its handler, under wmu, so the view is
// at most that one commit ahead of s.near: a batch that logged additions
// (the view's log has a record s.near lacks, ignored: the list is as
// before that batch), or a compaction, which folded s.near's additions
// into the near bucket and emptied the log. The view then shows no record
// of s.near (nearLog.current) and the bucket alone is used: applying the
// additions twice would not always give the same list (an ID that was
// there, then dropped, comes back).
func (s *Store) NearCandidates(keys []string, limit int) ([]string, error) {
	var cands []nearCandidate // in the order they came
	var index map[string]int  // id -> its place in cands, once there are many
	s.mu.RLock()
	defer s.mu.RUnlock()
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketNear).Cursor() // one for all the lookups
		logged := s.near.current(tx)
		var kbuf, ibuf [64]byte
		var lbuf [(MaxNearPerKey + 1) * (1 + articleIDLen/2)]byte
		var ubuf [64]string
		for _, k := range uniqueNonEmpty(append(ubuf[:0], keys...)) {
			v, err := s.nearList(c, appendNearKey(kbuf[:0], k), logged, ibuf[:0], lbuf[:0])
			var list []string
			if err == nil {
				list, err = decodeIDs(v)
			}
			if err != nil {
				return fmt.Errorf("near key %q: %w", k, err)
			}
			for i := len(list) - 1; i >= 0; i-- {
				id := list[i]
				j, ok := 0, false
				if index != nil {
					j, ok = index[id]
				} else if j = slices.IndexFunc(cands, func(c nearCandidate) bool { return c.id == id }); j >= 0 {
					ok = true
				}
				if ok {
					cands[j].n++
					continue
				}
				cands = append(cands, nearCandidate{id, 1})
				if index == nil && len(cands) > 16 { // a set from now on
					index = make(map[string]int, 4*len(cands))
					for j, c := range cands {
						index[c.id] = j
					}
				} else if index != nil {
					index[id] = len(cands) - 1
				}
			}
		}
		return nil
	})
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	slices.SortStableFunc(cands, func(a, b nearCandidate) int { return b.n - a.n })
	if limit > 0 && len(cands) > limit {
		cands = cands[:limit]
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.id
	}
	return ids, nil
}

// nearList returns the near list of key (encodeNearKey form) that a read
// transaction sees: the near bucket's, read through c, with the log's
// additions applied when logged (nearLog.current). ibuf and lbuf are
// scratch space.
func (s *Store) nearList(c *bolt.Cursor, key []byte, logged bool, ibuf, lbuf []byte) ([]byte, error) {
	v := get(c, key)
	if !logged {
		return v, nil
	}
	ids := s.near.ids(key, ibuf)
	if len(ids) == 0 {
		return v, nil
	}
	v, _, err := applyNear(lbuf, v, ids)
	return v, err
}

// nearCandidate is an article NearCandidates found and how many of the
// keys it shares.
type nearCandidate struct {
	id string
	n  int
}

// addNear queues id for the near lists of keys (a key repeated or empty
// adds nothing), to be written by writeNear when the transaction's articles
// are saved.
func (w *writer) addNear(keys []string, id, url string) {
	art := len(w.nearArts)
	for _, k := range keys {
		if k == "" {
			continue
		}
		if art == len(w.nearArts) {
			w.key = appendIDs(w.key[:0], id)
			enc := w.arena.alloc(len(w.key))
			copy(enc, w.key)
			w.nearArts = append(w.nearArts, nearArticle{id: id, url: url, enc: enc})
		}
		off := len(w.nearKeys)
		w.nearKeys = appendNearKey(w.nearKeys, k)
		w.near = append(w.near, nearAdd{head: keyHead(w.nearKeys[off:]), off: uint32(off), end: uint32(len(w.nearKeys)), art: uint32(art)})
	}
}

// nearKeyTag starts the stored form of a near key that is not kept as raw
// bytes (see encodeNearKey).
const nearKeyTag = 0xff

// encodeNearKey returns the near bucket key for band key k. A dedup band key
// (20 lowercase hex digits) is stored as its 10 bytes: half the size, so
// more keys per page, fewer pages and cache lines touched per lookup. Any
// other key, and one whose first byte would be nearKeyTag, is stored as
// nearKeyTag followed by k, so the two forms never collide.
func encodeNearKey(k string) []byte { return appendNearKey(nil, k) }

// appendNearKey appends the encodeNearKey form of k to dst.
func appendNearKey(dst []byte, k string) []byte {
	const n = 10
	if len(k) == 2*n && isLowerHex(k) {
		if raw, err := hex.AppendDecode(dst, []byte(k)); err == nil && raw[len(dst)] != nearKeyTag {
			return raw
		}
	}
	dst = append(dst, nearKeyTag)
	return append(dst, k...)
}

// isLowerHex reports whether s is made of 0-9 and a-f only, so that hex
// decoding and encoding it gives s back.
func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

var errCorruptIDs = errors.New("corrupt id list")

// articleIDLen is the length of an ArticleID; such IDs are stored as their
// 8 bytes in near lists.
const articleIDLen = 16

// encodeIDs writes each ID as a uvarint length and its bytes, except that
// an ArticleID-shaped ID (16 lowercase hex digits) is a zero length and its
// 8 bytes (an empty ID is never stored, so a zero length is free).
func encodeIDs(ids []string) []byte {
	return appendIDs(make([]byte, 0, len(ids)*(1+articleIDLen/2)), ids...)
}

// appendIDs appends the encodeIDs form of ids to buf.
func appendIDs(buf []byte, ids ...string) []byte {
	for _, id := range ids {
		if len(id) == articleIDLen && isLowerHex(id) {
			buf = append(buf, 0)
			buf, _ = hex.AppendDecode(buf, []byte(id))
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(id)))
		buf = append(buf, id...)
	}
	return buf
}

func decodeIDs(buf []byte) ([]string, error) {
	var ids []string
	for len(buf) > 0 {
		start, end, packed, _, err := idSpan(buf)
		if err != nil {
			return nil, err
		}
		if packed {
			ids = append(ids, hex.EncodeToString(buf[start:end]))
		} else {
			ids = append(ids, string(buf[start:end]))
		}
		buf = buf[end:]
	}
	return ids, nil
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

// Articles calls fn for each article fetched at or after since, oldest
// fetch first. fn runs outside any database transaction (articles are read
// in batches), so it may be slow or call other Store methods; articles saved
// during the walk may or may not be seen. An error from fn stops the walk and
// is returned.
func (s *Store) Articles(since time.Time, fn func(newsmon.Article) error) error {
	return walk(s, bucketArticleTime, timeKey(since), func(tx *bolt.Tx, k, _ []byte) (newsmon.Article, error) {
		return getArticle(tx.Bucket(bucketArticles), string(k[timeKeyLen:]))
	}, fn)
}

// Incidents calls fn for each stored incident in ID order; fn runs outside
// any database transaction, as in Articles.
func (s *Store) Incidents(fn func(newsmon.Incident) error) error {
	return walk(s, bucketIncidents, nil, func(_ *bolt.Tx, k, v []byte) (newsmon.Incident, error) {
		return decodeJSON[newsmon.Incident]("incident", string(k), v)
	}, fn)
}

// ActiveIncidents returns the incidents last seen at or after since, least
// recently seen first, reading only those (an index on LastSeen).
func (s *Store) ActiveIncidents(since time.Time) ([]newsmon.Incident, error) {
	var incs []newsmon.Incident
	err := walk(s, bucketIncidentSeen, timeKey(since), func(tx *bolt.Tx, k, _ []byte) (newsmon.Incident, error) {
		return getIncident(tx.Bucket(bucketIncidents), string(k[timeKeyLen:]))
	}, func(inc newsmon.Incident) error {
		incs = append(incs, inc)
		return nil
	})
	return incs, err
}

// walk reads the bucket's records from key start on (nil: the first) in
// batches of readBatch, each in its own read transaction, loading each with
// load, and calls fn for them after the transaction ends.
func walk[T any](s *Store, bucket, start []byte, load func(tx *bolt.Tx, k, v []byte) (T, error), fn func(T) error) error {
	next := start
	for {
		var items []T
		more := false
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucket).Cursor()
			for k, v := c.Seek(next); k != nil; k, v = c.Next() {
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

// SaveIncident stores inc (a new one or a new version of one).
func (s *Store) SaveIncident(inc newsmon.Incident) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putIncident(tx, inc, nil) })
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
	data, err := marshal(wr, &inc, appendIncident)
	if err != nil {
		return fmt.Errorf("incident %s: %w", inc.ID, err)
	}
	if err := b.Put(id, data); err != nil {
		return err
	}
	return seen.Put(timeIDKey(inc.LastSeen, inc.ID), nil)
}

// Incident returns the stored incident id, or an error matching ErrNotFound.
func (s *Store) Incident(id string) (newsmon.Incident, error) {
	return viewJSON(s, bucketIncidents, getIncident, id)
}

func getIncident(b *bolt.Bucket, id string) (newsmon.Incident, error) {
	return getJSON[newsmon.Incident](b, "incident", id)
}

type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Validators returns the ETag and Last-Modified kept for url; both empty
// when none are kept.
func (s *Store) Validators(url string) (etag, lastModified string, err error) {
	var v validators
	err = s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketValidators).Get([]byte(url))
		if data == nil {
			return nil
		}
		return json.Unmarshal(data, &v)
	})
	if err != nil {
		return "", "", fmt.Errorf("validators of %s: %w", url, err)
	}
	return v.ETag, v.LastModified, nil
}

// SetValidators keeps the ETag and Last-Modified of url for the next
// conditional GET; both empty forgets them.
func (s *Store) SetValidators(url, etag, lastModified string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValidators)
		if etag == "" && lastModified == "" {
			return b.Delete([]byte(url))
		}
		data, err := json.Marshal(validators{etag, lastModified})
		if err != nil {
			return err
		}
		return b.Put([]byte(url), data)
	})
	if err != nil {
		return fmt.Errorf("set validators of %.200s: %w", url, err)
	}
	return nil
}

// NextDue returns when source is next due to be crawled; the zero time
// (due now) if it was never scheduled.
func (s *Store) NextDue(source string) (time.Time, error) {
	var t time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketSchedule).Get([]byte(source))
		if data == nil {
			return nil
		}
		return t.UnmarshalBinary(data)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("next due time of %s: %w", source, err)
	}
	return t, nil
}

// SetNextDue records when source is next due to be crawled.
func (s *Store) SetNextDue(source string, t time.Time) error {
	data, err := t.MarshalBinary()
	if err == nil {
		err = s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketSchedule).Put([]byte(source), data)
		})
	}
	if err != nil {
		return fmt.Errorf("set next due time of %s: %w", source, err)
	}
	return nil
}

// DocFreqWrite sets the clusterer's document frequencies: Counts[i] is the
// number of documents with Terms[i] now (not an increment), Docs the number
// of documents now.
type DocFreqWrite struct {
	Terms  []string
	Counts []int
	Docs   int
}

// docFreqLogMax bounds the docfreq log: the SaveBatch whose record takes it
// past this many bytes folds it into the docfreq bucket. A record costs
// about 10 bytes a term, so a 64-article batch of real text (~17k distinct
// terms) logs ~170 KB and the log is compacted every 25 batches. Measured
// with BenchmarkSaveBatch/real (2 cores, fsync): the compacting batch costs
// ~0.2 s more than a plain one at 1 MiB (every 6 batches), ~0.36 s at 4 MiB
// and ~0.85 s at 16 MiB (every 100): per batch ~23, ~14 and ~8.5 ms. 4 MiB
// keeps both the pause and DocFreq's reading of the log at startup short
// for about 5 ms a batch more than 16 MiB.
var docFreqLogMax = 4 << 20

// docFreqRecordV1 starts a docfreq log record: then the uvarint number of
// documents, the uvarint number of terms and, for each, its uvarint length,
// its bytes and its uvarint count.
const docFreqRecordV1 = 1

// appendDocFreq appends the log record of d to dst, after checking it. Empty
// terms are left out (none is ever stored).
func appendDocFreq(dst []byte, d *DocFreqWrite) ([]byte, error) {
	if len(d.Terms) != len(d.Counts) {
		return dst, fmt.Errorf("%d terms but %d counts", len(d.Terms), len(d.Counts))
	}
	if d.Docs < 0 {
		return dst, fmt.Errorf("negative document count %d", d.Docs)
	}
	n := 0
	for i, t := range d.Terms {
		if d.Counts[i] < 0 {
			return dst, fmt.Errorf("term %.100q: negative count %d", t, d.Counts[i])
		}
		if len(t) > bolt.MaxKeySize {
			return dst, fmt.Errorf("term %.100q: longer than %d bytes", t, bolt.MaxKeySize)
		}
		if t != "" {
			n++
		}
	}
	dst = append(dst, docFreqRecordV1)
	dst = binary.AppendUvarint(dst, uint64(d.Docs))
	dst = binary.AppendUvarint(dst, uint64(n))
	for i, t := range d.Terms {
		if t == "" {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(t)))
		dst = append(dst, t...)
		dst = binary.AppendUvarint(dst, uint64(d.Counts[i]))
	}
	return dst, nil
}

var errCorruptDocFreq = errors.New("corrupt docfreq log record")

// decodeDocFreq reads a record of appendDocFreq, calling fn for each term
// (term is only valid during the call), and returns its document count. A
// record that does not decode whole is an error matching
// errCorruptDocFreq; fn may have been called for the terms before the fault.
func decodeDocFreq(rec []byte, fn func(term []byte, count uint64)) (docs uint64, err error) {
	size := len(rec)
	fail := func(what string) (uint64, error) {
		return 0, fmt.Errorf("%w: %s at byte %d of %d", errCorruptDocFreq, what, size-len(rec), size)
	}
	if len(rec) == 0 || rec[0] != docFreqRecordV1 {
		return fail("unknown format")
	}
	rec = rec[1:]
	uvarint := func() (uint64, bool) {
		u, w := binary.Uvarint(rec)
		if w <= 0 {
			return 0, false
		}
		rec = rec[w:]
		return u, true
	}
	docs, ok := uvarint()
	if !ok {
		return fail("bad document count")
	}
	n, ok := uvarint()
	if !ok || n > uint64(len(rec)/3) { // a term takes at least 3 bytes
		return fail("bad term count")
	}
	for range n {
		l, ok := uvarint()
		if !ok || l == 0 || l > uint64(len(rec)) {
			return fail("bad term length")
		}
		term := rec[:l]
		rec = rec[l:]
		c, ok := uvarint()
		if !ok {
			return fail("bad count")
		}
		fn(term, c)
	}
	if len(rec) != 0 {
		return fail("trailing bytes")
	}
	return docs, nil
}

// logDocFreq appends d to the docfreq log as one record.
func (w *writer) logDocFreq(tx *bolt.Tx, d *DocFreqWrite) error {
	rec, err := appendDocFreq(w.rec[:0], d)
	w.rec = rec[:0]
	if err != nil {
		return fmt.Errorf("document frequencies: %w", err)
	}
	b := tx.Bucket(bucketDocFreqLog)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	if _, err := w.arena.Write(rec); err != nil { // values must stay valid until the transaction ends
		return err
	}
	w.logged = true
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), w.arena.last)
}

// logBytes returns the size of the docfreq log's records.
func logBytes(tx *bolt.Tx) int {
	n := 0
	c := tx.Bucket(bucketDocFreqLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n += len(v)
	}
	return n
}

// readDocFreqLog calls fn for each term of each log record, oldest first,
// and returns the document count of the last record (ok false: the log is
// empty).
func readDocFreqLog(tx *bolt.Tx, fn func(term []byte, count uint64)) (docs uint64, ok bool, err error) {
	c := tx.Bucket(bucketDocFreqLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if docs, err = decodeDocFreq(v, fn); err != nil {
			return 0, false, fmt.Errorf("docfreq log record %x: %w", k, err)
		}
		ok = true
	}
	return docs, ok, nil
}

// docFreqEntry is a term's latest count while compacting. head is
// keyHead(term): most comparisons need no more.
type docFreqEntry struct {
	head  uint64
	term  string
	count uint64
}

// compactDocFreq folds the docfreq log into the docfreq bucket: the latest
// count of each term it holds, put in key order (bbolt writes sorted keys
// fastest), and the latest document count into meta; then it empties the
// log.
func compactDocFreq(tx *bolt.Tx, ar *arena) error {
	latest := map[string]int{} // term -> its place in entries
	var entries []docFreqEntry
	docs, ok, err := readDocFreqLog(tx, func(term []byte, count uint64) {
		if i, ok := latest[string(term)]; ok {
			entries[i].count = count
			return
		}
		t := string(term)
		latest[t] = len(entries)
		entries = append(entries, docFreqEntry{keyHead(t), t, count})
	})
	if err != nil || !ok {
		return err
	}
	slices.SortFunc(entries, func(x, y docFreqEntry) int {
		if x.head != y.head {
			return cmp.Compare(x.head, y.head)
		}
		return strings.Compare(x.term, y.term)
	})
	b := tx.Bucket(bucketDocFreq)
	vals := ar.alloc(8 * len(entries)) // values must stay valid until the transaction ends
	for j, e := range entries {
		v := vals[8*j : 8*j+8 : 8*j+8]
		binary.BigEndian.PutUint64(v, e.count)
		if err := b.Put([]byte(e.term), v); err != nil {
			return fmt.Errorf("term %.100q: %w", e.term, err)
		}
	}
	if err := putUint(tx.Bucket(bucketMeta), keyDocs, docs); err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketDocFreqLog); err != nil {
		return err
	}
	_, err = tx.CreateBucket(bucketDocFreqLog)
	return err
}

// Compact folds the document-frequency log into the docfreq bucket and
// the near log into the near bucket now, in one transaction. SaveBatch
// folds each log by itself when it grows past its bound; DocFreq and
// NearCandidates return the same before and after.
func (s *Store) Compact() error {
	err := s.update(func(tx *bolt.Tx, w *writer) error {
		w.fold = true
		return compactDocFreq(tx, &w.arena)
	})
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	return nil
}

// DocFreq returns the clusterer's document frequencies as last set by
// SaveBatch: for each term, the number of documents that had it, and the
// number of documents.
func (s *Store) DocFreq() (df map[string]int, docs int, err error) {
	df = map[string]int{}
	err = s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketDocFreq).ForEach(func(k, v []byte) error {
			df[string(k)] = int(decodeUint(v))
			return nil
		})
		if err != nil {
			return err
		}
		d, ok, err := readDocFreqLog(tx, func(term []byte, count uint64) { df[string(term)] = int(count) })
		if !ok {
			d = getUint(tx.Bucket(bucketMeta), keyDocs)
		}
		docs = int(d)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("document frequencies: %w", err)
	}
	return df, docs, nil
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

func getUint(b *bolt.Bucket, key []byte) uint64 { return decodeUint(b.Get(key)) }

// get is Bucket.Get through c, a cursor of the bucket: a cursor reused
// for many lookups spares Get's allocations (a new cursor each time).
func get(c *bolt.Cursor, key []byte) []byte {
	if k, v := c.Seek(key); bytes.Equal(k, key) {
		return v
	}
	return nil
}

func decodeUint(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint(b *bolt.Bucket, key []byte, n uint64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(nil, n))
}

func addUint(b *bolt.Bucket, key []byte, n uint64) error {
	return putUint(b, key, getUint(b, key)+n)
}

// timeKeyLen is the length of a timeKey: seconds (sign bit flipped, so that
// times before 1970 sort first) and nanoseconds, big-endian.
const timeKeyLen = 12

func timeKey(t time.Time) []byte { return appendTimeIDKey(make([]byte, 0, timeKeyLen), t, "") }

func timeIDKey(t time.Time, id string) []byte { return appendTimeIDKey(nil, t, id) }

func appendTimeIDKey(dst []byte, t time.Time, id string) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.Unix())^(1<<63))
	dst = binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()))
	return append(dst, id...)
}

// uniqueNonEmpty keeps the non-empty strings of in, first occurrences only,
// in order, in place: it returns in[:n] holding them.
func uniqueNonEmpty(in []string) []string {
	const small = 16 // fewer: compare with those kept; more: a set
	out := in[:0]
	var seen map[string]bool
	if len(in) > small {
		seen = make(map[string]bool, len(in))
	}
	for _, s := range in {
		if s == "" {
			continue
		}
		if seen == nil {
			if slices.Contains(out, s) {
				continue
			}
		} else if seen[s] {
			continue
		} else {
			seen[s] = true
		}
		out = append(out, s)
	}
	return out
}

// LatestIncidentSeen returns the newest LastSeen of any incident (zero when
// there is none), read from the last-seen index: the clusterer's clock is
// article time, so its open window is measured back from here.
func (s *Store) LatestIncidentSeen() (time.Time, error) {
	var t time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketIncidentSeen).Cursor().Last()
		if len(k) >= timeKeyLen {
			sec := int64(binary.BigEndian.Uint64(k) ^ (1 << 63))
			t = time.Unix(sec, int64(binary.BigEndian.Uint32(k[8:timeKeyLen])))
		}
		return nil
	})
	return t, err
}
