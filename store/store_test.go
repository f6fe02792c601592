package store

import (
	"bytes"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// openTest opens a fresh store in a temporary directory. Commits skip fsync
// (NoSync) to keep the suite fast; the crash test uses the real thing.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.db.NoSync = true
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2020, 5, 1, 10, 23, 0, 0, time.FixedZone("CST", 8*3600))

// testArticle returns a write for an article fetched n minutes after t0.
func testArticle(n int) ArticleWrite {
	u := fmt.Sprintf("https://news.example.com/a/%d.html", n)
	return ArticleWrite{
		Article: &newsmon.Article{
			URL: u, Source: "example", Lang: "zh", Title: fmt.Sprintf("标题 %d", n),
			Published: t0, Body: "正文", FetchedAt: t0.Add(time.Duration(n) * time.Minute),
			ContentHash: fmt.Sprintf("hash-%d", n), Signature: []byte{byte(n)},
		},
		URLs: []string{u, u + "?utm_source=feed"},
	}
}

func mustSave(t testing.TB, s *Store, w ArticleWrite) string {
	t.Helper()
	if err := s.SaveArticle(w); err != nil {
		t.Fatal(err)
	}
	return w.Article.ID
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		prepare func(path string) // what is at path before Open
		wantErr error             // nil: Open succeeds
		wantMsg string
	}{
		{"creates parent directories", func(string) {}, nil, ""},
		{"reopens a closed database", func(p string) {
			s, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}, nil, ""},
		{"newer schema", func(p string) {
			s, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.db.Update(func(tx *bolt.Tx) error {
				return putUint(tx.Bucket(bucketMeta), keySchema, SchemaVersion+1)
			}); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}, ErrSchema, "newer than this newsmon"},
		{"not a database", func(p string) {
			if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(strings.Repeat("not bolt ", 2000)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, nil, "invalid"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprint(i), "sub", "newsmon.db")
			tt.prepare(path)
			s, err := Open(path)
			if tt.wantErr == nil && tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer s.Close()
				var v uint64
				s.db.View(func(tx *bolt.Tx) error { v = getUint(tx.Bucket(bucketMeta), keySchema); return nil })
				if v != SchemaVersion {
					t.Errorf("schema version %d, want %d", v, SchemaVersion)
				}
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q should contain %q and the path", err, tt.wantMsg)
			}
		})
	}
}

func TestOpenInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newsmon.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, open := range map[string]func() error{
		"Open":  func() error { s2, err := Open(path); closeIf(s2); return err },
		"Check": func() error { return Check(path) },
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- open() }()
			select {
			case err := <-done:
				t.Logf("%s returned after %v: %v", name, time.Since(start), err)
				if !errors.Is(err, ErrInUse) {
					t.Fatalf("error %v, want ErrInUse", err)
				}
				if want := "database is in use by another newsmon process"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
					t.Errorf("error %q should say %q and name %s", err, want, path)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%s of a database in use hangs", name)
			}
		})
	}
}

func closeIf(s *Store) {
	if s != nil {
		s.Close()
	}
}

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

