// Package fakeweb is a local fake news web for crawler, pipeline and daemon
// tests. It owns two httptest hosts with our own invented text:
//
//   - News (127.0.0.1), cnBeta-style: /robots.txt (Disallow /articles/private/,
//     Crawl-delay 0.1), an RSS feed /rss.xml, an Atom feed /atom.xml, a list
//     page /category/tech.htm with a second page, article pages
//     /articles/tech/<id>.htm in UTF-8, in GBK declared only in <meta>, in
//     Big5; an article reachable by two URLs (utm_ tracking parameters) and
//     through a redirect /go/<id>; a 503 with Retry-After: 1 on first request;
//     a page over 1 MiB; a page under the disallowed path.
//   - Finance (127.0.0.2), Sina-style: /robots.txt (Disallow /internal/), a
//     sitemap index /sitemap_index.xml pointing at a gzipped news sitemap
//     /sitemaps/news.xml.gz, a roll-API JSON list /api/roll/get (links at
//     result.data.url) and article pages /<channel>/<date>/doc-<id>.shtml,
//     one of them GBK in the old template.
//
// Every 200 response carries ETag and Last-Modified and answers conditional
// requests with 304. Every request is recorded (Requests) with its host,
// path, time and conditional headers. Articles lists what a correct crawl
// stores (title, published time with +08:00, body paragraphs, every URL);
// Sources returns ready-made newsmon.Source values for the two hosts
// ("fakenews", "fakefinance"). The Web's fields name the special URLs.
//
// Host.AddArticle adds an article page in the host's style (any charset)
// and lists it: on News the newest article is only on list page 2, the
// others on page 1 and in RSS (Big5 pages in Atom); on Finance the roll API
// lists all but the newest, the news sitemap all but the oldest. Host.SetPage
// serves a fixed response (status, redirect, 503s first) and Host.Handle any
// handler. Filler makes distinct made-up text for more articles. Crawl it
// with AllowPrivateNetworks and max_body_bytes between 64 KiB and
// OversizedBytes (WriteConfig writes such a newsmon configuration file):
//
//	web := fakeweb.New(t)
//	web.News.AddArticle(t, fakeweb.ArticleSpec{Path: "/articles/tech/9001.htm", Title: "...",
//		Published: time.Date(2026, 5, 4, 8, 0, 0, 0, fakeweb.CST), Paragraphs: []string{"..."}})
//	sources := web.Sources()
//	// crawl with CrawlSettings{AllowPrivateNetworks: true, MaxBodyBytes: 256 << 10, ...}
//	for _, a := range web.Articles() { ... }   // what must be stored
//	for _, r := range web.Requests() { ... }   // what the server saw
package fakeweb

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	texttemplate "text/template"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/newsmon/newsmon"
)

// CST is the zone of the fake sites' dates (UTC+8, printed without a zone on
// the news host).
var CST = time.FixedZone("CST", 8*3600)

// LastModified is the Last-Modified time of every fake page.
var LastModified = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

// OversizedBytes is the size of the oversized page: set max_body_bytes
// below it (and above 64 KiB) in tests.
const OversizedBytes = 1 << 20

// Style is the markup a host imitates.
type Style int

// Styles of article markup.
const (
	CnBeta Style = iota // header.title h1, .meta span date without zone, .article-content
	Sina                // h1.main-title, article:published_time, #artibody
)

// Request is one request the fake web received.
type Request struct {
	Host            string // host:port as dialled
	Path            string
	RawQuery        string
	Time            time.Time
	IfNoneMatch     string
	IfModifiedSince string
	UserAgent       string
	Header          http.Header
}

// Article is an article page and what a correct crawl extracts from it.
type Article struct {
	Source    string    // name of the Source that lists it
	URL       string    // the plain URL (as a canonicaliser would give)
	URLs      []string  // every URL it is reachable at (tracking, redirect)
	Title     string    // headline
	Published time.Time // with the +08:00 offset
	Snippet   string    // a sentence of its body
	Body      []string  // its paragraphs
	Charset   string    // "utf-8", "gbk" or "big5" on the wire
}

