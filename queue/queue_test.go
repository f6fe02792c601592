package queue_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/natstest"
	"github.com/newsmon/newsmon/queue"
)

// connect opens a queue on srv with a short AckWait, so redeliveries come
// soon; no test asserts how soon.
func connect(t *testing.T, srv *natstest.Server, partitions int) *queue.Queue {
	t.Helper()
	q, err := queue.Connect(context.Background(), queue.Options{URL: srv.URL(), Partitions: partitions, AckWait: 300 * time.Millisecond, ArticleAckWait: 300 * time.Millisecond, Lease: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q
}

// wait receives from ch or fails the test after a minute (a hang, not a
// timing assertion).
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestPartition(t *testing.T) {
	tests := []struct{ a, b string }{
		{"example.com", "EXAMPLE.com"},
		{"example.com", "example.com."},
		{"news.example.org", "news.example.org"},
	}
	for _, tt := range tests {
		if pa, pb := queue.Partition(tt.a, 16), queue.Partition(tt.b, 16); pa != pb {
			t.Errorf("Partition(%q)=%d, Partition(%q)=%d: one host, two partitions", tt.a, pa, tt.b, pb)
		}
	}
	seen := map[int]bool{}
	for i := range 200 {
		p := queue.Partition(fmt.Sprintf("host%d.example", i), 16)
		if p < 0 || p >= 16 {
			t.Fatalf("partition %d out of range", p)
		}
		seen[p] = true
	}
	if len(seen) < 12 {
		t.Errorf("200 hosts fell on %d of 16 partitions", len(seen))
	}
}

func TestConnectRefusesBadPartitions(t *testing.T) {
	srv := natstest.Start(t)
	if _, err := queue.Connect(context.Background(), queue.Options{URL: srv.URL(), Partitions: -1}); err == nil {
		t.Fatal("negative partitions accepted")
	}
	if _, err := queue.Connect(context.Background(), queue.Options{URL: "nats://127.0.0.1:1"}); err == nil {
		t.Fatal("connected to nothing")
	}
}

func TestPublishJobDeduplicates(t *testing.T) {
	srv := natstest.Start(t)
	q := connect(t, srv, 4)
	ctx := context.Background()
	j := queue.Job{Source: "s", URL: "https://a.example/x?utm=1", Canonical: "https://a.example/x"}
	if dup, err := q.PublishJob(ctx, j); err != nil || dup {
		t.Fatalf("first publish: dup=%v err=%v", dup, err)
	}
	j.URL = "https://a.example/x"
	if dup, err := q.PublishJob(ctx, j); err != nil || !dup {
		t.Fatalf("same canonical URL again: dup=%v err=%v, want a duplicate", dup, err)
	}
	if _, err := q.PublishJob(ctx, queue.Job{Source: "s", URL: "no-host"}); err == nil {
		t.Fatal("job without a host accepted")
	}
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pending uint64
	for _, c := range st {
		pending += c.Pending
	}
	if pending != 1 {
		t.Fatalf("%d jobs queued, want 1", pending)
	}
}

// TestPartitionHeldByOneWorkerAtATime: two workers consume the jobs of
// two hosts on one partition. Whoever holds the partition runs several of
// its jobs at once (one per host here: a host is asked once at a time until
// a job of it showed it has no delay), and no job of the partition ever
// runs on one worker while a job of it runs on the other.
func TestPartitionHeldByOneWorkerAtATime(t *testing.T) {
	srv := natstest.Start(t)
	q1, q2 := connect(t, srv, 1), connect(t, srv, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 40
	for i := range n {
		host := []string{"a.example", "b.example"}[i%2]
		if _, err := q1.PublishJob(ctx, queue.Job{Source: "s", URL: fmt.Sprintf("https://%s/%d", host, i)}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	active := map[string]int{}
	maxActive := 0
	overlaps := 0
	handled := map[string]int{}
	two := make(chan struct{})
	all := make(chan struct{})
	var twoOnce, allOnce sync.Once
	handler := func(name string) queue.JobHandler {
		return func(ctx context.Context, j queue.Job, _ queue.JobInfo) error {
			mu.Lock()
			active[name]++
			for other, k := range active {
				if other != name && k > 0 {
					overlaps++
				}
			}
			maxActive = max(maxActive, active[name])
			if active[name] == 2 {
				twoOnce.Do(func() { close(two) })
			}
			mu.Unlock()
			// The first job waits until a second of the partition runs
			// beside it on the same worker.
			wait(t, two, "two jobs of the partition at once")
			mu.Lock()
			defer mu.Unlock()
			active[name]--
			handled[j.URL]++
			if len(handled) == n {
				allOnce.Do(func() { close(all) })
			}
			return nil
		}
	}
	opts := queue.ConsumeOptions{Parallelism: 4}
	var wg sync.WaitGroup
	wg.Go(func() { _ = q1.ConsumeJobs(ctx, opts, handler("w1")) })
	wg.Go(func() { _ = q2.ConsumeJobs(ctx, opts, handler("w2")) })
	wait(t, all, "every job")
	cancel()
	wg.Wait()
	if overlaps > 0 {
		t.Errorf("%d times a job of the partition started on one worker while one ran on the other", overlaps)
	}
	if maxActive > queue.DefaultJobsPerPartition {
		t.Errorf("%d jobs of one partition at once, want at most %d", maxActive, queue.DefaultJobsPerPartition)
	}
	for u, k := range handled {
		if k != 1 {
			t.Errorf("%s handled %d times", u, k)
		}
	}
}

// TestHandoverKeepsTheDelay: a worker that gives a partition back (it
// stops) hands it over only once its hosts may be asked again by its own
// reckoning (NotBefore), although the next worker knows nothing of them.
func TestHandoverKeepsTheDelay(t *testing.T) {
	srv := natstest.Start(t)
	q1, q2 := connect(t, srv, 1), connect(t, srv, 1)
	ctx := context.Background()
	publish := func(i int) {
		t.Helper()
		if _, err := q1.PublishJob(ctx, queue.Job{Source: "s", URL: fmt.Sprintf("https://a.example/%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	publish(0)
	const delay = 700 * time.Millisecond
	var mu sync.Mutex
	var end1 time.Time
	ctx1, stop1 := context.WithCancel(ctx)
	done1 := make(chan error, 1)
	go func() {
		done1 <- q1.ConsumeJobsUntil(ctx1, ctx, queue.ConsumeOptions{
			Parallelism: 1,
			NotBefore: func(string) time.Time {
				mu.Lock()
				defer mu.Unlock()
				if end1.IsZero() {
					return time.Time{}
				}
				return end1.Add(delay)
			},
		}, func(ctx context.Context, j queue.Job, _ queue.JobInfo) error {
			mu.Lock()
			end1 = time.Now()
			mu.Unlock()
			stop1() // one job, then stop taking more: the partition goes back
			return nil
		})
	}()
	wait(t, done1, "the first worker")
	publish(1) // for the second worker only
	ctx2, stop2 := context.WithCancel(ctx)
	defer stop2()
	start2 := make(chan time.Time, 1)
	go func() {
		_ = q2.ConsumeJobs(ctx2, queue.ConsumeOptions{Parallelism: 1}, func(ctx context.Context, j queue.Job, _ queue.JobInfo) error {
			start2 <- time.Now()
			return nil
		})
	}()
	got := wait(t, start2, "the second worker's job")
	mu.Lock()
	defer mu.Unlock()
	if gap := got.Sub(end1); gap < delay {
		t.Errorf("second worker asked the host %s after the first, want at least %s", gap, delay)
	}
}

// TestJobOfCancelledWorkerIsRedelivered: a worker whose context ends
// mid-job acknowledges nothing; another worker gets the job again.
func TestJobOfCancelledWorkerIsRedelivered(t *testing.T) {
	srv := natstest.Start(t)
	q1, q2 := connect(t, srv, 2), connect(t, srv, 2)
	ctx := context.Background()
	if _, err := q1.PublishJob(ctx, queue.Job{Source: "s", URL: "https://a.example/1"}); err != nil {
		t.Fatal(err)
	}
	ctx1, kill := context.WithCancel(ctx)
	got1 := make(chan queue.JobInfo, 1)
	done1 := make(chan error, 1)
	go func() {
		done1 <- q1.ConsumeJobs(ctx1, queue.ConsumeOptions{}, func(ctx context.Context, j queue.Job, info queue.JobInfo) error {
			got1 <- info
			kill() // dies mid-job
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	if info := wait(t, got1, "the first delivery"); info.Delivered != 1 {
		t.Fatalf("first delivery numbered %d", info.Delivered)
	}
	if err := wait(t, done1, "the killed worker"); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed worker returned %v", err)
	}
	ctx2, stop := context.WithCancel(ctx)
	defer stop()
	got2 := make(chan queue.JobInfo, 1)
	go func() {
		_ = q2.ConsumeJobs(ctx2, queue.ConsumeOptions{}, func(ctx context.Context, j queue.Job, info queue.JobInfo) error {
			got2 <- info
			return nil
		})
	}()
	if info := wait(t, got2, "the redelivery"); info.Delivered != 2 {
		t.Fatalf("redelivery numbered %d, want 2", info.Delivered)
	}
}

// TestFailedJobIsRetried: a handler's error hands the job back.
func TestFailedJobIsRetried(t *testing.T) {
	srv := natstest.Start(t)
	q := connect(t, srv, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := q.PublishJob(ctx, queue.Job{Source: "s", URL: "https://a.example/1"}); err != nil {
		t.Fatal(err)
	}
	ok := make(chan queue.JobInfo, 1)
	go func() {
		_ = q.ConsumeJobs(ctx, queue.ConsumeOptions{}, func(ctx context.Context, j queue.Job, info queue.JobInfo) error {
			if info.Delivered == 1 {
				return errors.New("transient")
			}
			ok <- info
			return nil
		})
	}()
	if info := wait(t, ok, "the retry"); info.Delivered != 2 {
		t.Fatalf("retry numbered %d", info.Delivered)
	}
}

// TestArticlesAcknowledgedAfterHandler: a batch whose handler fails comes
// back; one handled is not delivered again, and a copy published again
// (a1) is dropped at publish.
func TestArticlesAcknowledgedAfterHandler(t *testing.T) {
	srv := natstest.Start(t)
	q := connect(t, srv, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, id := range []string{"a1", "a2", "a3", "a1"} {
		if _, err := q.PublishArticle(ctx, id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	calls := 0
	seen := map[string]int{}
	done := make(chan struct{})
	go func() {
		_ = q.ConsumeArticles(ctx, 10, func(ctx context.Context, batch [][]byte) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				return errors.New("store commit failed")
			}
			for _, b := range batch {
				seen[string(b)]++
			}
			if len(seen) == 3 {
				close(done)
			}
			return nil
		})
	}()
	wait(t, done, "the articles")
	mu.Lock()
	for id, k := range seen {
		if k != 1 {
			t.Errorf("article %s handled %d times after the failure", id, k)
		}
	}
	mu.Unlock()
	cancel()
}

// TestDefaultsAreTheConfiguration's: the nats keys' defaults in config are
// the queue's own.
func TestDefaultsAreTheConfiguration(t *testing.T) {
	n := config.Default().NATS
	for _, tt := range []struct {
		key       string
		cfg, want any
	}{
		{"partitions", n.Partitions, queue.DefaultPartitions},
		{"jobs_per_partition", n.JobsPerPartition, queue.DefaultJobsPerPartition},
		{"ack_wait", n.AckWait, queue.DefaultAckWait},
		{"article_ack_wait", n.ArticleAckWait, queue.DefaultArticleAckWait},
		{"lease", n.Lease, queue.DefaultLease},
	} {
		if fmt.Sprint(tt.cfg) != fmt.Sprint(tt.want) {
			t.Errorf("nats.%s defaults to %v in config, %v in queue", tt.key, tt.cfg, tt.want)
		}
	}
}

// TestBorrowWaitsForTheHolder: the daemon borrows a host from the process
// holding its partition: it is lent only once the holder's NotBefore for
// the host has come, the holder's handler never sees the lending job, and
// the holder records when the borrower's request ended (Lent). Without a
// holder, Borrow fails with ErrNotLent.
func TestBorrowWaitsForTheHolder(t *testing.T) {
	srv := natstest.Start(t)
	q := connect(t, srv, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u, _ := url.Parse("https://a.example/feed.xml")

	short, err := queue.Connect(ctx, queue.Options{URL: srv.URL(), Partitions: 2, BorrowWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	if _, err := short.Borrow(ctx, u); !errors.Is(err, queue.ErrNotLent) {
		t.Fatalf("Borrow with no worker: %v, want ErrNotLent", err)
	}

	notBefore := time.Now().Add(500 * time.Millisecond)
	lent := make(chan time.Time, 4)
	handled := make(chan queue.Job, 4)
	go func() {
		_ = q.ConsumeJobs(ctx, queue.ConsumeOptions{
			Parallelism: 2,
			NotBefore:   func(string) time.Time { return notBefore },
			Lent:        func(host string, at time.Time) { lent <- at },
		}, func(ctx context.Context, j queue.Job, _ queue.JobInfo) error {
			handled <- j
			return nil
		})
	}()
	release, err := q.Borrow(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(notBefore) {
		t.Errorf("lent %s before the host's NotBefore", notBefore.Sub(now))
	}
	ended := time.Now()
	release()
	if at := wait(t, lent, "the holder's Lent"); at.Before(ended) {
		t.Errorf("holder recorded the borrowed request at %s, before it ended (%s)", at, ended)
	}
	select {
	case j := <-handled:
		t.Errorf("the lending job reached the job handler: %+v", j)
	default:
	}
}
