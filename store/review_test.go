package store

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// TestReviews: the review state derived from the log: the later decision
// wins, a reviewer's merge keeps the survivor's status and title and
// carries the notes over, a clusterer's merge carries the status over, a
// move records the incident the article may not rejoin and points the
// article at its new incident, a move back lifts that, and all of it
// survives a reopen.
func TestReviews(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newsmon.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	var ws []Write
	for i, id := range []string{"inc-a", "inc-b", "inc-c", "inc-d"} {
		w := testArticle(i + 1)
		w.Incident = &newsmon.Incident{ID: id, Title: id, FirstSeen: day, LastSeen: day}
		ws = append(ws, Write{Article: &w})
	}
	if _, err := s.SaveBatch(ws); err != nil {
		t.Fatal(err)
	}
	art1 := ws[0].Article.Article.ID
	review := func(e newsmon.ReviewEntry) {
		t.Helper()
		e.Time = day
		if _, err := s.SaveBatch([]Write{{Review: &ReviewWrite{Entry: e}}}); err != nil {
			t.Fatalf("review %+v: %v", e, err)
		}
	}
	review(newsmon.ReviewEntry{Action: newsmon.ActionStatus, Incident: "inc-a", Status: newsmon.StatusDismissed, Note: "not AI"})
	review(newsmon.ReviewEntry{Action: newsmon.ActionStatus, Incident: "inc-a", Status: newsmon.StatusConfirmed})
	review(newsmon.ReviewEntry{Action: newsmon.ActionTitle, Incident: "inc-a", Title: "审定标题"})
	review(newsmon.ReviewEntry{Action: newsmon.ActionStatus, Incident: "inc-b", Status: newsmon.StatusDismissed, Note: "dup"})
	review(newsmon.ReviewEntry{Action: newsmon.ActionTitle, Incident: "inc-b", Title: "b's title"})
	// A reviewer merges b into a: a keeps its status and title.
	if _, err := s.SaveBatch([]Write{{Merge: &MergeWrite{From: "inc-b", Into: "inc-a"}},
		{Review: &ReviewWrite{Entry: newsmon.ReviewEntry{Action: newsmon.ActionMerge, Incident: "inc-b", Into: "inc-a", Note: "same event"}}}}); err != nil {
		t.Fatal(err)
	}
	// The clusterer merges c (dismissed) into d: d is dismissed.
	review(newsmon.ReviewEntry{Action: newsmon.ActionStatus, Incident: "inc-c", Status: newsmon.StatusDismissed})
	if _, err := s.SaveBatch([]Write{{Merge: &MergeWrite{From: "inc-c", Into: "inc-d"}}}); err != nil {
		t.Fatal(err)
	}
	// Article 1 moves from a to d, and is refused by a from then on.
	review(newsmon.ReviewEntry{Action: newsmon.ActionMove, Incident: "inc-a", Article: art1, Into: "inc-d"})

	check := func(label string) {
		t.Helper()
		r, err := s.Reviews()
		if err != nil {
			t.Fatal(err)
		}
		a := r.Of("inc-b") // resolves to a
		if a.Status != newsmon.StatusConfirmed || a.Reason != "" || a.Title != "审定标题" ||
			!slices.Equal(a.MergedIDs, []string{"inc-b"}) || len(a.Notes) != 3 ||
			a.Notes[0].Text != "not AI" || a.Notes[1].Text != "dup" || a.Notes[2].Text != "same event" {
			t.Errorf("%s: review of inc-a = %+v", label, a)
		}
		if d := r.Of("inc-d"); d.Status != newsmon.StatusDismissed || !slices.Equal(d.MergedIDs, []string{"inc-c"}) {
			t.Errorf("%s: review of inc-d = %+v", label, d)
		}
		if n := r.Of("inc-nosuch"); n.Status != newsmon.StatusNew || n.Title != "" {
			t.Errorf("%s: review of an unknown incident = %+v", label, n)
		}
		if got := r.Left(art1); !slices.Equal(got, []string{"inc-a"}) {
			t.Errorf("%s: article left %v, want [inc-a]", label, got)
		}
		a1, err := s.Article(art1)
		if err != nil || a1.IncidentID != "inc-d" {
			t.Errorf("%s: moved article's incident %q, %v; want inc-d", label, a1.IncidentID, err)
		}
		if r.Len() != 8 {
			t.Errorf("%s: %d log entries, want 8", label, r.Len())
		}
	}
	check("open")
	var seqs []uint64
	if err := s.ReviewLog(func(e newsmon.ReviewEntry) error { seqs = append(seqs, e.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seqs, []uint64{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("log sequence %v", seqs)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check("reopened")

	// Moved back into a: the refusal is lifted.
	review(newsmon.ReviewEntry{Action: newsmon.ActionMove, Incident: "inc-d", Article: art1, Into: "inc-b"})
	r, _ := s.Reviews()
	if got := r.Left(art1); !slices.Equal(got, []string{"inc-d"}) {
		t.Errorf("after the move back: article left %v, want [inc-d]", got)
	}

	// Bad entries change nothing.
	for _, e := range []newsmon.ReviewEntry{
		{Action: "", Incident: "inc-a"},
		{Action: newsmon.ActionMove, Incident: "inc-a", Article: "nosuch", Into: "inc-d"},
		{Action: newsmon.ActionMove, Incident: "inc-a", Article: art1},
	} {
		_, err := s.SaveBatch([]Write{{Review: &ReviewWrite{Entry: e}}})
		if err == nil {
			t.Errorf("entry %+v accepted", e)
		}
	}
	if _, err := s.SaveBatch([]Write{{Review: &ReviewWrite{Entry: newsmon.ReviewEntry{Action: newsmon.ActionMove, Incident: "inc-a", Article: "nosuch", Into: "x"}}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("move of an unknown article: %v, want ErrNotFound", err)
	}
	if r, _ := s.Reviews(); r.Len() != 9 {
		t.Errorf("%d entries after refused writes, want 9", r.Len())
	}
}
