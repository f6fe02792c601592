// Package worker is `newsmon worker`: a fetch worker takes fetch jobs from
// the queue (package queue), fetches each article page with the crawler's
// manners (robots.txt, per-host delay, Crawl-delay, retries, the
// private-network guard), extracts the article (pipeline.ExtractWhole: an
// article split over pages is read whole, its first page and continuation
// pages fetched by the job's crawl, as in one process) and
// publishes it for the daemon, which alone deduplicates, stores and
// clusters. Any number of workers may run on any machines; they read the
// same configuration file as the daemon (sources and crawl settings).
//
// Politeness across workers: a host's jobs are on one partition of the
// queue, and a partition is consumed by one worker at a time (the one
// holding its token). The holder runs several of its jobs at once, paced
// host by host by its own crawler (per-host delay, Crawl-delay,
// Retry-After), and gives the partition back delayed until its crawler
// would let the next request to each of its hosts start
// (Crawler.NotBefore), so the next worker to ask a host keeps the same gap.
// The daemon's own requests (listings, robots.txt) borrow the host from
// its holder (queue.Queue.Borrow), which records them (Crawler.Lent).
// Parallelism is per worker: crawl.parallelism jobs (requests) at once.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/crawler"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/server"
)

// Queue is what a worker needs of the queue (queue.Queue).
type Queue interface {
	ConsumeJobsUntil(pull, work context.Context, opts queue.ConsumeOptions, handle queue.JobHandler) error
	PublishArticle(ctx context.Context, id string, data []byte) (duplicate bool, err error)
}

// Options configure a worker.
type Options struct {
	Config  *config.Config
	Queue   Queue
	Log     *slog.Logger    // nil: discard
	Metrics *server.Metrics // fetches, failures and jobs; nil: a new one
	// Client is optional (tests), as crawler.Options.Client.
	Client *http.Client
	// Name names the worker in the daemon's metrics
	// (newsmon_worker_articles_total{worker}); default host name:pid.
	Name string
	// Grace is how long the jobs in hand may run on when Run's context
	// ends (SIGTERM): they finish and are acknowledged, or are left for
	// another worker when Grace runs out. 0: left at once.
	Grace time.Duration
}

// Worker fetches jobs until its context ends.
type Worker struct {
	q       Queue
	log     *slog.Logger
	metrics *server.Metrics
	jobs    *prometheus.CounterVec
	crawler *crawler.Crawler
	cfg     atomic.Pointer[config.Config]
	grace   time.Duration
	name    string
}

// Job outcomes, the result label of newsmon_worker_jobs_total.
const (
	resultPublished = "published"  // an article was published
	resultDuplicate = "duplicate"  // published before (a redelivery): dropped by the queue
	resultNoArticle = "no article" // fetched, but no article in it
	resultFailed    = "failed"     // the fetch failed (after the crawler's retries) or was refused
	resultUnknown   = "unknown source"
	resultRetry     = "retry" // publishing failed: handed back to the queue
)

// New returns a worker with its own crawler.
func New(opts Options) (*Worker, error) {
	if opts.Config == nil || opts.Queue == nil {
		return nil, errors.New("worker: Config and Queue are required")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = server.NewMetrics()
	}
	c, err := crawler.New(crawler.Options{Settings: opts.Config.Crawl, Canonical: pipeline.CanonicalURL, Client: opts.Client})
	if err != nil {
		return nil, fmt.Errorf("worker: crawler: %w", err)
	}
	w := &Worker{q: opts.Queue, log: opts.Log, metrics: opts.Metrics, crawler: c,
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsmon_worker_jobs_total",
			Help: "Fetch jobs this worker finished, by result.",
		}, []string{"result"})}
	if err := opts.Metrics.Registry().Register(w.jobs); err != nil {
		return nil, fmt.Errorf("worker: metrics: %w", err)
	}
	w.cfg.Store(opts.Config)
	w.grace = opts.Grace
	w.name = opts.Name
	if w.name == "" {
		host, _ := os.Hostname()
		w.name = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	return w, nil
}

// SetConfig switches to a new configuration (SIGHUP): sources and crawl
// settings.
func (w *Worker) SetConfig(cfg *config.Config) error {
	if err := w.crawler.SetSettings(cfg.Crawl); err != nil {
		return fmt.Errorf("worker: crawler: %w", err)
	}
	w.cfg.Store(cfg)
	return nil
}

