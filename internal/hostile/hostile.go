// Package hostile is a local hostile web for tests: servers that misbehave
// in the ways a crawler meets on the open web. All text is ours; large
// bodies are generated while they are written, never held in memory.
//
//   - Pages (source "hostile"): a front page / linking every case below plus
//     relative, protocol-relative, fragment, credential, javascript:, data:
//     and mailto: links; /a/drip (a byte a second), /a/endless (endless
//     body), /a/bomb (gzip, 1 GiB unpacked from 1 MiB), /a/deep (10,000
//     nested elements), /a/huge (50 MB, no line breaks), /a/binary (binary
//     as text/html), /a/pdf, /a/lying-charset (header UTF-8, bytes GBK),
//     /a/invalid-utf8, /a/loop (redirects to itself), /a/chain/N (endless
//     chain), /a/short-chain/N (three hops, then a page), /a/redirect?to=URL
//     (an open redirect), /a/future and /a/epoch (dated 2999 and 1970);
//     /feed-not-xml.xml, /feed-dates.xml, /sitemap-million.xml (a million
//     URLs, streamed).
//   - Silent: accepts connections and never answers.
//   - Traps (source "traps", max_depth 3, budget 40): an endless calendar
//     /cal/YYYY/MM, endless pagination /list?page=N with a fresh session id
//     in every link, tracking-parameter copies and one page under ever new
//     query strings.
//   - Robots hosts (sources "robots-<kind>", articles /a/1 and /a/secret):
//     robots.txt "huge" (2 MiB, announced, Disallow /a/secret first),
//     "malformed", "redirect" (to a robots.txt disallowing /a/secret),
//     "5xx", "4xx".
//
// Every host is an httptest server on 127.0.0.1, so crawl it with
// allow_private_networks (the crawler tests show refusal with a dialer that
// maps public-looking names here). Sources lists the cases as newsmon
// sources; Requests and Count tell what the servers saw.
package hostile

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/newsmon/newsmon"
)

// Sizes of the generated bodies.
const (
	HugeBytes       = 50 << 20 // the page without line breaks
	BombBytes       = 1 << 30  // the gzip bomb, unpacked
	DeepNesting     = 10000    // elements the deep page nests
	SitemapURLs     = 1000000  // URLs in the big sitemap
	RobotsHugeBytes = 2 << 20  // the huge robots.txt
)

// Titles of the pages a correct crawl stores despite their faults.
const (
	TitleLyingCharset = "市政府宣布地铁新线路下月开通试运营"
	TitleInvalidUTF8  = "Harbour ferry timetable changes next week"
	TitleDeep         = "Deeply nested page still has a headline"
	TitleFuture       = "Library opening hours extended for exams"
	TitleEpoch        = "Community garden wins a city award"
	TitleRedirected   = "Bridge repairs finish ahead of schedule"
	TitleRelative     = "New cycle lanes open along the river"
	TitleProtoRel     = "School canteen menus go vegetarian on Mondays"
)

// Request is one request a hostile host received.
type Request struct {
	Host, Path, RawQuery string
	HostHeader           string // the Host header as sent (punycode for IDN hosts)
}

// Web is the hostile web. Its fields are base URLs (http://127.0.0.1:port).
type Web struct {
	Pages  string // hostile pages, links, feeds and sitemaps (source "hostile")
	Silent string // accepts connections and never answers
	Traps  string // calendar, pagination, session ids, query strings (source "traps")
	// Robots hosts, by behaviour: "huge", "malformed", "redirect", "5xx", "4xx".
	Robots map[string]string

	mu       sync.Mutex
	requests []Request
}

