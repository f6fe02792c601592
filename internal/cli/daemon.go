package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/daemon"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/server"
)

func daemonCommand(e *env) *cobra.Command {
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Crawl every source on its schedule and serve health, metrics and the API",
		Long: "Run until SIGINT or SIGTERM: crawl each source every interval, serve /healthz,\n" +
			"/readyz, /metrics and /api/v1/ on server.listen. SIGHUP reloads the configuration\n" +
			"(a bad new configuration is reported and the old one kept). With nats.url, cycles\n" +
			"fetch only listings and publish article URLs for `newsmon worker` processes, and\n" +
			"the daemon stores and clusters the articles they publish. On SIGTERM, cycles in\n" +
			"progress get --shutdown-grace to finish before they are cancelled; a second signal\n" +
			"ends the process at once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			// A configuration problem: refused before the database is touched.
			if err := server.ListenAddrAllowed(cfg.Server.Listen, cfg.Server.Token); err != nil {
				return usageError{err}
			}
			if grace <= 0 {
				return usageError{fmt.Errorf("--shutdown-grace %s: must be positive", grace)}
			}
			log, st, err := e.open(cfg)
			if err != nil {
				return err
			}
			defer st.Close()

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// After the first signal, a second one gets the default action.
			context.AfterFunc(ctx, stop)
			var q daemon.Queue
			if cfg.NATS.URL != "" {
				qopts, err := queueOptions(cfg, "newsmon daemon")
				if err != nil {
					return err
				}
				nq, err := queue.Connect(ctx, qopts)
				if err != nil {
					return err
				}
				defer nq.Close()
				q = nq
			}
			hup := make(chan struct{}, 1)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGHUP)
			defer signal.Stop(sig)
			go forwardHUP(ctx, sig, hup)

			return daemon.Run(ctx, daemon.Options{
				Config: cfg,
				Reload: func() (*config.Config, error) {
					next, err := e.loadConfig()
					if err == nil {
						// The database stays where it was opened.
						next.DataDir = cfg.DataDir
					}
					return next, err
				},
				Store:         st,
				Log:           log,
				ShutdownGrace: grace,
				Queue:         q,
			}, hup)
		},
	}
	cmd.Flags().DurationVar(&grace, "shutdown-grace", daemon.ShutdownGrace,
		"how long cycles in progress may run after SIGTERM before they are cancelled")
	return cmd
}

func forwardHUP(ctx context.Context, sig <-chan os.Signal, hup chan<- struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			select {
			case hup <- struct{}{}:
			default:
			}
		}
	}
}
