package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

	// corrupt: overwrite, in a copy, a page the database uses (the root of
	// the articles bucket; a fixed page number may be free, and a garbled
	// free page is no inconsistency) with garbage.
	root, pageSize := usedPage(t, good)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.db")
	for i := root * pageSize; i < (root+1)*pageSize && i < len(data); i++ {
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

// usedPage returns the page number of the articles bucket's root in the
// database at path, and the database's page size.
func usedPage(t *testing.T, path string) (page, size int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		page = int(tx.Bucket(bucketArticles).Root())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if page < 2 {
		t.Fatalf("articles bucket is inline (root %d): the test needs more articles", page)
	}
	return page, db.Info().PageSize
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
		js, _, err := decodeArticleValue(id, []byte(data))
		if err != nil {
			fail("article %s: %v", id, err)
			continue
		}
		if data[0] != recordZstd {
			fail("article %s: not a compressed record", id)
		}
		a, err := decodeJSON[newsmon.Article]("article", id, js)
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
