package hostile_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/internal/hostile"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/store"
)

// The acceptance bounds of issue 7: a crawl of the whole hostile web with a
// 5 s timeout ends within a minute with peak memory under 256 MB.
const (
	crawlTimeout = 5 * time.Second
	maxWall      = 60 * time.Second
	maxPeakRSS   = 256 << 20
)

// childEnv names the config file a re-executed test binary crawls.
const childEnv = "NEWSMON_HOSTILE_CHILD"

// result is what the child process reports.
type result struct {
	Summary pipeline.Summary
	Err     string
	VmHWM   int64 // bytes, from /proc/self/status
}

// TestHostileWeb crawls the whole hostile web and the fake news web through
// the real pipeline (config file, crawler, extract, dedup, store, cluster)
// in a child process, and asserts what became of every case, the wall time
// and the child's peak memory.
func TestHostileWeb(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		runChild(t, path)
		return
	}
	web := hostile.New(t)
	good := fakeweb.New(t)
	dir := t.TempDir()
	sources := append(web.Sources(), good.Sources()...)
	cfgPath := writeConfig(t, dir, sources, map[string]any{
		"parallelism": 8, "per_host_delay": "10ms", "timeout": crawlTimeout.String(),
		"max_body_bytes": "512KiB", "retries": 1, "max_pages": 500,
		"respect_robots": true, "allow_private_networks": true, "max_redirects": 5,
	})

	start := time.Now()
	res, rss := runChildProcess(t, cfgPath, 0)
	wall := time.Since(start)
	t.Logf("whole hostile web: %s wall, peak RSS %.1f MB (VmHWM %.1f MB)", wall.Round(time.Millisecond), float64(rss)/(1<<20), float64(res.VmHWM)/(1<<20))
	if res.Err != "" {
		t.Fatalf("crawl failed: %s", res.Err)
	}
	// The bounds are the acceptance of issue 7, measured without the race
	// detector (.ci/run does); with it, a loaded machine may be slower
	// than any bound, and the race detector's memory is not newsmon's.
	if raceEnabled {
		t.Logf("race detector on: wall time and peak memory not asserted")
	} else {
		if wall > maxWall {
			t.Errorf("crawl took %s, want under %s", wall, maxWall)
		}
		if rss > maxPeakRSS {
			t.Errorf("peak RSS %d MB, want under %d MB", rss>>20, maxPeakRSS>>20)
		}
	}
	sum := map[string]pipeline.SourceSummary{}
	for _, s := range res.Summary.Sources {
		sum[s.Source] = s
		t.Logf("%-16s %+v", s.Source, s)
	}

	// Each hostile page fails alone, with its reason.
	h := sum["hostile"]
	for reason, want := range map[string]int{
		"timeout":   2, // drip: a byte a second; the silent host's robots.txt
		"too large": 4, // endless body, gzip bomb, 50 MB page, million-URL sitemap
		"not html":  2, // binary served as text/html, PDF
		"redirects": 2, // loop, 30-hop chain
		"bad url":   1, // credentials (javascript:, data:, mailto: are not links)
		"parse":     1, // feed that is not XML
	} {
		if h.Reasons[reason] != want {
			t.Errorf("hostile: reason %q %d times, want %d (reasons %v)", reason, h.Reasons[reason], want, h.Reasons)
		}
	}
	// The page nested 10,000 deep is fetched but refused by the HTML
	// parser (x/net/html stops at 512 open elements): it fails alone.
	if _, ok := titlesOf(t, dir)[hostile.TitleDeep]; ok || h.ExtractFailed != 1 {
		t.Errorf("hostile: extract failures %d (reasons %v), want 1: the deep page", h.ExtractFailed, h.Reasons)
	}
	// The silent host: robots.txt never answers, so RFC 9309 says
	// unreachable = disallow everything (after one timeout): a failure of
	// that host, not a robots rule.
	silentHost := strings.TrimPrefix(web.Silent, "http://")
	if h.RobotsDenied != 0 || h.FailedHosts[silentHost]["timeout"] != 1 {
		t.Errorf("hostile: robots denied %d, failures by host %v; want 0 and one timeout at %s", h.RobotsDenied, h.FailedHosts, silentHost)
	}
	if n := web.Count(web.Pages, "/a/data") + web.Count(web.Pages, "/a/credentials") + web.Count(web.Pages, "/a/listed/"); n != 0 {
		t.Errorf("%d requests for data:, credential or truncated-sitemap URLs", n)
	}
	if n := web.Count(web.Pages, "/a/chain/"); n > 6 {
		t.Errorf("redirect chain followed %d hops, want <= max_redirects+1", n)
	}

	// Traps: bounded by depth, budget and canonicalisation.
	tr := sum["traps"]
	if tr.Reasons["budget"] == 0 {
		t.Errorf("traps: reasons %v, want \"budget\"", tr.Reasons)
	}
	if n := web.Count(web.Traps, "/cal/") + web.Count(web.Traps, "/list") + web.Count(web.Traps, "/a/"); n > 40 {
		t.Errorf("traps: %d requests, want <= the budget of 40", n)
	}
	// max_depth 3: the start month and two hops either way, no further.
	for _, r := range web.Requests() {
		if r.Host == strings.TrimPrefix(web.Traps, "http://") && strings.HasPrefix(r.Path, "/cal/") &&
			r.Path != "/cal/2026/05" && r.Path != "/cal/2026/04" && r.Path != "/cal/2026/06" && r.Path != "/cal/2026/03" && r.Path != "/cal/2026/07" {
			t.Errorf("traps: calendar page %s is more than max_depth hops away", r.Path)
		}
	}

	// robots.txt: huge (first 512 KiB read), malformed (allow), redirect
	// (followed), 5xx (disallow all, as failures), 4xx (allow all).
	for kind, want := range map[string][3]int{
		"huge": {1, 1, 0}, "malformed": {2, 0, 0}, "redirect": {1, 1, 0}, "5xx": {0, 0, 2}, "4xx": {2, 0, 0},
	} {
		s := sum["robots-"+kind]
		if s.Fetched != want[0] || s.RobotsDenied != want[1] || s.Failed != want[2] {
			t.Errorf("robots %s: fetched %d, denied %d, failed %d; want %d, %d, %d", kind, s.Fetched, s.RobotsDenied, s.Failed, want[0], want[1], want[2])
		}
		if (kind == "huge" || kind == "redirect") && web.Count(web.Robots[kind], "/a/secret") != 0 {
			t.Errorf("robots %s: /a/secret requested despite Disallow", kind)
		}
	}

	// What was stored, and that the store is sound.
	db := filepath.Join(dir, "data", "newsmon.db")
	if err := store.Check(db); err != nil {
		t.Fatalf("store.Check: %v", err)
	}
	titles := titlesOf(t, dir)
	for _, want := range []string{hostile.TitleLyingCharset, hostile.TitleInvalidUTF8,
		hostile.TitleFuture, hostile.TitleEpoch, hostile.TitleRedirected, hostile.TitleRelative, hostile.TitleProtoRel} {
		a, ok := titles[want]
		if !ok {
			t.Errorf("article %q not stored", want)
			continue
		}
		if !a.Published.IsZero() && (a.Published.Year() < 1990 || a.Published.After(a.FetchedAt.Add(time.Hour))) {
			t.Errorf("%q stored with published %s", want, a.Published)
		}
		if strings.ContainsRune(a.Body, '\uFFFD') && want != hostile.TitleInvalidUTF8 {
			t.Errorf("%q: body has replacement characters: %.80q", want, a.Body)
		}
	}
	for _, a := range good.Articles() {
		if _, ok := titles[a.Title]; !ok {
			t.Errorf("good page %s (%q) not stored beside the hostile web", a.URL, a.Title)
		}
	}
}

