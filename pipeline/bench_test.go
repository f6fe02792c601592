package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/benchweb"
	"github.com/newsmon/newsmon/store"
)

const benchPages = 200

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
//	go test -run '^$' -bench BenchmarkPipeline -benchtime 20x ./pipeline/
func BenchmarkPipeline(b *testing.B) {
	for _, kind := range []struct {
		name string
		page func(int) []byte
	}{{"news", benchweb.NewsPage}, {"text", benchweb.TextPage}} {
		b.Run(kind.name, func(b *testing.B) {
			urls := benchSite(b, kind.page)
			// The configuration is loaded once, as the daemon does: a cycle
			// starts from a loaded configuration.
			cfg := config.Default()
			cfg.Crawl = newsmon.CrawlSettings{Parallelism: benchweb.Parallelism, AllowPrivateNetworks: true, Timeout: 10 * time.Second, MaxBodyBytes: 1 << 20}
			benchweb.Compare(b, benchPages, func() { pipelineRun(b, cfg, urls) }, func() { benchweb.Colly(b, urls) })
		})
	}
}

// pipelineRun crawls urls into a new database and checks all were stored.
func pipelineRun(b *testing.B, cfg *config.Config, urls []string) {
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
