package crawler

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/hostile"
)

// hostileSettings are tight limits, so that each case fails fast.
func hostileSettings() newsmon.CrawlSettings {
	set := testSettings()
	set.PerHostDelay = 0
	set.RespectRobots = false
	set.Retries = -1
	set.MaxRedirects = 5
	set.Timeout = time.Second
	set.MaxBodyBytes = 256 << 10
	return set
}

// TestHostilePages fetches each hostile page beside a good one: the hostile
// one fails alone with its reason and without allocating much more than
// max_body_bytes; the good one is handed over. Only the cases that must end
// in a timeout run with the short timeout; the others get one they never
// reach on a loaded machine, so the reason they fail for cannot race it.
// The servers of the timeout cases never finish, so that the crawl returns
// at all (runCrawl allows two minutes) shows the timeout ended them.
func TestHostilePages(t *testing.T) {
	web := hostile.New(t)
	tests := []struct {
		name, url, reason string
	}{
		{"accepts, never answers", web.Silent + "/a/silent", "timeout"},
		{"a byte a second", web.Pages + "/a/drip", "timeout"},
		{"endless body", web.Pages + "/a/endless", "too large"},
		{"gzip bomb (1 GiB unpacked)", web.Pages + "/a/bomb", "too large"},
		{"50 MB without line breaks", web.Pages + "/a/huge", "too large"},
		{"binary as text/html", web.Pages + "/a/binary", "not html"},
		{"pdf", web.Pages + "/a/pdf", "not html"},
		{"redirect loop", web.Pages + "/a/loop", "redirects"},
		{"endless redirect chain", web.Pages + "/a/chain/0", "redirects"},
		{"credentials in the URL", strings.Replace(web.Pages, "http://", "http://user:secret@", 1) + "/a/relative", "bad url"},
		{"javascript: URL", "javascript:alert(1)", "bad url"},
		{"data: URL", "data:text/html,<h1>x</h1>", "bad url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := hostileSettings()
			if tt.reason != "timeout" {
				set.Timeout = 20 * time.Second
			}
			good := web.Pages + "/a/relative"
			src := newsmon.Source{Name: "x", Articles: []string{tt.url, good}}
			s := newSink(nil)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			stats := runCrawl(t, set, nil, s, nil, []newsmon.Source{src})
			runtime.ReadMemStats(&after)
			if stats["x"].Reasons[tt.reason] != 1 || stats["x"].Failed != 1 {
				t.Errorf("reasons %v, failed %d; want one %q", stats["x"].Reasons, stats["x"].Failed, tt.reason)
			}
			if len(s.pages[good]) != 1 || len(s.pages) != 1 {
				t.Errorf("handed %d pages, want only the good one", len(s.pages))
			}
			// The servers here write 1 GiB and 50 MB bodies; the crawler
			// must stop at max_body_bytes.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
				t.Errorf("allocated %d MB for a %d KiB body limit", alloc>>20, set.MaxBodyBytes>>10)
			}
		})
	}
}

// TestHostileContent: pages that lie about their content are still read
// correctly, or handed over as valid UTF-8.
func TestHostileContent(t *testing.T) {
	web := hostile.New(t)
	tests := []struct {
		path, charset, want string
	}{
		{"/a/lying-charset", "gb18030", hostile.TitleLyingCharset}, // header says UTF-8, bytes are GBK
		{"/a/invalid-utf8", "utf-8", hostile.TitleInvalidUTF8},
		{"/a/deep", "utf-8", hostile.TitleDeep}, // 10,000 nested elements: handed over, extract refuses it
		{"/a/short-chain/0", "utf-8", hostile.TitleRedirected},
	}
	src := newsmon.Source{Name: "x"}
	for _, tt := range tests {
		src.Articles = append(src.Articles, web.Pages+tt.path)
	}
	s := newSink(nil)
	stats := runCrawl(t, hostileSettings(), nil, s, nil, []newsmon.Source{src})
	if stats["x"].Fetched != len(tests) || stats["x"].Failed != 0 {
		t.Errorf("stats %+v, want %d fetched", *stats["x"], len(tests))
	}
	for _, tt := range tests {
		var p *newsmon.Page
		for _, ps := range s.pages {
			if strings.Contains(ps[0].URL, tt.path) {
				p = &ps[0]
			}
		}
		if p == nil {
			t.Errorf("%s not handed over", tt.path)
			continue
		}
		if p.Charset != tt.charset || !bytes.Contains(p.Body, []byte(tt.want)) {
			t.Errorf("%s: charset %q, title found %v; want %q and %q", tt.path, p.Charset, bytes.Contains(p.Body, []byte(tt.want)), tt.charset, tt.want)
		}
		if !strings.HasSuffix(p.FinalURL, tt.path) && tt.path != "/a/short-chain/0" {
			t.Errorf("%s: final URL %s", tt.path, p.FinalURL)
		}
	}
}

