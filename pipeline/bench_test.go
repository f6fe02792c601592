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

// benchPage renders article n: about 20 KB of made-up text that differs
// from every other page, so none is taken for a copy of another.
func benchPage(n int) []byte {
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

// benchSite serves benchPages distinct article pages.
func benchSite(b *testing.B) []string {
	pages := make([][]byte, benchPages)
	for i := range pages {
		pages[i] = benchPage(i)
	}
	return benchweb.Serve(b, pages)
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
	benchweb.Compare(b, benchPages, func() { pipelineRun(b, urls) }, func() { benchweb.Colly(b, urls) })
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
