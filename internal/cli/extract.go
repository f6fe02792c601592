package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/charset"
	"github.com/newsmon/newsmon/crawler"
	"github.com/newsmon/newsmon/export"
	"github.com/newsmon/newsmon/extract"
)

// maxPageFile bounds how much of a local page file extract reads.
const maxPageFile = 64 << 20

func extractCommand(e *env) *cobra.Command {
	var pageURL, manifest, tz string
	cmd := &cobra.Command{
		Use:   "extract [--url URL] FILE | URL...",
		Short: "Print the article extracted from pages (files or URLs) as JSON lines",
		Long: "Extract title, published time, authors, language and body text from saved pages\n" +
			"(FILE, gzip allowed; --url gives the page's address) or from fetched URLs.\n" +
			"--manifest FILE (- for standard input) reads JSON lines {\"id\",\"url\",\"path\"} and\n" +
			"prints one JSON line per input, in order, with its id; a page that fails gives a line\n" +
			"with an \"error\" field, and the run then exits 1. A relative path is taken from the\n" +
			"manifest file's directory (from the working directory for standard input).",
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return usageError{fmt.Errorf("--timezone %q: %w", tz, err)}
			}
			if manifest != "" {
				if len(args) > 0 {
					return usageError{errors.New("--manifest takes no other arguments")}
				}
				return e.extractManifest(manifest, loc)
			}
			if len(args) == 0 {
				return usageError{errors.New("extract needs a FILE or URL, or --manifest FILE")}
			}
			failed := 0
			for _, arg := range args {
				a, err := e.extractOne(cmd.Context(), arg, pageURL, loc)
				if err != nil {
					failed++
					fmt.Fprintf(e.stderr, "newsmon: extract %s: %v\n", arg, err)
					continue
				}
				if err := export.Articles(e.stdout, []newsmon.Article{a}, "jsonl"); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d pages failed", failed, len(args))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&pageURL, "url", "", "the page's URL, when extracting from a FILE")
	f.StringVar(&manifest, "manifest", "", "batch: JSON lines {\"id\",\"url\",\"path\"} (- for standard input)")
	f.StringVar(&tz, "timezone", "UTC", "time zone for dates printed without one")
	return cmd
}

// extractOne extracts a local file or, for an http(s) argument, a page
// fetched through the crawler (robots.txt, limits and charset included).
func (e *env) extractOne(ctx context.Context, arg, pageURL string, loc *time.Location) (newsmon.Article, error) {
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		cfg, err := e.loadConfig()
		if err != nil {
			return newsmon.Article{}, err
		}
		var page *newsmon.Page
		c, err := crawler.New(crawler.Options{
			Settings: cfg.Crawl,
			OnPage: func(_ context.Context, p newsmon.Page) error {
				page = &p
				return nil
			},
		})
		if err != nil {
			return newsmon.Article{}, err
		}
		stats, err := c.Crawl(ctx, []newsmon.Source{{Name: "extract", Location: loc, Articles: []string{arg}}})
		if err != nil {
			return newsmon.Article{}, err
		}
		if page == nil {
			return newsmon.Article{}, errors.New(notFetched(stats["extract"]))
		}
		return extractPage(page.FinalURL, page.Body, page.FetchedAt, loc)
	}
	raw, err := readPage(arg)
	if err != nil {
		return newsmon.Article{}, err
	}
	html, _, err := charset.Decode(raw, "")
	if err != nil {
		return newsmon.Article{}, err
	}
	return extractPage(pageURL, html, fileTime(arg), loc)
}

func extractPage(u string, html []byte, fetched time.Time, loc *time.Location) (newsmon.Article, error) {
	a, err := extract.Extract(extract.Input{URL: u, HTML: html, FetchedAt: fetched, Location: loc})
	if err != nil {
		return a, err
	}
	a.URL = u
	a.FetchedAt = fetched
	return a, nil
}

// readPage reads a saved page, unpacking gzip, up to maxPageFile bytes.
func readPage(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	data, err := io.ReadAll(io.LimitReader(r, maxPageFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxPageFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxPageFile)
	}
	return data, nil
}

// fileTime is the "fetch time" of a saved page: its modification time, which
// bounds relative dates and rules out dates in its future.
func fileTime(path string) time.Time {
	if st, err := os.Stat(path); err == nil {
		return st.ModTime()
	}
	return time.Now()
}

type manifestLine struct {
	ID   string `json:"id"`
	URL  string `json:"url"`
	Path string `json:"path"`
}

// notFetched says why the crawler brought back no page for a URL, e.g.
// "not fetched: private network" (reasons in order, with a count past one).
func notFetched(st *crawler.Stats) string {
	if st == nil || len(st.Reasons) == 0 {
		return "not fetched"
	}
	var reasons []string
	for r, n := range st.Reasons {
		if n > 1 {
			r = fmt.Sprintf("%s (%d)", r, n)
		}
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	return "not fetched: " + strings.Join(reasons, ", ")
}

// extractManifest processes a JSON Lines manifest in one process: one output
// line per input line, in order; a failing line gives {"id","line","error"}
// and makes the run fail once every line is done. path "-" is standard
// input.
func (e *env) extractManifest(path string, loc *time.Location) error {
	var r io.Reader = e.stdin
	name, base := "stdin", "" // relative paths: the working directory's
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return usageError{err}
		}
		defer f.Close()
		r, name, base = f, path, filepath.Dir(path)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	bw := bufio.NewWriter(e.stdout)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	fail := func(id string, n int, err error) error {
		return enc.Encode(struct {
			ID    string `json:"id"`
			Line  int    `json:"line"`
			Error string `json:"error"`
		}{id, n, err.Error()})
	}
	lines, failed := 0, 0
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		lines++
		var in manifestLine
		if err := json.Unmarshal(line, &in); err != nil {
			failed++
			if err := fail("", n, fmt.Errorf("%s:%d: not a JSON object {\"id\",\"url\",\"path\"}: %v", name, n, err)); err != nil {
				return err
			}
			continue
		}
		a, err := extractFile(in, base, loc)
		if err != nil {
			failed++
			if err := fail(in.ID, n, err); err != nil {
				return err
			}
			continue
		}
		a.ID = in.ID
		if err := export.Articles(bw, []newsmon.Article{a}, "jsonl"); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%s: %d of %d lines failed (their output lines carry an \"error\")", name, failed, lines)
	}
	return nil
}

// extractFile extracts one manifest entry; a relative path is taken from
// base (the manifest's directory, or the working directory when base is
// ""). Errors name the page file. A panic in one page is reported as its
// error.
func extractFile(in manifestLine, base string, loc *time.Location) (a newsmon.Article, err error) {
	p := in.Path
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error: %v", p, r)
		}
	}()
	if p == "" {
		return a, errors.New(`no "path" (the saved page to extract)`)
	}
	if base != "" && !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	raw, err := readPage(p)
	if err != nil {
		return a, err
	}
	html, _, err := charset.Decode(raw, "")
	if err != nil {
		return a, fmt.Errorf("%s: %w", p, err)
	}
	a, err = extractPage(in.URL, html, fileTime(p), loc)
	if err != nil {
		return a, fmt.Errorf("%s: %w", p, err)
	}
	return a, nil
}
