package crawler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/benchweb"
)

const benchPages = 200

// benchSite serves benchPages copies of one article page of about 20 KB.
func benchSite(b *testing.B) []string {
	var body strings.Builder
	body.WriteString(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>基准测试页面</title></head><body><header class="title"><h1>基准测试页面</h1></header><div class="article-content">`)
	for body.Len() < 20<<10 {
		body.WriteString("<p>这是一段用于性能测试的正文，内容由我们自己编写，用来模拟一篇普通新闻报道的长度和结构。Some English words too.</p>\n")
	}
	body.WriteString(`</div></body></html>`)
	page := []byte(body.String())
	pages := make([][]byte, benchPages)
	for i := range pages {
		pages[i] = page
	}
	return benchweb.Serve(b, pages)
}

// BenchmarkCrawl compares the crawler (fetch, manners bookkeeping, charset
// decoding, goquery parse in OnPage) with bare colly fetching and
// goquery-parsing the same local pages, politeness delays off. The
// "interleaved" case alternates the two in one loop, so that a busy machine
// slows both alike, and reports their ratio:
//
//	go test -run '^$' -bench BenchmarkCrawl -benchtime 20x ./crawler/
func BenchmarkCrawl(b *testing.B) {
	urls := benchSite(b)
	benchweb.Compare(b, benchPages, newsmonRun(b, urls), func() { benchweb.Colly(b, urls) })
}

// newsmonRun returns one crawl of urls with the crawler.
func newsmonRun(b *testing.B, urls []string) func() {
	c, err := New(Options{
		Settings: newsmon.CrawlSettings{Parallelism: benchweb.Parallelism, AllowPrivateNetworks: true, Timeout: 10 * time.Second},
		OnPage:   func(_ context.Context, p newsmon.Page) error { return benchweb.Parse(p.Body) },
	})
	if err != nil {
		b.Fatal(err)
	}
	src := newsmon.Source{Name: "bench", Articles: urls}
	return func() {
		stats, err := c.Crawl(context.Background(), []newsmon.Source{src})
		if err != nil || stats["bench"].Fetched != benchPages {
			b.Fatalf("crawl: %v %+v", err, stats["bench"])
		}
	}
}
