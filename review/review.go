// Package review applies a reviewer's decisions on candidate incidents:
// confirm or dismiss, rename, note, merge two incidents, move an article to
// another incident or out into one of its own. Each decision is appended to
// the store's review log, and the incidents a merge or a move changes are
// rewritten in the same batch (one transaction) with the clusterer's state
// of them (newsmon.IncidentState: centroid, languages, evidence), so that
// the clusterer carries on from the reviewed state. The clusterer respects
// the log from then on (pipeline, cluster.Options.Review).
package review

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/cluster"
	"github.com/newsmon/newsmon/store"
)

// ErrInvalid is wrapped by the errors of decisions that cannot apply (an
// unknown status, an incident merged into itself, an empty note).
var ErrInvalid = errors.New("invalid review action")

// Limits on what a reviewer writes.
const (
	MaxTitle = 500  // bytes of a reviewed title
	MaxNote  = 4000 // bytes of a note or reason
)

// Options configure a Service.
type Options struct {
	// Topics and MinScore describe the incident an article moved out opens
	// (as the clusterer's configuration does).
	Topics   []newsmon.Topic
	MinScore float64
	// Exclusive runs fn while no batch commits and then has the clusterer
	// read the incidents anew (pipeline.Pipeline.Exclusive); nil: fn runs
	// as is (no clusterer in this process).
	Exclusive func(fn func() error) error
	Now       func() time.Time // nil: time.Now
}

// Service applies decisions to a store. It is safe for concurrent use.
type Service struct {
	st   *store.Store
	opts Options
	mu   sync.Mutex
}

// New returns a Service over st.
func New(st *store.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Exclusive == nil {
		opts.Exclusive = func(fn func() error) error { return fn() }
	}
	return &Service{st: st, opts: opts}
}

// Incident returns the stored incident id; a merged id answers with the
// incident it was merged into.
func (s *Service) Incident(id string) (newsmon.Incident, error) { return s.st.Incident(id) }

// Reviews returns the review state of every incident now, as a lookup by
// incident id (resolved through merges).
func (s *Service) Reviews() (func(id string) newsmon.IncidentReview, error) {
	r, err := s.st.Reviews()
	if err != nil {
		return nil, err
	}
	return r.Of, nil
}

// do runs a merge or a move: it rewrites stored incidents, so it runs
// between commits and the clusterer reads them anew (Options.Exclusive).
func (s *Service) do(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Exclusive(fn)
}

func (s *Service) log(e newsmon.ReviewEntry, writes ...store.Write) error {
	e.Time = s.opts.Now().UTC()
	writes = append(writes, store.Write{Review: &store.ReviewWrite{Entry: e}})
	if _, err := s.st.SaveBatch(writes); err != nil {
		return fmt.Errorf("review %s of %s: %w", e.Action, e.Incident, err)
	}
	return nil
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}

func checkNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if len(note) > MaxNote || !utf8.ValidString(note) {
		return "", invalidf("note: want valid UTF-8 of at most %d bytes", MaxNote)
	}
	return note, nil
}

// SetStatus sets incident id's status (newsmon.StatusNew, StatusConfirmed
// or StatusDismissed), with note as the reason, and returns the incident's
// id (resolved).
func (s *Service) SetStatus(id, status, note string) (string, error) {
	if !newsmon.ValidStatus(status) {
		return "", invalidf("status %q: want new, confirmed or dismissed", status)
	}
	note, err := checkNote(note)
	if err != nil {
		return "", err
	}
	return s.onIncident(id, newsmon.ReviewEntry{Action: newsmon.ActionStatus, Status: status, Note: note})
}

// SetTitle gives incident id a reviewed title, which the clusterer's title
// no longer replaces; "" restores the clusterer's.
func (s *Service) SetTitle(id, title string) (string, error) {
	title = strings.Join(strings.Fields(title), " ")
	if len(title) > MaxTitle || !utf8.ValidString(title) {
		return "", invalidf("title: want valid UTF-8 of at most %d bytes", MaxTitle)
	}
	return s.onIncident(id, newsmon.ReviewEntry{Action: newsmon.ActionTitle, Title: title})
}

// AddNote adds a note to incident id.
func (s *Service) AddNote(id, note string) (string, error) {
	note, err := checkNote(note)
	if err != nil {
		return "", err
	}
	if note == "" {
		return "", invalidf("note: empty")
	}
	return s.onIncident(id, newsmon.ReviewEntry{Action: newsmon.ActionNote, Note: note})
}

// onIncident logs a decision that changes no stored incident (status,
// title, note): the clusterer need not stop for it.
func (s *Service) onIncident(id string, e newsmon.ReviewEntry) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.st.Incident(id)
	if err != nil {
		return "", err
	}
	e.Incident = inc.ID
	return e.Incident, s.log(e)
}