// ArticleSpec describes an article page to add to a host.
type ArticleSpec struct {
	Path       string // e.g. /articles/tech/9001.htm, or /tech/2026-05-04/doc-ixyz.shtml on Finance
	Title      string
	Published  time.Time
	Paragraphs []string
	Charset    string   // "" (utf-8), "gbk" or "big5": the page is encoded so
	MetaOnly   bool     // declare the charset only in <meta>, not in Content-Type
	OldSina    bool     // Sina's older template with <meta http-equiv> (Sina style only)
	Unlisted   bool     // not listed in the host's feeds, list page, sitemap or roll API
	AltPaths   []string // other paths serving the same page
	Padding    int      // bytes of filler in an HTML comment (oversized pages)
}

// Page is a fixed response. Zero Status means 200.
type Page struct {
	Status      int
	ContentType string
	Header      http.Header
	Body        []byte
	Redirect    string // Location; Status defaults to 301
	// FailFirst answers the first FailFirst requests with 503 and
	// Retry-After: RetryAfter seconds.
	FailFirst  int
	RetryAfter int
}

// Host is one fake site.
type Host struct {
	Name  string // host:port
	URL   string // http://host:port
	Style Style
	web   *Web
	srv   *httptest.Server
	// source names the Source listing the host's articles ("" : by
	// Style, "fakenews" or "fakefinance").
	source string

	pages    map[string]*page
	handlers map[string]http.Handler
	listed   []*Article // in the host's listings, in order added
}

type page struct {
	Page
	served int
}

// Web is the fake news web.
type Web struct {
	News    *Host // cnBeta-style, 127.0.0.1
	Finance *Host // Sina-style, 127.0.0.2 (127.0.0.1 if that cannot be bound)

	// URLs of the special cases, for assertions.
	Disallowed  string // under a robots.txt Disallow; must never be requested
	Oversized   string // bigger than OversizedBytes; fails "too large"
	RetryAfter  string // 503 + Retry-After: 1 on the first request, then 200
	Redirect    string // redirects (301) to the article at RedirectTo
	RedirectTo  string
	Tracking    string // the article at RedirectTo with utm_ parameters
	GBKMetaOnly string // GBK page declaring its charset only in <meta>
	Big5        string // Big5 page

	mu       sync.Mutex
	requests []Request
	articles []*Article
}

// New starts the fake web; it is closed when the test ends.
func New(t testing.TB) *Web {
	t.Helper()
	w := &Web{}
	w.News = w.newHost(t, "127.0.0.1", CnBeta)
	w.Finance = w.newHost(t, "127.0.0.2", Sina)
	w.populate(t)
	return w
}

func (w *Web) newHost(t testing.TB, ip string, style Style) *Host {
	h := &Host{Style: style, web: w, pages: map[string]*page{}, handlers: map[string]http.Handler{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	if ln, err := net.Listen("tcp", ip+":0"); err == nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	h.srv = srv
	h.URL = srv.URL
	h.Name = strings.TrimPrefix(srv.URL, "http://")
	return h
}

// Requests returns every request received so far, in arrival order.
func (w *Web) Requests() []Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Request(nil), w.requests...)
}

// ResetRequests forgets the recorded requests (e.g. between two crawls).
func (w *Web) ResetRequests() {
	w.mu.Lock()
	w.requests = nil
	w.mu.Unlock()
}

// Articles returns the articles a correct crawl of Sources stores: every
// listed article except the disallowed and the oversized one.
func (w *Web) Articles() []Article {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Article
	for _, a := range w.articles {
		if a.URL == w.Disallowed || a.URL == w.Oversized {
			continue
		}
		out = append(out, *a)
	}
	return out
}

// Sources returns sources for the two hosts: "fakenews" (feeds, list page)
// and "fakefinance" (sitemap index, roll API).
func (w *Web) Sources() []newsmon.Source {
	return []newsmon.Source{newsSource("fakenews", w.News), {
		Name:        "fakefinance",
		Lang:        "zh",
		Location:    CST,
		Sitemaps:    []string{w.Finance.URL + "/sitemap_index.xml"},
		JSONLists:   []newsmon.JSONList{{URL: w.Finance.URL + "/api/roll/get?pageid=384&lid=2519&num=20&page=1", Links: "result.data.url"}},
		ArticleURLs: []*regexp.Regexp{regexp.MustCompile(`/doc-\w+\.shtml`)},
		MaxDepth:    1,
		Headers:     map[string]string{"Referer": w.Finance.URL + "/"},
		Rules: newsmon.Rules{
			Title: "h1.main-title", Published: ".date-source span.date", Body: "#artibody",
			Drop: []string{".show_author", "#left_hzh_ad", ".appendQr_wrap"},
		},
	}}
}

