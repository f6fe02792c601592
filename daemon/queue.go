package daemon

import (
	"context"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/server"
)

// Queue is what the daemon needs of the queue to fetch workers
// (queue.Queue): it publishes fetch jobs, consumes the articles the
// workers extract, borrows a host from its worker for the daemon's own
// requests (listings, robots.txt) and reports the consumers' state: the
// job partitions', the articles' and the partition tokens'.
type Queue interface {
	PublishJob(ctx context.Context, j queue.Job) (duplicate bool, err error)
	ConsumeArticles(ctx context.Context, limit int, handle func(ctx context.Context, batch [][]byte) error) error
	Stats(ctx context.Context) ([]queue.ConsumerStats, error)
	PartitionStats(ctx context.Context) (queue.ConsumerStats, error)
	Borrow(ctx context.Context, u *url.URL) (release func(), err error)
}

// useQueue makes the pipeline's cycles publish article URLs as jobs and
// starts consuming articles until ctx is done; wait returns when the
// consumer has stopped.
func (d *Daemon) useQueue(ctx context.Context, q Queue) (wait func()) {
	d.pipe.SetDispatch(func(ctx context.Context, src newsmon.Source, u string) error {
		_, err := q.PublishJob(ctx, queue.Job{Source: src.Name, URL: u, Canonical: pipeline.CanonicalURL(src, u)})
		return err
	})
	// The daemon's listings and robots.txt requests are paced with the
	// workers' requests to the same host, by the worker holding its
	// partition.
	d.pipe.SetBorrow(q.Borrow)
	d.metrics.Registry().MustRegister(queueCollector{q})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.pipe.ConsumeArticles(ctx, q); err != nil && ctx.Err() == nil {
			d.log.Error("article consumer stopped", "err", err)
		}
	}()
	return func() { <-done }
}

// queueCollector exports the queue's consumers at each scrape.
type queueCollector struct{ q Queue }

var (
	queuePending = prometheus.NewDesc("newsmon_queue_pending",
		"Messages waiting for a consumer: per job partition, for the daemon's article consumer, and partition tokens never taken (newsmon-partitions).", []string{"consumer"}, nil)
	queueInFlight = prometheus.NewDesc("newsmon_queue_in_flight",
		"Messages delivered and not yet acknowledged (newsmon-partitions: tokens held by a process or handed back with a delay).", []string{"consumer"}, nil)
	queueRedelivered = prometheus.NewDesc("newsmon_queue_redelivered",
		"Messages delivered more than once and not yet acknowledged (newsmon-partitions: tokens that changed hands).", []string{"consumer"}, nil)
)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queuePending
	ch <- queueInFlight
	ch <- queueRedelivered
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.q.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queuePending, err)
		return
	}
	tokens, err := c.q.PartitionStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queuePending, err)
		return
	}
	for _, s := range append(st, tokens) {
		ch <- prometheus.MustNewConstMetric(queuePending, prometheus.GaugeValue, float64(s.Pending), s.Name)
		ch <- prometheus.MustNewConstMetric(queueInFlight, prometheus.GaugeValue, float64(s.InFlight), s.Name)
		ch <- prometheus.MustNewConstMetric(queueRedelivered, prometheus.GaugeValue, float64(s.Redelivered), s.Name)
	}
}

// workerMetrics adds the articles each fetch worker published (by result)
// to the daemon's metrics.
type workerMetrics struct {
	*server.Metrics
	articles *prometheus.CounterVec
}

func newWorkerMetrics(m *server.Metrics) workerMetrics {
	w := workerMetrics{Metrics: m, articles: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newsmon_worker_articles_total",
		Help: "Articles the daemon received from each fetch worker, by result: new, duplicate, known, failed.",
	}, []string{"worker", "result"})}
	m.Registry().MustRegister(w.articles)
	return w
}

func (w workerMetrics) WorkerArticle(worker, result string) {
	w.articles.WithLabelValues(worker, result).Inc()
}
