package crawler

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"

	"github.com/newsmon/newsmon"
)

const benchPages = 200

// benchSite serves benchPages article pages of about 20 KB each.
func benchSite(b *testing.B) (*httptest.Server, []string) {
	var body strings.Builder
	body.WriteString(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>基准测试页面</title></head><body><header class="title"><h1>基准测试页面</h1></header><div class="article-content">`)
	for body.Len() < 20<<10 {
		body.WriteString("<p>这是一段用于性能测试的正文，内容由我们自己编写，用来模拟一篇普通新闻报道的长度和结构。Some English words too.</p>\n")
	}
	body.WriteString(`</div></body></html>`)
	page := []byte(body.String())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	b.Cleanup(srv.Close)
	urls := make([]string, benchPages)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/articles/%d.htm", srv.URL, i)
	}
	return srv, urls
}

func parse(body []byte) error {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return err
	}
	if doc.Find("h1").Length() != 1 {
		return fmt.Errorf("no h1")
	}
	return nil
}

// report adds pages/s and allocs/page over the whole benchmark.
func report(b *testing.B, run func()) {
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
	pages := float64(b.N * benchPages)
	b.ReportMetric(pages/elapsed.Seconds(), "pages/s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/pages, "allocs/page")
}

// BenchmarkCrawl compares the crawler (fetch, manners bookkeeping, charset
// decoding, goquery parse in OnPage) with bare colly fetching and
// goquery-parsing the same local pages, politeness delays off. The
// "interleaved" case alternates the two in one loop, so that a busy machine
// slows both alike, and reports their ratio:
//
//	go test -run '^$' -bench BenchmarkCrawl -benchtime 20x ./crawler/
func BenchmarkCrawl(b *testing.B) {
	_, urls := benchSite(b)
	ours := newsmonRun(b, urls)
	bare := func() { collyRun(b, urls) }

	b.Run("newsmon", func(b *testing.B) { report(b, ours) })
	b.Run("colly", func(b *testing.B) { report(b, bare) })
	b.Run("interleaved", func(b *testing.B) {
		var tOurs, tBare time.Duration
		for range b.N {
			start := time.Now()
			ours()
			mid := time.Now()
			bare()
			tOurs, tBare = tOurs+mid.Sub(start), tBare+time.Since(mid)
		}
		pages := float64(b.N * benchPages)
		b.ReportMetric(pages/tOurs.Seconds(), "newsmon-pages/s")
		b.ReportMetric(pages/tBare.Seconds(), "colly-pages/s")
		b.ReportMetric(tBare.Seconds()/tOurs.Seconds(), "newsmon/colly")
	})
}

// newsmonRun returns one crawl of urls with the crawler.
func newsmonRun(b *testing.B, urls []string) func() {
	c, err := New(Options{
		Settings: newsmon.CrawlSettings{Parallelism: 8, AllowPrivateNetworks: true, Timeout: 10 * time.Second},
		OnPage:   func(_ context.Context, p newsmon.Page) error { return parse(p.Body) },
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

// collyRun fetches and parses urls with a bare colly Collector (the
// baseline; the crawler's own Collector is built in newCollector).
func collyRun(b *testing.B, urls []string) {
	col := colly.NewCollector(colly.Async(true))
	col.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 8})
	var n atomic.Int64
	col.OnResponse(func(r *colly.Response) {
		if parse(r.Body) == nil {
			n.Add(1)
		}
	})
	for _, u := range urls {
		col.Visit(u)
	}
	col.Wait()
	if n.Load() != benchPages {
		b.Fatalf("colly parsed %d pages", n.Load())
	}
}
