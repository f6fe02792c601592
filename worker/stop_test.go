package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// TestGracefulStopFinishesTheJob: a worker stopped (its context ended)
// while a page is on its way finishes that job within Grace: the article
// is published, the job acknowledged, and the page asked for once.
func TestGracefulStopFinishesTheJob(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var hits atomic.Int32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			close(arrived)
			<-release
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>停止测试</title></head><body><article><h1>停止测试</h1><p>%s</p></article></body></html>", fakeweb.Filler(1, 0, 200))
	}))
	defer site.Close()
	cfg := config.Default()
	cfg.Sources = []newsmon.Source{{Name: "s", Location: time.UTC}}
	cfg.Crawl.AllowPrivateNetworks = true
	cfg.Crawl.RespectRobots = false
	srv := natstest.Start(t)
	q := natstest.Connect(t, queue.Options{URL: srv.URL(), Partitions: 2})
	if _, err := q.PublishJob(context.Background(), queue.Job{Source: "s", URL: site.URL + "/a.htm"}); err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Options{Config: cfg, Queue: q, Grace: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-arrived:
	case <-time.After(time.Minute): // a hang, not a timing assertion
		t.Fatal("the page was never requested")
	}
	stop()
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the worker did not stop")
	}
	st, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range st {
		want := uint64(0)
		if c.Name == queue.ArticleConsumer {
			want = 1
		}
		if c.Pending != want || c.InFlight != 0 {
			t.Errorf("after a graceful stop, %s: %+v; want %d pending, none in flight", c.Name, c, want)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("page requested %d times, want once", n)
	}
}
