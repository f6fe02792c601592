package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"

	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

const testUA = "newsmon-test/1.0 (+https://example.org/newsmon)"

// canonical drops utm_ parameters and fragments, like dedup.CanonicalURL.
func canonical(_ newsmon.Source, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "utm_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String()
}

// memState is an in-memory State that remembers stored articles by
// canonical URL and listing validators.
type memState struct {
	mu         sync.Mutex
	known      map[string]bool
	validators map[string][2]string
}

func newMemState() *memState {
	return &memState{known: map[string]bool{}, validators: map[string][2]string{}}
}

func (s *memState) Known(src newsmon.Source, raw string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.known[canonical(src, raw)]
}

func (s *memState) Validators(u string) (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.validators[u]
	return v[0], v[1]
}

func (s *memState) SetValidators(u, etag, lm string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.validators[u] = [2]string{etag, lm}
	return nil
}

// sink collects pages handed to OnPage and stores them in a memState.
type sink struct {
	mu    sync.Mutex
	pages map[string][]newsmon.Page // by canonical final URL
	state *memState
}

func newSink(state *memState) *sink { return &sink{pages: map[string][]newsmon.Page{}, state: state} }

func (s *sink) onPage(_ context.Context, p newsmon.Page) error {
	key := canonical(newsmon.Source{}, p.FinalURL)
	s.mu.Lock()
	s.pages[key] = append(s.pages[key], p)
	s.mu.Unlock()
	if s.state != nil {
		s.state.mu.Lock()
		s.state.known[key] = true
		s.state.known[canonical(newsmon.Source{}, p.URL)] = true
		s.state.mu.Unlock()
	}
	return nil
}

func testSettings() newsmon.CrawlSettings {
	return newsmon.CrawlSettings{
		UserAgent:            testUA,
		Parallelism:          4,
		PerHostDelay:         50 * time.Millisecond,
		Timeout:              2 * time.Second,
		MaxBodyBytes:         256 << 10,
		RespectRobots:        true,
		AllowPrivateNetworks: true,
		Retries:              2,
	}
}

func runCrawl(t *testing.T, set newsmon.CrawlSettings, state State, s *sink, client *http.Client, sources []newsmon.Source) map[string]*Stats {
	t.Helper()
	c, err := New(Options{Settings: set, State: state, OnPage: s.onPage, Client: client, Canonical: canonical})
	if err != nil {
		t.Fatal(err)
	}
	// Only a guard against a hang: crawls end by themselves, within
	// their request timeouts.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stats, err := c.Crawl(ctx, sources)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	return stats
}

