// Command scalebench measures newsmon's whole crawl at scale against bare
// colly fetching and goquery-parsing the same pages, in one run: a local
// server makes N distinct portal-like article pages of real sentences
// (drawn from the bodies of the extraction data, $NEWSMON_EXTRACT_DATA)
// behind a sitemap index; `newsmon crawl` crawls them in a child process;
// colly+goquery fetches and parses them before and after it. It prints a
// markdown table: pages/s of each and their ratio, newsmon's CPU per page by
// stage (from a CPU profile of the child), its peak RSS (the child's
// VmHWM) and peak live heap, and the database's bytes against the stored
// text (title, body and URLs of every article).
//
//	cd bench && go run ./cmd/scalebench -n 10000
//	cd bench && go run ./cmd/scalebench -n 10000 -newsmon /tmp/newsmon   # the binary, no profile
//
// By default the child is this program running newsmon's command line
// (internal/cli, the code of cmd/newsmon) under a CPU profile; -newsmon
// runs a built binary instead (no CPU by stage then). Profiles are kept in
// -profiles for `go tool pprof`. SCALEBENCH_TRACE=1 prints the child's RSS
// every 100 ms and the end of its output on stderr.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/store"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "child" {
		os.Exit(childMain(os.Args[2], os.Args[3:]))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

// result is what one run measured.
type result struct {
	pages             int
	meanPage          int
	nmRate            float64 // pages/s
	collyBefore       float64
	collyAfter        float64
	rss, heap         uint64 // bytes
	rssAnon, rssFile  uint64 // bytes, at the peak of VmRSS sampled
	goroutines        uint64
	stacks            uint64 // bytes
	cpu               time.Duration
	stages            []stageCPU
	profiled          time.Duration
	dbBytes, text     int64
	articles, unique  int
	urlsOK            bool
	elapsed           time.Duration
	dir, profiles, nm string
}

func run() error {
	data := flag.String("data", os.Getenv("NEWSMON_EXTRACT_DATA"), "extraction data set `dir` (default $NEWSMON_EXTRACT_DATA)")
	n := flag.Int("n", 10000, "pages")
	par := flag.Int("p", 8, "requests in flight")
	bin := flag.String("newsmon", "", "newsmon `binary` to run (default: newsmon's command line in a child of this program, profiled)")
	profiles := flag.String("profiles", "", "`dir` for cpu.pprof and heap.pprof (default: a new temporary directory)")
	keep := flag.Bool("keep", false, "keep the database (its path is printed)")
	flag.StringVar(&extraConfig, "config", "", "`YAML` appended to the generated configuration (e.g. \"cluster: {max_open: 4000}\")")
	flag.Parse()
	if *data == "" {
		fmt.Println("skipped: no data (set -data or NEWSMON_EXTRACT_DATA)")
		return nil
	}
	if _, err := os.Stat(*data); errors.Is(err, os.ErrNotExist) {
		fmt.Printf("skipped: no data at %s\n", *data)
		return nil
	}
	c, err := loadCorpus(*data)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	w := &web{c: c, n: *n, base: "http://" + ln.Addr().String()}
	go func() { _ = http.Serve(ln, w) }()
	w.generate()
	total := 0
	for _, p := range w.pages {
		total += len(p)
	}
	res := result{pages: *n, meanPage: total / *n}
	if res.dir, err = os.MkdirTemp("", "scalebench"); err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "database:", filepath.Join(res.dir, "data", "newsmon.db"))
	} else {
		defer os.RemoveAll(res.dir)
	}
	res.profiles = *profiles
	if res.profiles == "" && *bin == "" {
		if res.profiles, err = os.MkdirTemp("", "scalebench-prof"); err != nil {
			return err
		}
	}
	res.nm = *bin
	fmt.Fprintf(os.Stderr, "%d pages of %d bytes on average (%d zh, %d en sentences), %d in flight, GOMAXPROCS %d\n",
		*n, res.meanPage, len(c.zh), len(c.en), *par, runtime.GOMAXPROCS(0))

	res.collyBefore = collyCrawl(w, *par)
	fmt.Fprintf(os.Stderr, "colly+goquery: %.0f pages/s\n", res.collyBefore)
	if err := crawlNewsmon(&res, w, *par); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "newsmon: %.0f pages/s\n", res.nmRate)
	res.collyAfter = collyCrawl(w, *par)
	fmt.Fprintf(os.Stderr, "colly+goquery: %.0f pages/s\n", res.collyAfter)
	if err := measureStore(&res); err != nil {
		return err
	}
	report(os.Stdout, res)
	if res.articles != *n || res.unique != *n || !res.urlsOK {
		return fmt.Errorf("%d articles stored (%d distinct URLs) for %d pages", res.articles, res.unique, *n)
	}
	return nil
}

