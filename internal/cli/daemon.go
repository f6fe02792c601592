package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/daemon"
)

func daemonCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "daemon",
		Short: "Crawl every source on its schedule and serve health, metrics and the API",
		Long: "Run until SIGINT or SIGTERM: crawl each source every interval, serve /healthz,\n" +
			"/readyz, /metrics and /api/v1/ on server.listen. SIGHUP reloads the configuration\n" +
			"(a bad new configuration is reported and the old one kept).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			log, err := e.logger()
			if err != nil {
				return err
			}
			st, err := e.openStore(cfg)
			if err != nil {
				return err
			}
			defer st.Close()

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
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
				Store: st,
				Log:   log,
			}, hup)
		},
	}
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