func TestCrawlFakeWeb(t *testing.T) {
	web := fakeweb.New(t)
	state := newMemState()
	s := newSink(state)
	set := testSettings()
	stats := runCrawl(t, set, state, s, nil, web.Sources())

	// Every article page handed over exactly once, decoded.
	want := web.Articles()
	for _, a := range want {
		pages := s.pages[a.URL]
		if len(pages) != 1 {
			t.Errorf("%s handed %d times, want 1", a.URL, len(pages))
			continue
		}
		p := pages[0]
		body := string(p.Body)
		if !strings.Contains(body, a.Title) || !strings.Contains(body, a.Snippet) {
			t.Errorf("%s (%s as %s): title or body text missing or garbled", a.URL, a.Charset, p.Charset)
		}
		wantCS := map[string]string{"utf-8": "utf-8", "gbk": "gb18030", "big5": "big5"}[a.Charset]
		if p.Charset != wantCS {
			t.Errorf("%s: charset %q, want %q", a.URL, p.Charset, wantCS)
		}
		if p.Source != a.Source {
			t.Errorf("%s: source %q, want %q", a.URL, p.Source, a.Source)
		}
	}
	if len(s.pages) != len(want) {
		var got []string
		for k := range s.pages {
			got = append(got, k)
		}
		sort.Strings(got)
		t.Errorf("handed %d distinct pages, want %d: %v", len(s.pages), len(want), got)
	}
	if _, ok := s.pages[web.Oversized]; ok {
		t.Errorf("oversized page was handed over")
	}
	if p := s.pages[web.RedirectTo]; len(p) == 1 && canonical(newsmon.Source{}, p[0].FinalURL) != web.RedirectTo {
		t.Errorf("final URL %q, want %q", p[0].FinalURL, web.RedirectTo)
	}

	news, fin := stats["fakenews"], stats["fakefinance"]
	if news.Reasons["too large"] != 1 || news.Failed != 1 || fin.Failed != 0 {
		t.Errorf("reasons %v, %v: want one \"too large\" and no other failure", news.Reasons, fin.Reasons)
	}
	// rss, atom, home, list page 1 and 2; sitemap index, news sitemap, roll API.
	if news.Listings != 5 || fin.Listings != 3 {
		t.Errorf("listings fetched %d, %d; want 5, 3", news.Listings, fin.Listings)
	}
	if news.RobotsDenied != 1 {
		t.Errorf("fakenews robots denied %d, want 1", news.RobotsDenied)
	}
	if got, want := stats["fakenews"].Fetched+stats["fakefinance"].Fetched, len(want); got != want {
		t.Errorf("fetched %d articles, want %d (stats %+v %+v)", got, want, *stats["fakenews"], *stats["fakefinance"])
	}

	reqs := web.Requests()
	disallowed, _ := url.Parse(web.Disallowed)
	retryPath, _ := url.Parse(web.RetryAfter)
	redirect, _ := url.Parse(web.Redirect)
	redirected := false
	var retryTimes []time.Time
	byHost := map[string][]time.Time{}
	for _, r := range reqs {
		if r.Path == disallowed.Path {
			t.Errorf("disallowed path %s was requested", r.Path)
		}
		if r.UserAgent != testUA {
			t.Errorf("%s%s: User-Agent %q", r.Host, r.Path, r.UserAgent)
		}
		if r.Host == web.Finance.Name && r.Path != "/robots.txt" && r.Header.Get("Referer") != web.Finance.URL+"/" {
			t.Errorf("%s: source header Referer not sent", r.Path)
		}
		redirected = redirected || r.Path == redirect.Path
		if r.Path == retryPath.Path {
			retryTimes = append(retryTimes, r.Time)
		}
		byHost[r.Host] = append(byHost[r.Host], r.Time)
	}
	// robots.txt Crawl-delay (0.1s) wins over the 50ms per-host delay.
	minGap := map[string]time.Duration{web.News.Name: 100 * time.Millisecond, web.Finance.Name: set.PerHostDelay}
	for host, times := range byHost {
		for i := 1; i < len(times); i++ {
			if gap := times[i].Sub(times[i-1]); gap < minGap[host] {
				t.Errorf("%s: requests %d and %d only %s apart, want >= %s", host, i-1, i, gap, minGap[host])
			}
		}
	}
	if !redirected {
		t.Errorf("the redirecting URL %s was never requested", web.Redirect)
	}
	if len(retryTimes) != 2 {
		t.Fatalf("Retry-After page requested %d times, want 2", len(retryTimes))
	}
	if gap := retryTimes[1].Sub(retryTimes[0]); gap < time.Second {
		t.Errorf("retried after %s, want >= Retry-After 1s", gap)
	}

	// Second crawl: conditional requests for listings, no stored article fetched.
	web.ResetRequests()
	s2 := newSink(state)
	stats2 := runCrawl(t, set, state, s2, nil, web.Sources())
	if len(s2.pages) != 0 {
		t.Errorf("second crawl handed %d pages, want 0", len(s2.pages))
	}
	listings := map[string]bool{"/rss.xml": true, "/atom.xml": true, "/category/tech.htm": true, "/sitemap_index.xml": true, "/api/roll/get": true}
	seen := map[string]bool{}
	for _, r := range web.Requests() {
		switch {
		case r.Path == "/robots.txt":
		case listings[r.Path]:
			seen[r.Path] = true
			if r.IfNoneMatch == "" || r.IfModifiedSince == "" {
				t.Errorf("second crawl: %s without If-None-Match/If-Modified-Since", r.Path)
			}
		default:
			t.Errorf("second crawl requested %s%s", r.Path, "?"+r.RawQuery)
		}
	}
	if len(seen) != len(listings) {
		t.Errorf("second crawl requested listings %v, want %v", seen, listings)
	}
	if nm := stats2["fakenews"].NotModified + stats2["fakefinance"].NotModified; nm != len(listings) {
		t.Errorf("not-modified %d, want %d", nm, len(listings))
	}
}

