package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// The review log: every reviewer decision (newsmon.ReviewEntry) appended
// under its sequence number, never rewritten. The review state of each
// incident (Reviews) is derived from it and the incident aliases.

var bucketReviewLog = []byte("review_log") // big-endian sequence -> JSON newsmon.ReviewEntry

// ReviewWrite appends Entry to the review log (its Seq is assigned). A move
// (Action newsmon.ActionMove) also sets the article's incident to
// Entry.Into in the same transaction; the caller writes the two incidents'
// new versions in the same batch.
type ReviewWrite struct {
	Entry newsmon.ReviewEntry
}

func appendReview(tx *bolt.Tx, w ReviewWrite) error {
	e := w.Entry
	if e.Action == "" || e.Incident == "" {
		return fmt.Errorf("review entry %q on %q: action and incident required", e.Action, e.Incident)
	}
	b := tx.Bucket(bucketReviewLog)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	if e.Action == newsmon.ActionMove {
		if e.Article == "" || e.Into == "" {
			return fmt.Errorf("review move of %q: article and destination required", e.Article)
		}
		articles := tx.Bucket(bucketArticles)
		a, sig, err := getArticleSig(articles, e.Article)
		if err != nil {
			return fmt.Errorf("review move: %w", err)
		}
		a.IncidentID = e.Into
		data, err := encodeArticle(nil, &a, sig)
		if err != nil {
			return fmt.Errorf("review move: article %s: %w", a.ID, err)
		}
		if err := articles.Put([]byte(a.ID), data); err != nil {
			return err
		}
	}
	data, err := json.Marshal(&e)
	if err != nil {
		return fmt.Errorf("review entry %d: %w", seq, err)
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), data)
}

// ReviewLog calls fn with each review log entry, oldest first; fn runs
// outside any database transaction.
func (s *Store) ReviewLog(fn func(newsmon.ReviewEntry) error) error {
	return walk(s, bucketReviewLog, nil, func(_ *bolt.Tx, k, v []byte) (newsmon.ReviewEntry, error) {
		return decodeJSON[newsmon.ReviewEntry]("review entry", fmt.Sprint(binary.BigEndian.Uint64(k)), v)
	}, fn)
}

// Reviews is the review state of every incident as of one moment, derived
// from the review log and the incident aliases. The zero value and nil
// mean no decisions.
type Reviews struct {
	alias map[string]string                  // merged-away id -> the id it went into
	state map[string]*newsmon.IncidentReview // by resolved id
	left  map[string][]string                // article -> incidents it was moved out of and not back into
	n     int                                // log entries
}

// Reviews reads the review log and the aliases in one read transaction.
//
// An incident's state is built from the entries of its own id and of every
// id merged into it, in log order, the later decision winning, except that
// the status and title of an incident a reviewer merged into another give
// way to the survivor's; notes are all kept.
func (s *Store) Reviews() (*Reviews, error) {
	r := &Reviews{alias: map[string]string{}, state: map[string]*newsmon.IncidentReview{}, left: map[string][]string{}}
	var entries []newsmon.ReviewEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketIncidentAlias).ForEach(func(k, v []byte) error {
			r.alias[string(k)] = string(v)
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketReviewLog).ForEach(func(k, v []byte) error {
			e, err := decodeJSON[newsmon.ReviewEntry]("review entry", fmt.Sprint(binary.BigEndian.Uint64(k)), v)
			if err != nil {
				return err
			}
			entries = append(entries, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read review log: %w", err)
	}
	r.n = len(entries)
	manual := map[string]bool{} // merged away by a reviewer
	for _, e := range entries {
		if e.Action == newsmon.ActionMerge {
			manual[e.Incident] = true
		}
	}
	for _, e := range entries {
		id := r.Resolve(e.Incident)
		st := r.state[id]
		if st == nil {
			st = &newsmon.IncidentReview{Status: newsmon.StatusNew}
			r.state[id] = st
		}
		decides := e.Incident == id || !manual[e.Incident]
		switch e.Action {
		case newsmon.ActionStatus:
			if decides {
				st.Status, st.Reason = e.Status, e.Note
			}
		case newsmon.ActionTitle:
			if decides {
				st.Title = e.Title
			}
		case newsmon.ActionMove:
			into := r.Resolve(e.Into)
			r.left[e.Article] = slices.DeleteFunc(r.left[e.Article], func(l string) bool { return r.Resolve(l) == into })
			if r.Resolve(e.Incident) != into {
				r.left[e.Article] = append(r.left[e.Article], e.Incident)
			}
		}
		if e.Note != "" {
			st.Notes = append(st.Notes, newsmon.ReviewNote{Time: e.Time, Action: e.Action, Text: e.Note})
		}
	}
	for from := range r.alias {
		id := r.Resolve(from)
		st := r.state[id]
		if st == nil {
			st = &newsmon.IncidentReview{Status: newsmon.StatusNew}
			r.state[id] = st
		}
		st.MergedIDs = append(st.MergedIDs, from)
	}
	for _, st := range r.state {
		slices.Sort(st.MergedIDs)
	}
	return r, nil
}

// Resolve follows merges from id to the incident it is part of now.
func (r *Reviews) Resolve(id string) string {
	if r == nil {
		return id
	}
	for range maxAliasHops {
		into, ok := r.alias[id]
		if !ok {
			break
		}
		id = into
	}
	return id
}

// Of returns the review state of incident id (resolved through merges);
// an incident without decisions is new.
func (r *Reviews) Of(id string) newsmon.IncidentReview {
	if r != nil {
		if st := r.state[r.Resolve(id)]; st != nil {
			out := *st
			out.Notes = slices.Clone(st.Notes)
			out.MergedIDs = slices.Clone(st.MergedIDs)
			return out
		}
	}
	return newsmon.IncidentReview{Status: newsmon.StatusNew}
}

// Left returns the incidents (as recorded, not resolved) that a reviewer
// moved the article out of and not back into: it may never rejoin them.
func (r *Reviews) Left(articleID string) []string {
	if r == nil {
		return nil
	}
	return r.left[articleID]
}

// Len returns the number of log entries read.
func (r *Reviews) Len() int {
	if r == nil {
		return 0
	}
	return r.n
}

// Generation returns a number that grows with every committed write
// transaction (bbolt's transaction id): readers that cache what they
// derive from the store (the review queue) compare it.
func (s *Store) Generation() (uint64, error) {
	var g uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		g = uint64(tx.ID())
		return nil
	})
	return g, err
}
