// Package daemon runs newsmon as a long-lived service: it schedules a crawl
// cycle of every source on its interval (through package pipeline, the same
// code as `newsmon crawl`), serves health, metrics and the API over HTTP
// (package server), reloads its configuration on SIGHUP and shuts down
// cleanly on SIGINT or SIGTERM.
package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/review"
	"github.com/newsmon/newsmon/server"
	"github.com/newsmon/newsmon/store"
)

// Defaults for the schedule.
const (
	maxBackoff = 6 * time.Hour
	// ShutdownGrace is how long in-flight fetches may run after SIGTERM
	// before they are cancelled.
	ShutdownGrace = 10 * time.Second
)

// Options are what the command line hands the daemon.
type Options struct {
	Config *config.Config
	// Reload returns a freshly loaded configuration (SIGHUP); nil disables reloading.
	Reload func() (*config.Config, error)
	Store  *store.Store
	Log    *slog.Logger
	// Ready, when not nil, receives the HTTP address once the server listens.
	Ready chan<- string
	// ShutdownGrace is how long in-flight cycles may run after ctx is
	// cancelled before they are cancelled too; 0 means ShutdownGrace.
	ShutdownGrace time.Duration
	// Queue, when set (nats.url), carries article URLs to fetch workers
	// and their articles back: cycles fetch only listings, and the daemon
	// stores and clusters what the workers publish. nil: everything in
	// this process.
	Queue Queue
	// AfterCycle, when not nil, is called on a source's loop after each
	// of its cycles has ended and its next due time is saved, with the
	// cycle's report (what /sources shows). The source's next cycle waits
	// for it to return; other sources' loops do not. Tests use it to wait
	// for a cycle's end instead of polling the log or the clock.
	AfterCycle func(source string, report server.CycleReport)
}

// Daemon is a running service.
type Daemon struct {
	opts     Options
	log      *slog.Logger
	pipe     *pipeline.Pipeline
	metrics  *server.Metrics
	running  atomic.Bool
	cfg      atomic.Pointer[config.Config]
	cycleCtx context.Context // cancelled when in-flight work must stop

	wg     sync.WaitGroup // every source loop started, across reloads
	busyMu sync.Mutex
	busy   map[string]chan struct{} // per source, held while a cycle runs
	cycles sync.Map                 // source -> server.CycleReport of its last cycle, for /sources
}

// lastCycles returns the last cycle of each source that has run one.
func (d *Daemon) lastCycles() map[string]server.CycleReport {
	out := map[string]server.CycleReport{}
	d.cycles.Range(func(k, v any) bool {
		out[k.(string)] = v.(server.CycleReport)
		return true
	})
	return out
}

// Run serves until ctx is cancelled (the caller wires SIGINT/SIGTERM into
// it) and returns nil after a clean shutdown. hup delivers reload requests.
func Run(ctx context.Context, opts Options, hup <-chan struct{}) error {
	cfg := opts.Config
	if err := server.ListenAddrAllowed(cfg.Server.Listen, cfg.Server.Token); err != nil {
		return err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	metrics := server.NewMetrics()
	var pm pipeline.Metrics = metrics
	if opts.Queue != nil {
		pm = newWorkerMetrics(metrics)
	}
	pipe, err := pipeline.New(cfg, opts.Store, log, pm)
	if err != nil {
		return err
	}
	d := &Daemon{opts: opts, log: log, pipe: pipe, metrics: metrics, busy: map[string]chan struct{}{}}
	d.cfg.Store(cfg)

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
	}
	var names []string
	for _, src := range cfg.Sources {
		names = append(names, src.Name)
	}
	// Review decisions wait for the commit in progress and then have the
	// clusterer read the incidents anew (pipeline.Exclusive).
	reviewer := review.New(opts.Store, review.Options{Topics: cfg.Topics, MinScore: cfg.Cluster.MinScore, Exclusive: pipe.Exclusive})
	srv := server.NewHTTPServer(cfg.Server.Listen, server.New(server.Options{
		Store:       opts.Store,
		Metrics:     metrics,
		Token:       cfg.Server.Token,
		Ready:       d.ready,
		ErrNotFound: store.ErrNotFound,
		Log:         log,
		Topics:      func() []string { return d.cfg.Load().TopicNames() },
		Review:      reviewer,
		ErrInvalid:  review.ErrInvalid,
		Sources:     names,
		LastCycles:  d.lastCycles,
	}))
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	log.Info("daemon started", "listen", ln.Addr().String(), "sources", len(cfg.Sources))
	if opts.Ready != nil {
		opts.Ready <- ln.Addr().String()
	}

	// In-flight cycles run on their own context, cancelled only after the
	// shutdown grace period, so SIGTERM lets fetches finish.
	cycleCtx, cancelCycles := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCycles()
	d.cycleCtx = cycleCtx

	waitConsumer := func() {}
	if opts.Queue != nil {
		// The consumer stops with the cycles: after the grace period.
		waitConsumer = d.useQueue(cycleCtx, opts.Queue)
	}

	schedCtx, stopSched := context.WithCancel(ctx)
	d.schedule(schedCtx, cfg)
	d.running.Store(true)

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-srvErr:
			runErr = fmt.Errorf("http server: %w", err)
			break loop
		case <-hup:
			newCfg, err := d.reload()
			if err != nil {
				log.Error("reload failed; keeping the old configuration", "err", err)
				continue
			}
			// The old loops stop waiting; a cycle they are running
			// finishes, and the new loop of its source waits for it.
			stopSched()
			schedCtx, stopSched = context.WithCancel(ctx)
			d.schedule(schedCtx, newCfg)
			log.Info("configuration reloaded", "sources", len(newCfg.Sources))
		}
	}

	grace := cmp.Or(opts.ShutdownGrace, ShutdownGrace)
	log.Info("shutting down", "grace", grace)
	d.running.Store(false)
	stopSched()
	finished := make(chan struct{})
	go func() { d.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(grace):
		log.Warn("cancelling in-flight fetches", "grace", grace)
		cancelCycles()
		<-finished
	}
	cancelCycles()
	waitConsumer()
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && runErr == nil {
		runErr = fmt.Errorf("http shutdown: %w", err)
	}
	return runErr
}