func TestValidatorsWithheldWhenArticlesFail(t *testing.T) {
	web := fakeweb.New(t)
	state := newMemState()
	web.News.SetPage("/articles/tech/1001.htm", fakeweb.Page{Status: 500, Body: []byte("down")})
	set := testSettings()
	set.Retries = -1
	set.PerHostDelay = 0
	set.RespectRobots = false
	src := web.Sources()[0]
	src.StartURLs, src.Feeds = nil, []string{web.News.URL + "/rss.xml"}
	runCrawl(t, set, state, newSink(state), nil, []newsmon.Source{src})
	if etag, _ := state.Validators(web.News.URL + "/rss.xml"); etag != "" {
		t.Errorf("feed validators saved although one of its articles failed")
	}
}

func TestPrivateNetworksRefused(t *testing.T) {
	web := fakeweb.New(t)
	set := testSettings()
	set.AllowPrivateNetworks = false
	set.PerHostDelay = 0

	t.Run("direct", func(t *testing.T) {
		web.ResetRequests()
		s := newSink(nil)
		stats := runCrawl(t, set, nil, s, nil, web.Sources())
		if n := len(web.Requests()); n != 0 {
			t.Errorf("%d requests reached loopback hosts", n)
		}
		if len(s.pages) != 0 || stats["fakenews"].Reasons["private network"] == 0 {
			t.Errorf("pages %d, reasons %v: want none and \"private network\"", len(s.pages), stats["fakenews"].Reasons)
		}
	})

	t.Run("via redirect", func(t *testing.T) {
		web.ResetRequests()
		// public.example is dialled to the fake web; it redirects to 127.0.0.1.
		web.News.SetPage("/hop", fakeweb.Page{Redirect: web.News.URL + "/articles/tech/1001.htm", Status: http.StatusFound})
		client := &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, web.News.Name)
			},
		}}
		set := set
		set.RespectRobots = false
		s := newSink(nil)
		src := newsmon.Source{Name: "hostile", Articles: []string{"http://public.example/hop"}}
		stats := runCrawl(t, set, nil, s, client, []newsmon.Source{src})
		for _, r := range web.Requests() {
			if r.Path != "/hop" {
				t.Errorf("redirect target %s was requested", r.Path)
			}
		}
		if len(s.pages) != 0 || stats["hostile"].Reasons["private network"] != 1 {
			t.Errorf("pages %d, reasons %v: want none and one \"private network\"", len(s.pages), stats["hostile"].Reasons)
		}
	})

	t.Run("literal targets", func(t *testing.T) {
		tr := newTransport(http.DefaultTransport, settings{CrawlSettings: set}, nil)
		for _, host := range []string{"localhost", "LocalHost.", "x.localhost", "127.0.0.1", "[::1]", "169.254.169.254", "10.0.0.1", "[::ffff:127.0.0.1]"} {
			req, _ := http.NewRequest("GET", "http://"+host+":9/", nil)
			if _, err := tr.RoundTrip(req); !errors.Is(err, ErrPrivateNetwork) {
				t.Errorf("%s: %v, want ErrPrivateNetwork", host, err)
			}
		}
	})

	t.Run("dial time", func(t *testing.T) {
		s := settings{CrawlSettings: set}
		tr := newTransport(nil, s, nil).defaultBase(s, nil)
		_, err := tr.DialContext(context.Background(), "tcp", web.News.Name)
		if !errors.Is(err, ErrPrivateNetwork) {
			t.Errorf("dial %s: %v, want ErrPrivateNetwork", web.News.Name, err)
		}
	})
}

