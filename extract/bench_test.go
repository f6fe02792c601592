package extract

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon/internal/benchweb"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// zhBenchPage renders article n as the pipeline benchmark does: about
// 20 KB of made-up Chinese text in paragraphs under a heading, with a
// navigation bar and a footer.
func zhBenchPage(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>基准测试第%d篇_测试网</title>`+
		`<meta property="article:published_time" content="2026-05-01T10:%02d:00+08:00"></head><body>`+
		`<nav><a href="/">首页</a> <a href="/tech">科技</a></nav><h1>基准测试第%d篇</h1><div class="article">`, n, n%60, n)
	for p := 0; b.Len() < 20<<10; p++ {
		b.WriteString("<p>")
		b.WriteString(fakeweb.Filler(n, p, 90))
		b.WriteString("</p>\n")
	}
	b.WriteString(`</div><footer>版权所有 测试网</footer></body></html>`)
	return []byte(b.String())
}

// zhPortalPage is a portal-style page of about 20 KB of article text
// inside more chrome: header links, a byline, a sidebar of related links
// and a long footer.
func zhPortalPage(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>门户测试第%d篇_新闻中心_测试网</title>`+
		`<meta name="keywords" content="测试,新闻"><script>var x = 1;</script><style>p{margin:0}</style></head><body>`+
		`<div id="header"><ul class="nav">`, n)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, `<li><a href="/c/%d">频道%d</a></li>`, i, i)
	}
	fmt.Fprintf(&b, `</ul></div><div class="main"><div class="left"><h1 class="title">门户测试第%d篇</h1>`+
		`<div class="info"><span class="time">2026年05月01日 10:%02d</span> <span class="source">来源：测试日报</span> 作者：张三</div>`+
		`<div class="content" id="artibody">`, n, n%60)
	for p := 0; b.Len() < 22<<10; p++ {
		b.WriteString("<p>　　")
		b.WriteString(fakeweb.Filler(n, p, 60+p%5*10))
		if p%4 == 1 {
			b.WriteString(`<strong>`)
			b.WriteString(fakeweb.Filler(n, p+1000, 12))
			b.WriteString(`</strong>`)
		}
		b.WriteString("</p>\n")
	}
	b.WriteString(`<p class="editor">（责任编辑：李四）</p></div></div><div class="right"><h3>相关新闻</h3><ul>`)
	for i := 0; i < 15; i++ {
		fmt.Fprintf(&b, `<li><a href="/a/%d.html">%s</a><span>05-0%d</span></li>`, i, fakeweb.Filler(n+1, i, 16), i%9+1)
	}
	b.WriteString(`</ul></div></div><div id="footer"><p>关于我们 | 联系方式 | 广告服务 | 网站地图</p><p>版权所有 测试网 Copyright 2026</p></div></body></html>`)
	return []byte(b.String())
}

// BenchmarkExtractLong extracts 20 KB Chinese article pages (the
// pipeline benchmark's page and a portal-style one):
//
//	go test -run '^$' -bench ExtractLong -benchmem ./extract/
func BenchmarkExtractLong(b *testing.B) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 5, 2, 0, 0, 0, 0, loc)
	for _, bc := range []struct {
		name string
		page []byte
	}{
		{"pipeline", zhBenchPage(7)},
		{"portal", zhPortalPage(7)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.page)))
			b.ReportAllocs()
			for b.Loop() {
				art, err := Extract(Input{HTML: bc.page, FetchedAt: now, Location: loc})
				if err != nil || len(art.Body) < 15<<10 {
					b.Fatalf("extract: %v, body %d bytes", err, len(art.Body))
				}
			}
		})
	}
}

// BenchmarkExtractNews extracts the pipeline benchmark's page: a 20 KB
// Chinese portal page whose article is 1,260 characters.
//
//	go test -run '^$' -bench ExtractNews -benchmem ./extract/
func BenchmarkExtractNews(b *testing.B) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 5, 2, 0, 0, 0, 0, loc)
	pages := make([][]byte, 16)
	size := 0
	for i := range pages {
		pages[i] = benchweb.NewsPage(i)
		size += len(pages[i])
	}
	b.SetBytes(int64(size / len(pages)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		art, err := Extract(Input{URL: "https://news.example.com/a/1.html", HTML: pages[i%len(pages)], FetchedAt: now, Location: loc})
		if err != nil || art.Title == "" || len(art.Body) < 3000 {
			b.Fatalf("extract: %v, title %q, body %d bytes", err, art.Title, len(art.Body))
		}
		i++
	}
}