// Merge merges incident from into incident into (both resolved through
// earlier merges): into keeps its id, status and title and takes from's
// articles; from's id resolves to into from then on. It returns into's id.
func (s *Service) Merge(from, into, note string) (string, error) {
	note, err := checkNote(note)
	if err != nil {
		return "", err
	}
	var id string
	err = s.do(func() error {
		f, err := s.st.Incident(from)
		if err != nil {
			return err
		}
		in, err := s.st.Incident(into)
		if err != nil {
			return err
		}
		if f.ID == in.ID {
			return invalidf("merge %s into %s: already one incident (%s)", from, into, in.ID)
		}
		id = in.ID
		return s.merge(f, in, note)
	})
	return id, err
}

func (s *Service) merge(f, in newsmon.Incident, note string) error {
	keep, err := s.snapshot(in)
	if err != nil {
		return err
	}
	gone, err := s.snapshot(f)
	if err != nil {
		return err
	}
	combine(&keep, gone)
	return s.log(newsmon.ReviewEntry{Action: newsmon.ActionMerge, Incident: f.ID, Into: in.ID, Note: note},
		store.Write{Merge: &store.MergeWrite{From: f.ID, Into: in.ID}},
		store.Write{Incident: &keep.Incident, State: &keep.State})
}

// snapshot is stored incident inc with the clusterer's state of it (maps
// never nil, for combine and remove).
func (s *Service) snapshot(inc newsmon.Incident) (cluster.Snapshot, error) {
	st, err := s.st.IncidentState(inc.ID)
	if err != nil {
		return cluster.Snapshot{}, err
	}
	if st.Terms == nil {
		st.Terms = map[string]float64{}
	}
	if st.Langs == nil {
		st.Langs = map[string]int{}
	}
	return cluster.Snapshot{Incident: inc, State: st}, nil
}

// combine adds incident g to k: articles, outlets, languages, span,
// centroid, evidence and topics. k keeps its title and keywords.
func combine(k *cluster.Snapshot, g cluster.Snapshot) {
	ki, gi := &k.Incident, g.Incident
	for _, id := range gi.ArticleIDs {
		if !slices.Contains(ki.ArticleIDs, id) {
			ki.ArticleIDs = append(ki.ArticleIDs, id)
		}
	}
	ki.Sources = union(ki.Sources, gi.Sources)
	ki.Languages = union(ki.Languages, gi.Languages)
	ki.Topics = union(ki.Topics, gi.Topics)
	ki.Score = max(ki.Score, gi.Score)
	if ki.FirstSeen.IsZero() || gi.FirstSeen.Before(ki.FirstSeen) {
		ki.FirstSeen = gi.FirstSeen
	}
	if gi.LastSeen.After(ki.LastSeen) {
		ki.LastSeen = gi.LastSeen
	}
	if k.State.Terms == nil {
		k.State.Terms = map[string]float64{}
	}
	for t, w := range g.State.Terms {
		k.State.Terms[t] += w
	}
	if k.State.Langs == nil {
		k.State.Langs = map[string]int{}
	}
	for l, n := range g.State.Langs {
		k.State.Langs[l] += n
	}
	k.State.Evidence = union(k.State.Evidence, g.State.Evidence)
}

// union returns the sorted union of a and b.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Move moves article articleID out of its incident: into incident to, or,
// with to "", into a new incident of its own. The article never rejoins
// the incident it left (unless a reviewer moves it back). It returns the
// id of the article's incident now. Moving an incident's only article
// into another incident merges the two.
func (s *Service) Move(articleID, to, note string) (string, error) {
	note, err := checkNote(note)
	if err != nil {
		return "", err
	}
	var id string
	err = s.do(func() error {
		a, err := s.st.Article(articleID)
		if err != nil {
			return err
		}
		if a.IncidentID == "" {
			return invalidf("move article %s: it has no incident yet", a.ID)
		}
		from, err := s.st.Incident(a.IncidentID)
		if err != nil {
			return err
		}
		var dest *newsmon.Incident
		if to != "" {
			t, err := s.st.Incident(to)
			if err != nil {
				return err
			}
			if t.ID == from.ID {
				return invalidf("move article %s: already in incident %s", a.ID, t.ID)
			}
			dest = &t
		}
		if len(from.ArticleIDs) <= 1 {
			if dest == nil {
				return invalidf("move article %s: it is incident %s's only report", a.ID, from.ID)
			}
			id = dest.ID
			return s.merge(from, *dest, note)
		}
		id, err = s.move(a, from, dest, note)
		return err
	})
	return id, err
}

