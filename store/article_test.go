package store

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

func TestArticleID(t *testing.T) {
	a, b := ArticleID("https://a.example/1"), ArticleID("https://a.example/2")
	if len(a) != 16 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("ArticleID = %q, want 16 hex digits", a)
	}
	if a != ArticleID("https://a.example/1") || a == b {
		t.Errorf("ArticleID not a deterministic function of the URL: %s %s", a, b)
	}
}

func TestSaveArticle(t *testing.T) {
	inc := &newsmon.Incident{ID: "inc1", Title: "事件", LastSeen: t0}
	tests := []struct {
		name    string
		stored  []ArticleWrite // saved first
		write   ArticleWrite
		wantErr error // nil: saved
		wantID  string
	}{
		{"new article gets its URL's ID", nil, testArticle(1), nil, ArticleID(testArticle(1).Article.URL)},
		{"explicit ID kept", nil, func() ArticleWrite { w := testArticle(1); w.Article.ID = "given"; return w }(), nil, "given"},
		{"URL defaults to URLs[0]", nil, func() ArticleWrite { w := testArticle(1); w.Article.URL = ""; return w }(), nil, ArticleID(testArticle(1).Article.URL)},
		{"with incident", nil, func() ArticleWrite {
			w := testArticle(1)
			w.Incident = inc
			return w
		}(), nil, ArticleID(testArticle(1).Article.URL)},
		{"known canonical URL", []ArticleWrite{testArticle(1)}, testArticle(1), ErrExists, ArticleID(testArticle(1).Article.URL)},
		{"known other URL", []ArticleWrite{testArticle(1)}, func() ArticleWrite {
			w := testArticle(2)
			w.URLs = append(w.URLs, testArticle(1).URLs[1])
			return w
		}(), ErrExists, ArticleID(testArticle(1).Article.URL)},
		{"known ID", []ArticleWrite{func() ArticleWrite { w := testArticle(1); w.Article.ID = "x"; return w }()},
			func() ArticleWrite { w := testArticle(2); w.Article.ID = "x"; return w }(), ErrExists, "x"},
		{"no URL", nil, ArticleWrite{Article: &newsmon.Article{Title: "t"}}, errors.New("no URL"), ""},
		{"nil article", nil, ArticleWrite{}, errors.New("nil article"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			for _, w := range tt.stored {
				mustSave(t, s, w)
			}
			before := dump(t, s)
			err := s.SaveArticle(tt.write)
			if tt.wantErr != nil {
				if err == nil || !errors.Is(err, tt.wantErr) && !strings.Contains(err.Error(), tt.wantErr.Error()) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				if after := dump(t, s); !reflect.DeepEqual(before, after) {
					t.Errorf("failed SaveArticle changed the database")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.write.Article != nil && tt.write.Article.ID != tt.wantID {
				t.Errorf("Article.ID = %q, want %q", tt.write.Article.ID, tt.wantID)
			}
			verify(t, s)
			if err != nil {
				return
			}
			w := tt.write
			got, err := s.Article(tt.wantID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != w.Article.Title || !got.FetchedAt.Equal(w.Article.FetchedAt) || got.URL != w.URLs[0] {
				t.Errorf("stored %+v", got)
			}
			for _, u := range w.URLs {
				if id, ok, _ := s.ArticleIDByURL(u); !ok || id != tt.wantID {
					t.Errorf("ArticleIDByURL(%s) = %q, %v", u, id, ok)
				}
			}
			if id, ok, _ := s.ArticleIDByHash(w.Article.ContentHash); !ok || id != tt.wantID {
				t.Errorf("ArticleIDByHash = %q, %v", id, ok)
			}
			if w.Incident != nil {
				if got.IncidentID != w.Incident.ID {
					t.Errorf("IncidentID = %q, want %q", got.IncidentID, w.Incident.ID)
				}
				if _, err := s.Incident(w.Incident.ID); err != nil {
					t.Error(err)
				}
				if df, docs, err := s.DocFreq(); err != nil || docs != 0 || len(df) != 0 {
					t.Errorf("DocFreq = %v, %d, %v; want SaveArticle to leave it empty", df, docs, err)
				}
			}
		})
	}
}

func TestSaveArticleHashKeepsFirst(t *testing.T) {
	s := openTest(t)
	first := mustSave(t, s, testArticle(1))
	w := testArticle(2)
	w.Article.ContentHash = testArticle(1).Article.ContentHash
	mustSave(t, s, w)
	if id, _, _ := s.ArticleIDByHash(w.Article.ContentHash); id != first {
		t.Errorf("hash points at %s, want the first article %s", id, first)
	}
	if n, _, _ := s.Stats(); n != 2 {
		t.Errorf("Stats articles = %d, want 2", n)
	}
}

func TestAddDuplicate(t *testing.T) {
	dup := func(u string) newsmon.Duplicate {
		return newsmon.Duplicate{URL: u, Source: "other", FetchedAt: t0, Exact: true}
	}
	tests := []struct {
		name     string
		id       string // "" : the first stored article
		adds     []newsmon.Duplicate
		urls     []string
		wantErr  error
		wantDups []string          // duplicate URLs on the article
		wantURLs map[string]string // URL -> "" (unindexed), "rep" or "other"
	}{
		{"one copy", "", []newsmon.Duplicate{dup("https://b.example/1")}, []string{"https://m.b.example/1"}, nil,
			[]string{"https://b.example/1"}, map[string]string{"https://b.example/1": "rep", "https://m.b.example/1": "rep"}},
		{"same copy twice", "", []newsmon.Duplicate{dup("https://b.example/1"), dup("https://b.example/1")}, nil, nil,
			[]string{"https://b.example/1"}, map[string]string{"https://b.example/1": "rep"}},
		{"two copies", "", []newsmon.Duplicate{dup("https://b.example/1"), dup("https://c.example/1")}, nil, nil,
			[]string{"https://b.example/1", "https://c.example/1"}, nil},
		{"its own URL", "", []newsmon.Duplicate{dup(testArticle(1).Article.URL)}, nil, nil, nil, nil},
		{"URL of another article stays", "", []newsmon.Duplicate{dup("https://b.example/1")}, []string{testArticle(2).Article.URL}, nil,
			[]string{"https://b.example/1"}, map[string]string{testArticle(2).Article.URL: "other"}},
		{"unknown article", "nope", []newsmon.Duplicate{dup("https://b.example/1")}, nil, ErrNotFound,
			nil, map[string]string{"https://b.example/1": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			rep := mustSave(t, s, testArticle(1))
			other := mustSave(t, s, testArticle(2))
			id := tt.id
			if id == "" {
				id = rep
			}
			for _, d := range tt.adds {
				err := s.AddDuplicate(id, d, tt.urls)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("AddDuplicate: %v, want %v", err, tt.wantErr)
				}
			}
			a, _ := s.Article(rep)
			var got []string
			for _, d := range a.Duplicates {
				got = append(got, d.URL)
			}
			if !slices.Equal(got, tt.wantDups) {
				t.Errorf("duplicates %v, want %v", got, tt.wantDups)
			}
			for u, want := range tt.wantURLs {
				id, _, _ := s.ArticleIDByURL(u)
				if wantID := map[string]string{"": "", "rep": rep, "other": other}[want]; id != wantID {
					t.Errorf("%s indexed to %q, want %q", u, id, wantID)
				}
			}
			verify(t, s)
		})
	}
}

func TestAddDuplicateIncident(t *testing.T) {
	s := openTest(t)
	w := testArticle(1)
	w.Incident = &newsmon.Incident{ID: "inc", Sources: []string{"example"}, LastSeen: t0}
	rep := mustSave(t, s, w)
	inc := *w.Incident
	inc.Sources = append(inc.Sources, "other")
	inc.LastSeen = t0.Add(time.Hour)
	if err := s.AddDuplicateIncident(rep, newsmon.Duplicate{URL: "https://b.example/1"}, nil, &inc); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Incident("inc")
	if !slices.Equal(got.Sources, []string{"example", "other"}) {
		t.Errorf("incident sources %v", got.Sources)
	}
	verify(t, s)
}

// TestRecentSignatures: the n most recently fetched articles' signatures,
// oldest first, whatever order they were saved in; articles without one
// left out.
func TestRecentSignatures(t *testing.T) {
	s := openTest(t)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	const total = readBatch + 40 // more than one read batch
	for _, i := range mrand.New(mrand.NewPCG(3, 4)).Perm(total) {
		a := &newsmon.Article{URL: fmt.Sprintf("https://x.example/%d", i), FetchedAt: t0.Add(time.Duration(i) * time.Minute)}
		if i%10 != 3 {
			a.Signature = fmt.Appendf(nil, "sig%d", i)
		}
		mustSave(t, s, ArticleWrite{Article: a})
	}
	want := func(n int) []string {
		var w []string
		for i := max(total-n, 0); i < total; i++ {
			if i%10 != 3 {
				w = append(w, fmt.Sprintf("sig%d", i))
			}
		}
		return w
	}
	for _, n := range []int{0, 1, 7, readBatch + 1, total, total + 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var got []string
			err := s.RecentSignatures(n, func(id string, sig []byte) error {
				got = append(got, string(sig))
				return nil
			})
			if err != nil || !slices.Equal(got, want(n)) {
				t.Errorf("RecentSignatures(%d): %d signatures %v, %v; want %d", n, len(got), got[:min(len(got), 3)], err, len(want(n)))
			}
		})
	}
}

