package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

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
	Incident *newsmon.Incident // optional: saved in the same transaction
}

// saveArticle stores a new article (an Article write of SaveBatch) with its
// URL, content-hash and time index entries and its incident, in tx.
//
// Article.URL is indexed with URLs; if it is empty it becomes URLs[0]. An
// empty Article.ID becomes ArticleID(Article.URL) and is written back to
// *w.Article; an empty Article.IncidentID becomes Incident.ID. If any of the
// URLs (or the ID) is already stored, it writes nothing, sets
// w.Article.ID to the stored article's ID and returns an error matching
// ErrExists. A content hash already indexed keeps pointing at the first
// article stored with it. It checks for an existing article before it
// writes anything, so an ErrExists leaves tx untouched.
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
	data, err := encodeArticle(wr, &a, a.Signature)
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
		times := tx.Bucket(bucketArticleTime)
		times.FillPercent = articleTimeFill
		if err := times.Put(wr.key, nil); err != nil {
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
		if w.Incident != nil {
			if err := putIncident(tx, *w.Incident, wr); err != nil {
				return err
			}
		}
		wr.articles++
		return nil
	}()
	// ID is written back only when it changes: a caller that set it may be
	// reading its article meanwhile (the pipeline's uncommitted batch).
	if err != nil {
		if existing != "" && w.Article.ID != existing {
			w.Article.ID = existing
		}
		return fmt.Errorf("save article %s: %w", a.URL, err)
	}
	if w.Article.ID != a.ID {
		w.Article.ID = a.ID
	}
	return nil
}

// DuplicateWrite links a copy to a stored article (addDuplicate).
type DuplicateWrite struct {
	ID        string // the representative
	Duplicate newsmon.Duplicate
	URLs      []string
	Incident  *newsmon.Incident // optional
	// Replace, when not nil, is the copy's article (its URL Duplicate.URL):
	// the evidence says it is the original, so it becomes the
	// representative in place. The stored article keeps its ID, incident,
	// fetch time, fingerprints and duplicates, takes the copy's URL,
	// source, text and metadata, and its own page becomes a duplicate.
	Replace *newsmon.Article
}

// addDuplicate links copy d to the stored article id (its representative)
// and saves inc when not nil, inside tx; with replace, the copy takes the
// representative's place (DuplicateWrite.Replace). It reads the
// representative before it writes, so an ErrNotFound leaves tx untouched.
// wr, when not nil, is the transaction's writer.
func addDuplicate(tx *bolt.Tx, id string, d newsmon.Duplicate, urls []string, inc *newsmon.Incident, replace *newsmon.Article, wr *writer) error {
	err := func() error {
		articles := tx.Bucket(bucketArticles)
		a, sig, err := getArticleSig(articles, id)
		if err != nil {
			return err
		}
		if replace != nil && d.URL != "" && d.URL != a.URL {
			a = replaced(a, *replace, d)
			data, err := encodeArticle(wr, &a, sig)
			if err != nil {
				return err
			}
			if err := articles.Put([]byte(id), data); err != nil {
				return err
			}
			if h := replace.ContentHash; h != "" {
				if hb := tx.Bucket(bucketHashes); hb.Get([]byte(h)) == nil {
					if err := hb.Put([]byte(h), []byte(id)); err != nil {
						return err
					}
				}
			}
		} else if d.URL != "" && d.URL != a.URL && !slices.ContainsFunc(a.Duplicates, func(x newsmon.Duplicate) bool { return x.URL == d.URL }) {
			a.Duplicates = append(a.Duplicates, d)
			data, err := encodeArticle(wr, &a, sig)
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

// replaced is stored article a with copy c (linked as d) in its place: c's
// page and text, a's identity (ID, incident, fetch time, fingerprints) and
// copies, a's own page the first of them.
func replaced(a, c newsmon.Article, d newsmon.Duplicate) newsmon.Article {
	old := newsmon.Duplicate{URL: a.URL, Source: a.Source, FetchedAt: a.FetchedAt, Exact: d.Exact}
	dups := make([]newsmon.Duplicate, 0, len(a.Duplicates)+1)
	dups = append(dups, old)
	for _, x := range a.Duplicates {
		if x.URL != c.URL && x.URL != old.URL {
			dups = append(dups, x)
		}
	}
	a.URL, a.CanonicalURL, a.Source, a.Lang = c.URL, c.CanonicalURL, c.Source, c.Lang
	a.Title, a.Published, a.Modified, a.Authors = c.Title, c.Published, c.Modified, c.Authors
	a.SiteName, a.Description, a.Image, a.Body = c.SiteName, c.Description, c.Image, c.Body
	a.Duplicates = dups
	return a
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
// Its IncidentID is the incident it is part of now (a merged incident's id
// resolved to the incident it was merged into).
func (s *Store) Article(id string) (newsmon.Article, error) {
	s.looked() // an export of the incidents reads every article
	var a newsmon.Article
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		a, err = readArticle(tx, id)
		return err
	})
	return a, err
}

// MatchSignature returns the first of ids whose stored near-duplicate
// signature match accepts ("" when none does), or an error matching
// ErrNotFound for an id not stored. It reads only that field of each
// record, in one read transaction: a new page's near candidates are read
// this way, up to 64 of them for each page. The signature match is given
// (nil for an article without one) is valid only during the call.
func (s *Store) MatchSignature(ids []string, match func(sig []byte) bool) (string, error) {
	for range ids {
		s.looked()
	}
	var found string
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, id := range ids {
			sig, err := storedSignature(tx, id)
			if err != nil {
				return err
			}
			if match(sig) {
				found = id
				return nil
			}
		}
		return nil
	})
	return found, err
}