func (s *Service) move(a newsmon.Article, from newsmon.Incident, dest *newsmon.Incident, note string) (string, error) {
	newID := ""
	if dest == nil {
		var err error
		if newID, err = s.freeID(a.ID, from.ID); err != nil {
			return "", err
		}
	}
	alone, err := s.alone(a, newID)
	if err != nil {
		return "", err
	}
	left, err := s.snapshot(from)
	if err != nil {
		return "", err
	}
	if err := s.remove(&left, a, alone); err != nil {
		return "", err
	}
	target := alone
	if dest != nil {
		if target, err = s.snapshot(*dest); err != nil {
			return "", err
		}
		combine(&target, alone)
	}
	err = s.log(newsmon.ReviewEntry{Action: newsmon.ActionMove, Incident: from.ID, Article: a.ID, Into: target.Incident.ID, Note: note},
		store.Write{Incident: &left.Incident, State: &left.State}, store.Write{Incident: &target.Incident, State: &target.State})
	return target.Incident.ID, err
}

// freeID returns the id of the incident article id opens when moved out of
// incident from: new, stable for the pair.
func (s *Service) freeID(id, from string) (string, error) {
	for n := 0; n < 100; n++ {
		h := sha256.Sum256(fmt.Appendf(nil, "moved\x00%s\x00%s\x00%d", id, from, n))
		cand := "inc-" + hex.EncodeToString(h[:8])
		if _, err := s.st.Incident(cand); errors.Is(err, store.ErrNotFound) {
			return cand, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("move article %s: no free incident id", id)
}

// alone is the incident article a would be on its own, with the clusterer's
// vector of it as centroid, under id (the clusterer's id when "").
func (s *Service) alone(a newsmon.Article, id string) (cluster.Snapshot, error) {
	df, docs, err := s.st.DocFreq()
	if err != nil {
		return cluster.Snapshot{}, err
	}
	c := cluster.New(cluster.Options{Topics: s.opts.Topics, MinScore: s.opts.MinScore})
	c.Restore(df, docs)
	if _, err := c.Add(a); err != nil {
		return cluster.Snapshot{}, fmt.Errorf("article %s: %w", a.ID, err)
	}
	ch := c.Changes()
	if len(ch.Incidents) != 1 {
		return cluster.Snapshot{}, fmt.Errorf("article %s: the clusterer made %d incidents of it", a.ID, len(ch.Incidents))
	}
	sn := ch.Incidents[0]
	if id != "" {
		sn.Incident.ID = id
	}
	return sn, nil
}

// remove takes article a (whose own incident is alone) out of incident sn:
// its vector from the centroid, its language count, and the outlets,
// languages, span and title that only it gave.
func (s *Service) remove(sn *cluster.Snapshot, a newsmon.Article, alone cluster.Snapshot) error {
	inc := &sn.Incident
	inc.ArticleIDs = slices.DeleteFunc(inc.ArticleIDs, func(id string) bool { return id == a.ID })
	for t, w := range alone.State.Terms {
		if v := sn.State.Terms[t] - w; v > 1e-9 {
			sn.State.Terms[t] = v
		} else {
			delete(sn.State.Terms, t)
		}
	}
	for l, n := range alone.State.Langs {
		if sn.State.Langs[l] -= n; sn.State.Langs[l] <= 0 {
			delete(sn.State.Langs, l)
		}
	}
	var rest []newsmon.Article
	for _, id := range inc.ArticleIDs {
		r, err := s.st.Article(id)
		if err != nil {
			return fmt.Errorf("incident %s: %w", inc.ID, err)
		}
		rest = append(rest, r)
	}
	inc.Sources, inc.Languages = nil, nil
	inc.FirstSeen, inc.LastSeen = time.Time{}, time.Time{}
	for _, r := range rest {
		inc.Sources = union(inc.Sources, []string{r.Source})
		inc.Languages = union(inc.Languages, []string{cmp.Or(r.Lang, "und")})
		t := articleTime(r)
		if inc.FirstSeen.IsZero() || t.Before(inc.FirstSeen) {
			inc.FirstSeen = t
		}
		if t.After(inc.LastSeen) {
			inc.LastSeen = t
		}
	}
	if inc.Title == a.Title || inc.CentralTitle == a.Title {
		// The title came from the article that left: the first remaining
		// report in the title's language (else any) gives it.
		pick := rest[0]
		for _, r := range rest {
			if cmp.Or(r.Lang, "und") == sn.State.TitleLang && r.Title != "" {
				pick = r
				break
			}
		}
		inc.Title, inc.CentralTitle, inc.Summary = pick.Title, pick.Title, summary(pick)
		sn.State.TitleLang, sn.State.Central = cmp.Or(pick.Lang, "und"), 0
	}
	return nil
}

// articleTime is the clusterer's time of an article: Published, else FetchedAt.
func articleTime(a newsmon.Article) time.Time {
	if !a.Published.IsZero() {
		return a.Published
	}
	return a.FetchedAt
}

// summary is the clusterer's summary of an incident from its title's
// article: the description, else the first paragraph, at most 300 runes.
func summary(a newsmon.Article) string {
	s := a.Description
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(a.Body), "\n\n")
	}
	if utf8.RuneCountInString(s) > 300 {
		s = string([]rune(s)[:300]) + "…"
	}
	return s
}