// newsSource is the source of a cnBeta-style host: feeds and a list page.
func newsSource(name string, h *Host) newsmon.Source {
	return newsmon.Source{
		Name:        name,
		Lang:        "zh",
		Location:    CST,
		Feeds:       []string{h.URL + "/rss.xml", h.URL + "/atom.xml"},
		StartURLs:   []string{h.URL + "/category/tech.htm"},
		ArticleURLs: []*regexp.Regexp{regexp.MustCompile(`/articles/\w+/\d+\.htm`)},
		MaxDepth:    2,
		Rules: newsmon.Rules{
			Title: "header.title h1", Published: ".meta span", Body: ".article-content",
			Drop: []string{".article-topic", ".article-global"},
		},
	}
}

// AddNewsHost starts one more cnBeta-style host on ip (on 127.0.0.1 if ip
// cannot be bound), with no articles yet, and returns it with its source
// (named name: feeds and a list page, as "fakenews"). Its articles are
// among Articles and its requests among Requests.
func (w *Web) AddNewsHost(t testing.TB, ip, name string) (*Host, newsmon.Source) {
	t.Helper()
	h := w.newHost(t, ip, CnBeta)
	h.source = name
	return h, newsSource(name, h)
}

// Handle serves path (without query) on the host with handler; requests
// are still recorded.
func (h *Host) Handle(path string, handler http.Handler) {
	h.web.mu.Lock()
	h.handlers[path] = handler
	h.web.mu.Unlock()
}

// SetPage serves p at path (without query), replacing what was there.
func (h *Host) SetPage(path string, p Page) {
	h.web.mu.Lock()
	h.pages[path] = &page{Page: p}
	h.web.mu.Unlock()
}

// AddArticle renders an article page in the host's style, serves it at
// spec.Path (and AltPaths) and, unless Unlisted, lists it in the host's
// listings. It returns what a crawl should extract.
func (h *Host) AddArticle(t testing.TB, spec ArticleSpec) Article {
	t.Helper()
	html, ctype := h.render(t, spec)
	a := &Article{
		URL:       h.URL + spec.Path,
		Title:     spec.Title,
		Published: spec.Published,
		Body:      spec.Paragraphs,
		Charset:   spec.Charset,
	}
	if a.Charset == "" {
		a.Charset = "utf-8"
	}
	if len(spec.Paragraphs) > 0 {
		a.Snippet = spec.Paragraphs[0]
	}
	a.URLs = []string{a.URL}
	for _, alt := range spec.AltPaths {
		a.URLs = append(a.URLs, h.URL+alt)
	}
	switch {
	case h.source != "":
		a.Source = h.source
	case h.Style == CnBeta:
		a.Source = "fakenews"
	default:
		a.Source = "fakefinance"
	}
	for _, p := range append([]string{spec.Path}, spec.AltPaths...) {
		h.SetPage(p, Page{ContentType: ctype, Body: html})
	}
	h.web.mu.Lock()
	defer h.web.mu.Unlock()
	if !spec.Unlisted {
		h.listed = append(h.listed, a)
		h.web.articles = append(h.web.articles, a)
	}
	return *a
}