// ready reports whether the scheduler runs (the /readyz probe).
func (d *Daemon) ready() error {
	if !d.running.Load() {
		return errors.New("scheduler not running")
	}
	return nil
}

// reload loads the new configuration and hands it to the pipeline; the
// listen address and token stay as they were until a restart.
func (d *Daemon) reload() (*config.Config, error) {
	if d.opts.Reload == nil {
		return nil, errors.New("reloading is not available")
	}
	cfg, err := d.opts.Reload()
	if err != nil {
		return nil, err
	}
	if err := d.pipe.SetConfig(cfg); err != nil {
		return nil, err
	}
	old := d.cfg.Load()
	if cfg.Server != old.Server {
		d.log.Warn("server.listen and server.token changes take effect at the next restart")
	}
	d.cfg.Store(cfg)
	return cfg, nil
}

// schedule starts one loop per source: a slow or failing source never
// delays another.
func (d *Daemon) schedule(ctx context.Context, cfg *config.Config) {
	for _, src := range cfg.Sources {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.loop(ctx, src)
		}()
	}
}

// sourceLock is held while a cycle of the named source runs, so that a
// source is never crawled twice at once, not even by the loops of an old
// and a new configuration.
func (d *Daemon) sourceLock(name string) chan struct{} {
	d.busyMu.Lock()
	defer d.busyMu.Unlock()
	l := d.busy[name]
	if l == nil {
		l = make(chan struct{}, 1)
		d.busy[name] = l
	}
	return l
}

// waitDue waits until the source is due (per the store) or ctx is done.
func (d *Daemon) waitDue(ctx context.Context, name string) bool {
	due, err := d.opts.Store.NextDue(name)
	if err != nil {
		d.log.Error("read schedule", "source", name, "err", err)
		due = time.Now()
	}
	if wait := time.Until(due); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return ctx.Err() == nil
}

// loop crawls one source whenever it is due. The next due time is kept in
// the store, so a restart neither repeats nor skips a cycle.
func (d *Daemon) loop(ctx context.Context, src newsmon.Source) {
	interval := src.Interval
	if interval <= 0 {
		interval = config.DefaultInterval
	}
	lock := d.sourceLock(src.Name)
	failures := 0
	for {
		if !d.waitDue(ctx, src.Name) {
			return
		}
		select {
		case lock <- struct{}{}:
		case <-ctx.Done():
			return
		}
		// A loop of the previous configuration may have run it meanwhile.
		if due, err := d.opts.Store.NextDue(src.Name); ctx.Err() != nil || (err == nil && time.Until(due) > 0) {
			<-lock
			continue
		}
		sum, err := d.pipe.Run(d.cycleCtx, []newsmon.Source{src}, nil)
		t := sum.Totals()
		if d.cycleCtx.Err() != nil {
			// Cut short by shutdown: still due, so the next start resumes it.
			<-lock
			d.log.Warn("crawl cycle interrupted", "source", src.Name, "fetched", t.Fetched, "new", t.New, "err", err)
			return
		}
		failed := err != nil || t.Unreachable()
		if failed {
			failures++
		} else {
			failures = 0
		}
		next := time.Now().Add(nextDelay(src.Name, interval, failures))
		if serr := d.opts.Store.SetNextDue(src.Name, next); serr != nil {
			d.log.Error("save schedule", "source", src.Name, "err", serr)
		}
		<-lock
		// A cycle that did not read every configured URL (or ended in an
		// error) is logged at WARN, with the failures by host; only a
		// complete one moved newsmon_last_successful_crawl_timestamp_seconds.
		level, ok := slog.LevelInfo, err == nil && t.Complete()
		if !ok {
			level = slog.LevelWarn
		}
		attrs := []any{"source", src.Name, "ok", ok, "discovered", t.Discovered, "fetched", t.Fetched,
			"new", t.New, "duplicates", t.Duplicates, "known", t.Known, "not_modified", t.NotModified,
			"failed", t.Failed, "dispatched", t.Dispatched, "reasons", t.Reasons, "took", sum.Finished.Sub(sum.Started).Round(time.Millisecond),
			"next", next.Format(time.RFC3339), "err", err}
		if len(t.FailedHosts) > 0 {
			attrs = append(attrs, "failed_hosts", t.FailedHosts)
		}
		d.log.Log(context.Background(), level, "crawl cycle", attrs...)
		report := server.CycleReport{Ended: sum.Finished, OK: ok, Failed: t.Failed, Reasons: t.Reasons}
		if err != nil {
			report.Err = err.Error()
		}
		d.cycles.Store(src.Name, report)
		if d.opts.AfterCycle != nil {
			d.opts.AfterCycle(src.Name, report)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// nextDelay is the interval with ±10% jitter, doubled for each consecutive
// failed cycle up to maxBackoff.
func nextDelay(source string, interval time.Duration, failures int) time.Duration {
	d := interval
	for i := 0; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, max(maxBackoff, interval))
	h := fnv.New64a()
	h.Write([]byte(source))
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(time.Now().UnixNano())))
	jitter := time.Duration((r.Float64()*0.2 - 0.1) * float64(d))
	return d + jitter
}
