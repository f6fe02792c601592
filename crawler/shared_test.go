package crawler

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// TestSharedCrawlerPacesAcrossCrawls runs crawls of two sources on one
// host side by side, as the daemon does, for three rounds on one Crawler:
// the host never sees two requests closer than the delay, and robots.txt
// is fetched once.
func TestSharedCrawlerPacesAcrossCrawls(t *testing.T) {
	site := fakeweb.NewOneHost(t)
	set := testSettings()
	set.PerHostDelay = 200 * time.Millisecond
	c, err := New(Options{Settings: set, Canonical: canonical})
	if err != nil {
		t.Fatal(err)
	}
	state := newMemState()
	s := newSink(state)
	for round := range 3 {
		var wg sync.WaitGroup
		for _, src := range site.Sources() {
			wg.Go(func() {
				stats, err := c.CrawlWith(context.Background(), []newsmon.Source{src}, Hooks{State: state, OnPage: s.onPage})
				if err != nil {
					t.Errorf("round %d, %s: %v", round, src.Name, err)
					return
				}
				if st := stats[src.Name]; st.Failed != 0 || st.SeedsRead != 1 || st.Seeds != 1 {
					t.Errorf("round %d, %s: %+v", round, src.Name, *st)
				}
			})
		}
		wg.Wait()
	}
	site.CheckGaps(t, set.PerHostDelay)
	if n := site.Count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once", n)
	}
	if len(s.pages) != 4 {
		t.Errorf("%d articles handed over, want 4", len(s.pages))
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestRobotsCache: a robots.txt that was read is used for 24 hours (RFC
// 9309), then fetched again; one that failed (5xx) is asked for again by
// the next crawl.
func TestRobotsCache(t *testing.T) {
	var mu sync.Mutex
	status, robotsHits := http.StatusOK, 0
	_, src, _ := oneSite(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		robotsHits++
		if status != http.StatusOK {
			http.Error(w, "down", status)
			return
		}
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	}, 1)
	robots := func() int {
		mu.Lock()
		defer mu.Unlock()
		return robotsHits
	}
	clock := &fakeClock{now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	set := testSettings()
	set.PerHostDelay = 0
	set.Retries = -1
	c, err := New(Options{Settings: set, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	crawl := func() *Stats {
		t.Helper()
		stats, err := c.CrawlWith(context.Background(), []newsmon.Source{src}, Hooks{OnPage: newSink(nil).onPage})
		if err != nil {
			t.Fatal(err)
		}
		return stats["one"]
	}
	steps := []struct {
		name       string
		advance    time.Duration
		status     int
		wantRobots int // robots.txt requests so far
		wantFailed int
	}{
		{"first crawl", 0, 200, 1, 0},
		{"an hour later: cached", time.Hour, 200, 1, 0},
		{"just under a day: cached", 23*time.Hour - time.Second, 200, 1, 0},
		{"a day later: fetched again, now 503", 2 * time.Second, 503, 2, 1},
		{"failure not cached", 0, 503, 3, 1},
		{"back up", 0, 200, 4, 0},
		{"cached again", time.Minute, 503, 4, 0},
	}
	for _, st := range steps {
		clock.Add(st.advance)
		mu.Lock()
		status = st.status
		mu.Unlock()
		stats := crawl()
		if got := robots(); got != st.wantRobots || stats.Failed != st.wantFailed {
			t.Errorf("%s: robots.txt fetched %d times, %d failed; want %d and %d", st.name, got, stats.Failed, st.wantRobots, st.wantFailed)
		}
	}
}

// fakeResolver resolves names from a table; others are not found.
type fakeResolver map[string]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// testProxy is a forward proxy on 127.0.0.1 that serves every site
// itself: robots.txt allows all, any path is a small article.
type testProxy struct {
	*httptest.Server
	mu    sync.Mutex
	hosts map[string]int // requests by target host
}

func newTestProxy(t *testing.T) *testProxy {
	p := &testProxy{hosts: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.hosts[r.URL.Host]++
		p.mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nAllow: /\n")
			return
		}
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><p>text of %s</p></body></html>", r.URL.Path, r.URL)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *testProxy) requests(host string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hosts[host]
}

// TestProxyOnPrivateAddress: a proxy on a private address (here loopback)
// is the operator's choice and works with the private-network guard on;
// targets are still checked, by their resolved addresses, and a target on
// a private network is refused before anything is sent.
func TestProxyOnPrivateAddress(t *testing.T) {
	proxy := newTestProxy(t)
	set := testSettings()
	set.AllowPrivateNetworks = false
	set.PerHostDelay = 0
	set.Retries = -1
	set.Proxy = proxy.URL
	resolver := fakeResolver{"news.example": "93.184.216.34", "intranet.example": "10.1.2.3", "mapped.example": "::ffff:192.168.1.1"}
	c, err := New(Options{Settings: set, Resolver: resolver})
	if err != nil {
		t.Fatal(err)
	}
	src := newsmon.Source{Name: "p", Articles: []string{
		"http://news.example/a/1", "http://news.example/a/2",
		"http://intranet.example/a/1", "http://mapped.example/a/1", "http://10.0.0.1/a/1", "http://localhost/a/1",
		"http://nosuch.example/a/1",
	}}
	s := newSink(nil)
	stats, err := c.CrawlWith(context.Background(), []newsmon.Source{src}, Hooks{OnPage: s.onPage})
	if err != nil {
		t.Fatal(err)
	}
	st := stats["p"]
	if st.Fetched != 2 || len(s.pages) != 2 {
		t.Errorf("fetched %d (%v), want the two news.example pages through the proxy", st.Fetched, st.Reasons)
	}
	if st.Reasons["private network"] != 4 || st.Reasons["dns"] != 1 || st.Failed != 5 {
		t.Errorf("reasons %v, failed %d; want 4 \"private network\" and 1 \"dns\"", st.Reasons, st.Failed)
	}
	if n := proxy.requests("news.example"); n != 3 {
		t.Errorf("proxy saw %d requests for news.example, want 3 (robots.txt and two pages)", n)
	}
	for _, h := range []string{"intranet.example", "mapped.example", "10.0.0.1", "localhost", "nosuch.example"} {
		if n := proxy.requests(h); n != 0 {
			t.Errorf("proxy saw %d requests for %s, want none", n, h)
		}
	}

	// Without the proxy (a reload), the guard applies to direct
	// connections again: the proxy's own address is a private target.
	direct := set
	direct.Proxy = ""
	if err := c.SetSettings(direct); err != nil {
		t.Fatal(err)
	}
	stats, err = c.CrawlWith(context.Background(), []newsmon.Source{{Name: "d", Articles: []string{proxy.URL + "/a/1"}}}, Hooks{OnPage: s.onPage})
	if err != nil {
		t.Fatal(err)
	}
	if stats["d"].Reasons["private network"] != 1 {
		t.Errorf("direct request to the proxy's address: reasons %v, want \"private network\"", stats["d"].Reasons)
	}
}

func TestProxySettingRejected(t *testing.T) {
	for _, p := range []string{"ftp://proxy.example:21", "http://", "::"} {
		set := testSettings()
		set.Proxy = p
		if _, err := New(Options{Settings: set, OnPage: newSink(nil).onPage}); err == nil {
			t.Errorf("proxy %q accepted", p)
		}
	}
}

// TestClassify: the reasons a request without a response fails for.
func TestClassify(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name      string
		err       error
		reason    string
		retryable bool
	}{
		{"no such host", &url.Error{Op: "Get", URL: "http://x.example/", Err: &net.DNSError{Err: "no such host", Name: "x.example", IsNotFound: true}}, "dns", false},
		{"dns server failure", &net.DNSError{Err: "server misbehaving", Name: "x.example", IsTemporary: true}, "dns", true},
		{"connection refused", &url.Error{Op: "Get", URL: "http://127.0.0.1:9/", Err: refused}, "connect", true},
		{"timeout", &url.Error{Op: "Get", URL: "http://x.example/", Err: context.DeadlineExceeded}, "timeout", true},
		{"private network", fmt.Errorf("dial: %w", ErrPrivateNetwork), "private network", false},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, "network", true},
	}
	for _, tt := range tests {
		if reason, retryable := classify(tt.err); reason != tt.reason || retryable != tt.retryable {
			t.Errorf("%s: classify = %q, %v; want %q, %v", tt.name, reason, retryable, tt.reason, tt.retryable)
		}
	}
}
