package store

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
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

// TestMoveArticle: a move files a stored article under another incident
// (and through its merges); an article not stored is refused with
// ErrNotFound without failing the batch, and a move without an incident
// fails it.
func TestMoveArticle(t *testing.T) {
	s := openTest(t)
	day := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	a, b := newsmon.Incident{ID: "inc-a", FirstSeen: day, LastSeen: day}, newsmon.Incident{ID: "inc-b", FirstSeen: day, LastSeen: day}
	w1, w2 := testArticle(1), testArticle(2)
	w1.Incident, w2.Incident = &a, &b
	if _, err := s.SaveBatch([]Write{{Article: &w1}, {Article: &w2}}); err != nil {
		t.Fatal(err)
	}
	id := w1.Article.ID
	b.ArticleIDs = []string{w2.Article.ID, id}
	errs, err := s.SaveBatch([]Write{
		{Incident: &b},
		{Move: &MoveWrite{Article: id, Into: "inc-b"}},
		{Move: &MoveWrite{Article: "no-such-article", Into: "inc-b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if errs[1] != nil || !errors.Is(errs[2], ErrNotFound) {
		t.Errorf("errs = %v; want nil for the stored article, ErrNotFound for the other", errs)
	}
	if got, err := s.Article(id); err != nil || got.IncidentID != "inc-b" {
		t.Errorf("moved article's incident = %q, %v; want inc-b", got.IncidentID, err)
	}
	if _, err := s.SaveBatch([]Write{{Merge: &MergeWrite{From: "inc-b", Into: "inc-a"}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Article(id); err != nil || got.IncidentID != "inc-a" {
		t.Errorf("after inc-b was merged into inc-a: incident %q, %v; want inc-a", got.IncidentID, err)
	}
	if _, err := s.SaveBatch([]Write{{Move: &MoveWrite{Article: id}}}); err == nil {
		t.Error("a move without its incident was accepted")
	}
}

// TestIncidentsBetweenSpans: IncidentsBetween finds an incident that began
// before the range and was last seen long after it (its reading is bounded
// by the longest span stored), also in a database written before that
// bound was kept (the migration computes it).
func TestIncidentsBetweenSpans(t *testing.T) {
	d0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	incs := []newsmon.Incident{
		{ID: "short", FirstSeen: d0, LastSeen: d0.Add(time.Hour)},
		{ID: "long", FirstSeen: d0, LastSeen: d0.Add(30 * day)},
		{ID: "later", FirstSeen: d0.Add(60 * day), LastSeen: d0.Add(61 * day)},
	}
	between := func(s *Store, from, to time.Time) []string {
		t.Helper()
		var got []string
		if err := s.IncidentsBetween(from, to, func(inc newsmon.Incident, _ newsmon.IncidentState) error { got = append(got, inc.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	check := func(s *Store) {
		t.Helper()
		for _, tt := range []struct {
			from, to time.Time
			want     []string
		}{
			{d0.Add(10 * day), d0.Add(11 * day), []string{"long"}},
			{d0, d0, []string{"short", "long"}},
			{d0.Add(31 * day), d0.Add(59 * day), nil},
			{d0.Add(30 * day), d0.Add(60 * day), []string{"long", "later"}},
		} {
			if got := between(s, tt.from, tt.to); !slices.Equal(got, tt.want) {
				t.Errorf("IncidentsBetween(+%v, +%v) = %v, want %v", tt.from.Sub(d0), tt.to.Sub(d0), got, tt.want)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "newsmon.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var ws []Write
	for i := range incs {
		ws = append(ws, Write{Incident: &incs[i]})
	}
	if _, err := s.SaveBatch(ws); err != nil {
		t.Fatal(err)
	}
	check(s)
	// As a database of schema 5 has it: no span kept.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Delete(keyMaxSpan); err != nil {
			return err
		}
		return putUint(meta, keySchema, 5)
	}); err != nil {
		t.Fatal(err)
	}
	if got := between(s, d0.Add(10*day), d0.Add(11*day)); len(got) != 0 {
		t.Fatalf("without the span kept, %v found: the test shows nothing", got)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s)
}

// TestIncidentsBetweenExcept: the incidents skip names are not read (a
// record that would not decode is no error), the others are found as by
// IncidentsBetween, and an index entry written before it held the
// incident's first time (no value) is read as before.
func TestIncidentsBetweenExcept(t *testing.T) {
	d0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	s := openTest(t)
	var ws []Write
	for _, inc := range []newsmon.Incident{
		{ID: "a", FirstSeen: d0, LastSeen: d0.Add(2 * day)},
		{ID: "b", FirstSeen: d0.Add(day), LastSeen: d0.Add(3 * day)},
		{ID: "c", FirstSeen: d0.Add(10 * day), LastSeen: d0.Add(11 * day)},
	} {
		ws = append(ws, Write{Incident: &inc})
	}
	if _, err := s.SaveBatch(ws); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { // b would not decode
		return tx.Bucket(bucketIncidents).Put([]byte("b"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	between := func(skip func(string) bool) ([]string, error) {
		var got []string
		err := s.IncidentsBetweenExcept(d0, d0.Add(4*day), skip, func(inc newsmon.Incident, _ newsmon.IncidentState) error {
			got = append(got, inc.ID)
			return nil
		})
		return got, err
	}
	if _, err := between(nil); err == nil {
		t.Fatal("the broken record of b was not read without skip: the test shows nothing")
	}
	got, err := between(func(id string) bool { return id == "b" })
	if err != nil || !slices.Equal(got, []string{"a"}) {
		t.Errorf("skipping b: %v, %v; want [a] and no error", got, err)
	}
	// As an index written before 2026-12 has it: no first time.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		seen := tx.Bucket(bucketIncidentSeen)
		var keys [][]byte
		_ = seen.ForEach(func(k, _ []byte) error { keys = append(keys, slices.Clone(k)); return nil })
		for _, k := range keys {
			if err := seen.Put(k, nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err = between(func(id string) bool { return id == "b" })
	if err != nil || !slices.Equal(got, []string{"a"}) {
		t.Errorf("old index, skipping b: %v, %v; want [a] and no error", got, err)
	}
}