func (h *Host) serve(rw http.ResponseWriter, r *http.Request) {
	w := h.web
	w.mu.Lock()
	w.requests = append(w.requests, Request{
		Host:            h.Name,
		Path:            r.URL.Path,
		RawQuery:        r.URL.RawQuery,
		Time:            time.Now(),
		IfNoneMatch:     r.Header.Get("If-None-Match"),
		IfModifiedSince: r.Header.Get("If-Modified-Since"),
		UserAgent:       r.Header.Get("User-Agent"),
		Header:          r.Header.Clone(),
	})
	handler := h.handlers[r.URL.Path]
	p := h.pages[r.URL.Path]
	var served int
	if p != nil {
		p.served++
		served = p.served
	}
	w.mu.Unlock()

	switch {
	case handler != nil:
		handler.ServeHTTP(rw, r)
	case p != nil:
		p.write(rw, r, served)
	case r.URL.Path == "/rss.xml" && h.Style == CnBeta:
		serveContent(rw, r, "application/rss+xml; charset=utf-8", h.rss())
	case r.URL.Path == "/atom.xml" && h.Style == CnBeta:
		serveContent(rw, r, "application/atom+xml; charset=utf-8", h.atom())
	case r.URL.Path == "/" && h.Style == CnBeta:
		serveContent(rw, r, "text/html; charset=utf-8", []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>假新闻</title></head>
<body><a href="/category/tech.htm">科技</a></body></html>`))
	case r.URL.Path == "/category/tech.htm" && h.Style == CnBeta:
		serveContent(rw, r, "text/html; charset=utf-8", h.listPage(r.URL.Query().Get("page")))
	case r.URL.Path == "/sitemap_index.xml" && h.Style == Sina:
		serveContent(rw, r, "application/xml", h.sitemapIndex())
	case r.URL.Path == "/sitemaps/news.xml.gz" && h.Style == Sina:
		serveContent(rw, r, "application/gzip", h.newsSitemap())
	case r.URL.Path == "/api/roll/get" && h.Style == Sina:
		serveContent(rw, r, "application/json; charset=utf-8", h.roll())
	default:
		http.NotFound(rw, r)
	}
}

func (p *page) write(rw http.ResponseWriter, r *http.Request, served int) {
	for k, v := range p.Header {
		rw.Header()[k] = v
	}
	if served <= p.FailFirst {
		rw.Header().Set("Retry-After", fmt.Sprint(p.RetryAfter))
		http.Error(rw, "busy", http.StatusServiceUnavailable)
		return
	}
	if p.Redirect != "" {
		status := p.Status
		if status == 0 {
			status = http.StatusMovedPermanently
		}
		http.Redirect(rw, r, p.Redirect, status)
		return
	}
	if p.Status != 0 && p.Status != http.StatusOK {
		if p.ContentType != "" {
			rw.Header().Set("Content-Type", p.ContentType)
		}
		rw.WriteHeader(p.Status)
		rw.Write(p.Body)
		return
	}
	serveContent(rw, r, p.ContentType, p.Body)
}

// serveContent writes body with ETag and Last-Modified and answers
// If-None-Match / If-Modified-Since with 304.
func serveContent(rw http.ResponseWriter, r *http.Request, ctype string, body []byte) {
	sum := sha1.Sum(body)
	rw.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	rw.Header().Set("Content-Type", ctype)
	http.ServeContent(rw, r, "", LastModified, bytes.NewReader(body))
}

// listed returns a snapshot of the host's listed articles.
func (h *Host) snapshot() []Article {
	h.web.mu.Lock()
	defer h.web.mu.Unlock()
	out := make([]Article, len(h.listed))
	for i, a := range h.listed {
		out[i] = *a
	}
	return out
}

var rssTmpl = texttemplate.Must(texttemplate.New("rss").Parse(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>假新闻科技频道</title><link>{{.Base}}/</link><description>测试用订阅</description>
{{range .Items}}<item><title>{{html .Title}}</title><link>{{html .Link}}</link><pubDate>{{.Date}}</pubDate><description>{{html .Snippet}}</description></item>
{{end}}</channel></rss>`))

var atomTmpl = texttemplate.Must(texttemplate.New("atom").Parse(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>假新闻快讯</title><id>{{.Base}}/atom.xml</id><updated>2026-05-03T00:00:00Z</updated>
{{range .Items}}<entry><title>{{html .Title}}</title><id>{{html .Link}}</id><link rel="alternate" href="{{html .Link}}"/><updated>{{.Date}}</updated><summary>{{html .Snippet}}</summary></entry>
{{end}}</feed>`))

type feedItem struct{ Title, Link, Date, Snippet string }

// feedLink is where a listed article appears in a feed: the RSS feed uses
// the tracking URL and the Atom feed the redirect for the article that has
// them; Big5 pages are in the Atom feed only, the rest in RSS only.
func (h *Host) feed(tmpl *texttemplate.Template, atom bool) []byte {
	var items []feedItem
	for _, a := range h.snapshot() {
		link, ok := a.URL, !atom
		switch {
		case a.Charset == "big5":
			ok = atom
		case a.URL == h.web.RedirectTo && atom:
			link, ok = h.web.Redirect, true
		case a.URL == h.web.RedirectTo:
			link = h.web.Tracking
		case strings.Contains(a.URL, "/private/") || a.URL == h.lastListed():
			ok = false
		}
		if !ok {
			continue
		}
		date := a.Published.Format(time.RFC1123Z)
		if atom {
			date = a.Published.Format(time.RFC3339)
		}
		items = append(items, feedItem{a.Title, link, date, a.Snippet})
	}
	var buf bytes.Buffer
	tmpl.Execute(&buf, map[string]any{"Base": h.URL, "Items": items})
	return buf.Bytes()
}

func (h *Host) lastListed() string {
	h.web.mu.Lock()
	defer h.web.mu.Unlock()
	if len(h.listed) < 2 {
		return ""
	}
	return h.listed[len(h.listed)-1].URL
}

func (h *Host) rss() []byte  { return h.feed(rssTmpl, false) }
func (h *Host) atom() []byte { return h.feed(atomTmpl, true) }

var listTmpl = template.Must(template.New("list").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>科技 - 假新闻</title></head><body>
<nav><a href="/">首页</a> <a href="/category/tech.htm">科技</a></nav>
<ul class="items">{{range .Items}}<li><a href="{{.Link}}">{{.Title}}</a></li>
{{end}}</ul>
{{if .Next}}<a class="next" href="{{.Next}}">下一页</a>{{end}}
</body></html>`))

// listPage renders page 1 (every listed article but the last, plus the
// disallowed one) or page 2 (the last listed article).
func (h *Host) listPage(n string) []byte {
	arts := h.snapshot()
	var items []feedItem
	next := ""
	if n == "2" {
		if len(arts) > 0 {
			a := arts[len(arts)-1]
			items = append(items, feedItem{Title: a.Title, Link: strings.TrimPrefix(a.URL, h.URL)})
		}
	} else {
		for i, a := range arts {
			if i == len(arts)-1 && len(arts) > 1 {
				break
			}
			items = append(items, feedItem{Title: a.Title, Link: strings.TrimPrefix(a.URL, h.URL)})
		}
		next = "/category/tech.htm?page=2"
	}
	var buf bytes.Buffer
	listTmpl.Execute(&buf, map[string]any{"Items": items, "Next": next})
	return buf.Bytes()
}

func (h *Host) sitemapIndex() []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>` + h.URL + `/sitemaps/news.xml.gz</loc><lastmod>2026-05-03</lastmod></sitemap>
</sitemapindex>`)
}

// newsSitemap is a gzipped Google News sitemap of the listed articles
// except the first (which only the roll API lists).
func (h *Host) newsSitemap() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">`)
	for i, a := range h.snapshot() {
		if i == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n<url><loc>%s</loc><news:news><news:publication><news:name>假财经</news:name><news:language>zh</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>%s</news:title></news:news></url>",
			template.HTMLEscapeString(a.URL), a.Published.Format(time.RFC3339), template.HTMLEscapeString(a.Title))
	}
	b.WriteString("\n</urlset>\n")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(b.String()))
	zw.Close()
	return buf.Bytes()
}