// New starts the hostile web; it is closed when the test ends.
func New(t testing.TB) *Web {
	t.Helper()
	w := &Web{Robots: map[string]string{}}
	// The bomb is compressed before any server starts: a request never
	// waits for it (under the race detector that took longer than a
	// client's timeout).
	bombMember()
	w.Silent = silent(t)
	w.Pages = w.serve(t, w.pages())
	w.Traps = w.serve(t, traps())
	for kind, h := range map[string]http.HandlerFunc{
		"huge": func(rw http.ResponseWriter, r *http.Request) {
			// Rules first, then comments past every body limit; the
			// length is announced.
			head := "User-agent: *\nDisallow: /a/secret\n"
			line := []byte("# " + strings.Repeat("padding ", 20) + "\n")
			n := (RobotsHugeBytes - len(head)) / len(line)
			rw.Header().Set("Content-Type", "text/plain")
			rw.Header().Set("Content-Length", strconv.Itoa(len(head)+n*len(line)))
			fmt.Fprint(rw, head)
			for range n {
				if _, err := rw.Write(line); err != nil {
					return
				}
			}
		},
		"malformed": func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/plain")
			rw.Write([]byte("<html><body>User-agent *\x00\xff\xfe Disallow:: /a/1\nAllow\n:\n\n\x1f\x8b</body>"))
		},
		"redirect": func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, "/moved/robots.txt", http.StatusMovedPermanently)
		},
		"5xx": func(rw http.ResponseWriter, r *http.Request) { http.Error(rw, "down", http.StatusInternalServerError) },
		"4xx": func(rw http.ResponseWriter, r *http.Request) { http.Error(rw, "gone", http.StatusGone) },
	} {
		mux := http.NewServeMux()
		mux.HandleFunc("/robots.txt", h)
		mux.HandleFunc("/moved/robots.txt", func(rw http.ResponseWriter, r *http.Request) {
			fmt.Fprint(rw, "User-agent: *\nDisallow: /a/secret\n")
		})
		mux.HandleFunc("/a/", func(rw http.ResponseWriter, r *http.Request) {
			article(rw, "Robots test page "+r.URL.Path, "", len(r.URL.Path)+int(r.URL.Path[len(r.URL.Path)-1]))
		})
		w.Robots[kind] = w.serve(t, mux)
	}
	return w
}

// Sources returns the hostile web as sources: "hostile" (pages, links,
// feeds, sitemaps), "traps" (budget 40, depth 3) and one "robots-<kind>"
// per robots host (articles /a/1 and /a/secret).
func (w *Web) Sources() []newsmon.Source {
	art := []*regexp.Regexp{regexp.MustCompile(`/a/`)}
	srcs := []newsmon.Source{{
		Name: "hostile", Lang: "en", Location: time.UTC,
		StartURLs:   []string{w.Pages + "/"},
		Feeds:       []string{w.Pages + "/feed-not-xml.xml", w.Pages + "/feed-dates.xml"},
		Sitemaps:    []string{w.Pages + "/sitemap-million.xml"},
		ArticleURLs: art, MaxDepth: 1, MaxPages: 100,
	}, {
		Name: "traps", Lang: "en", Location: time.UTC,
		StartURLs:   []string{w.Traps + "/cal/2026/05", w.Traps + "/list?page=1"},
		ArticleURLs: art, MaxDepth: 3, MaxPages: 40,
	}}
	for _, kind := range []string{"huge", "malformed", "redirect", "5xx", "4xx"} {
		srcs = append(srcs, newsmon.Source{
			Name: "robots-" + kind, Lang: "en", Location: time.UTC, MaxDepth: 1,
			Articles: []string{w.Robots[kind] + "/a/1", w.Robots[kind] + "/a/secret"},
		})
	}
	return srcs
}

// Requests returns the requests received so far.
func (w *Web) Requests() []Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Request(nil), w.requests...)
}

