package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/daemon"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/internal/natstest"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/store"
	"github.com/newsmon/newsmon/worker"
)

// TestDaemonWithWorkers runs the daemon with a queue on an embedded NATS
// server and two fetch workers, in this process: the daemon fetches only
// listings, the workers the articles, and every article of the fake web
// is stored exactly once; the daemon's /metrics shows the queue.
func TestDaemonWithWorkers(t *testing.T) {
	t.Parallel()
	web := fakeweb.New(t)
	want := web.Articles()
	cfg := config.Default()
	cfg.Sources = web.Sources()
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Crawl.AllowPrivateNetworks = true
	cfg.Crawl.MaxBodyBytes = 256 << 10
	cfg.Crawl.PerHostDelay = 50 * time.Millisecond
	cfg.Crawl.Retries = 2
	cfg.Crawl.Timeout = 30 * time.Second

	srv := natstest.Start(t)
	connect := func() *queue.Queue {
		return natstest.Connect(t, queue.Options{URL: srv.URL(), Partitions: 4, AckWait: 2 * time.Second})
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	qd := connect()
	addr, runErr := runInProcess(ctx, t, daemon.Options{Config: cfg, Store: st, Queue: qd, ShutdownGrace: time.Minute})
	var wg sync.WaitGroup
	for _, name := range []string{"w1", "w2"} {
		w, err := worker.New(worker.Options{Config: cfg, Queue: connect(), Name: name, Client: &http.Client{Transport: workerTransport{}}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := w.Run(ctx); err != nil {
				t.Errorf("worker: %v", err)
			}
		})
	}

	deadline := time.Now().Add(3 * time.Minute) // a hang, not a timing assertion
	for {
		n, _, err := st.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if n >= len(want) && natstest.Drained(t, qd) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d articles stored", n, len(want))
		}
		time.Sleep(50 * time.Millisecond) // polling a condition, not ordering events
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkQueueMetrics(t, string(body), 4)
	// Per worker: the new articles of w1 and w2 add up to all of them.
	newByWorkers := 0.0
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, `newsmon_worker_articles_total{result="new",worker="`); ok {
			var v float64
			if _, err := fmt.Sscanf(rest[strings.Index(rest, "} ")+2:], "%g", &v); err != nil {
				t.Errorf("metric line %q: %v", line, err)
			}
			if w := rest[:strings.IndexByte(rest, '"')]; w != "w1" && w != "w2" {
				t.Errorf("articles counted for worker %q", w)
			}
			newByWorkers += v
		}
	}
	if int(newByWorkers) != len(want) {
		t.Errorf("newsmon_worker_articles_total{result=\"new\"} adds up to %g, want %d", newByWorkers, len(want))
	}
	cancel()
	wg.Wait()
	if err := <-runErr; err != nil {
		t.Errorf("daemon: %v", err)
	}

	web.CheckStoredArticles(t, func(fn func(newsmon.Article) error) error { return st.Articles(time.Time{}, fn) })

	// The daemon asked for listings only: the workers fetched every
	// article page.
	pages := 0
	for _, r := range web.Requests() {
		for _, w := range want {
			if slices.Contains(w.URLs, "http://"+r.Host+r.Path) {
				pages++
				if r.Header.Get("X-Test-Worker") == "" {
					t.Errorf("article page %s%s requested by the daemon", r.Host, r.Path)
				}
			}
		}
	}
	if pages < len(want) {
		t.Errorf("%d article page requests, want at least %d", pages, len(want))
	}
}

// workerTransport marks the workers' requests.
type workerTransport struct{}

func (workerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Worker", "1")
	return http.DefaultTransport.RoundTrip(r)
}

