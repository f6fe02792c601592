package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/export"
	"github.com/newsmon/newsmon/store"
)

func exportCommand(e *env) *cobra.Command {
	var (
		since, format, output, topic, status string
		minArticles                          int
	)
	cmd := &cobra.Command{
		Use:   "export [incidents|articles]",
		Short: "Print candidate incidents (default) or articles as JSON",
		Long: "Print candidate incidents, ranked by topic score and recency, in the versioned\n" +
			"schema documented in README.md (docs/incidents.schema.json), or stored articles\n" +
			"with their body text.",
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"incidents", "articles"},
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "incidents"
			if len(args) == 1 {
				what = args[0]
			}
			if what != "incidents" && what != "articles" {
				return usageError{fmt.Errorf("export %q: want incidents or articles", what)}
			}
			if format == "" {
				format = map[string]string{"incidents": "json", "articles": "jsonl"}[what]
			}
			if format != "json" && format != "jsonl" {
				return usageError{fmt.Errorf("--format %q: want json or jsonl", format)}
			}
			now := time.Now()
			from, err := export.ParseSince(since, now)
			if err != nil {
				return usageError{err}
			}
			if err := export.CheckStatus(status); err != nil {
				return usageError{fmt.Errorf("--%w", err)}
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			if err := export.CheckTopic(topic, cfg.TopicNames()); err != nil {
				return usageError{fmt.Errorf("--topic %q: %w", topic, err)}
			}
			st, err := e.openExisting(cfg)
			if errors.Is(err, store.ErrInUse) {
				return fmt.Errorf("%w (a running daemon serves the same JSON at http://%s/api/v1/%s)", err, cfg.Server.Listen, what)
			}
			if err != nil {
				return err
			}
			defer st.Close()

			w := e.stdout
			if output != "" && output != "-" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if what == "articles" {
				// Written as read: an article at a time in memory.
				aw, err := export.NewArticleWriter(w, format)
				if err != nil {
					return err
				}
				if err := st.Articles(from, aw.Write); err != nil {
					return err
				}
				return syncOutput(w, aw.Close())
			}
			var incs []newsmon.Incident
			if err := st.Incidents(func(inc newsmon.Incident) error {
				incs = append(incs, inc)
				return nil
			}); err != nil {
				return err
			}
			reviews, err := st.Reviews()
			if err != nil {
				return err
			}
			incs = slices.DeleteFunc(incs, func(inc newsmon.Incident) bool {
				return !export.StatusMatch(status, reviews.Of(inc.ID).Status)
			})
			incs = export.Rank(incs, topic, minArticles, from)
			return syncOutput(w, export.IncidentsReviewed(w, incs, st.Article, reviews.Of, format, now))
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "only what was seen since a duration ago (72h) or a date (2020-05-01): incidents by last-seen time, articles by fetch time")
	f.StringVar(&format, "format", "", "json or jsonl (default json for incidents, jsonl for articles)")
	f.StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	f.StringVar(&topic, "topic", "", "only incidents that match this topic")
	f.IntVar(&minArticles, "min-articles", 0, "only incidents with at least this many articles")
	f.StringVar(&status, "status", "", "only incidents of this review status: new, confirmed, dismissed or all (default: all but dismissed)")
	return cmd
}

// syncOutput returns err, or the error of flushing w to disk when w is an
// output file (-o), so that a full disk is reported, not ignored.
func syncOutput(w io.Writer, err error) error {
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		if serr := f.Sync(); err == nil && serr != nil {
			return fmt.Errorf("%s: %w", f.Name(), serr)
		}
	}
	return err
}
