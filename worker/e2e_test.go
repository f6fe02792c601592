package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/internal/natstest"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/server"
	"github.com/newsmon/newsmon/store"
	"github.com/newsmon/newsmon/worker"
)

// workerHeader names, on every request, the worker that sent it.
const workerHeader = "X-Test-Worker"

// pageLatency is added to each request of a worker: pages take a
// network's time to come.
const pageLatency = 25 * time.Millisecond

type namedTransport struct {
	name string
	base http.RoundTripper
}

func (t namedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(workerHeader, t.name)
	time.Sleep(pageLatency) // the network's latency, not synchronisation
	return t.base.RoundTrip(r)
}

// killAfterPublish cancels its worker right after the first article whose
// URL contains target is published, before the job is acknowledged: a
// worker dying between publish and ack.
type killAfterPublish struct {
	worker.Queue
	target string
	once   *sync.Once
	kill   func()
	killed *atomic.Bool
}

func (k killAfterPublish) PublishArticle(ctx context.Context, id string, data []byte) (bool, error) {
	dup, err := k.Queue.PublishArticle(ctx, id, data)
	if err == nil && strings.Contains(string(data), k.target) {
		k.once.Do(func() { k.killed.Store(true); k.kill() })
	}
	return dup, err
}

// TestWorkersCrawlTheFakeWeb: the daemon's side (a pipeline whose cycle
// publishes fetch jobs and which consumes articles into a real store) and
// three workers on one embedded NATS server crawl the fake web (three
// hosts, 200 articles and more pages, each worker request 25 ms late).
// One worker is killed while the server holds its request for one page;
// another is killed after publishing an article and before acknowledging
// its job. A second discovery cycle runs while the workers fetch. Every
// article is stored exactly once, both killed jobs are fetched again by
// the others, and no host sees two requests closer than the delay (timed
// at the server), whether the workers' or the daemon's listings.
func TestWorkersCrawlTheFakeWeb(t *testing.T) {
	t.Parallel()
	crawlFakeWeb(t, natstest.Start(t).URL())
}

// TestWorkersCrawlTheFakeWebOnNATSServer is the same against a real
// `nats-server -js` process, when one is on PATH (Debian: nats-server).
func TestWorkersCrawlTheFakeWebOnNATSServer(t *testing.T) {
	t.Parallel()
	crawlFakeWeb(t, natstest.Binary(t))
}

