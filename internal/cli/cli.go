// Package cli implements newsmon's command line: flag parsing, resolving the
// configuration, and wiring the packages together for each command. The
// commands' behaviour lives in the packages they call.
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/store"
)

// Exit statuses, as the design notes promise.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// usageError marks an error as the user's (bad flag, bad config): exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// env is what every command shares: the streams and the global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string
	dataDir        string
	logFormat      string
	logLevel       string
}

// Main runs newsmon with args and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "newsmon",
		Short:         "Monitor news sites in many languages and group reports into candidate incidents",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       newsmon.Version,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&e.configPath, "config", "", "configuration file (default ./newsmon.yaml if present, else the embedded default)")
	pf.StringVar(&e.dataDir, "data-dir", "", "where the database lives (overrides data_dir)")
	pf.StringVar(&e.logFormat, "log-format", "auto", "log format: auto (text on a terminal, else JSON), text or json")
	pf.StringVar(&e.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.AddCommand(
		crawlCommand(e), daemonCommand(e), workerCommand(e), exportCommand(e),
		extractCommand(e), checkCommand(e), versionCommand(e), healthCommand(e),
	)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "newsmon:", err)
	var ue usageError
	var ce *config.Error
	switch {
	case errors.As(err, &ue), errors.As(err, &ce), isCobraUsage(err):
		return exitUsage
	default:
		return exitRuntime
	}
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "unknown flag", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// loadConfig resolves the configuration: --config (or $NEWSMON_CONFIG),
// else ./newsmon.yaml, else the embedded default. --data-dir and the
// environment ($NEWSMON_DATA_DIR, $NEWSMON_LISTEN, $NEWSMON_TOKEN,
// $NEWSMON_NATS_URL, meant for containers) win over the file.
func (e *env) loadConfig() (*config.Config, error) {
	var cfg *config.Config
	var err error
	path := e.configPath
	if path == "" {
		path = os.Getenv("NEWSMON_CONFIG")
	}
	switch {
	case path != "":
		cfg, err = config.Load(path)
	default:
		if _, statErr := os.Stat("newsmon.yaml"); statErr == nil {
			cfg, err = config.Load("newsmon.yaml")
		} else {
			cfg = config.Default()
		}
	}
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, usageError{err}
	}
	if v := os.Getenv("NEWSMON_DATA_DIR"); v != "" {
		cfg.DataDir = v
	}
	if e.dataDir != "" {
		cfg.DataDir = e.dataDir
	}
	if v := os.Getenv("NEWSMON_LISTEN"); v != "" {
		cfg.Server.Listen = v
	}
	if v := os.Getenv("NEWSMON_TOKEN"); v != "" {
		cfg.Server.Token = v
	}
	if v := os.Getenv("NEWSMON_NATS_URL"); v != "" {
		if err := config.CheckNATSURL(v); err != nil {
			return nil, usageError{fmt.Errorf("NEWSMON_NATS_URL: %w", err)}
		}
		cfg.NATS.URL = v
	}
	return cfg, nil
}

// dbPath is where the database file lives under the data directory.
func dbPath(cfg *config.Config) string {
	return filepath.Join(cfg.DataDir, "newsmon.db")
}

func (e *env) openStore(cfg *config.Config) (*store.Store, error) {
	return store.Open(dbPath(cfg))
}

// openExisting opens the database for a command that only reads it
// (export): it creates nothing, and says so when there is no database.
func (e *env) openExisting(cfg *config.Config) (*store.Store, error) {
	st, err := store.OpenExisting(dbPath(cfg))
	if errors.Is(err, store.ErrNoDatabase) {
		return nil, noDatabaseError{dir: cfg.DataDir, err: err}
	}
	return st, err
}

// noDatabaseError is a reader's missing database, named by its directory
// (what --data-dir and data_dir say).
type noDatabaseError struct {
	dir string
	err error
}

func (e noDatabaseError) Error() string {
	return fmt.Sprintf("no newsmon database at %s (`newsmon crawl` or `newsmon daemon` creates one; --data-dir or data_dir says where it is)", e.dir)
}
func (e noDatabaseError) Unwrap() error { return e.err }

// open builds the logger and opens the store for a loaded and checked
// configuration; the caller closes the store.
func (e *env) open(cfg *config.Config) (*slog.Logger, *store.Store, error) {
	log, err := e.logger()
	if err != nil {
		return nil, nil, err
	}
	st, err := e.openStore(cfg)
	if err != nil {
		return nil, nil, err
	}
	return log, st, nil
}

// readableDuration logs durations as Go writes them ("1.5s", "250ms"),
// in JSON too, where slog would print nanoseconds.
func readableDuration(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// logger builds the slog logger the flags ask for: text on a terminal,
// JSON otherwise, unless --log-format says.
func (e *env) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(e.logLevel)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: %w", e.logLevel, err)}
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: readableDuration}
	switch e.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	case "auto", "":
		if isTerminal(e.stderr) {
			return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	default:
		return nil, usageError{fmt.Errorf("--log-format %q: want auto, text or json", e.logFormat)}
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func versionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(e.stdout, "newsmon", newsmon.Version)
			return nil
		},
	}
}

func checkCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and print what it resolved",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			cfg.Describe(e.stdout)
			return nil
		},
	}
}

// healthCommand probes a running daemon's /healthz: the container health
// check, since the image has no shell or curl.
func healthCommand(e *env) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check that a running daemon answers /healthz (exit 0) or not (exit 1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if addr == "" {
				cfg, err := e.loadConfig()
				if err != nil {
					return err
				}
				addr = cfg.Server.Listen
			}
			if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
				addr = net.JoinHostPort("127.0.0.1", port)
			}
			client := &http.Client{Timeout: 3 * time.Second}
			resp, err := client.Get("http://" + addr + "/healthz")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s/healthz: %s", addr, resp.Status)
			}
			fmt.Fprintln(e.stdout, "ok")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "the daemon's address (default server.listen)")
	return cmd
}
