package store

import (
	"errors"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// TestMergeIncident: a merged incident is gone, its id resolves to the
// incident it was merged into (through a chain of merges too), and the
// articles that were filed under it report the survivor.
func TestMergeIncident(t *testing.T) {
	s := openTest(t)
	day := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	incs := []newsmon.Incident{
		{ID: "inc-a", Title: "a", FirstSeen: day, LastSeen: day},
		{ID: "inc-b", Title: "b", FirstSeen: day.Add(time.Hour), LastSeen: day.Add(time.Hour)},
		{ID: "inc-c", Title: "c", FirstSeen: day.Add(2 * time.Hour), LastSeen: day.Add(2 * time.Hour)},
	}
	var ws []Write
	for i := range incs {
		w := testArticle(i + 1)
		w.Incident = &incs[i]
		ws = append(ws, Write{Article: &w})
	}
	if _, err := s.SaveBatch(ws); err != nil {
		t.Fatal(err)
	}
	merge := func(from, into string) {
		t.Helper()
		if _, err := s.SaveBatch([]Write{{Merge: &MergeWrite{From: from, Into: into}}}); err != nil {
			t.Fatalf("merge %s into %s: %v", from, into, err)
		}
	}
	merge("inc-c", "inc-b")
	merge("inc-b", "inc-a")
	for _, id := range []string{"inc-a", "inc-b", "inc-c"} {
		if got, err := s.ResolveIncident(id); err != nil || got != "inc-a" {
			t.Errorf("ResolveIncident(%s) = %q, %v; want inc-a", id, got, err)
		}
		if inc, err := s.Incident(id); err != nil || inc.ID != "inc-a" {
			t.Errorf("Incident(%s) = %q, %v; want inc-a", id, inc.ID, err)
		}
	}
	var listed []string
	if err := s.Incidents(func(inc newsmon.Incident) error { listed = append(listed, inc.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0] != "inc-a" {
		t.Errorf("Incidents lists %v, want only inc-a", listed)
	}
	if _, n, err := s.Stats(); err != nil || n != 1 {
		t.Errorf("Stats: %d incidents, %v; want 1", n, err)
	}
	for _, w := range ws {
		a, err := s.Article(w.Article.Article.ID)
		if err != nil || a.IncidentID != "inc-a" {
			t.Errorf("Article(%s).IncidentID = %q, %v; want inc-a", w.Article.Article.ID, a.IncidentID, err)
		}
	}
	n := 0
	if err := s.Articles(time.Time{}, func(a newsmon.Article) error {
		n++
		if a.IncidentID != "inc-a" {
			t.Errorf("Articles: %s has incident %q, want inc-a", a.ID, a.IncidentID)
		}
		return nil
	}); err != nil || n != len(ws) {
		t.Errorf("Articles: %d articles, %v", n, err)
	}
	if _, err := s.SaveBatch([]Write{{Merge: &MergeWrite{From: "inc-a", Into: "inc-a"}}}); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("merging an incident into itself: %v, want an error", err)
	}
}
