package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/benchweb"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/store"
)

const benchPages = 200

// The benchmark pages are 20 KB each, as in the issue, in two kinds:
//
//   - newsPage imitates a Chinese portal's article page: a median-length
//     article (1,260 characters, the median body of the Chinese pages in
//     ../shared/data/extract, where the body is a median 9% of the page's
//     bytes) inside the page's head, scripts, navigation, related and
//     popular links and footer;
//   - textPage is a stress case: 20 KB that are nearly all article text
//     (about 6,800 characters), so every stage that reads the text does
//     five times the usual work.
const pageBytes = 20 << 10

// newsPage renders article n as a portal page of pageBytes.
func newsPage(n int) []byte {
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
	// Related and popular links, then the footer, fill the page to pageBytes.
	b.WriteString(`<div class="side"><h3>相关阅读</h3><ul>`)
	for i := 0; b.Len() < pageBytes-600; i++ {
		fmt.Fprintf(&b, `<li><a href="/articles/%d.htm" title="%[2]s">%[2]s</a><span>05-01</span></li>`,
			(n+i+1)*7919%100000, fakeweb.Filler(n, 200+i, 16))
	}
	b.WriteString(`</ul></div><div class="footer"><p><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> | ` +
		`<a href="/jobs">加入我们</a> | <a href="/legal">法律声明</a></p><p>版权所有 测试网 未经授权禁止转载</p></div>` +
		`<script>document.querySelectorAll(".share a").forEach(function (a) { a.onclick = function () { return false; }; });</script>` +
		`</body></html>`)
	return []byte(b.String())
}

// textPage renders article n as pageBytes that are nearly all text.
func textPage(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>基准测试第%d篇_测试网</title>`+
		`<meta property="article:published_time" content="2026-05-01T10:%02d:00+08:00"></head><body>`+
		`<nav><a href="/">首页</a> <a href="/tech">科技</a></nav><h1>基准测试第%d篇</h1><div class="article">`, n, n%60, n)
	for p := 0; b.Len() < pageBytes; p++ {
		b.WriteString("<p>")
		b.WriteString(fakeweb.Filler(n, p, 90))
		b.WriteString("</p>\n")
	}
	b.WriteString(`</div><footer>版权所有 测试网</footer></body></html>`)
	return []byte(b.String())
}

// benchSite serves benchPages distinct pages made by page.
func benchSite(b *testing.B, page func(int) []byte) []string {
	pages := make([][]byte, benchPages)
	for i := range pages {
		pages[i] = page(i)
	}
	return benchweb.Serve(b, pages)
}

// BenchmarkPipeline measures whole crawl cycles (fetch, charset decoding,
// extraction, dedup, clustering, storing in a fresh database) against bare
// colly fetching and goquery-parsing the same pages: the ceiling. The
// "interleaved" case alternates the two so that a busy machine slows both
// alike, and reports their ratio:
//
//	go test -run '^$' -bench BenchmarkPipeline -benchtime 10x ./pipeline/
func BenchmarkPipeline(b *testing.B) {
	for _, kind := range []struct {
		name string
		page func(int) []byte
	}{{"news", newsPage}, {"text", textPage}} {
		b.Run(kind.name, func(b *testing.B) {
			urls := benchSite(b, kind.page)
			benchweb.Compare(b, benchPages, func() { pipelineRun(b, urls) }, func() { benchweb.Colly(b, urls) })
		})
	}
}

// pipelineRun crawls urls into a new database and checks all were stored.
func pipelineRun(b *testing.B, urls []string) {
	cfg := config.Default()
	cfg.Crawl = newsmon.CrawlSettings{Parallelism: benchweb.Parallelism, AllowPrivateNetworks: true, Timeout: 10 * time.Second, MaxBodyBytes: 1 << 20}
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p, err := New(cfg, st, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	sum, err := p.Run(context.Background(), []newsmon.Source{{Name: "bench", Location: time.UTC, Articles: urls}}, nil)
	if err != nil || sum.Sources[0].New != benchPages {
		b.Fatalf("pipeline: %v %+v", err, sum.Sources)
	}
}