func TestIncidents(t *testing.T) {
	s := openTest(t)
	day := 24 * time.Hour
	save := func(id string, lastSeen time.Time) {
		if _, err := s.SaveBatch([]Write{{Incident: &newsmon.Incident{ID: id, Title: id, LastSeen: lastSeen},
			State: &newsmon.IncidentState{Terms: map[string]float64{"x": float64(lastSeen.Unix())}}}}); err != nil {
			t.Fatal(err)
		}
	}
	save("old", t0.Add(-30*day))
	save("mid", t0.Add(-3*day))
	save("new", t0)
	save("moved", t0.Add(-40*day))
	save("moved", t0.Add(-day)) // updated: leaves the old index entry
	save("ancient", time.Time{})
	tests := []struct {
		since time.Time
		want  []string
	}{
		{t0.Add(-7 * day), []string{"mid", "moved", "new"}},
		{t0.Add(-day), []string{"moved", "new"}},
		{t0.Add(time.Nanosecond), nil},
		{time.Time{}, []string{"ancient", "old", "mid", "moved", "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.since.String(), func(t *testing.T) {
			var got []string
			err := s.IncidentsBetween(tt.since, t0.Add(365*day), func(inc newsmon.Incident, st newsmon.IncidentState) error {
				got = append(got, inc.ID)
				if st.Terms["x"] != float64(inc.LastSeen.Unix()) {
					t.Errorf("IncidentsBetween: %s with state %v, want the one saved with it", inc.ID, st)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("IncidentsBetween(%v, later) = %v, want %v", tt.since, got, tt.want)
			}
		})
	}
	var all []string
	if err := s.Incidents(func(inc newsmon.Incident) error { all = append(all, inc.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ancient", "mid", "moved", "new", "old"}; !slices.Equal(all, want) {
		t.Errorf("Incidents = %v, want %v", all, want)
	}
	if inc, err := s.Incident("moved"); err != nil || !inc.LastSeen.Equal(t0.Add(-day)) {
		t.Errorf("Incident(moved) = %+v, %v", inc, err)
	}
	if st, err := s.IncidentState("moved"); err != nil || st.Terms["x"] != float64(t0.Add(-day).Unix()) || len(st.Terms) != 1 {
		t.Errorf("IncidentState(moved) = %+v, %v; want the last state saved", st, err)
	}
	if _, err := s.IncidentState("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("IncidentState(missing) error %v, want ErrNotFound", err)
	}
	if _, err := s.Incident("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Incident(missing) error %v, want ErrNotFound", err)
	}
	if _, n, _ := s.Stats(); n != 5 {
		t.Errorf("Stats incidents = %d, want 5", n)
	}
	if err := s.SaveIncident(newsmon.Incident{Title: "no id"}); err == nil {
		t.Error("SaveIncident without ID succeeded")
	}
	verify(t, s)
}

func TestCrawlState(t *testing.T) {
	s := openTest(t)
	const feed = "https://news.example.com/rss"
	steps := []struct {
		name       string
		etag, lm   string // set, then expect back
		wantE, wLM string
	}{
		{"both", `"abc"`, "Fri, 01 May 2020 02:23:00 GMT", `"abc"`, "Fri, 01 May 2020 02:23:00 GMT"},
		{"etag only", `W/"x"`, "", `W/"x"`, ""},
		{"forget", "", "", "", ""},
	}
	if e, lm, err := s.Validators(feed); e != "" || lm != "" || err != nil {
		t.Errorf("unknown URL: %q %q %v", e, lm, err)
	}
	for _, st := range steps {
		if err := s.SetValidators(feed, st.etag, st.lm); err != nil {
			t.Fatal(err)
		}
		if e, lm, err := s.Validators(feed); e != st.wantE || lm != st.wLM || err != nil {
			t.Errorf("%s: Validators = %q %q %v", st.name, e, lm, err)
		}
	}

	if due, err := s.NextDue("cnbeta"); !due.IsZero() || err != nil {
		t.Errorf("never scheduled: %v %v, want zero time", due, err)
	}
	if err := s.SetNextDue("cnbeta", t0); err != nil {
		t.Fatal(err)
	}
	due, err := s.NextDue("cnbeta")
	if err != nil || !due.Equal(t0) {
		t.Errorf("NextDue = %v %v, want %v", due, err, t0)
	}
	if _, off := due.Zone(); off != 8*3600 {
		t.Errorf("NextDue lost the offset: %v", due)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s, err := Open(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		mustSave(t, s, testArticle(i))
	}
	s.Close()

	// corrupt: overwrite a data page (past the two meta pages and freelist)
	// of a copy with garbage.
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.db")
	page := os.Getpagesize()
	for i := 4 * page; i < 5*page && i < len(data); i++ {
		data[i] = 0xA5
	}
	if err := os.WriteFile(bad, data, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	tests := []struct {
		name, path string
		wantErr    string // "" : passes
	}{
		{"good", good, ""},
		{"corrupt page", bad, "check " + bad},
		{"missing", filepath.Join(dir, "missing.db"), "no such file"},
		{"not newsmon", foreign, "not a newsmon database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check = %v, want an error containing %q", err, tt.wantErr)
			}
			t.Log(err)
		})
	}
}

// contents is a database's buckets as maps, to compare snapshots.
type contents map[string]map[string]string

func dump(t testing.TB, s *Store) contents {
	t.Helper()
	c := contents{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			m := map[string]string{}
			c[string(name)] = m
			return b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// verify checks that every index agrees with the records it indexes and the
// counters with the counts.
func verify(t testing.TB, s *Store) {
	t.Helper()
	c := dump(t, s)
	articles := c[string(bucketArticles)]
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("inconsistent store: "+format, args...)
	}
	for id, data := range articles {
		a, err := decodeJSON[newsmon.Article]("article", id, []byte(data))
		if err != nil {
			fail("article %s: %v", id, err)
			continue
		}
		if a.ID != id {
			fail("article under %s has ID %s", id, a.ID)
		}
		for _, u := range append([]string{a.URL}, dupURLs(a)...) {
			if c[string(bucketURLs)][u] != id {
				fail("url %s of %s indexed to %q", u, id, c[string(bucketURLs)][u])
			}
		}
		if _, ok := c[string(bucketArticleTime)][string(timeIDKey(a.FetchedAt, id))]; !ok {
			fail("article %s missing from the time index", id)
		}
		if a.ContentHash != "" && articles[c[string(bucketHashes)][a.ContentHash]] == "" {
			fail("hash of %s not indexed", id)
		}
		inc := a.IncidentID
		for range maxAliasHops { // a merged-away id stays in the article's record
			if into, ok := c[string(bucketIncidentAlias)][inc]; ok {
				inc = into
			}
		}
		if inc != "" && c[string(bucketIncidents)][inc] == "" {
			fail("article %s in missing incident %s", id, a.IncidentID)
		}
	}
	for _, b := range [][]byte{bucketURLs, bucketHashes} {
		for k, id := range c[string(b)] {
			if articles[id] == "" {
				fail("%s %s -> missing article %s", b, k, id)
			}
		}
	}
	for k := range c[string(bucketArticleTime)] {
		if articles[k[timeKeyLen:]] == "" {
			fail("time index -> missing article %s", k[timeKeyLen:])
		}
	}
	incidents := c[string(bucketIncidents)]
	for id, data := range incidents {
		inc, err := decodeJSON[newsmon.Incident]("incident", id, []byte(data))
		if err != nil {
			fail("%v", err)
		}
		if _, ok := c[string(bucketIncidentSeen)][string(timeIDKey(inc.LastSeen, id))]; !ok {
			fail("incident %s missing from the last-seen index", id)
		}
	}
	meta := c[string(bucketMeta)]
	count := func(k []byte) int { return int(decodeUint([]byte(meta[string(k)]))) }
	if len(c[string(bucketIncidentSeen)]) != len(incidents) || count(keyIncidents) != len(incidents) {
		fail("%d incidents, %d last-seen entries, counter %d", len(incidents), len(c[string(bucketIncidentSeen)]), count(keyIncidents))
	}
	for id, data := range c[string(bucketIncidentState)] {
		if incidents[id] == "" {
			fail("state of missing incident %s", id)
		}
		if _, err := decodeJSON[newsmon.IncidentState]("incident state", id, []byte(data)); err != nil {
			fail("%v", err)
		}
	}
	for id, data := range incidents {
		if strings.Contains(data, `"centroid":`) && !strings.Contains(data, `"centroid":"`) {
			fail("incident %s holds a centroid: %s", id, data)
		}
	}
	if len(c[string(bucketArticleTime)]) != len(articles) || count(keyArticles) != len(articles) {
		fail("%d articles, %d time entries, counter %d", len(articles), len(c[string(bucketArticleTime)]), count(keyArticles))
	}
	if _, _, err := s.DocFreq(); err != nil {
		fail("%v", err)
	}
}

func dupURLs(a newsmon.Article) []string {
	var out []string
	for _, d := range a.Duplicates {
		out = append(out, d.URL)
	}
	return out
}

func TestSaveBatch(t *testing.T) {
	s := openTest(t)
	stored := testArticle(1)
	id1 := mustSave(t, s, stored)

	fresh := testArticle(2)
	again := testArticle(1) // same URLs as the stored one
	again.Article.ID = ""
	writes := []Write{
		{Article: &fresh},
		// A duplicate of the article saved earlier in this same batch.
		{Duplicate: &DuplicateWrite{ID: ArticleID(fresh.Article.URL), Duplicate: newsmon.Duplicate{URL: "https://copy.example.org/x", Source: "copy"}}},
		{Article: &again},
		{Duplicate: &DuplicateWrite{ID: "no-such-article", Duplicate: newsmon.Duplicate{URL: "https://copy.example.org/y"}}},
	}
	errs, err := s.SaveBatch(writes)
	if err != nil {
		t.Fatal(err)
	}
	wantErr := []error{nil, nil, ErrExists, ErrNotFound}
	for i, want := range wantErr {
		if (want == nil) != (errs[i] == nil) || (want != nil && !errors.Is(errs[i], want)) {
			t.Errorf("write %d: err %v, want %v", i, errs[i], want)
		}
	}
	if again.Article.ID != id1 {
		t.Errorf("refused article's ID = %q, want the stored %q", again.Article.ID, id1)
	}
	got, err := s.Article(fresh.Article.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Duplicates) != 1 || got.Duplicates[0].URL != "https://copy.example.org/x" {
		t.Errorf("duplicates = %+v, want the copy linked in the same batch", got.Duplicates)
	}
	if id, ok, _ := s.ArticleIDByURL("https://copy.example.org/x"); !ok || id != fresh.Article.ID {
		t.Errorf("copy URL indexed to %q (%v), want %q", id, ok, fresh.Article.ID)
	}
	if id, ok, _ := s.ArticleIDByURL("https://copy.example.org/y"); ok {
		t.Errorf("refused duplicate's URL indexed to %q", id)
	}
	if n, _, _ := s.Stats(); n != 2 {
		t.Errorf("articles = %d, want 2", n)
	}
}

// TestReplaceRepresentative: a copy found to be the original takes the
// stored article's place: the article keeps its ID, incident, fetch time,
// fingerprints and copies, takes the copy's page and text, and its own page
// becomes its first duplicate; the copy's URLs and text hash lead to it.
func TestReplaceRepresentative(t *testing.T) {
	s := openTest(t)
	w := testArticle(1)
	w.Article.IncidentID = "inc-1"
	id := mustSave(t, s, w)
	old := *w.Article
	earlier := newsmon.Duplicate{URL: "https://c.example/1", Source: "c", FetchedAt: t0}
	if err := s.AddDuplicate(id, earlier, nil); err != nil {
		t.Fatal(err)
	}
	c := newsmon.Article{URL: "https://b.example/1", Source: "b", Lang: "zh", Title: "原标题", Body: "正文全文",
		Published: t0.Add(-time.Hour), FetchedAt: t0.Add(time.Hour), ContentHash: "hash-b", Signature: []byte{9}}
	d := newsmon.Duplicate{URL: c.URL, Source: c.Source, FetchedAt: c.FetchedAt, Exact: true}
	if _, err := s.SaveBatch([]Write{{Duplicate: &DuplicateWrite{ID: id, Duplicate: d, URLs: []string{c.URL, "https://m.b.example/1"}, Replace: &c}}}); err != nil {
		t.Fatal(err)
	}
	a, err := s.Article(id)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != id || a.URL != c.URL || a.Source != "b" || a.Title != c.Title || a.Body != c.Body || !a.Published.Equal(c.Published) {
		t.Errorf("article = %s %s %s %q %q %v, want the copy's page and text under id %s", a.ID, a.URL, a.Source, a.Title, a.Body, a.Published, id)
	}
	if a.IncidentID != "inc-1" || !a.FetchedAt.Equal(old.FetchedAt) || a.ContentHash != old.ContentHash || !bytes.Equal(a.Signature, old.Signature) {
		t.Errorf("identity changed: incident %q fetched %v hash %q sig %v", a.IncidentID, a.FetchedAt, a.ContentHash, a.Signature)
	}
	var dups []string
	for _, x := range a.Duplicates {
		dups = append(dups, x.URL+"/"+x.Source)
	}
	if want := []string{old.URL + "/example", earlier.URL + "/c"}; !slices.Equal(dups, want) {
		t.Errorf("duplicates %v, want %v", dups, want)
	}
	for _, u := range []string{c.URL, "https://m.b.example/1", old.URL, earlier.URL} {
		if got, ok, err := s.ArticleIDByURL(u); err != nil || !ok || got != id {
			t.Errorf("URL %s -> %q %v %v, want %s", u, got, ok, err, id)
		}
	}
	for _, h := range []string{old.ContentHash, "hash-b"} {
		if got, ok, err := s.ArticleIDByHash(h); err != nil || !ok || got != id {
			t.Errorf("hash %s -> %q %v %v, want %s", h, got, ok, err, id)
		}
	}
}
