package fakeweb

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/dedup"
)

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestFakeWeb(t *testing.T) {
	w := New(t)
	if w.News.Name == w.Finance.Name {
		t.Fatalf("hosts not distinct: %s", w.News.Name)
	}
	tests := []struct {
		name, url    string
		status       int
		contains     string
		wantNotUTF8  bool
		ctypeCharset bool
	}{
		{"rss", w.News.URL + "/rss.xml", 200, "<rss", false, true},
		{"atom", w.News.URL + "/atom.xml", 200, "/go/1003", false, true},
		{"robots", w.News.URL + "/robots.txt", 200, "Crawl-delay", false, false},
		{"gbk meta only", w.GBKMetaOnly, 200, `<meta charset="gbk">`, true, false},
		{"big5", w.Big5, 200, "big5", true, true},
		{"roll", w.Finance.URL + "/api/roll/get?page=1", 200, `"url":"` + w.Finance.URL, false, true},
		{"index", w.Finance.URL + "/sitemap_index.xml", 200, "news.xml.gz", false, false},
		{"missing", w.News.URL + "/nope", 404, "", false, false},
		{"redirect", w.Redirect, 301, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, tt.url, nil)
			if resp.StatusCode != tt.status || !bytes.Contains(body, []byte(tt.contains)) {
				t.Errorf("status %d, body %.200q", resp.StatusCode, body)
			}
			if tt.wantNotUTF8 == utf8.Valid(body) {
				t.Errorf("utf8.Valid = %v", utf8.Valid(body))
			}
			if got := strings.Contains(resp.Header.Get("Content-Type"), "charset"); tt.status == 200 && got != tt.ctypeCharset {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}

	resp, gz := get(t, w.Finance.URL+"/sitemaps/news.xml.gz", nil)
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	xml, _ := io.ReadAll(zr)
	if !bytes.Contains(xml, []byte("news:publication_date")) || !bytes.Contains(xml, []byte("doc-ifaa1004")) {
		t.Errorf("news sitemap: %.300s", xml)
	}

	// Conditional requests answer 304.
	etag := resp.Header.Get("ETag")
	if r, _ := get(t, w.Finance.URL+"/sitemaps/news.xml.gz", map[string]string{"If-None-Match": etag}); r.StatusCode != 304 {
		t.Errorf("If-None-Match: status %d", r.StatusCode)
	}
	if r, _ := get(t, w.News.URL+"/rss.xml", map[string]string{"If-Modified-Since": LastModified.Format(http.TimeFormat)}); r.StatusCode != 304 {
		t.Errorf("If-Modified-Since: status %d", r.StatusCode)
	}

	// Retry-After once, then the page.
	if r, _ := get(t, w.RetryAfter, nil); r.StatusCode != 503 || r.Header.Get("Retry-After") != "1" {
		t.Errorf("first request: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r, _ := get(t, w.RetryAfter, nil); r.StatusCode != 200 {
		t.Errorf("second request: %d", r.StatusCode)
	}
	if _, b := get(t, w.Oversized, nil); len(b) <= OversizedBytes {
		t.Errorf("oversized page is %d bytes", len(b))
	}

	reqs := w.Requests()
	last := reqs[len(reqs)-1]
	if last.Host != w.News.Name || last.Path != "/articles/tech/1005.htm" || time.Since(last.Time) > time.Minute {
		t.Errorf("last request recorded as %+v", last)
	}
	for _, r := range reqs {
		if r.Path == "/rss.xml" && r.IfModifiedSince != "" {
			return
		}
	}
	t.Errorf("conditional header not recorded")
}

func TestAddArticle(t *testing.T) {
	w := New(t)
	before := len(w.Articles())
	a := w.Finance.AddArticle(t, ArticleSpec{
		Path: "/tech/2026-05-04/doc-itest01.shtml", Title: "测试标题", Published: at(4, 8, 0),
		Paragraphs: []string{"测试正文第一段。"},
	})
	if len(w.Articles()) != before+1 {
		t.Fatalf("Articles did not grow")
	}
	_, body := get(t, a.URL, nil)
	if !bytes.Contains(body, []byte(`content="2026-05-04T08:00:00+08:00"`)) || !bytes.Contains(body, []byte("测试正文第一段")) {
		t.Errorf("page: %.400s", body)
	}
	if _, roll := get(t, w.Finance.URL+"/api/roll/get", nil); !bytes.Contains(roll, []byte("doc-ifaa1004")) {
		t.Errorf("roll API does not list the formerly last article: %s", roll)
	}
}

func TestFiller(t *testing.T) {
	if a, b := Filler(3, 1, 120), Filler(3, 1, 120); a != b {
		t.Fatal("Filler is not deterministic")
	}
	tests := []struct{ runes, han int }{{1, 1}, {24, 24}, {90, 90}, {360, 360}}
	for _, tt := range tests {
		s := Filler(7, 2, tt.runes)
		han := 0
		for _, r := range s {
			if r != '，' && r != '。' {
				han++
			}
		}
		if han != tt.han || !strings.HasSuffix(s, "。") {
			t.Errorf("Filler(7, 2, %d) = %q: %d characters, want %d ending in 。", tt.runes, s, han, tt.han)
		}
	}
	// Articles built from it (two paragraphs each, as the tests do) are
	// neither equal nor near-duplicates.
	var sigs []dedup.Signature
	seen := map[string]bool{}
	for seed := range 40 {
		body := Filler(seed, 0, 120) + "\n\n" + Filler(seed, 1, 120)
		if seen[body] {
			t.Fatalf("seed %d repeats an earlier text", seed)
		}
		seen[body] = true
		sigs = append(sigs, dedup.Sign("", body))
	}
	for i := range sigs {
		for j := range i {
			if dedup.Near(sigs[i], sigs[j]) {
				t.Errorf("seeds %d and %d give near-duplicate texts", i, j)
			}
		}
	}
}

// TestWriteConfig loads what WriteConfig wrote and compares it with the
// sources and settings it was given.
func TestWriteConfig(t *testing.T) {
	w := New(t)
	dir := t.TempDir()
	srcs := w.Sources()
	srcs[0].Interval, srcs[0].MaxPages, srcs[0].Articles = time.Hour, 7, []string{w.Big5}
	srcs[1].Location = time.UTC
	path := WriteConfig(t, dir, srcs, map[string]any{"parallelism": 3, "timeout": "2s"},
		map[string]any{"server": map[string]any{"listen": "127.0.0.1:0", "token": "secret"}})
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Crawl
	if cfg.DataDir != filepath.Join(dir, "data") || c.Parallelism != 3 || c.Timeout != 2*time.Second ||
		!c.AllowPrivateNetworks || c.MaxBodyBytes != 512<<10 || cfg.Server.Token != "secret" {
		t.Errorf("data dir %q, crawl %+v, server %+v", cfg.DataDir, c, cfg.Server)
	}
	if len(cfg.Sources) != len(srcs) {
		t.Fatalf("%d sources, want %d", len(cfg.Sources), len(srcs))
	}
	for i, want := range srcs {
		got := cfg.Sources[i]
		_, gotOff := time.Date(2026, 5, 1, 0, 0, 0, 0, got.Location).Zone()
		_, wantOff := time.Date(2026, 5, 1, 0, 0, 0, 0, want.Location).Zone()
		if got.Name != want.Name || got.Lang != want.Lang || gotOff != wantOff || got.MaxDepth != want.MaxDepth ||
			got.MaxPages != want.MaxPages || fmt.Sprint(got.Feeds, got.Sitemaps, got.StartURLs, got.Articles, got.ArticleURLs, got.JSONLists, got.Headers, got.Rules) !=
			fmt.Sprint(want.Feeds, want.Sitemaps, want.StartURLs, want.Articles, want.ArticleURLs, want.JSONLists, want.Headers, want.Rules) {
			t.Errorf("source %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if cfg.Sources[0].Interval != time.Hour {
		t.Errorf("interval %s, want 1h", cfg.Sources[0].Interval)
	}
}