// TestHostileLinks crawls the hostile front page: relative, protocol-
// relative and fragment links are resolved (and fetched once); javascript:,
// data: and mailto: links are never requested; a link with credentials
// fails "bad url".
func TestHostileLinks(t *testing.T) {
	web := hostile.New(t)
	src := newsmon.Source{Name: "x", StartURLs: []string{web.Pages + "/"}, MaxDepth: 1,
		ArticleURLs: []*regexp.Regexp{regexp.MustCompile(`/a/(relative|protocol-relative|credentials|data)`)}}
	s := newSink(nil)
	stats := runCrawl(t, hostileSettings(), nil, s, nil, []newsmon.Source{src})
	if stats["x"].Fetched != 2 || stats["x"].Reasons["bad url"] != 1 || stats["x"].Failed != 1 {
		t.Errorf("stats %+v: want 2 fetched, one \"bad url\"", *stats["x"])
	}
	for _, path := range []string{"/a/relative", "/a/protocol-relative"} {
		if n := web.Count(web.Pages, path); n != 1 {
			t.Errorf("%s requested %d times, want 1", path, n)
		}
	}
	for _, r := range web.Requests() {
		if r.Path != "/" && r.Path != "/a/relative" && r.Path != "/a/protocol-relative" {
			t.Errorf("requested %s", r.Path)
		}
	}
}

// mapDialer returns a client that dials every host name to addr, so that
// public-looking (and IDN) names reach the local hostile web while private
// networks stay refused.
func mapDialer(addr string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

// TestHostileRedirectToPrivate: a public-looking host redirects to
// loopback and to the cloud metadata address; both are refused unless
// allow_private_networks, and nothing is requested there.
func TestHostileRedirectToPrivate(t *testing.T) {
	web := hostile.New(t)
	pages, _ := url.Parse(web.Pages)
	client := mapDialer(pages.Host)
	targets := map[string]string{
		"loopback": web.Pages + "/a/relative", // 127.0.0.1:port
		"metadata": "http://169.254.169.254/latest/meta-data/",
		"ipv6":     "http://[::1]:" + pages.Port() + "/a/relative",
		"decimal":  "http://2130706433:" + pages.Port() + "/a/relative", // 127.0.0.1 as one number
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			set := hostileSettings()
			set.AllowPrivateNetworks = false
			src := newsmon.Source{Name: "x", Articles: []string{"http://public.example/a/redirect?to=" + url.QueryEscape(target)}}
			s := newSink(nil)
			before := web.Count(web.Pages, "/a/relative")
			stats := runCrawl(t, set, nil, s, client, []newsmon.Source{src})
			if stats["x"].Reasons["private network"] != 1 || len(s.pages) != 0 {
				t.Errorf("reasons %v, pages %d: want one \"private network\", none handed", stats["x"].Reasons, len(s.pages))
			}
			if n := web.Count(web.Pages, "/a/relative") - before; n != 0 {
				t.Errorf("redirect target requested %d times", n)
			}
		})
	}
	t.Run("allowed", func(t *testing.T) {
		set := hostileSettings()
		set.AllowPrivateNetworks = true
		src := newsmon.Source{Name: "x", Articles: []string{"http://public.example/a/redirect?to=" + url.QueryEscape(targets["loopback"])}}
		s := newSink(nil)
		stats := runCrawl(t, set, nil, s, client, []newsmon.Source{src})
		if stats["x"].Fetched != 1 || len(s.pages[targets["loopback"]]) != 1 {
			t.Errorf("stats %+v: want the loopback target fetched with allow_private_networks", *stats["x"])
		}
	})
}

