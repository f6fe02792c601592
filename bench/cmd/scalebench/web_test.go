package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon/dedup"
	"github.com/newsmon/newsmon/extract"
)

// testCorpus makes a corpus of our own: numbered sentences, so that pages
// differ only by the sentences drawn.
func testCorpus() corpus {
	var c corpus
	for i := range 400 {
		c.zh = append(c.zh, fmt.Sprintf("第%d号测试句子讲述一座城市在清晨发生的第%d件新鲜事情。", i, i*7))
		c.en = append(c.en, fmt.Sprintf("Test sentence number %d tells of the %dth small event in a quiet harbour town.", i, i*7))
	}
	return c
}

// TestWebPagesDistinct: the sitemap index leads to every page once, each
// page extracts to an article of its own, and no two are near-duplicates.
func TestWebPagesDistinct(t *testing.T) {
	const n = 120
	w := &web{c: testCorpus(), n: n}
	srv := httptest.NewServer(w)
	defer srv.Close()
	w.base = srv.URL
	w.generate()
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		return string(b)
	}
	locs := regexp.MustCompile(`<loc>([^<]+)</loc>`)
	seen := map[string]bool{}
	for _, sm := range locs.FindAllStringSubmatch(get("/sitemap.xml"), -1) {
		for _, u := range locs.FindAllStringSubmatch(get(strings.TrimPrefix(sm[1], srv.URL)), -1) {
			if seen[u[1]] {
				t.Errorf("%s listed twice", u[1])
			}
			seen[u[1]] = true
		}
	}
	if len(seen) != n {
		t.Fatalf("sitemaps list %d pages, want %d", len(seen), n)
	}
	var sigs []dedup.Signature
	hashes := map[string]int{}
	for i := range n {
		page := get(fmt.Sprintf("/news/%d.html", i))
		if !bytes.Equal([]byte(page), w.pages[i]) {
			t.Fatalf("page %d served differs from the page made", i)
		}
		a, err := extract.Extract(extract.Input{URL: w.articleURL(i), HTML: []byte(page), FetchedAt: time.Now(), Location: time.UTC})
		if err != nil || len(a.Body) < 200 {
			t.Fatalf("page %d: body of %d bytes, %v", i, len(a.Body), err)
		}
		hash, sig := dedup.Fingerprint(a.Title, a.Body)
		if j, ok := hashes[hash]; ok {
			t.Fatalf("pages %d and %d have the same text", j, i)
		}
		hashes[hash] = i
		for j, s := range sigs {
			if dedup.Near(s, sig) {
				t.Fatalf("pages %d and %d are near-duplicates", j, i)
			}
		}
		sigs = append(sigs, sig)
	}
	if got := get("/news/1.html"); !strings.Contains(got, `lang="zh"`) || !strings.Contains(get("/news/2.html"), `lang="en"`) {
		t.Errorf("want two Chinese pages for one English")
	}
	resp, err := http.Get(srv.URL + fmt.Sprintf("/news/%d.html", n))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("page past the last: status %d, want 404", resp.StatusCode)
	}
}
