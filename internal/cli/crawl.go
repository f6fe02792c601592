package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsmon/newsmon/crawler"
	"github.com/newsmon/newsmon/pipeline"
)

func crawlCommand(e *env) *cobra.Command {
	var sources, urls []string
	cmd := &cobra.Command{
		Use:   "crawl",
		Short: "Run one crawl cycle of the configured sources, then exit",
		Long: "Run one crawl cycle: discover articles on every configured source (or those named\n" +
			"with --source), fetch the new ones, store them once each and group them into\n" +
			"candidate incidents. --url fetches the given article pages directly.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			srcs, err := pipeline.Select(cfg, sources, urls)
			if err != nil {
				return usageError{err}
			}
			log, st, err := e.open(cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := pipeline.New(cfg, st, log, nil)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			prog := newProgress(e.stderr, isTerminal(e.stderr))
			done := prog.start(ctx)
			sum, runErr := p.Run(ctx, srcs, prog.event)
			done()
			printSummary(e.stdout, sum)
			if runErr != nil {
				return fmt.Errorf("crawl: %w", runErr)
			}
			if sum.Totals().Unreachable() {
				return errors.New("crawl: no source could be reached (see the reasons above)")
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sources, "source", nil, "crawl only this source (repeatable)")
	cmd.Flags().StringArrayVar(&urls, "url", nil, "fetch this article URL directly (repeatable)")
	return cmd
}

// progress shows a crawl as it goes: one line redrawn in place on a
// terminal, plain log lines every few seconds otherwise.
type progress struct {
	w   io.Writer
	tty bool

	mu     sync.Mutex
	counts map[string]map[string]int // source -> event kind -> count
}

func newProgress(w io.Writer, tty bool) *progress {
	return &progress{w: w, tty: tty, counts: map[string]map[string]int{}}
}

func (p *progress) event(ev crawler.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.counts[ev.Source]
	if c == nil {
		c = map[string]int{}
		p.counts[ev.Source] = c
	}
	c[ev.Kind]++
	if !p.tty && ev.Kind == "failed" {
		fmt.Fprintf(p.w, "failed %s: %v\n", ev.URL, ev.Err)
	}
}

// line renders the running totals.
func (p *progress) line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := map[string]int{}
	for _, c := range p.counts {
		for k, v := range c {
			t[k] += v
		}
	}
	return fmt.Sprintf("sources %d  discovered %d  fetched %d  known %d  not-modified %d  failed %d",
		len(p.counts), t["discovered"], t["fetched"], t["known"], t["not-modified"], t["failed"])
}

// start redraws the progress until the returned func is called.
func (p *progress) start(ctx context.Context) (stop func()) {
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if p.tty {
					fmt.Fprintf(p.w, "\r\033[K%s", p.line())
				} else {
					fmt.Fprintln(p.w, "progress:", p.line())
				}
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
		if p.tty {
			fmt.Fprintf(p.w, "\r\033[K")
		}
	}
}

// printSummary prints one row per source and the reasons for failures.
func printSummary(w io.Writer, sum pipeline.Summary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "source\tdiscovered\tfetched\tnew\tduplicate\tknown\tnot-modified\trobots\textract-failed\tfailed\t")
	rows := append(sum.Sources, sum.Totals())
	for _, s := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", s.Source, s.Discovered, s.Fetched,
			s.New, s.Duplicates, s.Known, s.NotModified, s.RobotsDenied, s.ExtractFailed, s.Failed)
	}
	tw.Flush()
	for _, s := range sum.Sources {
		if len(s.Reasons) == 0 {
			continue
		}
		keys := make([]string, 0, len(s.Reasons))
		for k := range s.Reasons {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s ×%d", k, s.Reasons[k])
		}
		fmt.Fprintf(w, "%s: %s\n", s.Source, strings.Join(parts, "; "))
		if len(s.FailedHosts) > 0 {
			fmt.Fprintf(w, "%s: failed by host: %s\n", s.Source, byHost(s.FailedHosts))
		}
	}
	fmt.Fprintf(w, "took %s\n", sum.Finished.Sub(sum.Started).Round(time.Millisecond))
}

// byHost renders failures by host and reason:
// "a.example (dns ×2); b.example (robots.txt http 503 ×1, timeout ×1)".
func byHost(hosts map[string]map[string]int) string {
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, h := range names {
		reasons := make([]string, 0, len(hosts[h]))
		for r := range hosts[h] {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for j, r := range reasons {
			reasons[j] = fmt.Sprintf("%s ×%d", r, hosts[h][r])
		}
		parts[i] = h + " (" + strings.Join(reasons, ", ") + ")"
	}
	return strings.Join(parts, "; ")
}