// Count returns how many requests base's host received whose path starts
// with prefix.
func (w *Web) Count(base, prefix string) int {
	host := strings.TrimPrefix(base, "http://")
	n := 0
	for _, r := range w.Requests() {
		if r.Host == host && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

func (w *Web) serve(t testing.TB, h http.Handler) string {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.requests = append(w.requests, Request{Host: srv.Listener.Addr().String(), Path: r.URL.Path, RawQuery: r.URL.RawQuery, HostHeader: r.Host})
		w.mu.Unlock()
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// silent accepts connections and never answers; it closes them when the
// test ends.
func silent(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

// article writes a small article page whose text is its own: seed picks
// the words, so that no two pages read as near-duplicates.
func article(rw http.ResponseWriter, title, published string, seed int) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	meta := ""
	if published != "" {
		meta = `<meta property="article:published_time" content="` + published + `">`
	}
	fmt.Fprintf(rw, "<!DOCTYPE html><html><head><title>%s</title>%s</head><body><article><h1>%s</h1><p>%s</p><p>%s</p></article></body></html>",
		title, meta, title, text(seed), text(seed+7919))
}

var words = strings.Fields(`council river harbour bridge library garden school ferry market station
museum tram festival bakery stadium orchard clinic theatre harbourmaster tunnel village lighthouse
volunteers residents engineers teachers farmers drivers nurses students visitors shopkeepers
repaired opened closed widened painted inspected extended delayed welcomed approved funded planned
monday tuesday wednesday thursday friday saturday sunday spring summer autumn winter morning evening`)

// text returns a paragraph of about sixty words chosen by seed.
func text(seed int) string {
	var b strings.Builder
	x := uint32(seed)*2654435761 + 12345
	for i := range 60 {
		x = x*1664525 + 1013904223
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[int(x>>8)%len(words)])
		if i%12 == 11 {
			b.WriteByte('.')
		}
	}
	return b.String() + "."
}

// pages serves the hostile pages of source "hostile".
func (w *Web) pages() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprint(rw, "User-agent: *\nAllow: /\n")
	})
	mux.HandleFunc("/{$}", func(rw http.ResponseWriter, r *http.Request) {
		host := strings.TrimPrefix(w.Pages, "http://")
		links := []string{
			"/a/drip", "/a/endless", "/a/bomb", "/a/deep", "/a/huge", "/a/binary", "/a/pdf",
			"/a/lying-charset", "/a/invalid-utf8", "/a/loop", "/a/chain/0", "/a/short-chain/0",
			"a/relative", "//" + host + "/a/protocol-relative",
			w.Silent + "/a/silent",
			"http://user:secret@" + host + "/a/credentials",
			"javascript:alert(document.cookie)", "data:text/html,<h1>x</h1>/a/data",
			"mailto:someone@example.org?subject=/a/", "/a/relative#comments",
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(rw, "<!DOCTYPE html><html><head><title>Hostile front page</title></head><body><ul>")
		for _, l := range links {
			fmt.Fprintf(rw, `<li><a href="%s">link</a></li>`, l)
		}
		fmt.Fprint(rw, "</ul></body></html>")
	})
	mux.HandleFunc("/a/drip", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html")
		for {
			if _, err := rw.Write([]byte("<")); err != nil {
				return
			}
			rw.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	mux.HandleFunc("/a/endless", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("<p>more</p>\n"), 4096)
		for {
			if _, err := rw.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/a/bomb", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html")
		rw.Header().Set("Content-Encoding", "gzip")
		// Concatenated gzip members are one valid gzip stream.
		member := bombMember()
		for n := 0; n < BombBytes; n += bombMemberBytes {
			if _, err := rw.Write(member); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/a/deep", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, "<!DOCTYPE html><html><head><title>%s</title></head><body>", TitleDeep)
		open := []byte(strings.Repeat("<div>", 100))
		for range DeepNesting / 100 {
			rw.Write(open)
		}
		fmt.Fprintf(rw, "<h1>%s</h1><p>%s</p><p>%s</p>", TitleDeep, text(1), text(2))
		closing := []byte(strings.Repeat("</div>", 100))
		for range DeepNesting / 100 {
			rw.Write(closing)
		}
		fmt.Fprint(rw, "</body></html>")
	})
	mux.HandleFunc("/a/huge", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("<span>no line breaks here</span>"), 2048)
		for n := 0; n < HugeBytes; n += len(chunk) {
			if _, err := rw.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/a/binary", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		b := make([]byte, 64<<10)
		for i := range b {
			b[i] = byte(i * 7)
		}
		rw.Write(b)
	})
	mux.HandleFunc("/a/pdf", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/pdf")
		rw.Write([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"))
	})
	mux.HandleFunc("/a/lying-charset", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		page := fmt.Sprintf(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head><body><article><h1>%s</h1><p>%s</p><p>%s</p></article></body></html>`,
			TitleLyingCharset, TitleLyingCharset,
			"市交通部门今天表示，新线路全长二十多公里，设有十五座车站，沿线居民出行将更加方便。",
			"试运营期间，列车每隔八分钟一班，票价与现有线路相同，乘客可以使用交通卡或手机支付。")
		b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(page))
		rw.Write(b)
	})
	mux.HandleFunc("/a/invalid-utf8", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, "<!DOCTYPE html><html><head><title>%s</title></head><body><article><h1>%s</h1><p>Ferries leave \xff\xfe every hour from the \xc3 north pier \xed\xa0\x80 from Monday.</p><p>%s</p></article></body></html>",
			TitleInvalidUTF8, TitleInvalidUTF8, text(3))
	})
	mux.HandleFunc("/a/loop", func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "/a/loop", http.StatusFound)
	})
	mux.HandleFunc("/a/chain/{n}", func(rw http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		http.Redirect(rw, r, fmt.Sprintf("/a/chain/%d", n+1), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/a/short-chain/{n}", func(rw http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n < 3 {
			http.Redirect(rw, r, fmt.Sprintf("/a/short-chain/%d", n+1), http.StatusFound)
			return
		}
		article(rw, TitleRedirected, "", 4)
	})
	mux.HandleFunc("/a/redirect", func(rw http.ResponseWriter, r *http.Request) {
		// An open redirect: ?to= anywhere (internal addresses included).
		http.Redirect(rw, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("/a/relative", func(rw http.ResponseWriter, r *http.Request) {
		article(rw, TitleRelative, "", 5)
	})
	mux.HandleFunc("/a/protocol-relative", func(rw http.ResponseWriter, r *http.Request) {
		article(rw, TitleProtoRel, "", 6)
	})
	mux.HandleFunc("/a/future", func(rw http.ResponseWriter, r *http.Request) {
		article(rw, TitleFuture, "2999-01-01T09:00:00Z", 7)
	})
	mux.HandleFunc("/a/epoch", func(rw http.ResponseWriter, r *http.Request) {
		article(rw, TitleEpoch, "1970-01-01T00:00:00Z", 8)
	})
	mux.HandleFunc("/a/", func(rw http.ResponseWriter, r *http.Request) {
		// Anything else the crawler should never have asked for.
		http.Error(rw, "no such page", http.StatusNotFound)
	})
	mux.HandleFunc("/feed-not-xml.xml", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/rss+xml")
		rw.Write([]byte("<html><body>This is not a feed {\"items\": [ <rss \x00\x01</body>"))
	})
	mux.HandleFunc("/feed-dates.xml", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(rw, `<?xml version="1.0"?><rss version="2.0"><channel><title>Dates</title>
<item><title>%s</title><link>%s/a/future</link><pubDate>Tue, 01 Jan 2999 09:00:00 GMT</pubDate></item>
<item><title>%s</title><link>%s/a/epoch</link><pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate></item>
</channel></rss>`, TitleFuture, w.Pages, TitleEpoch, w.Pages)
	})
	mux.HandleFunc("/sitemap-million.xml", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(rw, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		// Appended by hand: fmt per URL made the server, not the
		// crawler, the slow part under the race detector.
		prefix := []byte("<url><loc>" + w.Pages + "/a/listed/")
		b := make([]byte, 0, 40<<10)
		for i := 0; i < SitemapURLs; i++ {
			b = append(b, prefix...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, "</loc></url>\n"...)
			if len(b) > 32<<10 {
				if _, err := rw.Write(b); err != nil {
					return
				}
				b = b[:0]
			}
		}
		b = append(b, "</urlset>"...)
		rw.Write(b)
	})
	return mux
}

const bombMemberBytes = 4 << 20

var bombMember = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range bombMemberBytes / len(zeros) {
		zw.Write(zeros)
	}
	zw.Close()
	return buf.Bytes()
})

// traps serves crawl traps: an endless calendar (/cal/YYYY/MM links to the
// previous and next month), endless pagination (/list?page=N links to N+1)
// whose article links carry a fresh session id and tracking parameters
// each time, and one article (/a/same) under ever new query strings.
func traps() http.Handler {
	mux := http.NewServeMux()
	var mu sync.Mutex
	session := 0
	sid := func() string {
		mu.Lock()
		defer mu.Unlock()
		session++
		return fmt.Sprintf("%08x", session*2654435761)
	}
	mux.HandleFunc("/robots.txt", http.NotFound)
	mux.HandleFunc("/cal/{y}/{m}", func(rw http.ResponseWriter, r *http.Request) {
		var y, m int
		fmt.Sscan(r.PathValue("y"), &y)
		fmt.Sscan(r.PathValue("m"), &m)
		t := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		prev, next := t.AddDate(0, -1, 0), t.AddDate(0, 1, 0)
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<html><body><a href="/cal/%d/%02d">prev</a> <a href="/cal/%d/%02d">next</a></body></html>`,
			prev.Year(), prev.Month(), next.Year(), next.Month())
	})
	mux.HandleFunc("/list", func(rw http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get("page"), &n)
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<html><body><a href="/list?page=%d&sid=%s">next</a>`, n+1, sid())
		for i := range 5 {
			id := n*5 + i
			fmt.Fprintf(rw, `<a href="/a/%d?sid=%s">a</a><a href="/a/%d?utm_source=list&utm_medium=%d">a</a>`, id, sid(), id, n)
			fmt.Fprintf(rw, `<a href="/a/same?x=%d">same</a>`, id)
		}
		fmt.Fprint(rw, "</body></html>")
	})
	mux.HandleFunc("/a/", func(rw http.ResponseWriter, r *http.Request) {
		h := fnv.New32a()
		h.Write([]byte(r.URL.Path))
		article(rw, "Trap article "+r.URL.Path, "", int(h.Sum32()))
	})
	return mux
}