// TestDaemonKilledWithWorkers runs `newsmon daemon` with NEWSMON_NATS_URL
// as a child process and two workers in this process; the daemon is
// killed with SIGKILL once some articles are stored, while the workers go
// on publishing, and started again: every article of the fake web ends up
// stored exactly once (the killed daemon's unacknowledged batch comes back
// and is recognised), and the database is sound.
func TestDaemonKilledWithWorkers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	web := fakeweb.New(t)
	addArticles(t, web, 30)
	want := web.Articles()
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, web.Sources(), configOpts{delay: 50 * time.Millisecond, interval: time.Hour, retries: 2})
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t)
	env := []string{"NEWSMON_NATS_URL=" + srv.URL()}
	q := natstest.Connect(t, queue.Options{URL: srv.URL()})

	d := startDaemon(t, env, "--config", cfgPath)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for range 2 {
		w, err := worker.New(worker.Options{Config: cfg, Queue: q})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = w.Run(ctx) })
	}
	storedN := func(d *daemonProc) int {
		code, body := d.get("/api/v1/stats", "")
		if code != http.StatusOK {
			t.Fatalf("stats: %d %s", code, body)
		}
		var s struct{ Articles int }
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatal(err)
		}
		return s.Articles
	}
	before := 0
	d.waitFor(2*time.Minute, "five articles stored", func() bool { before = storedN(d); return before >= 5 })
	if code := d.stop(syscall.SIGKILL, 10*time.Second); code != -int(syscall.SIGKILL) {
		t.Fatalf("kill: status %d, want killed", code)
	}
	if before >= len(want) {
		t.Fatalf("all %d articles were stored before the kill: it did not interrupt the crawl", before)
	}
	t.Logf("killed with %d of %d articles stored", before, len(want))
	if err := store.Check(filepath.Join(dir, "data", "newsmon.db")); err != nil {
		t.Fatalf("after kill -9: %v", err)
	}
	d = startDaemon(t, env, "--config", cfgPath)
	// The killed daemon's batch in flight comes back after the article
	// ack wait (30 s); the bound is for a hang.
	d.waitFor(3*time.Minute, "every article stored and the queue drained", func() bool {
		return storedN(d) >= len(want) && natstest.Drained(t, q)
	})
	d.terminate()
	cancel()
	wg.Wait()
	checkStoredOnce(t, web, exportArticles(t, cfgPath))
}

// checkQueueMetrics checks the queue's figures on the daemon's /metrics
// once the queue is drained: every consumer's pending, in-flight and
// redelivered gauges are there; the job partitions' and the articles' are
// empty; the partition tokens are all accounted for (each never taken or
// taken: pending + in flight = partitions) and none changed hands more
// than there are tokens.
func checkQueueMetrics(t *testing.T, body string, partitions int) {
	t.Helper()
	values := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "newsmon_queue_") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		var v float64
		if _, err := fmt.Sscanf(val, "%g", &v); !ok || err != nil {
			t.Errorf("metric line %q: %v", line, err)
			continue
		}
		values[name] = v
	}
	consumers := []string{queue.ArticleConsumer}
	for p := range partitions {
		consumers = append(consumers, fmt.Sprintf("%s%02d", queue.JobConsumerPrefix, p))
	}
	for _, c := range consumers {
		for _, m := range []string{"pending", "in_flight", "redelivered"} {
			name := fmt.Sprintf(`newsmon_queue_%s{consumer=%q}`, m, c)
			v, ok := values[name]
			switch {
			case !ok:
				t.Errorf("/metrics lacks %s", name)
			case m != "redelivered" && v != 0:
				t.Errorf("%s = %g on a drained queue, want 0", name, v)
			case v < 0:
				t.Errorf("%s = %g", name, v)
			}
		}
	}
	tok := func(m string) float64 {
		name := fmt.Sprintf(`newsmon_queue_%s{consumer=%q}`, m, queue.PartitionConsumer)
		v, ok := values[name]
		if !ok {
			t.Errorf("/metrics lacks %s", name)
		}
		return v
	}
	pending, inFlight, redelivered := tok("pending"), tok("in_flight"), tok("redelivered")
	if pending < 0 || inFlight < 1 || pending+inFlight != float64(partitions) {
		t.Errorf("partition tokens: %g pending + %g in flight, want %d together, at least one taken", pending, inFlight, partitions)
	}
	if redelivered < 0 || redelivered > float64(partitions) {
		t.Errorf("partition tokens: %g redelivered, want 0 to %d", redelivered, partitions)
	}
}