// TestHostileIDNHosts: IDN hosts are requested by their punycode name, and
// a punycode link to the same host is the same host.
func TestHostileIDNHosts(t *testing.T) {
	web := hostile.New(t)
	pages, _ := url.Parse(web.Pages)
	set := hostileSettings()
	set.AllowPrivateNetworks = false
	set.RespectRobots = true
	src := newsmon.Source{Name: "x", Articles: []string{
		"http://例子.测试/a/relative", "http://xn--fsqu00a.xn--0zwm56d/a/protocol-relative", "http://ÉXAMPLE.test/a/relative",
	}}
	s := newSink(nil)
	stats := runCrawl(t, set, nil, s, mapDialer(pages.Host), []newsmon.Source{src})
	if stats["x"].Fetched != 3 {
		t.Errorf("stats %+v, want 3 fetched", *stats["x"])
	}
	hosts := map[string]int{}
	for _, r := range web.Requests() {
		hosts[r.HostHeader]++
	}
	want := map[string]int{"xn--fsqu00a.xn--0zwm56d": 3, "xn--xample-9ua.test": 2} // robots.txt + pages
	for h, n := range want {
		if hosts[h] != n {
			t.Errorf("Host %s: %d requests, want %d (all: %v)", h, hosts[h], n, hosts)
		}
	}
}

// TestHostileRobots: robots.txt longer than max_body_bytes is read up to
// its first 512 KiB (RFC 9309) rather than refusing the host; a redirected
// robots.txt is followed; malformed is "allow"; 5xx disallows (each page a
// failure, "robots.txt http 500"), 4xx allows.
func TestHostileRobots(t *testing.T) {
	web := hostile.New(t)
	tests := []struct {
		kind                                string
		wantFetched, wantDenied, wantFailed int
	}{
		{"huge", 1, 1, 0}, {"redirect", 1, 1, 0}, {"malformed", 2, 0, 0}, {"5xx", 0, 0, 2}, {"4xx", 2, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			set := hostileSettings()
			set.RespectRobots = true
			set.MaxBodyBytes = 64 << 10 // far below the huge robots.txt
			base := web.Robots[tt.kind]
			src := newsmon.Source{Name: "x", Articles: []string{base + "/a/1", base + "/a/secret"}}
			st := runCrawl(t, set, nil, newSink(nil), nil, []newsmon.Source{src})["x"]
			if st.Fetched != tt.wantFetched || st.RobotsDenied != tt.wantDenied || st.Failed != tt.wantFailed {
				t.Errorf("stats %+v; want %d fetched, %d denied, %d failed", *st, tt.wantFetched, tt.wantDenied, tt.wantFailed)
			}
			if tt.wantFailed > 0 && st.Reasons["robots.txt http 500"] != tt.wantFailed {
				t.Errorf("reasons %v, want \"robots.txt http 500\"", st.Reasons)
			}
		})
	}
}

