package queue_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/newsmon/newsmon/internal/natstest"
	"github.com/newsmon/newsmon/queue"
)

// BenchmarkPublishJob: one job published (file storage, message id) and
// acknowledged by the server, one at a time.
func BenchmarkPublishJob(b *testing.B) {
	srv := natstest.Start(b)
	q, err := queue.Connect(context.Background(), queue.Options{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.PublishJob(ctx, queue.Job{Source: "s", URL: fmt.Sprintf("https://h%d.example/a/%d", i%64, i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkArticleRoundTrip: articles of 8 KB published, then consumed in
// batches and acknowledged: the daemon's side without the store.
func BenchmarkArticleRoundTrip(b *testing.B) {
	srv := natstest.Start(b)
	q, err := queue.Connect(context.Background(), queue.Options{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := make([]byte, 8<<10)
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.PublishArticle(ctx, fmt.Sprint(i), data); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		_ = q.ConsumeArticles(ctx, 64, func(_ context.Context, batch [][]byte) error {
			if n.Add(int64(len(batch))) >= int64(b.N) {
				select {
				case <-done:
				default:
					close(done)
				}
			}
			return nil
		})
	}()
	<-done
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}
