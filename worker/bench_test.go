package worker_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/internal/natstest"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/worker"
)

// BenchmarkWorkers: 12 hosts (127.0.0.1-12) whose pages take 30 ms to
// answer, 20 pages each a round, fetched by one worker and by three
// (crawl.parallelism 4 each, no per-host delay), articles consumed and
// acknowledged without a store. The latency dominates, so pages/s should
// grow with the workers.
//
//	go test -run '^$' -bench BenchmarkWorkers -benchtime 5x ./worker/
func BenchmarkWorkers(b *testing.B) {
	const hosts, pages = 12, 20
	var urls []string
	cfg := config.Default()
	cfg.Crawl.AllowPrivateNetworks = true
	cfg.Crawl.PerHostDelay = 0
	cfg.Crawl.Parallelism = 4
	cfg.Crawl.RespectRobots = false
	cfg.Sources = nil
	for h := range hosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", h+1))
		if err != nil {
			b.Skipf("cannot bind 127.0.0.%d: %v", h+1, err)
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(30 * time.Millisecond) // the network's latency, not synchronisation
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>页面 %s</title></head><body><article><h1>页面 %s</h1><p>%s</p><p>%s</p></article></body></html>`,
				r.URL.Path, r.URL.Path, fakeweb.Filler(h, 0, 200), fakeweb.Filler(h, 1, 200))
		}))
		srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		b.Cleanup(srv.Close)
		cfg.Sources = append(cfg.Sources, newsmon.Source{Name: fmt.Sprintf("h%d", h), Location: time.UTC})
		urls = append(urls, srv.URL)
	}
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			srv := natstest.Start(b)
			opts := queue.Options{URL: srv.URL()}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			qd, err := queue.Connect(ctx, opts)
			if err != nil {
				b.Fatal(err)
			}
			defer qd.Close()
			var got atomic.Int64
			round := make(chan struct{}, 1)
			go func() {
				_ = qd.ConsumeArticles(ctx, 64, func(_ context.Context, batch [][]byte) error {
					if got.Add(int64(len(batch)))%(hosts*pages) == 0 {
						round <- struct{}{}
					}
					return nil
				})
			}()
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			for range n {
				q, err := queue.Connect(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				defer q.Close()
				w, err := worker.New(worker.Options{Config: cfg, Queue: q})
				if err != nil {
					b.Fatal(err)
				}
				wg.Go(func() { _ = w.Run(ctx) })
			}
			b.ResetTimer()
			for i := range b.N {
				for p := range pages {
					for h, base := range urls {
						u := fmt.Sprintf("%s/r%d/%d.htm", base, i, p)
						if _, err := qd.PublishJob(ctx, queue.Job{Source: fmt.Sprintf("h%d", h), URL: u}); err != nil {
							b.Fatal(err)
						}
					}
				}
				<-round
			}
			b.ReportMetric(float64(b.N*hosts*pages)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
