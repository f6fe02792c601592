package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/store"
)

const benchPages = 200

// benchPage renders article n: about 20 KB of made-up text that differs
// from every other page, so none is taken for a copy of another.
func benchPage(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>基准测试第%d篇_测试网</title>`+
		`<meta property="article:published_time" content="2026-05-01T10:%02d:00+08:00"></head><body>`+
		`<nav><a href="/">首页</a> <a href="/tech">科技</a></nav><h1>基准测试第%d篇</h1><div class="article">`, n, n%60, n)
	for p := 0; b.Len() < 20<<10; p++ {
		b.WriteString("<p>")
		b.WriteString(madeUpText(n, p, 90))
		b.WriteString("</p>\n")
	}
	b.WriteString(`</div><footer>版权所有 测试网</footer></body></html>`)
	return []byte(b.String())
}

// madeUpText is deterministic filler, different for every (seed, n).
func madeUpText(seed, n, runes int) string {
	const chars = "天地人和日月山水风云春夏秋冬东南西北城市乡村工厂学校医院银行公司市场政府法院科技网络手机电脑数据安全隐私算法系统平台用户记者报道发布消息表示认为"
	rs := []rune(chars)
	x := uint32(seed*7919 + n*104729 + 1)
	var b strings.Builder
	for i := range runes {
		x = x*1664525 + 1013904223
		b.WriteRune(rs[int(x>>8)%len(rs)])
		if i%25 == 24 {
			b.WriteString("，")
		}
	}
	b.WriteString("。")
	return b.String()
}

func benchSite(b *testing.B) []string {
	pages := make([][]byte, benchPages)
	for i := range pages {
		pages[i] = benchPage(i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(r.URL.Path), ".htm"))
		if err != nil || n < 0 || n >= len(pages) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[n])
	}))
	b.Cleanup(srv.Close)
	urls := make([]string, benchPages)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/articles/%d.htm", srv.URL, i)
	}
	return urls
}

// BenchmarkPipeline measures a whole crawl cycle (fetch, charset decoding,
// extraction, dedup, clustering, storing in a fresh database) against bare
// colly fetching and goquery-parsing the same pages: the ceiling. The
// "interleaved" case alternates the two so that a busy machine slows both
// alike, and reports their ratio:
//
//	go test -run '^$' -bench BenchmarkPipeline -benchtime 10x ./pipeline/
func BenchmarkPipeline(b *testing.B) {
	urls := benchSite(b)
	ours := func() { pipelineRun(b, urls) }
	bare := func() { collyRun(b, urls) }
	b.Run("newsmon", func(b *testing.B) { report(b, ours) })
	b.Run("colly+goquery", func(b *testing.B) { report(b, bare) })
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

// pipelineRun crawls urls into a new database and checks all were stored.
func pipelineRun(b *testing.B, urls []string) {
	cfg := config.Default()
	cfg.Crawl = newsmon.CrawlSettings{Parallelism: 8, AllowPrivateNetworks: true, Timeout: 10 * time.Second, MaxBodyBytes: 1 << 20}
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

// collyRun fetches and parses urls with a bare colly Collector.
func collyRun(b *testing.B, urls []string) {
	col := colly.NewCollector(colly.Async(true))
	col.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 8})
	var n atomic.Int64
	col.OnResponse(func(r *colly.Response) {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
		if err == nil && doc.Find("h1").Length() == 1 {
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
