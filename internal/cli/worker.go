package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/server"
	"github.com/newsmon/newsmon/worker"
)

func workerCommand(e *env) *cobra.Command {
	var listen string
	var grace time.Duration
	var name string
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Fetch and extract article pages from the NATS queue for a daemon",
		Long: "Run until SIGINT or SIGTERM: take fetch jobs from the NATS JetStream queue at\n" +
			"nats.url ($NEWSMON_NATS_URL), fetch each page politely (robots.txt, per-host delay\n" +
			"held across all workers), extract the article and publish it for the daemon,\n" +
			"which stores and clusters. Reads the same configuration file as the daemon.\n" +
			"Serves /healthz, /readyz and /metrics on --listen. On SIGTERM no new job is taken;\n" +
			"jobs in hand get --shutdown-grace to finish, then they are left for another worker.\n" +
			"A second signal ends the process at once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			if cfg.NATS.URL == "" {
				return usageError{errors.New("worker: nats.url (or NEWSMON_NATS_URL) is not set: workers take their jobs from NATS")}
			}
			if grace < 0 {
				return usageError{fmt.Errorf("--shutdown-grace %s: must not be negative", grace)}
			}
			if _, _, err := net.SplitHostPort(listen); err != nil {
				return usageError{fmt.Errorf("--listen %q: want host:port", listen)}
			}
			log, err := e.logger()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			context.AfterFunc(ctx, stop) // a second signal ends the process at once

			qopts, err := queueOptions(cfg, "newsmon worker")
			if err != nil {
				return err
			}
			q, err := queue.Connect(ctx, qopts)
			if err != nil {
				return err
			}
			defer q.Close()
			m := server.NewMetrics()
			w, err := worker.New(worker.Options{Config: cfg, Queue: q, Log: log, Metrics: m, Grace: grace, Name: name})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			srv := server.NewHTTPServer(listen, worker.Handler(m, q.Ready))
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("http server", "err", err)
				}
			}()
			log.Info("worker started", "listen", ln.Addr().String(), "parallelism", cfg.Crawl.Parallelism)
			runErr := w.Run(ctx)
			log.Info("worker stopping", "err", runErr)
			shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutCtx); err != nil && runErr == nil {
				runErr = fmt.Errorf("http shutdown: %w", err)
			}
			return runErr
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8081", "address of /healthz, /readyz and /metrics")
	cmd.Flags().StringVar(&name, "name", "", "the worker's name in the daemon's metrics (default host name:pid)")
	cmd.Flags().DurationVar(&grace, "shutdown-grace", 20*time.Second,
		"how long jobs in hand may run after SIGTERM before they are left for another worker")
	return cmd
}

// queueOptions are the queue's options from the nats keys. The lease must
// exceed the per-host delay: a partition whose worker died goes to another
// only after the lease, which must keep the gap.
func queueOptions(cfg *config.Config, name string) (queue.Options, error) {
	n := cfg.NATS
	if n.Lease <= cfg.Crawl.PerHostDelay {
		return queue.Options{}, usageError{fmt.Errorf("nats.lease %s: must exceed crawl.per_host_delay %s", n.Lease, cfg.Crawl.PerHostDelay)}
	}
	return queue.Options{URL: n.URL, Name: name, Partitions: n.Partitions, JobsPerPartition: n.JobsPerPartition,
		AckWait: n.AckWait, ArticleAckWait: n.ArticleAckWait, Lease: n.Lease}, nil
}
