package store

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// rssFile returns the process's resident file-backed memory (RssFile of
// /proc/self/status) in bytes.
func rssFile(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// mappedStore returns a store of n articles of about 10 KB on disk each,
// and its readAll, which reads every record (so every page is resident)
// and checks it.
func mappedStore(t *testing.T, n int) (*Store, string, func()) {
	t.Helper()
	s := openTest(t)
	body := strings.Repeat("正文的一句话。", 400) // compressed to a few hundred bytes
	// An 8 KB signature, stored as it is: overflow pages for each article.
	sig := make([]byte, 8<<10)
	for i := range sig {
		sig[i] = byte(i*7 + i/251)
	}
	var writes []Write
	for i := range n {
		w := testArticle(i)
		w.Article.Body = body
		w.Article.Signature = sig
		writes = append(writes, Write{Article: &w})
		if len(writes) == 200 || i == n-1 {
			if _, err := s.SaveBatch(writes); err != nil {
				t.Fatal(err)
			}
			writes = nil
		}
	}
	readAll := func() {
		t.Helper()
		got := 0
		if err := s.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketArticles).ForEach(func(k, v []byte) error {
				js, stored, err := decodeArticleValue(string(k), v)
				if err != nil || !strings.Contains(string(js), body) || !bytes.Equal(stored, sig) {
					t.Fatalf("article %s lost its body or signature: %v", k, err)
				}
				got++
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Fatalf("read %d articles, want %d", got, n)
		}
	}
	return s, body, readAll
}

// allResident reads every record of s and returns the resident file-backed
// memory then; it skips the test when that is not most of the database
// (nothing to release).
func allResident(t *testing.T, s *Store, base int64, readAll func()) int64 {
	t.Helper()
	readAll()
	before := rssFile(t)
	var size int64
	if err := s.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	if before-base < size/2 {
		t.Skipf("reading the %d MB database left only %d MB resident: nothing to release", size>>20, (before-base)>>20)
	}
	return before
}

// TestReleaseMapped: the database's pages read through the mapping leave
// the process's resident memory when released, and every record reads the
// same afterwards (also within a read transaction opened before).
func TestReleaseMapped(t *testing.T) {
	base := rssFile(t)                       // before the database is mapped
	s, body, readAll := mappedStore(t, 2000) // about 20 MB of file
	before := allResident(t, s, base, readAll)
	tx, err := s.db.Begin(false) // a reader across the release
	if err != nil {
		t.Fatal(err)
	}
	s.releaseMapped()
	after := rssFile(t)
	if after-base > (before-base)/4 {
		t.Errorf("resident file-backed memory %d MB over the baseline after reading the database, %d MB after the release: want at most a quarter left",
			(before-base)>>20, (after-base)>>20)
	}
	a, err := getArticle(tx.Bucket(bucketArticles), ArticleID(testArticle(7).Article.URL))
	if err != nil || a.Body != body {
		t.Errorf("article read in a transaction opened before the release: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	readAll()
}

// TestLookupsReleaseMapped: lookups release the mapping's pages by
// themselves, within releaseLookups of them, without a commit: what
// stays resident is what the lookups since the release visited.
func TestLookupsReleaseMapped(t *testing.T) {
	base := rssFile(t)
	s, _, readAll := mappedStore(t, 2000)
	before := allResident(t, s, base, readAll)
	url := testArticle(7).Article.URL
	for range releaseLookups {
		if id, ok, err := s.ArticleIDByURL(url); err != nil || !ok || id != ArticleID(url) {
			t.Fatalf("lookup of %s: %q %v %v", url, id, ok, err)
		}
	}
	if after := rssFile(t); after-base > (before-base)/4 {
		t.Errorf("resident file-backed memory %d MB over the baseline after reading the database, %d MB after %d lookups: want at most a quarter left",
			(before-base)>>20, (after-base)>>20, releaseLookups)
	}
}
