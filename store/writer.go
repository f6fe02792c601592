package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/newsmon/newsmon"

	bolt "go.etcd.io/bbolt"
)

// writer is the scratch space of one write transaction, reused from one to
// the next.
type writer struct {
	arena    arena          // values put in the transaction
	enc      *json.Encoder  // writes to arena
	buf      []byte         // a record being encoded (marshal, encodeArticle)
	zbuf     []byte         // an article's value being compressed (encodeArticle)
	terms    []centroidTerm // an incident state's centroid (appendIncidentState)
	key      []byte
	articles uint64 // articles saved
	rec      []byte // a docfreq log record being encoded
	logged   bool   // a docfreq record was logged
	// release releases the resident pages of the database's mapping
	// within the transaction (see releaseMapped), for long walks such as
	// a docfreq compaction; nil outside update.
	release func()
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
// writes what the writer gathered (the article count) and compacts the
// docfreq log if fn took it past docFreqLogMax. Writers take turns on wmu.
func (s *Store) update(fn func(tx *bolt.Tx, w *writer) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := &s.w
		w.arena.reset() // the last transaction has ended
		w.articles = 0
		w.logged = false
		// The mapping moves only when this transaction commits.
		w.release = func() { releasePages(s.db.Info().Data, tx.Size()) }
		defer func() { w.release = nil }()
		if err := fn(tx, w); err != nil {
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
	s.releaseMapped() // what the transaction visited
	return err
}

// Write is one change in a batch: a new article, a duplicate link, the
// clusterer's document frequencies, an incident (with the clusterer's state
// of it), a merge or a review decision.
type Write struct {
	Article   *ArticleWrite
	Duplicate *DuplicateWrite
	DocFreq   *DocFreqWrite
	Incident  *newsmon.Incident // a new incident or a new version of one
	// State, with Incident, is the clusterer's state of it, kept under its
	// id (incident_state.go); nil leaves the stored state as it is.
	State  *newsmon.IncidentState
	Merge  *MergeWrite
	Move   *MoveWrite   // a stored article now part of another incident
	Review *ReviewWrite // a reviewer's decision, appended to the review log
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
				werr = addDuplicate(tx, d.ID, d.Duplicate, d.URLs, d.Incident, d.Replace, wr)
			case w.Incident != nil:
				if err := putIncident(tx, *w.Incident, wr); err != nil {
					return fmt.Errorf("write %d: %w", i, err)
				}
				if w.State != nil {
					if err := putIncidentState(tx, w.Incident.ID, w.State, wr); err != nil {
						return fmt.Errorf("write %d: %w", i, err)
					}
				}
			case w.State != nil:
				return fmt.Errorf("write %d: an incident state without its incident", i)
			case w.Merge != nil:
				if err := mergeIncident(tx, *w.Merge); err != nil {
					return fmt.Errorf("write %d: %w", i, err)
				}
			case w.Move != nil:
				werr = moveArticle(tx, *w.Move)
			case w.Review != nil:
				if err := appendReview(tx, *w.Review); err != nil {
					return fmt.Errorf("write %d: %w", i, err)
				}
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

// Compact folds the document-frequency log into the docfreq bucket now.
// SaveBatch folds it by itself when it grows past its bound; DocFreq
// returns the same before and after.
func (s *Store) Compact() error {
	err := s.update(func(tx *bolt.Tx, w *writer) error {
		return compactDocFreq(tx, &w.arena)
	})
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	return nil
}