// extraConfig is appended to the configuration crawlNewsmon writes (-config).
var extraConfig string

// crawlNewsmon runs `newsmon crawl` over w in a child process and records
// its rate, peak RSS, CPU and (profiled) CPU by stage.
func crawlNewsmon(res *result, w *web, par int) error {
	cfg := fmt.Sprintf(`data_dir: %s
user_agent: "scalebench/1.0"
crawl:
  parallelism: %d
  per_host_delay: 0s
  timeout: 30s
  max_pages: %d
  allow_private_networks: true
sources:
  - name: portal
    lang: zh
    timezone: Asia/Shanghai
    interval: 1h
    sitemaps: ["%s/sitemap.xml"]
    article_urls: ["^%s/news/"]
`, filepath.Join(res.dir, "data"), par, w.n+100, w.base, w.base) + extraConfig + "\n"
	cfgPath := filepath.Join(res.dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	args := []string{"crawl", "--config", cfgPath, "--log-format", "json", "--log-level", "warn"}
	var cmd *exec.Cmd
	if res.nm != "" {
		cmd = exec.Command(res.nm, args...)
	} else {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		cmd = exec.Command(self, append([]string{"child", res.profiles}, args...)...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("newsmon crawl: %w", err)
	}
	stop := make(chan struct{})
	sampled := make(chan [4]uint64)
	go sampleRSS(cmd.Process.Pid, stop, sampled)
	err := cmd.Wait()
	res.elapsed = time.Since(start)
	close(stop)
	peak := <-sampled
	res.rssAnon, res.rssFile = peak[1], peak[2]
	if err != nil {
		return fmt.Errorf("newsmon crawl: %w: %s", err, tail(out.String(), 600))
	}
	if os.Getenv("SCALEBENCH_TRACE") != "" {
		fmt.Fprint(os.Stderr, tail(out.String(), 3000))
	}
	res.nmRate = float64(w.n) / res.elapsed.Seconds()
	// The child's VmHWM as last sampled, not ru_maxrss: exec records the
	// high-water mark of the memory the child had before it, which for a
	// child started by os/exec (vfork) is this process's, holding every
	// page of the fake web (1 GB at 100,000 pages).
	res.rss = peak[3]
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "peak heap "); ok {
			res.heap, _ = strconv.ParseUint(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(sc.Text(), "peak goroutines "); ok {
			res.goroutines, _ = strconv.ParseUint(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(sc.Text(), "peak stacks "); ok {
			res.stacks, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	if res.nm == "" {
		var err error
		if res.stages, res.profiled, err = cpuByStage(filepath.Join(res.profiles, "cpu.pprof")); err != nil {
			return err
		}
	}
	return nil
}

// sampleRSS reads /proc/PID/status every 100 ms until stop is closed and
// sends VmRSS, RssAnon and RssFile (bytes) as of the largest VmRSS seen,
// and the last VmHWM read (the peak RSS up to 100 ms before the exit).
func sampleRSS(pid int, stop <-chan struct{}, out chan<- [4]uint64) {
	var peak [4]uint64
	var hwm uint64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			peak[3] = hwm
			out <- peak
			return
		case <-t.C:
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		var now [4]uint64
		for _, line := range strings.Split(string(data), "\n") {
			for i, key := range []string{"VmRSS:", "RssAnon:", "RssFile:", "VmHWM:"} {
				if v, ok := strings.CutPrefix(line, key); ok {
					kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
					now[i] = kb << 10
				}
			}
		}
		hwm = max(hwm, now[3])
		if os.Getenv("SCALEBENCH_TRACE") != "" {
			fmt.Fprintf(os.Stderr, "rss %d anon %d file %d\n", now[0]>>20, now[1]>>20, now[2]>>20)
		}
		if now[0] > peak[0] {
			peak = now
		}
	}
}

// measureStore reads the database the crawl left: its size, the stored
// text (title, body and URLs of each article) and whether every page is
// stored once under its own URL.
func measureStore(res *result) error {
	path := filepath.Join(res.dir, "data", "newsmon.db")
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	res.dbBytes = st.Size()
	s, err := store.Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	seen := make(map[string]bool, res.pages)
	res.urlsOK = true
	err = s.Articles(time.Time{}, func(a newsmon.Article) error {
		res.articles++
		res.text += int64(len(a.Title) + len(a.Body) + len(a.URL) + len(a.CanonicalURL))
		if !strings.Contains(a.URL, "/news/") || a.Body == "" {
			res.urlsOK = false
		}
		seen[a.URL] = true
		return nil
	})
	res.unique = len(seen)
	return err
}

// collyCrawl fetches every page with bare colly, par in flight, parsing each
// with goquery and reading its article's text; it returns pages/s.
func collyCrawl(w *web, par int) float64 {
	c := colly.NewCollector(colly.Async(true))
	_ = c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: par})
	var got, chars atomic.Int64
	c.OnResponse(func(r *colly.Response) {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
		if err != nil {
			return
		}
		chars.Add(int64(len(doc.Find("article").Text())))
		got.Add(1)
	})
	start := time.Now()
	for i := range w.n {
		_ = c.Visit(w.articleURL(i))
	}
	c.Wait()
	return float64(got.Load()) / time.Since(start).Seconds()
}

// report prints the run as markdown.
func report(out io.Writer, r result) {
	colly := (r.collyBefore + r.collyAfter) / 2
	mb := func(b uint64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }
	fmt.Fprintf(out, "%d distinct pages (mean %d bytes), %s, GOMAXPROCS %d\n\n", r.pages, r.meanPage, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOMAXPROCS(0))
	fmt.Fprintln(out, "| pages | newsmon pages/s | colly+goquery pages/s (before / after) | ratio | newsmon peak RSS | peak live heap | CPU per page | database | stored text | db / text | db bytes per article |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|---|")
	fmt.Fprintf(out, "| %d | %.0f | %.0f / %.0f | %.2f | %s | %s | %.2f ms | %s | %s | %.2f | %d |\n",
		r.pages, r.nmRate, r.collyBefore, r.collyAfter, r.nmRate/colly, mb(r.rss), mb(r.heap),
		float64(r.cpu)/float64(r.pages)/1e6, mb(uint64(r.dbBytes)), mb(uint64(r.text)),
		float64(r.dbBytes)/float64(max(r.text, 1)), r.dbBytes/int64(max(r.articles, 1)))
	fmt.Fprintf(out, "\nnewsmon at its largest RSS sampled: anonymous %s, file-backed (the database's mapping) %s\n", mb(r.rssAnon), mb(r.rssFile))
	if r.goroutines > 0 {
		fmt.Fprintf(out, "\nnewsmon peak goroutines: %d (goroutine stacks at most %s)\n", r.goroutines, mb(r.stacks))
	}
	fmt.Fprintf(out, "\nstored: %d articles, %d distinct URLs (every page once: %v)\n", r.articles, r.unique, r.articles == r.pages && r.unique == r.pages && r.urlsOK)
	if r.stages == nil {
		return
	}
	fmt.Fprintf(out, "\nCPU by stage (profile of the child: %.1f s sampled of %.1f s CPU, %.1f s wall)\n\n", r.profiled.Seconds(), r.cpu.Seconds(), r.elapsed.Seconds())
	fmt.Fprintln(out, "| stage | CPU per page | share |")
	fmt.Fprintln(out, "|---|---|---|")
	for _, s := range r.stages {
		fmt.Fprintf(out, "| %s | %.3f ms | %.0f %% |\n", s.name, float64(s.cpu)/float64(r.pages)/1e6, 100*float64(s.cpu)/float64(max(r.profiled, 1)))
	}
	fmt.Fprintf(out, "\nprofiles: %s/cpu.pprof, %s/heap.pprof\n", r.profiles, r.profiles)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