// roll is a Sina roll-API style JSON list of the listed articles except
// the last (which only the sitemap lists).
func (h *Host) roll() []byte {
	type item struct {
		Title     string `json:"title"`
		Intro     string `json:"intro"`
		URL       string `json:"url"`
		MediaName string `json:"media_name"`
		Intime    string `json:"intime"`
	}
	arts := h.snapshot()
	items := []item{}
	for i, a := range arts {
		if i == len(arts)-1 && len(arts) > 1 {
			break
		}
		items = append(items, item{a.Title, a.Snippet, a.URL, "假财经", fmt.Sprint(a.Published.Unix())})
	}
	var resp struct {
		Result struct {
			Status struct {
				Code int    `json:"code"`
				Msg  string `json:"msg"`
			} `json:"status"`
			Total int    `json:"total"`
			Data  []item `json:"data"`
		} `json:"result"`
	}
	resp.Result.Status.Msg = "succ"
	resp.Result.Total = len(items)
	resp.Result.Data = items
	b, _ := json.Marshal(resp)
	return b
}

var cnbetaTmpl = template.Must(template.New("cnbeta").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head>{{if .Meta}}<meta charset="{{.Meta}}">{{end}}
<title>{{.Title}}_FakeNews</title>
<meta name="description" content="{{.Summary}}">
</head><body>
<div class="cnbeta-article-wrapper"><div class="cnbeta-article">
<header class="title"><h1>{{.Title}}</h1>
<div class="meta"><span>{{.Date}}</span><span class="source">FakeWire</span></div></header>
<div class="article-summary"><p>{{.Summary}}</p></div>
<div class="article-content">{{range .Paragraphs}}
<p>{{.}}</p>{{end}}
</div>
<div class="article-topic"><a href="/topics/1.htm">Topic</a></div>
<div class="article-global">Get the app</div>
</div></div>{{.Padding}}
</body></html>`))

var sinaTmpl = template.Must(template.New("sina").Parse(`<!DOCTYPE html>
<html><head>{{if .Old}}<meta http-equiv="Content-Type" content="text/html; charset={{.Meta}}">{{else if .Meta}}<meta charset="{{.Meta}}">{{end}}
<title>{{.Title}}_假财经_假网</title>
{{.ISO}}
<meta name="keywords" content="fake">
</head><body>
<div class="main-content w1240">
{{if .Old}}<h1 id="artibodyTitle">{{.Title}}</h1><div class="time-source"><span>{{.Date}}</span></div>
{{else}}<h1 class="main-title">{{.Title}}</h1>
<div class="date-source"><span class="date">{{.Date}}</span><a class="source" href="/">FakeDaily</a></div>{{end}}
<div class="article" id="artibody">{{range .Paragraphs}}
<p>{{.}}</p>{{end}}
<p class="show_author">editor: X</p>
</div>
<div id="left_hzh_ad">ad</div><div class="appendQr_wrap">QR</div>
</div>{{.Padding}}
</body></html>`))

func (h *Host) render(t testing.TB, spec ArticleSpec) ([]byte, string) {
	t.Helper()
	meta := spec.Charset
	if meta == "" {
		meta = "utf-8"
	}
	if spec.Charset == "gbk" && spec.OldSina {
		meta = "gb2312"
	}
	summary := ""
	if len(spec.Paragraphs) > 0 {
		summary = spec.Paragraphs[0]
	}
	data := map[string]any{
		"Meta": meta, "Title": spec.Title, "Summary": summary, "Paragraphs": spec.Paragraphs,
		"Date": spec.Published.In(CST).Format("2006年01月02日 15:04"),
		"ISO":  template.HTML(`<meta property="article:published_time" content="` + spec.Published.Format(time.RFC3339) + `">`),
		"Old":  spec.OldSina,
	}
	if spec.Padding > 0 {
		data["Padding"] = template.HTML("<!-- " + strings.Repeat("x", spec.Padding) + " -->")
	}
	tmpl := cnbetaTmpl
	if h.Style == Sina {
		tmpl = sinaTmpl
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		t.Fatalf("fakeweb: render %s: %v", spec.Path, err)
	}
	out := buf.Bytes()
	var enc encoding.Encoding
	switch spec.Charset {
	case "gbk":
		enc = simplifiedchinese.GBK
	case "big5":
		enc = traditionalchinese.Big5
	}
	if enc != nil {
		var err error
		if out, err = enc.NewEncoder().Bytes(out); err != nil {
			t.Fatalf("fakeweb: %s: text not representable in %s: %v", spec.Path, spec.Charset, err)
		}
	}
	ctype := "text/html; charset=" + meta
	if spec.MetaOnly {
		ctype = "text/html"
	}
	return out, ctype
}

// Stored is what a test read back of one stored article.
type Stored struct{ URL, Title, Source string }

// CheckStoredOnce fails t unless every article of the web (Articles) is
// among stored exactly once, by any of its URLs, with its title and
// source, and nothing else is.
func (w *Web) CheckStoredOnce(t testing.TB, stored []Stored) {
	t.Helper()
	want := w.Articles()
	if len(stored) != len(want) {
		t.Errorf("%d articles stored, want %d", len(stored), len(want))
	}
	for _, a := range want {
		n := 0
		for _, s := range stored {
			if s.URL == a.URL || slices.Contains(a.URLs, s.URL) {
				n++
				if s.Title != a.Title || s.Source != a.Source {
					t.Errorf("%s: stored title %q source %q, want %q %q", a.URL, s.Title, s.Source, a.Title, a.Source)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s stored %d times, want once", a.URL, n)
		}
	}
}

// CheckStoredArticles is CheckStoredOnce over the articles each visits
// (such as a store's Articles from the zero time).
func (w *Web) CheckStoredArticles(t testing.TB, each func(fn func(newsmon.Article) error) error) {
	t.Helper()
	var stored []Stored
	if err := each(func(a newsmon.Article) error {
		stored = append(stored, Stored{URL: a.URL, Title: a.Title, Source: a.Source})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w.CheckStoredOnce(t, stored)
}
