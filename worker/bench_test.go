package worker_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/internal/natstest"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/store"
	"github.com/newsmon/newsmon/worker"
)

// benchEnv reads an integer knob of BenchmarkWorkers (for exploring the
// benchmark's shape by hand; the defaults are the recorded figures').
func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// countingQueue counts the articles one worker publishes.
type countingQueue struct {
	*queue.Queue
	n atomic.Int64
}

func (q *countingQueue) PublishArticle(ctx context.Context, id string, data []byte) (bool, error) {
	q.n.Add(1)
	return q.Queue.PublishArticle(ctx, id, data)
}

// committedQueue counts the articles whose batch the daemon committed and
// closes done when all are.
type committedQueue struct {
	*queue.Queue
	total int64
	got   atomic.Int64
	done  chan struct{}
	once  sync.Once
}

func (q *committedQueue) ConsumeArticles(ctx context.Context, limit int, handle func(ctx context.Context, batch [][]byte) error) error {
	return q.Queue.ConsumeArticles(ctx, limit, func(ctx context.Context, batch [][]byte) error {
		err := handle(ctx, batch)
		if err == nil && q.got.Add(int64(len(batch))) >= q.total {
			q.once.Do(func() { close(q.done) })
		}
		return err
	})
}

// BenchmarkWorkers: 48 hosts (127.0.0.1-48) whose pages take 200 ms to
// answer (a real fetch takes 100-500 ms), crawl.per_host_delay 50 ms (a
// host is asked at most every 250 ms: latency plus delay),
// crawl.parallelism 4 per worker, 5 pages of each host a round, all rounds
// queued at the start; the articles consumed by the daemon's path
// (pipeline.ConsumeArticles: dedup, a bbolt store, clustering), a page
// counted when its batch is committed. The latency dominates: one
// worker's ceiling is 4 / 200 ms = 20 pages/s, three workers' 60, the
// hosts' politeness 48 / 250 ms = 192, so pages/s should grow with the
// workers; the CPU the daemon's path and the workers spend on 60 pages a
// second is a small part of 2 cores, so a loaded machine does not decide
// the ratio (with 50 ms pages it did: BENCH_LATENCY_MS=50).
// It reports the largest article backlog seen (pending and unacknowledged
// articles of the daemon's consumer, sampled every 100 ms) and the share
// of pages the busiest worker fetched.
//
//	go test -run '^$' -bench BenchmarkWorkers -benchtime 3x -count 3 ./worker/
func BenchmarkWorkers(b *testing.B) {
	hosts := benchEnv("BENCH_HOSTS", 48)
	pages := benchEnv("BENCH_PAGES", 5)
	latency := time.Duration(benchEnv("BENCH_LATENCY_MS", 200)) * time.Millisecond
	cfg := config.Default()
	cfg.Crawl.AllowPrivateNetworks = true
	cfg.Crawl.PerHostDelay = time.Duration(benchEnv("BENCH_DELAY_MS", 50)) * time.Millisecond
	cfg.Crawl.Parallelism = benchEnv("BENCH_PARALLELISM", 4)
	cfg.Crawl.RespectRobots = false
	cfg.Sources = nil
	var urls []string
	for h := range hosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", h+1))
		if err != nil {
			b.Skipf("cannot bind 127.0.0.%d: %v", h+1, err)
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(latency) // the network's latency, not synchronisation
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			// Every page its own article: the daemon stores each as new.
			seed := int(crc32.ChecksumIEEE([]byte(r.URL.Path)))&0xffffff + h<<24
			fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>页面 %s</title></head><body><article><h1>页面 %s</h1><p>%s</p><p>%s</p></article></body></html>`,
				r.URL.Path, r.URL.Path, fakeweb.Filler(seed, 0, 200), fakeweb.Filler(seed, 1, 200))
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
			total := int64(b.N * hosts * pages)
			st, err := store.Open(filepath.Join(b.TempDir(), "newsmon.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			pipe, err := pipeline.New(cfg, st, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			// The daemon's article path: dedup, store commit, clustering;
			// a batch counts once it is committed.
			aq := &committedQueue{Queue: qd, total: total, done: make(chan struct{})}
			done := aq.done
			consumed := make(chan struct{})
			go func() {
				defer close(consumed)
				_ = pipe.ConsumeArticles(ctx, aq)
			}()
			defer func() { <-consumed }()
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			var qs []*countingQueue
			for range n {
				q, err := queue.Connect(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				defer q.Close()
				cq := &countingQueue{Queue: q}
				qs = append(qs, cq)
				w, err := worker.New(worker.Options{Config: cfg, Queue: cq})
				if err != nil {
					b.Fatal(err)
				}
				wg.Go(func() { _ = w.Run(ctx) })
			}
			var backlog atomic.Uint64
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				t := time.NewTicker(100 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-done:
						return
					case <-ctx.Done():
						return
					case <-t.C:
					}
					st, err := qd.Stats(ctx)
					if err != nil {
						continue
					}
					for _, s := range st {
						if s.Name == queue.ArticleConsumer {
							if d := s.Pending + uint64(s.InFlight); d > backlog.Load() {
								backlog.Store(d)
							}
						}
					}
				}
			}()
			b.ResetTimer()
			go func() {
				for i := range b.N {
					for p := range pages {
						for h, base := range urls {
							u := fmt.Sprintf("%s/r%d/%d.htm", base, i, p)
							if _, err := qd.PublishJob(ctx, queue.Job{Source: fmt.Sprintf("h%d", h), URL: u}); err != nil {
								if ctx.Err() == nil {
									b.Error(err)
								}
								return
							}
						}
					}
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Minute):
				b.Fatalf("%d of %d articles committed after 10 minutes", aq.got.Load(), total)
			}
			b.StopTimer()
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "pages/s")
			<-sampled
			b.ReportMetric(float64(backlog.Load()), "max-backlog")
			var most int64
			for _, q := range qs {
				most = max(most, q.n.Load())
			}
			b.ReportMetric(float64(most)/float64(total), "busiest-share")
			if n, _, err := st.Stats(); err != nil || int64(n) != total {
				b.Errorf("%d articles stored (%v), want %d", n, err, total)
			}
		})
	}
}