// TestHostileListings: a feed that is not XML fails "parse"; a sitemap of a
// million URLs is cut at max_body_bytes, and within a large limit it is
// bounded by the page budget and read only up to maxLinks.
func TestHostileListings(t *testing.T) {
	web := hostile.New(t)
	t.Run("feed not xml", func(t *testing.T) {
		src := newsmon.Source{Name: "x", Feeds: []string{web.Pages + "/feed-not-xml.xml"}}
		stats := runCrawl(t, hostileSettings(), nil, newSink(nil), nil, []newsmon.Source{src})
		if stats["x"].Reasons["parse"] != 1 {
			t.Errorf("reasons %v, want \"parse\"", stats["x"].Reasons)
		}
	})
	t.Run("feed dates in 2999 and 1970", func(t *testing.T) {
		src := newsmon.Source{Name: "x", Feeds: []string{web.Pages + "/feed-dates.xml"}}
		s := newSink(nil)
		stats := runCrawl(t, hostileSettings(), nil, s, nil, []newsmon.Source{src})
		if stats["x"].Fetched != 2 || len(s.pages) != 2 {
			t.Errorf("stats %+v, want both articles handed over (extract judges their dates)", *stats["x"])
		}
	})
	t.Run("million-URL sitemap over max_body_bytes", func(t *testing.T) {
		src := newsmon.Source{Name: "x", Sitemaps: []string{web.Pages + "/sitemap-million.xml"}}
		stats := runCrawl(t, hostileSettings(), nil, newSink(nil), nil, []newsmon.Source{src})
		if stats["x"].Reasons["too large"] != 1 || web.Count(web.Pages, "/a/listed/") != 0 {
			t.Errorf("reasons %v, want \"too large\" and no listed page fetched", stats["x"].Reasons)
		}
	})
	t.Run("million-URL sitemap within max_body_bytes", func(t *testing.T) {
		set := hostileSettings()
		set.MaxBodyBytes = 64 << 20
		set.Timeout = time.Minute // 50 MB under the race detector on a loaded machine
		src := newsmon.Source{Name: "x", Sitemaps: []string{web.Pages + "/sitemap-million.xml"}, MaxPages: 20}
		stats := runCrawl(t, set, nil, newSink(nil), nil, []newsmon.Source{src})
		if stats["x"].Reasons["budget"] == 0 || stats["x"].Listings != 1 {
			t.Errorf("stats %+v, want the sitemap read and \"budget\"", *stats["x"])
		}
		if n := web.Count(web.Pages, "/a/listed/"); n != 19 {
			t.Errorf("%d listed pages fetched with a budget of 20 (sitemap included)", n)
		}
	})
}

// TestSitemapLinksStopAtMaxLinks: the parser stops one link past maxLinks.
func TestSitemapLinksStopAtMaxLinks(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for i := range 3 * maxLinks {
		fmt.Fprintf(&b, "<url><loc>http://a.example/%d</loc></url>", i)
	}
	b.WriteString("</urlset>")
	links, err := sitemapLinks(b.Bytes())
	if err != nil || len(links) != maxLinks+1 {
		t.Errorf("sitemapLinks: %d links, %v; want %d", len(links), err, maxLinks+1)
	}
}

func TestLegacyIPv4(t *testing.T) {
	tests := map[string]string{
		"2130706433": "127.0.0.1", "0x7f000001": "127.0.0.1", "0177.0.0.1": "127.0.0.1", "127.1": "127.0.0.1",
		"0x7f.1": "127.0.0.1", "169.254.43518": "169.254.169.254", "10.0.0.1": "10.0.0.1",
		"example.com": "", "127.0.0.1.5": "", "256.0.0.1": "", "1.2.3.4294967296": "", "": "", "1..1": "",
	}
	for in, want := range tests {
		got := legacyIPv4(in)
		if (got == nil && want != "") || (got != nil && got.String() != want) {
			t.Errorf("legacyIPv4(%q) = %v, want %q", in, got, want)
		}
	}
}

func TestASCIIHost(t *testing.T) {
	tests := map[string]string{
		"http://例子.测试/a":                  "xn--fsqu00a.xn--0zwm56d",
		"http://ÉXAMPLE.Test:8080/":       "xn--xample-9ua.test:8080",
		"http://News.Example.COM./":       "news.example.com",
		"http://[::1]:80/":                "[::1]:80",
		"http://127.0.0.1/":               "127.0.0.1",
		"http://xn--fsqu00a.xn--0zwm56d/": "xn--fsqu00a.xn--0zwm56d",
	}
	for in, want := range tests {
		u, _ := url.Parse(in)
		if got, err := asciiHost(u); err != nil || got != want {
			t.Errorf("asciiHost(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"http://a\u200d\u200db.example/", "http://\u034f/", "http://./"} {
		u, _ := url.Parse(bad)
		if h, err := asciiHost(u); err == nil {
			t.Errorf("asciiHost(%q) = %q, want an error", bad, h)
		}
	}
}