func TestPublic(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", false}, {"127.0.0.2", false}, {"10.1.2.3", false}, {"172.16.0.1", false},
		{"192.168.1.1", false}, {"169.254.169.254", false}, {"0.0.0.0", false}, {"100.64.0.1", false},
		{"::1", false}, {"fe80::1", false}, {"fd00::1", false}, {"::ffff:127.0.0.1", false}, {"::", false},
		{"93.184.216.34", true}, {"2606:4700::1111", true},
	}
	for _, tt := range tests {
		if got := public(net.ParseIP(tt.ip)); got != tt.want {
			t.Errorf("public(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

// oneSite serves robots.txt with the given handler and a few article pages.
func oneSite(t *testing.T, robots http.HandlerFunc, n int) (*httptest.Server, newsmon.Source, *int32Counter) {
	hits := &int32Counter{}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", robots)
	mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) {
		hits.add()
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><p>text</p></body></html>", r.URL.Path)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	src := newsmon.Source{Name: "one"}
	for i := range n {
		src.Articles = append(src.Articles, fmt.Sprintf("%s/a/%d.htm", srv.URL, i))
	}
	return srv, src, hits
}

type int32Counter struct {
	mu sync.Mutex
	n  int
}

func (c *int32Counter) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *int32Counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestRobotsStatus: RFC 9309's status rules. A robots.txt that cannot be
// read (5xx, no answer) disallows everything, and each URL of the host is a
// failure with the reason and the host, not a robots denial.
func TestRobotsStatus(t *testing.T) {
	tests := []struct {
		name       string
		robots     http.HandlerFunc
		wantPages  int
		wantDenied int
		wantReason string // of the failures, one per page
	}{
		{"404 allows all", http.NotFound, 3, 0, ""},
		{"503 disallows all", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "x", http.StatusServiceUnavailable) }, 0, 0, "robots.txt http 503"},
		{"disallow rule", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "User-agent: newsmon-test\nDisallow: /a/1.htm\n\nUser-agent: *\nDisallow: /\n")
		}, 2, 1, ""},
		{"hangs: unreachable", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 0, 0, "timeout"},
		{"redirect loop: unavailable", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/robots.txt", http.StatusFound)
		}, 3, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, src, hits := oneSite(t, tt.robots, 3)
			set := testSettings()
			set.PerHostDelay = 0
			set.Timeout = 300 * time.Millisecond
			set.Retries = -1
			s := newSink(nil)
			stats := runCrawl(t, set, nil, s, nil, []newsmon.Source{src})
			st := stats["one"]
			if len(s.pages) != tt.wantPages || hits.get() != tt.wantPages {
				t.Errorf("pages %d, requests %d, want %d", len(s.pages), hits.get(), tt.wantPages)
			}
			if st.RobotsDenied != tt.wantDenied {
				t.Errorf("robots denied %d, want %d", st.RobotsDenied, tt.wantDenied)
			}
			host := strings.TrimPrefix(srv.URL, "http://")
			if tt.wantReason == "" {
				if st.Failed != 0 {
					t.Errorf("failed %d (%v), want none", st.Failed, st.Reasons)
				}
				return
			}
			if st.Failed != 3 || st.Reasons[tt.wantReason] != 3 || st.FailedHosts[host][tt.wantReason] != 3 {
				t.Errorf("failed %d, reasons %v, by host %v; want 3 %q at %s", st.Failed, st.Reasons, st.FailedHosts, tt.wantReason, host)
			}
			if st.Seeds != 3 || st.SeedsRead != 0 {
				t.Errorf("seeds %d read %d, want 3 read 0", st.Seeds, st.SeedsRead)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/hop/%d", &n)
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n+1), http.StatusFound)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<p>"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/404", http.NotFound)
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		for range 100 {
			w.Write([]byte(strings.Repeat("x", 1024)))
		}
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4 ..."))
	})
	mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("\x00\x01\x02\x03binary"))
	})
	bomb := func() []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(make([]byte, 8<<20))
		zw.Close()
		return buf.Bytes()
	}()
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/ok/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<p>ok</p>")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		name, path, reason string
	}{
		{"redirect chain bounded", "/hop/0", "redirects"},
		{"slow body times out", "/slow", "timeout"},
		{"404", "/404", "http 404"},
		{"chunked body over limit", "/big", "too large"},
		{"gzip bomb", "/bomb", "too large"},
		{"pdf", "/pdf", "not html"},
		{"binary as text/html", "/binary", "not html"},
		{"credentials", "", "bad url"},
		{"javascript link", "", "bad url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := testSettings()
			set.PerHostDelay = 0
			set.RespectRobots = false
			set.Retries = -1
			set.MaxRedirects = 3
			set.Timeout = 300 * time.Millisecond
			set.MaxBodyBytes = 32 << 10
			u := srv.URL + tt.path
			switch tt.name {
			case "credentials":
				u = strings.Replace(srv.URL, "http://", "http://user:pw@", 1) + "/ok/1"
			case "javascript link":
				u = "javascript:alert(1)"
			}
			src := newsmon.Source{Name: "x", Articles: []string{u, srv.URL + "/ok/2"}}
			s := newSink(nil)
			stats := runCrawl(t, set, nil, s, nil, []newsmon.Source{src})
			if stats["x"].Reasons[tt.reason] != 1 || stats["x"].Failed != 1 {
				t.Errorf("reasons %v, failed %d; want one %q", stats["x"].Reasons, stats["x"].Failed, tt.reason)
			}
			if len(s.pages) != 1 {
				t.Errorf("the other page failed too: %d pages", len(s.pages))
			}
		})
	}
}