func crawlFakeWeb(t *testing.T, natsURL string) {
	web := fakeweb.New(t)
	third, thirdSrc := web.AddNewsHost(t, "127.0.0.3", "fakenews3")
	for i := range 200 {
		h := web.News
		if i%3 == 2 {
			h = third
		}
		h.AddArticle(t, fakeweb.ArticleSpec{
			Path:       fmt.Sprintf("/articles/tech/%d.htm", 7000+i),
			Title:      fmt.Sprintf("测试新闻第%d号：分布式抓取的一篇文章", i),
			Published:  time.Date(2026, 5, 2, 9, 0, 0, 0, fakeweb.CST).Add(time.Duration(i) * time.Minute),
			Paragraphs: []string{fakeweb.Filler(100+i, 0, 120), fakeweb.Filler(100+i, 1, 120)},
		})
	}
	want := web.Articles()
	delay := 60 * time.Millisecond
	cfg := config.Default()
	cfg.Sources = append(web.Sources(), thirdSrc)
	cfg.Crawl.AllowPrivateNetworks = true
	cfg.Crawl.MaxBodyBytes = 256 << 10
	cfg.Crawl.PerHostDelay = delay
	cfg.Crawl.Retries = 2
	cfg.Crawl.Parallelism = 4
	cfg.Crawl.Timeout = 30 * time.Second

	// AckWait 2s: a killed worker's job comes back after at least 2/3 of
	// it (the last InProgress), far more than the delay.
	qopts := queue.Options{URL: natsURL, Partitions: 8, AckWait: 2 * time.Second}
	connect := func() *queue.Queue { return natstest.Connect(t, qopts) }

	// The daemon's side.
	st, err := store.Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := pipeline.New(cfg, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	qd := connect()
	p.SetDispatch(func(ctx context.Context, src newsmon.Source, u string) error {
		_, err := qd.PublishJob(ctx, queue.Job{Source: src.Name, URL: u, Canonical: pipeline.CanonicalURL(src, u)})
		return err
	})
	// The daemon's own requests (listings, robots.txt) are paced with the
	// workers', by the worker holding the host's partition.
	p.SetBorrow(qd.Borrow)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	consumed := make(chan error, 1)
	go func() { consumed <- p.ConsumeArticles(ctx, qd) }()

	// The page held open until its worker is killed.
	held := "/articles/tech/7010.htm" // on News
	killHeld := make(chan string, 1)
	var heldOnce sync.Once
	web.News.Handle(held, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		first := false
		heldOnce.Do(func() { first = true })
		if !first {
			return
		}
		web.News.Handle(held, nil) // later requests get the page
		killHeld <- r.Header.Get(workerHeader)
		<-r.Context().Done()
	}))
	published := want[0].URL // the article published before its job is acked

	var wg sync.WaitGroup
	cancels := map[string]context.CancelFunc{}
	var killedAfterPublish atomic.Bool
	var publishOnce sync.Once
	metrics := map[string]*server.Metrics{}
	for _, name := range []string{"w1", "w2", "w3"} {
		wctx, wcancel := context.WithCancel(ctx)
		cancels[name] = wcancel
		metrics[name] = server.NewMetrics()
		w, err := worker.New(worker.Options{
			Config:  cfg,
			Queue:   killAfterPublish{Queue: connect(), target: published, once: &publishOnce, kill: wcancel, killed: &killedAfterPublish},
			Metrics: metrics[name],
			Client:  &http.Client{Transport: namedTransport{name, http.DefaultTransport}},
		})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := w.Run(wctx); err != nil {
				t.Errorf("worker %s: %v", name, err)
			}
		})
	}

	sum, err := p.Run(ctx, cfg.Sources, nil)
	if err != nil {
		t.Fatalf("discovery cycle: %v", err)
	}
	tot := sum.Totals()
	if tot.Dispatched < len(want) || tot.Fetched != 0 || tot.Failed != 0 {
		t.Fatalf("cycle dispatched %d article URLs, fetched %d and failed %d, want at least %d, none and none: %+v", tot.Dispatched, tot.Fetched, tot.Failed, len(want), tot)
	}
	// A second cycle while the workers fetch: its listings ask the hosts
	// the workers are asking.
	second := make(chan error, 1)
	go func() {
		sum, err := p.Run(ctx, cfg.Sources, nil)
		if tot := sum.Totals(); err == nil && tot.Failed != 0 {
			err = fmt.Errorf("%d failed: %v", tot.Failed, tot.Reasons)
		}
		second <- err
	}()

	select {
	case name := <-killHeld:
		cancels[name]()
	case <-time.After(2 * time.Minute): // a hang, not a timing assertion
		t.Fatal("the held page was never requested")
	}
	if err := <-second; err != nil {
		t.Errorf("second discovery cycle: %v", err)
	}

	// Wait until every article is stored and the queue is empty.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		n, _, err := st.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if n >= len(want) && natstest.Drained(t, qd) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d articles stored; queue %+v", n, len(want), stats(t, qd))
		}
		time.Sleep(50 * time.Millisecond) // polling a condition, not ordering events
	}
	cancel()
	wg.Wait()
	if err := <-consumed; err != nil && ctx.Err() == nil {
		t.Errorf("consumer: %v", err)
	}

	// Every article exactly once.
	web.CheckStoredArticles(t, func(fn func(newsmon.Article) error) error { return st.Articles(time.Time{}, fn) })

	// Both killed jobs were fetched again.
	reqs := web.Requests()
	count := func(u string) int {
		n := 0
		for _, r := range reqs {
			if "http://"+r.Host+r.Path == u {
				n++
			}
		}
		return n
	}
	if n := count(web.News.URL + held); n != 2 {
		t.Errorf("held page requested %d times, want twice (killed, then redelivered)", n)
	}
	if !killedAfterPublish.Load() {
		t.Error("no worker was killed after publishing")
	} else if n := count(published); n != 2 {
		t.Errorf("article published before its ack requested %d times, want twice", n)
	}
	dups := 0.0
	for _, m := range metrics {
		dups += jobs(t, m, "duplicate")
	}
	if dups < 1 {
		t.Error("no worker saw its publish dropped as a duplicate")
	}

	// Politeness across the workers and the daemon (its requests carry no
	// worker's name), timed at the server.
	interleaved := false
	for _, host := range []string{web.News.Name, web.Finance.Name, third.Name} {
		var times []time.Time
		by := map[string]int{}
		var firstWorker time.Time
		for _, r := range reqs {
			if r.Host == host {
				times = append(times, r.Time)
				by[r.Header.Get(workerHeader)]++
				if r.Header.Get(workerHeader) != "" && (firstWorker.IsZero() || r.Time.Before(firstWorker)) {
					firstWorker = r.Time
				}
			}
		}
		for _, r := range reqs {
			if r.Host == host && r.Header.Get(workerHeader) == "" && !firstWorker.IsZero() && r.Time.After(firstWorker) {
				interleaved = true // the daemon asked the host while workers did
			}
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		shortest := time.Duration(-1)
		for i := 1; i < len(times); i++ {
			gap := times[i].Sub(times[i-1])
			if shortest < 0 || gap < shortest {
				shortest = gap
			}
			if gap < delay {
				t.Errorf("%s: requests %d and %d arrived %s apart, under the delay %s", host, i-1, i, gap, delay)
			}
		}
		t.Logf("%s: %d requests (by worker, the daemon's under \"\": %v), shortest gap %s", host, len(times), by, shortest)
	}
	if !interleaved {
		t.Error("no request of the daemon came after a worker's on the same host: the test shows nothing of their pacing")
	}
}

func stats(t *testing.T, q *queue.Queue) []queue.ConsumerStats {
	t.Helper()
	s, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jobs returns newsmon_worker_jobs_total{result}.
func jobs(t *testing.T, m *server.Metrics, result string) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "newsmon_worker_jobs_total" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			if label(mt, "result") == result {
				return mt.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