// TestStoreCannotBeWritten: a data directory that is a file, and a disk
// that fills up during the crawl (the child's file size limit, RLIMIT_FSIZE,
// makes every write past the current size fail with EFBIG as a full disk
// does), end in a clear error and a database that passes store.Check and
// loses nothing on the next crawl.
func TestStoreCannotBeWritten(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		runChild(t, path)
		return
	}
	t.Run("data dir is a file", func(t *testing.T) {
		dir := t.TempDir()
		blocker := filepath.Join(dir, "data")
		os.WriteFile(blocker, []byte("not a directory"), 0o600)
		_, err := store.Open(filepath.Join(blocker, "newsmon.db"))
		if err == nil || !strings.Contains(err.Error(), blocker) {
			t.Errorf("Open under a file: %v, want an error naming %s", err, blocker)
		}
	})

	t.Run("disk fills up", func(t *testing.T) {
		good := fakeweb.New(t)
		// Enough text that the database must grow past its size at the
		// start of the crawl, whatever room bbolt had left in the file.
		for i := range 40 {
			good.News.AddArticle(t, fakeweb.ArticleSpec{
				Path:       fmt.Sprintf("/articles/tech/%d.htm", 8000+i),
				Title:      fmt.Sprintf("磁盘写满测试第%d篇", i),
				Published:  time.Date(2026, 5, 2, 8, i, 0, 0, fakeweb.CST),
				Paragraphs: []string{fakeweb.Filler(i, 0, 360), fakeweb.Filler(i, 1, 360), fakeweb.Filler(i, 2, 360)},
			})
		}
		dir := t.TempDir()
		cfgPath := writeConfig(t, dir, good.Sources(), map[string]any{
			"per_host_delay": "0s", "timeout": "2s", "max_body_bytes": "512KiB",
			"respect_robots": true, "allow_private_networks": true,
		})
		res, _ := runChildProcess(t, cfgPath, 1) // no byte past the new file's size
		t.Logf("full disk: err %q", res.Err)
		db := filepath.Join(dir, "data", "newsmon.db")
		if err := store.Check(db); err != nil {
			t.Fatalf("store.Check after a full disk: %v", err)
		}
		// Room again: the next crawl must store every article.
		res2, _ := runChildProcess(t, cfgPath, 0)
		if res2.Err != "" {
			t.Fatalf("second crawl: %s", res2.Err)
		}
		st, err := store.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var lost []string
		for _, a := range good.Articles() {
			if _, ok, _ := st.ArticleIDByURL(a.URL); !ok {
				lost = append(lost, a.URL)
			}
		}
		if !strings.Contains(res.Err, "file too large") {
			t.Errorf("full disk: error %q does not say why the commit failed", res.Err)
		}
		if len(lost) > 0 {
			t.Errorf("%d of %d articles lost after a full disk: %v", len(lost), len(good.Articles()), lost)
		}
	})
}