func TestBudgetAndDepth(t *testing.T) {
	web := fakeweb.New(t)
	set := testSettings()
	set.PerHostDelay = 0
	set.RespectRobots = false

	src := web.Sources()[0]
	src.Feeds = nil
	src.MaxDepth = 1 // the start page only: page 2's article is out of reach
	s := newSink(nil)
	runCrawl(t, set, nil, s, nil, []newsmon.Source{src})
	for _, r := range web.Requests() {
		if r.RawQuery == "page=2" {
			t.Errorf("max_depth 1 followed %s?%s", r.Path, r.RawQuery)
		}
	}

	src.MaxDepth, src.MaxPages = 2, 3
	s = newSink(nil)
	stats := runCrawl(t, set, nil, s, nil, []newsmon.Source{src})
	if got := stats[src.Name].Fetched + stats[src.Name].Listings + stats[src.Name].Failed; got > 3 {
		t.Errorf("%d requests with a budget of 3", got)
	}
	if stats[src.Name].Reasons["budget"] == 0 {
		t.Errorf("reasons %v: want \"budget\"", stats[src.Name].Reasons)
	}
}

func TestCancel(t *testing.T) {
	web := fakeweb.New(t)
	set := testSettings()
	set.PerHostDelay = time.Second // slow enough that the crawl is far from done
	ctx, cancel := context.WithCancel(context.Background())
	c, err := New(Options{Settings: set, OnPage: func(context.Context, newsmon.Page) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Crawl(ctx, web.Sources())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Crawl error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Crawl returned %s after start; cancel at 300ms", d)
	}
}

func TestLinks(t *testing.T) {
	t.Run("json", func(t *testing.T) {
		body := `{"result":{"data":[{"url":"http://a/1"},{"url":"http://a/2","x":1},{"nourl":3}]}}`
		links, err := jsonLinks([]byte(body), "result.data.url")
		if err != nil || len(links) != 2 || links[1].url != "http://a/2" {
			t.Errorf("jsonLinks = %v, %v", links, err)
		}
		if _, err := jsonLinks([]byte(`{"result":{}}`), "result.data.url"); err == nil {
			t.Errorf("no links: want an error")
		}
		if _, err := jsonLinks([]byte(`not json`), "a"); err == nil {
			t.Errorf("bad json: want an error")
		}
	})
	t.Run("feeds", func(t *testing.T) {
		for name, body := range map[string]string{
			"rss":       `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><link>http://a/1</link></item><item><guid>g</guid></item></channel></rss>`,
			"atom":      `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title><link rel="alternate" href="http://a/1"/></entry></feed>`,
			"json feed": `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","url":"http://a/1"}]}`,
		} {
			links, err := feedLinks([]byte(body))
			if err != nil || len(links) != 1 || links[0] != (link{"http://a/1", kindArticle}) {
				t.Errorf("%s: %v, %v", name, links, err)
			}
		}
		if _, err := feedLinks([]byte("<html>not a feed</html>")); err == nil {
			t.Errorf("html as feed: want an error")
		}
	})
	t.Run("sitemap", func(t *testing.T) {
		idx := `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc> http://a/s.xml.gz </loc></sitemap></sitemapindex>`
		links, err := sitemapLinks([]byte(idx))
		if err != nil || len(links) != 1 || links[0] != (link{"http://a/s.xml.gz", kindSitemap}) {
			t.Errorf("index: %v, %v", links, err)
		}
		set := `<?xml version="1.0" encoding="gbk"?><urlset><url><loc>http://a/1</loc></url><url><loc>http://a/2</loc></url></urlset>`
		links, err = sitemapLinks([]byte(set))
		if err != nil || len(links) != 2 || links[0] != (link{"http://a/1", kindArticle}) {
			t.Errorf("urlset: %v, %v", links, err)
		}
		if _, err := sitemapLinks([]byte("<<<not xml")); err == nil {
			t.Errorf("not xml: want an error")
		}
	})
	t.Run("retry-after", func(t *testing.T) {
		now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		for v, want := range map[string]time.Duration{
			"3": 3 * time.Second, "0": 0, "Fri, 01 May 2026 00:00:10 GMT": 10 * time.Second,
			"999999": 24 * time.Hour,
		} {
			if got, ok := retryAfter(v, now); !ok || got != want {
				t.Errorf("retryAfter(%q) = %s, %v; want %s", v, got, ok, want)
			}
		}
		for _, v := range []string{"", "-1", "soon"} {
			if _, ok := retryAfter(v, now); ok {
				t.Errorf("retryAfter(%q) ok", v)
			}
		}
	})
}

func FuzzListings(f *testing.F) {
	f.Add([]byte(`<rss version="2.0"><channel><item><link>http://a/1</link></item></channel></rss>`), "result.data.url")
	f.Add([]byte(`<sitemapindex><sitemap><loc>http://a/s.xml</loc></sitemap></sitemapindex>`), "a")
	f.Add([]byte(`{"result":{"data":[{"url":"http://a/1"}]}}`), "result.data.url")
	f.Add([]byte(`{"feed":1,"version":"https://jsonfeed.org/version/1","items":[{"url":"x"}]}`), "items.url")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		for _, parse := range []func() ([]link, error){
			func() ([]link, error) { return feedLinks(body) },
			func() ([]link, error) { return sitemapLinks(body) },
			func() ([]link, error) { return jsonLinks(body, path) },
		} {
			links, err := parse()
			if err == nil {
				for _, l := range links {
					if l.url == "" {
						t.Fatalf("empty link from %q", body)
					}
				}
			}
		}
	})
}

