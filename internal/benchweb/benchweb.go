// Package benchweb owns what newsmon's crawl benchmarks are measured on and
// against: the benchmark pages (NewsPage, TextPage), Serve, which serves
// pages over HTTP, Colly, the bare colly+goquery baseline, and Compare,
// which runs newsmon and the baseline alone and interleaved, reporting
// pages/s, allocs/page and their ratio.
package benchweb

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"

	"github.com/newsmon/newsmon/internal/fakeweb"
)

// Parallelism is how many requests newsmon and the baseline keep in flight.
const Parallelism = 8

// Serve serves pages[i] as UTF-8 HTML at /articles/<i>.htm on a local
// server, closed when the test ends, and returns the pages' URLs.
func Serve(tb testing.TB, pages [][]byte) []string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _ := strings.CutPrefix(r.URL.Path, "/articles/")
		n, err := strconv.Atoi(strings.TrimSuffix(name, ".htm"))
		if err != nil || n < 0 || n >= len(pages) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[n])
	}))
	tb.Cleanup(srv.Close)
	urls := make([]string, len(pages))
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/articles/%d.htm", srv.URL, i)
	}
	return urls
}

// Parse is the baseline's work on a page: a goquery document with one h1.
func Parse(body []byte) error {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return err
	}
	if doc.Find("h1").Length() != 1 {
		return errors.New("benchweb: not one h1")
	}
	return nil
}

// Colly fetches urls with a bare colly Collector (Parallelism requests in
// flight) and parses each page with Parse; it fails the test unless every
// page was parsed.
func Colly(tb testing.TB, urls []string) {
	col := colly.NewCollector(colly.Async(true))
	col.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: Parallelism})
	var n atomic.Int64
	col.OnResponse(func(r *colly.Response) {
		if Parse(r.Body) == nil {
			n.Add(1)
		}
	})
	for _, u := range urls {
		col.Visit(u)
	}
	col.Wait()
	if n.Load() != int64(len(urls)) {
		tb.Fatalf("colly parsed %d of %d pages", n.Load(), len(urls))
	}
}

// Compare runs ours and bare (each handling pages pages a run) as the
// sub-benchmarks "newsmon" and "colly+goquery", then "interleaved", which
// alternates the two in one loop so that a busy machine slows both alike
// and reports their pages/s and the ratio newsmon/colly.
func Compare(b *testing.B, pages int, ours, bare func()) {
	b.Run("newsmon", func(b *testing.B) { report(b, pages, ours) })
	b.Run("colly+goquery", func(b *testing.B) { report(b, pages, bare) })
	b.Run("interleaved", func(b *testing.B) {
		var tOurs, tBare time.Duration
		for range b.N {
			start := time.Now()
			ours()
			mid := time.Now()
			bare()
			tOurs, tBare = tOurs+mid.Sub(start), tBare+time.Since(mid)
		}
		n := float64(b.N * pages)
		b.ReportMetric(n/tOurs.Seconds(), "newsmon-pages/s")
		b.ReportMetric(n/tBare.Seconds(), "colly-pages/s")
		b.ReportMetric(tBare.Seconds()/tOurs.Seconds(), "newsmon/colly")
	})
}

// report runs run b.N times and adds pages/s and allocs/page.
func report(b *testing.B, pages int, run func()) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.StopTimer()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	n := float64(b.N * pages)
	b.ReportMetric(n/elapsed.Seconds(), "pages/s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "allocs/page")
}

// The benchmark pages are 20 KB each, as in issue 2, in two kinds:
//
//   - newsPage imitates a Chinese portal's article page: a median-length
//     article (1,260 characters, the median body of the Chinese pages in
//     ../shared/data/extract, where the body is a median 9% of the page's
//     bytes) inside the page's head, scripts, navigation, related and
//     popular links and footer;
//   - textPage is a stress case: 20 KB that are nearly all article text
//     (about 6,800 characters), so every stage that reads the text does
//     five times the usual work.
const PageBytes = 20 << 10

// NewsPage renders article n as a portal page of PageBytes.
func NewsPage(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">`+
		`<title>基准测试第%d篇报道_科技频道_测试网</title>`+
		`<meta name="keywords" content="科技,网络,数据"><meta name="description" content="%s">`+
		`<meta property="og:type" content="article"><meta property="og:title" content="基准测试第%d篇报道">`+
		`<meta property="article:published_time" content="2026-05-01T10:%02d:00+08:00">`+
		`<link rel="stylesheet" href="/css/main.css"><script src="/js/jquery.min.js"></script>`+
		`<script>var pageConfig = {channel: "tech", id: %d, ads: ["top", "side", "bottom"]};`+
		`(function () { var s = document.createElement("script"); s.async = true; s.src = "/js/stat.js?id=" + pageConfig.id; document.head.appendChild(s); })();</script>`+
		`</head><body><div class="top-bar"><a href="/">首页</a> <a href="/login">登录</a> <a href="/app">客户端</a></div>`,
		n, fakeweb.Filler(n, 100, 60), n, n%60, n)
	b.WriteString(`<div class="nav"><ul>`)
	for i := range 24 {
		fmt.Fprintf(&b, `<li><a href="/channel/%d/">%s</a></li>`, i, fakeweb.Filler(1000+i, 0, 2))
	}
	fmt.Fprintf(&b, `</ul></div><div class="crumb"><a href="/">测试网</a> &gt; <a href="/tech/">科技</a> &gt; 正文</div>`+
		`<div class="main"><h1 class="title">基准测试第%d篇报道</h1>`+
		`<div class="info"><span class="time">2026年05月01日 10:%02d</span> <span class="source">来源：测试日报</span></div>`+
		`<div class="article" id="artibody">`, n, n%60)
	for p := range 9 {
		fmt.Fprintf(&b, "<p>%s</p>\n", fakeweb.Filler(n, p, 140))
	}
	b.WriteString(`<p class="editor">责任编辑：测试</p></div>` +
		`<div class="share"><a href="#">微博</a> <a href="#">微信</a> <a href="#">复制链接</a></div></div>`)
	// Related and popular links, then the footer, fill the page to PageBytes.
	b.WriteString(`<div class="side"><h3>相关阅读</h3><ul>`)
	for i := 0; b.Len() < PageBytes-600; i++ {
		fmt.Fprintf(&b, `<li><a href="/articles/%d.htm" title="%[2]s">%[2]s</a><span>05-01</span></li>`,
			(n+i+1)*7919%100000, fakeweb.Filler(n, 200+i, 16))
	}
	b.WriteString(`</ul></div><div class="footer"><p><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> | ` +
		`<a href="/jobs">加入我们</a> | <a href="/legal">法律声明</a></p><p>版权所有 测试网 未经授权禁止转载</p></div>` +
		`<script>document.querySelectorAll(".share a").forEach(function (a) { a.onclick = function () { return false; }; });</script>` +
		`</body></html>`)
	return []byte(b.String())
}

// TextPage renders article n as PageBytes that are nearly all text.
func TextPage(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>基准测试第%d篇_测试网</title>`+
		`<meta property="article:published_time" content="2026-05-01T10:%02d:00+08:00"></head><body>`+
		`<nav><a href="/">首页</a> <a href="/tech">科技</a></nav><h1>基准测试第%d篇</h1><div class="article">`, n, n%60, n)
	for p := 0; b.Len() < PageBytes; p++ {
		b.WriteString("<p>")
		b.WriteString(fakeweb.Filler(n, p, 90))
		b.WriteString("</p>\n")
	}
	b.WriteString(`</div><footer>版权所有 测试网</footer></body></html>`)
	return []byte(b.String())
}