func TestArticles(t *testing.T) {
	s := openTest(t)
	const n = readBatch*2 + 7 // several read batches
	// Saved out of time order.
	for _, i := range rand(n) {
		mustSave(t, s, testArticle(i))
	}
	tests := []struct {
		name  string
		since time.Time
		want  int // first article (by fetch minute) expected
	}{
		{"all", time.Time{}, 0},
		{"since inclusive", t0.Add(300 * time.Minute), 300},
		{"since between", t0.Add(300*time.Minute + time.Second), 301},
		{"future", t0.Add(24 * time.Hour), n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := tt.want
			err := s.Articles(tt.since, func(a newsmon.Article) error {
				if want := testArticle(next).Article.URL; a.URL != want {
					return fmt.Errorf("got %s, want %s", a.URL, want)
				}
				next++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if next != n {
				t.Errorf("walk ended at %d, want %d", next, n)
			}
		})
	}
	t.Run("callback may write and stop", func(t *testing.T) {
		stop := errors.New("stop")
		seen := 0
		err := s.Articles(time.Time{}, func(a newsmon.Article) error {
			seen++
			if err := s.SetNextDue(a.ID, t0); err != nil { // a write inside the walk must not deadlock
				return err
			}
			if seen == readBatch+1 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || seen != readBatch+1 {
			t.Errorf("err %v after %d articles, want stop after %d", err, seen, readBatch+1)
		}
	})
}

// rand returns 0..n-1 in a fixed scrambled order.
func rand(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i*7919 + 13) % n
	}
	return out
}
