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

// TestListingsQueuedWhole: the sitemaps of an index, fetched side by side,
// have their articles fetched one sitemap after another, in the order each
// lists them, not interleaved: a sitemap usually lists a stretch of time,
// and what is fetched together is stored and clustered together.
func TestListingsQueuedWhole(t *testing.T) {
	const maps, per, par = 4, 1000, 4
	var mu sync.Mutex
	var order []int // the sitemap of each article requested, in order
	asked := 0
	all := make(chan struct{}) // closed once every sitemap is asked for
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var k, i int
		switch {
		case r.URL.Path == "/index.xml":
			fmt.Fprint(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
			for k := range maps {
				fmt.Fprintf(w, "<sitemap><loc>%s/s%d.xml</loc></sitemap>", srv.URL, k)
			}
			fmt.Fprint(w, `</sitemapindex>`)
		case scanPath(r.URL.Path, "/s%d.xml", &k):
			// Every sitemap is answered at once, so that their links
			// are read side by side.
			mu.Lock()
			if asked++; asked == maps {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-time.After(10 * time.Second): // a guard, not a timing
			}
			fmt.Fprint(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
			for i := range per {
				fmt.Fprintf(w, "<url><loc>%s/a/%d/%d.htm</loc></url>", srv.URL, k, i)
			}
			fmt.Fprint(w, `</urlset>`)
		case scanPath(r.URL.Path, "/a/%d/%d.htm", &k, &i):
			mu.Lock()
			order = append(order, k)
			mu.Unlock()
			fmt.Fprintf(w, "<html><head><title>%s</title></head><body><p>text</p></body></html>", r.URL.Path)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	set := testSettings()
	set.Parallelism, set.PerHostDelay, set.RespectRobots, set.MaxPages = par, 0, false, 2*maps*per
	s := newSink(nil)
	// The crawl yields as it visits each link, so that the sitemaps' links
	// are visited side by side whatever the machine's load.
	yielding := func(src newsmon.Source, u string) string {
		runtime.Gosched()
		return canonical(src, u)
	}
	c, err := New(Options{Settings: set, OnPage: s.onPage, Canonical: yielding})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Crawl(context.Background(), []newsmon.Source{{Name: "maps", Sitemaps: []string{srv.URL + "/index.xml"}}}); err != nil {
		t.Fatal(err)
	}
	if n := s.count(); n != maps*per {
		t.Fatalf("%d pages handed over, want %d", n, maps*per)
	}
	// Between two sitemaps, the fetchers in flight may answer out of
	// order: a few switches at each of the maps-1 boundaries.
	switches := 0
	for i := 1; i < len(order); i++ {
		if order[i] != order[i-1] {
			switches++
		}
	}
	if limit := (maps - 1) * 2 * par; switches > limit {
		t.Errorf("the articles of %d sitemaps were fetched with %d switches between sitemaps, want at most %d (one sitemap after another)", maps, switches, limit)
	}
}

// scanPath reports whether p is exactly format with its integers filled in.
func scanPath(p, format string, ns ...*int) bool {
	if _, err := fmt.Sscanf(p, format, anys(ns)...); err != nil {
		return false
	}
	vals := make([]any, len(ns))
	for i, n := range ns {
		vals[i] = *n
	}
	return fmt.Sprintf(format, vals...) == p
}

func anys(ns []*int) []any {
	out := make([]any, len(ns))
	for i, n := range ns {
		out[i] = n
	}
	return out
}
