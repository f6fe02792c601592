package crawler

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/newsmon/newsmon"
)

// TestFetchPage: the fetcher an article's handler gets fetches further
// pages with the crawl's manners: robots.txt is obeyed, the user agent and
// the source's headers are sent, the charset is decoded, a 404 is a
// permanent failure and a 503 a temporary one; the page is not handed to
// OnPage as an article.
func TestFetchPage(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	var agent, referer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.RequestURI()]++
		if r.URL.Path == "/a.html" && r.URL.RawQuery == "page=2" {
			agent, referer = r.UserAgent(), r.Referer()
		}
		mu.Unlock()
		switch r.URL.RequestURI() {
		case "/robots.txt":
			w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
		case "/a.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html><body><p>第一页的正文。</p></body></html>"))
		case "/a.html?page=2":
			w.Header().Set("Content-Type", "text/html; charset=gbk")
			w.Write([]byte("<html><body><p>\xb5\xda\xb6\xfe\xd2\xb3</p></body></html>")) // 第二页 in GBK
		case "/busy.html":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	type result struct {
		page newsmon.Page
		err  error
	}
	results := map[string]result{}
	var got []string // pages handed to OnPage
	c, err := New(Options{Settings: testSettings(), OnPage: func(ctx context.Context, p newsmon.Page) error {
		mu.Lock()
		got = append(got, p.URL)
		mu.Unlock()
		f := FetcherFrom(ctx)
		if f == nil {
			return errors.New("no fetcher")
		}
		for _, path := range []string{"/a.html?page=2", "/private/a.html?page=3", "/missing.html", "/busy.html"} {
			pg, err := f.FetchPage(ctx, srv.URL+path)
			results[path] = result{pg, err}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	src := newsmon.Source{Name: "s", Articles: []string{srv.URL + "/a.html"}, Headers: map[string]string{"Referer": "https://example.org/"}}
	if _, err := c.Crawl(context.Background(), []newsmon.Source{src}); err != nil {
		t.Fatal(err)
	}
	if r := results["/a.html?page=2"]; r.err != nil || !strings.Contains(string(r.page.Body), "第二页") || r.page.Source != "s" {
		t.Errorf("continuation: %v, body %q", r.err, r.page.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	if agent != testUA || referer != "https://example.org/" {
		t.Errorf("sent User-Agent %q, Referer %q", agent, referer)
	}
	var fe *FetchError
	if r := results["/private/a.html?page=3"]; !errors.As(r.err, &fe) || fe.Reason != "robots" || fe.Temporary || seen["/private/a.html?page=3"] != 0 {
		t.Errorf("disallowed page: %v (requests %d)", r.err, seen["/private/a.html?page=3"])
	}
	if r := results["/missing.html"]; !errors.As(r.err, &fe) || fe.Reason != "http 404" || fe.Temporary {
		t.Errorf("missing page: %v", r.err)
	}
	if r := results["/busy.html"]; !errors.As(r.err, &fe) || fe.Reason != "http 503" || !fe.Temporary {
		t.Errorf("busy page: %v", r.err)
	}
	if seen["/a.html?page=2"] != 1 || len(got) != 1 {
		t.Errorf("the continuation was requested %d times and %v handed over; want once, and only the first page", seen["/a.html?page=2"], got)
	}
}
