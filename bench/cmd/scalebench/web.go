package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// corpus is the real sentences pages are made of, by language.
type corpus struct{ zh, en []string }

// loadCorpus splits the bodies of the extraction data's truth files
// (dir/*/truth.json) into sentences: Chinese at 。！？ and line ends, 12-120
// characters; English at ". " and line ends, 40-300 bytes.
func loadCorpus(dir string) (corpus, error) {
	var c corpus
	files, err := filepath.Glob(filepath.Join(dir, "*", "truth.json"))
	if err != nil {
		return c, fmt.Errorf("corpus %s: %w", dir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return c, fmt.Errorf("corpus: %w", err)
		}
		var t struct{ Lang, Body string }
		if err := json.Unmarshal(data, &t); err != nil {
			return c, fmt.Errorf("corpus %s: %w", f, err)
		}
		switch t.Lang {
		case "zh":
			for _, s := range strings.FieldsFunc(t.Body, func(r rune) bool { return strings.ContainsRune("。！？\n", r) }) {
				if n := utf8.RuneCountInString(strings.TrimSpace(s)); n >= 12 && n <= 120 {
					c.zh = append(c.zh, strings.TrimSpace(s)+"。")
				}
			}
		case "en":
			for _, line := range strings.Split(t.Body, "\n") {
				for _, s := range strings.Split(line, ". ") {
					if s = strings.TrimSpace(s); len(s) >= 40 && len(s) <= 300 {
						c.en = append(c.en, strings.TrimSuffix(s, ".")+".")
					}
				}
			}
		}
	}
	if len(c.zh) < 200 || len(c.en) < 200 {
		return c, fmt.Errorf("corpus %s: %d Chinese and %d English sentences, need 200 of each", dir, len(c.zh), len(c.en))
	}
	return c, nil
}

// web serves n distinct portal-like article pages, two Chinese for one
// English, behind a sitemap index of sitemaps of perSitemap URLs. Page i is
// made by a generator seeded with i; pages are made before the crawls
// (generate), so serving one costs what serving a stored page costs.
type web struct {
	c     corpus
	n     int
	base  string // http://host:port, set once listening
	pages [][]byte
}

// generate makes the n pages, on every CPU.
func (w *web) generate() {
	w.pages = make([][]byte, w.n)
	procs := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for p := range procs {
		wg.Go(func() {
			var b bytes.Buffer
			for i := p; i < w.n; i += procs {
				b.Reset()
				w.page(&b, i)
				w.pages[i] = bytes.Clone(b.Bytes())
			}
		})
	}
	wg.Wait()
}

const perSitemap = 10000

// page writes page i: head with meta tags and a script, 40 navigation
// links, an article of 8-23 paragraphs of two random sentences each, 12
// related links and a footer (6-7 KB on average).
func (w *web) page(b *bytes.Buffer, i int) {
	r := rand.New(rand.NewPCG(uint64(i), 0x5ca1e))
	pool, lang := w.c.zh, "zh"
	if i%3 == 2 {
		pool, lang = w.c.en, "en"
	}
	pick := func() string { return pool[r.IntN(len(pool))] }
	title := []rune(pick())
	title = title[:min(len(title), 30)]
	published := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Minute)
	esc := html.EscapeString
	fmt.Fprintf(b, `<!doctype html><html lang="%s"><head><meta charset="utf-8"><title>%s - Portal News</title>`, lang, esc(string(title)))
	fmt.Fprintf(b, `<meta property="article:published_time" content="%s"><meta name="description" content="%s">`,
		published.Format(time.RFC3339), esc(string(title)))
	b.WriteString(`<script>window.cfg={ads:true};</script><link rel="stylesheet" href="/site.css"></head><body><header><nav><ul>`)
	for k := range 40 {
		fmt.Fprintf(b, `<li><a href="/channel/%d/">Channel %d</a></li>`, k, k)
	}
	fmt.Fprintf(b, `</ul></nav></header><main><article><h1>%s</h1><div class="byline"><time datetime="%s">%s</time> Portal News</div><div class="content">`,
		esc(string(title)), published.Format(time.RFC3339), published.Format("2006-01-02 15:04"))
	for range 8 + r.IntN(16) {
		b.WriteString("<p>")
		b.WriteString(esc(pick()))
		b.WriteString(esc(pick()))
		b.WriteString("</p>")
	}
	b.WriteString(`</div><div class="share"><a href="#">Share</a> <a href="#">Print</a></div></article><aside><h3>Related</h3><ul>`)
	for k := range 12 {
		link := []rune(pick())
		fmt.Fprintf(b, `<li><a href="/related/%d-%d.html">%s</a></li>`, i, k, esc(string(link[:min(len(link), 20)])))
	}
	b.WriteString(`</ul></aside></main><footer><p>Copyright Portal News. All rights reserved.</p></footer></body></html>`)
}

// articleURL is page i's address.
func (w *web) articleURL(i int) string { return fmt.Sprintf("%s/news/%d.html", w.base, i) }

func (w *web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var i, k int
	switch {
	case p == "/robots.txt":
		fmt.Fprint(rw, "User-agent: *\nAllow: /\n")
	case p == "/sitemap.xml":
		rw.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(rw, `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for k := 0; k*perSitemap < w.n; k++ {
			fmt.Fprintf(rw, "<sitemap><loc>%s/sitemap-%d.xml</loc></sitemap>", w.base, k)
		}
		fmt.Fprint(rw, "</sitemapindex>")
	case scan(p, "/sitemap-%d.xml", &k):
		rw.Header().Set("Content-Type", "application/xml")
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := k * perSitemap; i < min(w.n, (k+1)*perSitemap); i++ {
			fmt.Fprintf(&b, "<url><loc>%s</loc></url>", w.articleURL(i))
		}
		b.WriteString("</urlset>")
		_, _ = rw.Write(b.Bytes())
	case scan(p, "/news/%d.html", &i) && i >= 0 && i < w.n:
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = rw.Write(w.pages[i])
	default:
		http.NotFound(rw, r)
	}
}

// scan reports whether p is exactly format with one integer filled in.
func scan(p, format string, n *int) bool {
	if _, err := fmt.Sscanf(p, format, n); err != nil {
		return false
	}
	return fmt.Sprintf(format, *n) == p
}