// titlesOf returns the articles stored under dir by title.
func titlesOf(t *testing.T, dir string) map[string]newsmon.Article {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "data", "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	titles := map[string]newsmon.Article{}
	if err := st.Articles(time.Time{}, func(a newsmon.Article) error { titles[a.Title] = a; return nil }); err != nil {
		t.Fatal(err)
	}
	return titles
}

// writeConfig writes a config file with the sources and crawl settings;
// data goes to dir/data.
func writeConfig(t *testing.T, dir string, sources []newsmon.Source, crawl map[string]any) string {
	return fakeweb.WriteConfig(t, dir, sources, crawl, map[string]any{
		"user_agent": "newsmon-hostile-test/1.0 (+https://example.org/newsmon)",
	})
}

// runChildProcess re-executes the test binary to crawl cfgPath and returns
// its report and peak resident set size in bytes. fsizeSlack > 0 limits
// the child's file sizes to the new database's size plus fsizeSlack-1
// bytes.
func runChildProcess(t *testing.T, cfgPath string, fsizeSlack int) (result, int64) {
	t.Helper()
	name := strings.Split(t.Name(), "/")[0]
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+cfgPath, "NEWSMON_HOSTILE_FSIZE="+strconv.Itoa(fsizeSlack))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var res result
	b, err := os.ReadFile(cfgPath + ".result")
	if err != nil {
		t.Fatalf("child wrote no result: %v\n%s", err, out)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	return res, rss
}

// runChild is the child process: one crawl cycle of the config at path,
// as `newsmon crawl --config path` runs it, reported to path.result.
func runChild(t *testing.T, path string) {
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var res result
	err = crawlOnce(cfg)
	if err != nil {
		res.Err = err.Error()
	}
	res.Summary = lastSummary
	res.VmHWM = vmHWM()
	b, _ := json.Marshal(res)
	if err := os.WriteFile(path+".result", b, 0o600); err != nil {
		t.Fatal(err)
	}
}

var lastSummary pipeline.Summary

func crawlOnce(cfg *config.Config) error {
	st, err := store.Open(filepath.Join(cfg.DataDir, "newsmon.db"))
	if err != nil {
		return err
	}
	if slack, _ := strconv.Atoi(os.Getenv("NEWSMON_HOSTILE_FSIZE")); slack > 0 {
		// The store preallocates its file, so the limit is set at what a
		// new database uses, not at the file's size: writes to pages past
		// it fail with EFBIG, as on a full disk.
		lim := uint64(usedByNewStore) + uint64(slack) - 1
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
			return fmt.Errorf("setrlimit: %w", err)
		}
	}
	p, err := pipeline.New(cfg, st, nil, nil)
	if err != nil {
		st.Close()
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*maxWall)
	defer cancel()
	lastSummary, err = p.Run(ctx, cfg.Sources, nil)
	return errors.Join(err, st.Close())
}

// usedByNewStore bounds the bytes a new, empty database occupies (meta pages,
// freelist and the empty buckets).
const usedByNewStore = 128 << 10

// vmHWM returns the process's peak resident set size in bytes.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