// storedSignature is the signature of the stored article id (nil for none;
// valid during tx), or an error matching ErrNotFound.
func storedSignature(tx *bolt.Tx, id string) ([]byte, error) {
	v := tx.Bucket(bucketArticles).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	sig, _, _, err := splitArticle(id, v)
	return sig, err
}

// RecentSignatures calls fn with the ID and near-duplicate signature of
// each of the n most recently fetched stored articles (those without a
// signature left out), oldest first: what an in-memory near-duplicate
// index (dedup.Index) is rebuilt from when a process starts. It reads
// readBatch records per read transaction.
func (s *Store) RecentSignatures(n int, fn func(id string, sig []byte) error) error {
	// The first key of the n newest, walking back over the time index.
	var from []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketArticleTime).Cursor()
		k, _ := c.Last()
		for i := 1; k != nil && i < n; i++ {
			if prev, _ := c.Prev(); prev != nil {
				k = prev
			} else {
				break
			}
		}
		from = bytes.Clone(k)
		return nil
	})
	if err != nil || from == nil || n <= 0 {
		return err
	}
	type rec struct {
		id  string
		sig []byte
	}
	for from != nil {
		var recs []rec
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketArticleTime).Cursor()
			k, _ := c.Seek(from)
			for ; k != nil && len(recs) < readBatch; k, _ = c.Next() {
				id := timeIDKeyID(k)
				s.looked()
				sig, err := storedSignature(tx, id)
				if err != nil {
					return err
				}
				if len(sig) > 0 {
					recs = append(recs, rec{id, bytes.Clone(sig)})
				}
			}
			from = nil
			if k != nil {
				from = bytes.Clone(k)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("recent signatures: %w", err)
		}
		for _, r := range recs {
			if err := fn(r.id, r.sig); err != nil {
				return err
			}
		}
	}
	return nil
}

// readArticle is getArticle with the incident id resolved and the
// signature read.
func readArticle(tx *bolt.Tx, id string) (newsmon.Article, error) {
	a, sig, err := getArticleSig(tx.Bucket(bucketArticles), id)
	if err != nil {
		return a, err
	}
	if a.IncidentID != "" {
		a.IncidentID = resolveIncident(tx, a.IncidentID)
	}
	if sig != nil {
		a.Signature = bytes.Clone(sig)
	}
	return a, nil
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
	s.looked()
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

// Articles calls fn for each article fetched at or after since, oldest
// fetch first, as Article returns it. fn runs outside any database transaction (articles are read
// in batches), so it may be slow or call other Store methods; articles saved
// during the walk may or may not be seen. An error from fn stops the walk and
// is returned.
func (s *Store) Articles(since time.Time, fn func(newsmon.Article) error) error {
	// A walk over the whole file would leave all of its records resident:
	// each counts as a read for the mapping's release.
	return walk(s, bucketArticleTime, timeKey(since), func(tx *bolt.Tx, k, _ []byte) (newsmon.Article, error) {
		return readArticle(tx, string(k[timeKeyLen:]))
	}, func(a newsmon.Article) error {
		s.looked()
		return fn(a)
	})
}
