package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// TestFrontierHoldsURLsNotGoroutines: a crawl that knows 2,000 URLs while
// its fetchers are all busy keeps the waiting URLs in its frontier, not in
// a goroutine each (and not as requests to the server).
func TestFrontierHoldsURLsNotGoroutines(t *testing.T) {
	const urls, par = 2000, 4
	release := make(chan struct{})
	arrived := make(chan struct{}, urls)
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		arrived <- struct{}{}
		<-release
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><p>text</p></body></html>", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	src := newsmon.Source{Name: "many"}
	for i := range urls {
		src.Articles = append(src.Articles, fmt.Sprintf("%s/a/%d.htm", srv.URL, i))
	}
	set := testSettings()
	set.Parallelism, set.PerHostDelay, set.RespectRobots, set.MaxPages = par, 0, false, urls
	s := newSink(nil)
	c, err := New(Options{Settings: set, OnPage: s.onPage, Canonical: canonical})
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	done := make(chan error, 1)
	go func() {
		_, err := c.Crawl(context.Background(), []newsmon.Source{src})
		done <- err
	}()
	for range par { // every fetcher holds a request
		<-arrived
	}
	// Seeding ends soon after (2,000 URLs queued); give it the time it
	// takes, then count.
	var during int
	for range 200 {
		during = runtime.NumGoroutine() - before
		if s.count() == 0 && len(arrived) == 0 && during <= 100 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if during > 100 {
		t.Errorf("%d goroutines more than before the crawl while %d URLs wait: want a bounded number", during, urls)
	}
	if n := len(arrived); n > 0 {
		t.Errorf("%d requests beyond the %d fetchers reached the server", n, par)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := s.count(); n != urls {
		t.Errorf("%d pages handed over, want %d", n, urls)
	}
	mu.Lock()
	defer mu.Unlock()
	for p, n := range hits {
		if n != 1 {
			t.Errorf("%s fetched %d times", p, n)
		}
	}
}

// TestFrontierServesHostsSideBySide: a host whose robots.txt asks for a
// long Crawl-delay holds up its own URLs only; the other host's pages are
// fetched meanwhile, though the slow host's URLs were queued first and
// there are fewer fetchers than its URLs.
func TestFrontierServesHostsSideBySide(t *testing.T) {
	site := func(robots string) (*httptest.Server, *int32Counter) {
		hits := &int32Counter{}
		mux := http.NewServeMux()
		mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, robots) })
		mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) {
			hits.add()
			fmt.Fprintf(w, "<html><head><title>%s</title></head><body><p>text</p></body></html>", r.URL.Path)
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv, hits
	}
	slow, slowHits := site("User-agent: *\nCrawl-delay: 30\n")
	fast, fastHits := site("User-agent: *\nAllow: /\n")
	src := newsmon.Source{Name: "two hosts"}
	for i := range 4 {
		src.Articles = append(src.Articles, fmt.Sprintf("%s/a/%d.htm", slow.URL, i))
	}
	const fastPages = 10
	for i := range fastPages {
		src.Articles = append(src.Articles, fmt.Sprintf("%s/a/%d.htm", fast.URL, i))
	}
	set := testSettings()
	set.Parallelism, set.PerHostDelay = 2, 0
	// A guard against a hang only: the fast host's pages take well under
	// a second; behind the slow host's delays they would take 90 s.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	fastSeen := 0
	c, err := New(Options{Settings: set, Canonical: canonical, OnPage: func(_ context.Context, p newsmon.Page) error {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(p.URL, fast.URL) {
			if fastSeen++; fastSeen == fastPages {
				cancel()
			}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Crawl(ctx, []newsmon.Source{src})
	if err == nil {
		t.Fatal("Crawl ended before it was canceled")
	}
	if n := fastHits.get(); n != fastPages {
		t.Errorf("fast host: %d pages fetched, want %d", n, fastPages)
	}
	if n := slowHits.get(); n > 1 { // its robots.txt request started the delay
		t.Errorf("slow host (Crawl-delay 30): %d pages fetched before the fast host was done, want at most 1", n)
	}
	if ctx.Err() != context.Canceled {
		t.Errorf("the fast host's pages waited for the slow host's delay (%v)", ctx.Err())
	}
}

// count is how many pages the sink holds.
func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ps := range s.pages {
		n += len(ps)
	}
	return n
}