func TestRetryAfterTooLongSkipsHost(t *testing.T) {
	hits := &int32Counter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add()
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "come back in an hour", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	set := testSettings()
	set.RespectRobots = false
	set.Parallelism = 1
	src := newsmon.Source{Name: "busy", Articles: []string{srv.URL + "/a/0", srv.URL + "/a/1", srv.URL + "/a/2"}}
	start := time.Now()
	stats := runCrawl(t, set, nil, newSink(nil), nil, []newsmon.Source{src})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("crawl took %s", d)
	}
	if hits.get() != 1 {
		t.Errorf("server hit %d times after asking for an hour's pause, want 1", hits.get())
	}
	if stats["busy"].Reasons["retry-after"] != 3 {
		t.Errorf("reasons %v, want 3 \"retry-after\"", stats["busy"].Reasons)
	}
}

func TestRedirectToKnownArticleNotFollowed(t *testing.T) {
	web := fakeweb.New(t)
	state := newMemState()
	state.known[web.RedirectTo] = true
	set := testSettings()
	set.RespectRobots = false
	src := newsmon.Source{Name: "fakenews", Articles: []string{web.Redirect}}
	s := newSink(state)
	stats := runCrawl(t, set, state, s, nil, []newsmon.Source{src})
	target, _ := url.Parse(web.RedirectTo)
	var paths []string
	for _, r := range web.Requests() {
		paths = append(paths, r.Path)
		if r.Path == target.Path {
			t.Errorf("followed the redirect to stored article %s", web.RedirectTo)
		}
	}
	if len(paths) != 1 || stats["fakenews"].Known != 1 || stats["fakenews"].Failed != 0 || len(s.pages) != 0 {
		t.Errorf("requests %v, stats %+v, pages %d: want only the redirect, one known", paths, *stats["fakenews"], len(s.pages))
	}
}
