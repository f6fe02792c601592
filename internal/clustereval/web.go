package clustereval

import (
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"html/template"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsmon/newsmon"
)

// Arrival says in which order a Web lists its items and in how many steps
// it reveals them.
type Arrival struct {
	// Order of each feed: "date" (oldest first), "reverse" (newest first)
	// or "shuffle" (by Seed).
	Order string
	Seed  uint64
	// Phases > 1 reveals each outlet's items in that many steps (the items
	// of phase k are listed from SetPhase(k) on), by date: newest first
	// with Backfill, else oldest first.
	Phases   int
	Backfill bool
}

// Web is a local fake web of the labelled items: one host per outlet (the
// items' Source), each with an RSS feed /feed.xml and one page per item in
// a plain news template (headline, byline with the time, paragraphs,
// related links, footer), the date in article:published_time.
type Web struct {
	mu    sync.Mutex
	phase int
	sites []*site
	byURL map[string]Item
}

type site struct {
	name  string
	lang  string
	srv   *httptest.Server
	items []Item // in feed order
	phase map[string]int
	pages map[string][]byte
	urls  map[string]string // item id to URL
}

// NewWeb starts the fake web of items; Close stops it.
func NewWeb(items []Item, arr Arrival) *Web {
	w := &Web{byURL: map[string]Item{}}
	bySrc := map[string][]Item{}
	for _, it := range items {
		src := cmp.Or(it.Source, "misc")
		bySrc[src] = append(bySrc[src], it)
	}
	rng := rand.New(rand.NewPCG(arr.Seed, 0x6e6577736d6f6e))
	for _, name := range slices.Sorted(maps.Keys(bySrc)) {
		its := slices.Clone(bySrc[name])
		byDate := func(a, b Item) int {
			if d := a.Published().Compare(b.Published()); d != 0 {
				return d
			}
			return strings.Compare(a.ID, b.ID)
		}
		slices.SortFunc(its, byDate)
		s := &site{name: "ev-" + strings.ReplaceAll(name, ".", "-"), lang: its[0].Lang,
			phase: map[string]int{}, pages: map[string][]byte{}, urls: map[string]string{}}
		phases := max(arr.Phases, 1)
		for k, it := range its { // its is oldest first here
			rank := k
			if arr.Backfill {
				rank = len(its) - 1 - k
			}
			s.phase[it.ID] = rank * phases / len(its)
		}
		switch arr.Order {
		case "reverse":
			slices.Reverse(its)
		case "shuffle":
			rng.Shuffle(len(its), func(i, j int) { its[i], its[j] = its[j], its[i] })
		}
		s.items = its
		s.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { w.serve(s, rw, r) }))
		for _, it := range its {
			sum := sha1.Sum([]byte(it.ID))
			path := "/e/" + hex.EncodeToString(sum[:6]) + ".html"
			s.pages[path] = render(s.name, it)
			u := s.srv.URL + path
			s.urls[it.ID] = u
			w.byURL[u] = it
		}
		w.sites = append(w.sites, s)
	}
	return w
}

// SetPhase reveals the items of phases up to k.
func (w *Web) SetPhase(k int) {
	w.mu.Lock()
	w.phase = k
	w.mu.Unlock()
}

// Close stops the web's servers.
func (w *Web) Close() {
	for _, s := range w.sites {
		s.srv.Close()
	}
}

// ItemByURL returns the item served at u.
func (w *Web) ItemByURL(u string) (Item, bool) {
	it, ok := w.byURL[u]
	return it, ok
}

// Sources returns one newsmon source per outlet, reading its feed.
func (w *Web) Sources() []newsmon.Source {
	var out []newsmon.Source
	for _, s := range w.sites {
		out = append(out, newsmon.Source{Name: s.name, Lang: s.lang, Location: time.UTC,
			Interval: time.Hour, Feeds: []string{s.srv.URL + "/feed.xml"}, MaxPages: len(s.items) + 10})
	}
	return out
}

func (w *Web) serve(s *site, rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/feed.xml" {
		w.mu.Lock()
		cur := w.phase
		w.mu.Unlock()
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>` + s.name + `</title>`)
		for _, it := range s.items {
			if s.phase[it.ID] > cur {
				continue
			}
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid></item>",
				template.HTMLEscapeString(cmp.Or(it.Title, it.ID)), s.urls[it.ID], s.urls[it.ID])
		}
		b.WriteString("</channel></rss>")
		rw.Header().Set("Content-Type", "application/rss+xml")
		_, _ = rw.Write([]byte(b.String()))
		return
	}
	page, ok := s.pages[r.URL.Path]
	if !ok {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = rw.Write(page)
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html><html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}} | {{.Site}}</title>
<meta property="article:published_time" content="{{.Date}}"></head><body>
<header><a href="/">{{.Site}}</a> <nav><a href="/list.html">news</a> <a href="/about.html">about</a></nav></header>
<main><article><h1>{{.Title}}</h1><div class="byline"><time datetime="{{.Date}}">{{.Date}}</time></div>
<div class="story">{{range .Paras}}<p>{{.}}</p>{{end}}</div></article>
<aside><h3>{{.Related}}</h3><ul><li><a href="/list.html">{{.More}}</a></li></ul></aside></main>
<footer>Copyright {{.Site}}. All rights reserved.</footer></body></html>`))

func render(siteName string, it Item) []byte {
	date := "2023-01-01T12:00:00Z"
	if t := it.Published(); !t.IsZero() {
		date = t.Format(time.RFC3339)
	}
	body := cmp.Or(it.Body, it.Title)
	var paras []string
	for _, p := range strings.Split(body, "\n") {
		if strings.TrimSpace(p) != "" {
			paras = append(paras, p)
		}
	}
	zh := strings.HasPrefix(it.Lang, "zh")
	related, more := "Related", "More news"
	if zh {
		related, more = "相关阅读", "更多新闻"
	}
	var b strings.Builder
	_ = pageTmpl.Execute(&b, map[string]any{"Lang": it.Lang, "Title": it.Title, "Site": siteName, "Date": date,
		"Paras": paras, "Related": related, "More": more})
	return []byte(b.String())
}