// Run handles jobs until ctx is done; the jobs in hand then get Grace to
// finish, and those still running after it are left unacknowledged, so
// the queue delivers them again.
func (w *Worker) Run(ctx context.Context) error {
	// Without grace the jobs in hand end with ctx itself: a job whose
	// handler returns after ctx ended is left unacknowledged, never
	// acknowledged in the moment before a later cancellation.
	work := ctx
	if w.grace > 0 {
		var cancel context.CancelFunc
		work, cancel = context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		stop := context.AfterFunc(ctx, func() {
			t := time.AfterFunc(w.grace, cancel)
			context.AfterFunc(work, func() { t.Stop() })
		})
		defer stop()
	}
	// The parallelism is the configuration's when Run starts; a reload
	// changes the crawler's.
	opts := queue.ConsumeOptions{Parallelism: w.cfg.Load().Crawl.Parallelism, NotBefore: w.crawler.NotBefore, Lent: w.crawler.Lent}
	if opts.Parallelism <= 0 {
		opts.Parallelism = newsmon.DefaultCrawlSettings().Parallelism
	}
	err := w.q.ConsumeJobsUntil(ctx, work, opts, w.handle)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// handle fetches one job's page and publishes its article. The queue
// paces the next job of the host (ConsumeOptions.NotBefore).
func (w *Worker) handle(ctx context.Context, j queue.Job, info queue.JobInfo) error {
	cfg := w.cfg.Load()
	src, ok := cfg.Source(j.Source)
	if !ok {
		// Another configuration than the daemon's: nothing will fetch it.
		w.log.Warn("job of an unknown source dropped", "source", j.Source, "url", j.URL)
		w.jobs.WithLabelValues(resultUnknown).Inc()
		return nil
	}
	if _, err := url.Parse(j.URL); err != nil {
		w.log.Warn("job with a bad URL dropped", "source", j.Source, "url", j.URL, "err", err)
		w.jobs.WithLabelValues(resultFailed).Inc()
		return nil
	}
	one := src
	one.Feeds, one.Sitemaps, one.StartURLs, one.JSONLists = nil, nil, nil, nil
	one.Articles = []string{j.URL}

	result := resultFailed
	var retryErr error
	stats, err := w.crawler.CrawlWith(ctx, []newsmon.Source{one}, crawler.Hooks{
		OnPage: func(ctx context.Context, page newsmon.Page) error {
			// An article split over pages is read whole, its first page
			// and continuations fetched by this job's crawl, paced with
			// its other requests.
			ex, err := pipeline.ExtractWhole(ctx, src, page, crawler.FetcherFrom(ctx), w.log)
			if fe := (*crawler.FetchError)(nil); errors.As(err, &fe) {
				if fe.Temporary {
					retryErr = err // handed back: read again later
					return err
				}
				w.log.Warn("page of a multi-page article not read", "source", src.Name, "url", page.URL, "err", err)
				return nil // result failed
			}
			if err != nil {
				w.log.Info("no article", "source", src.Name, "url", page.URL, "err", err)
				w.metrics.ExtractFailed(src.Name, pipeline.ExtractFailureReason(err))
				result = resultNoArticle
				return nil
			}
			ex.Worker = w.name
			data, err := json.Marshal(ex)
			if err != nil {
				return fmt.Errorf("encode article %s: %w", ex.Article.URL, err)
			}
			dup, err := w.q.PublishArticle(ctx, ex.Article.ID, data)
			if err != nil {
				retryErr = err
				return err
			}
			result = resultPublished
			if dup {
				result = resultDuplicate
			}
			return nil
		},
		OnEvent: w.observe,
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if retryErr != nil || err != nil {
		w.jobs.WithLabelValues(resultRetry).Inc()
		w.log.Warn("job handed back", "source", j.Source, "url", j.URL, "delivered", info.Delivered, "err", errors.Join(retryErr, err))
		return errors.Join(retryErr, err)
	}
	if st := stats[src.Name]; st != nil && st.Failed+st.RobotsDenied > 0 {
		w.log.Warn("fetch failed", "source", j.Source, "url", j.URL, "reasons", st.Reasons)
	}
	w.jobs.WithLabelValues(result).Inc()
	return nil
}

// observe counts the crawler's events in the worker's metrics, as the
// pipeline does in the daemon's.
func (w *Worker) observe(ev crawler.Event) { pipeline.ObserveEvent(w.metrics, ev) }
