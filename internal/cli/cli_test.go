package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/store"
)

// TestMain lets the tests run newsmon as a child process (for kill -9 and
// for a second process holding the database): with NEWSMON_CLI_MAIN=1 the
// test binary is newsmon.
func TestMain(m *testing.M) {
	if os.Getenv("NEWSMON_CLI_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// run runs newsmon in this process and returns its output and status.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// child starts newsmon as a separate process.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NEWSMON_CLI_MAIN=1")
	return cmd
}

// writeConfig writes a configuration for the fake web's sources, crawled
// with per_host_delay delay.
func writeConfig(t *testing.T, dir string, srcs []newsmon.Source, delay time.Duration) string {
	return fakeweb.WriteConfig(t, dir, srcs, map[string]any{"parallelism": 4, "per_host_delay": delay.String(), "retries": 2}, nil)
}

// exportedArticle is one line of `export articles --format jsonl`.
type exportedArticle struct {
	ID         string   `json:"id"`
	URL        string   `json:"url"`
	Source     string   `json:"source"`
	Lang       string   `json:"lang"`
	Title      string   `json:"title"`
	Published  *string  `json:"published"`
	Body       string   `json:"body"`
	Duplicates []string `json:"duplicates"`
}

func exportArticles(t *testing.T, cfg string) []exportedArticle {
	t.Helper()
	out, errOut, code := run(t, "export", "articles", "--format", "jsonl", "--config", cfg)
	if code != 0 {
		t.Fatalf("export: status %d: %s", code, errOut)
	}
	var arts []exportedArticle
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a exportedArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		arts = append(arts, a)
	}
	return arts
}

// checkStoredOnce asserts that every article of the fake web is exported
// exactly once with the right fields, and nothing else is.
func checkStoredOnce(t *testing.T, web *fakeweb.Web, arts []exportedArticle) {
	t.Helper()
	want := web.Articles()
	if len(arts) != len(want) {
		var got []string
		for _, a := range arts {
			got = append(got, a.URL)
		}
		t.Errorf("exported %d articles, want %d: %v", len(arts), len(want), got)
	}
	for _, w := range want {
		var found []exportedArticle
		for _, a := range arts {
			if a.URL == w.URL || slices.Contains(w.URLs, a.URL) {
				found = append(found, a)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s stored %d times, want once", w.URL, len(found))
			continue
		}
		a := found[0]
		if a.Source != w.Source || !strings.HasPrefix(a.Lang, "zh") || a.Title != w.Title {
			t.Errorf("%s: source %q lang %q title %q; want %q zh %q", w.URL, a.Source, a.Lang, a.Title, w.Source, w.Title)
		}
		if a.Published == nil || *a.Published != w.Published.Format(time.RFC3339) {
			t.Errorf("%s: published %v, want %s", w.URL, a.Published, w.Published.Format(time.RFC3339))
		}
		if !strings.Contains(a.Body, w.Snippet) {
			t.Errorf("%s: body lacks %q (mojibake?):\n%.300s", w.URL, w.Snippet, a.Body)
		}
		if strings.ContainsRune(a.Body+a.Title, '\uFFFD') {
			t.Errorf("%s: replacement characters in title or body", w.URL)
		}
	}
}

func TestCrawlThenExport(t *testing.T) {
	web := fakeweb.New(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, web.Sources(), 50*time.Millisecond)

	out, errOut, code := run(t, "crawl", "--config", cfg)
	if code != 0 {
		t.Fatalf("crawl: status %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"fakenews", "fakefinance", "total"} {
		if !strings.Contains(out, name) {
			t.Errorf("summary lacks source %q:\n%s", name, out)
		}
	}
	arts := exportArticles(t, cfg)
	checkStoredOnce(t, web, arts)
	for _, r := range web.Requests() {
		if web.Disallowed == "http://"+r.Host+r.Path {
			t.Errorf("disallowed %s was requested", web.Disallowed)
		}
	}

	// A second crawl sends conditional requests and stores nothing new.
	web.ResetRequests()
	out, errOut, code = run(t, "crawl", "--config", cfg)
	if code != 0 {
		t.Fatalf("second crawl: status %d\n%s\n%s", code, out, errOut)
	}
	if again := exportArticles(t, cfg); len(again) != len(arts) {
		t.Errorf("second crawl: %d articles, want %d", len(again), len(arts))
	}
	conditional := 0
	for _, r := range web.Requests() {
		if r.IfNoneMatch != "" || r.IfModifiedSince != "" {
			conditional++
		}
		for _, a := range web.Articles() {
			if "http://"+r.Host+r.Path == a.URL {
				t.Errorf("second crawl fetched stored article %s", a.URL)
			}
		}
	}
	if conditional == 0 {
		t.Error("second crawl sent no conditional request")
	}
}

func TestBadConfigExitsTwo(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "data_dir: x\ncrawl:\n  parallelsim: 3\n", ":3:"},
		{"bad duration", "crawl:\n  timeout: 3x\n", ":2:"},
		{"bad regexp", "sources:\n  - name: a\n    feeds: [https://example.org/rss]\n    article_urls: ['(unclosed']\n", ":4:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.yaml")
			os.WriteFile(path, []byte(tt.yaml), 0o644)
			for _, cmd := range []string{"check", "crawl"} {
				_, errOut, code := run(t, cmd, "--config", path)
				if code != 2 {
					t.Errorf("%s: status %d, want 2 (%s)", cmd, code, errOut)
				}
				if !strings.Contains(errOut, "bad.yaml"+tt.want) {
					t.Errorf("%s: message %q does not name line %s", cmd, errOut, tt.want)
				}
			}
		})
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"export", "--format", "xml"},
		{"export", "things"},
		{"crawl", "--nosuchflag"},
		{"export", "--since", "yesterdayish"},
		{"export", "--topic", "no-such-topic"},
	} {
		if _, errOut, code := run(t, args...); code != 2 {
			t.Errorf("%v: status %d, want 2 (%s)", args, code, errOut)
		}
	}
}

func TestFlagsAfterOrBeforePositional(t *testing.T) {
	web := fakeweb.New(t)
	cfg := writeConfig(t, t.TempDir(), web.Sources(), 20*time.Millisecond)
	if _, errOut, code := run(t, "crawl", "--config", cfg, "--source", "fakefinance"); code != 0 {
		t.Fatal(errOut)
	}
	a, _, c1 := run(t, "export", "articles", "--format", "jsonl", "--config", cfg)
	b, _, c2 := run(t, "export", "--format", "jsonl", "--config", cfg, "articles")
	if c1 != 0 || c2 != 0 || a != b || a == "" {
		t.Errorf("flag order changed the output (status %d, %d):\n%s\n---\n%s", c1, c2, a, b)
	}
}

func TestCrawlWhileDatabaseInUse(t *testing.T) {
	web := fakeweb.New(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, web.Sources(), 20*time.Millisecond)
	st, err := store.Open(filepath.Join(dir, "data", "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	_, errOut, code := run(t, "crawl", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "database is in use by another newsmon process") {
		t.Errorf("status %d, message %q; want 1 and the in-use message", code, errOut)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s to give up: it should not hang", d)
	}
	if len(web.Requests()) != 0 {
		t.Errorf("crawled %d pages without a database", len(web.Requests()))
	}
	// export points at the daemon's API instead.
	_, errOut, code = run(t, "export", "incidents", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "in use") || !strings.Contains(errOut, "/api/v1/incidents") {
		t.Errorf("export while in use: status %d, message %q; want 1 and a pointer to the API", code, errOut)
	}
}

func TestKillDuringCrawlThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	web := fakeweb.New(t)
	// More articles, so that the crawl is still running when it is killed.
	for i := range 30 {
		web.News.AddArticle(t, fakeweb.ArticleSpec{
			Path:       fmt.Sprintf("/articles/tech/%d.htm", 7000+i),
			Title:      fmt.Sprintf("测试新闻第%d号：本地服务器上的一篇文章", i),
			Published:  time.Date(2026, 5, 2, 9, i, 0, 0, fakeweb.CST),
			Paragraphs: []string{fakeweb.Filler(i, 0, 120), fakeweb.Filler(i, 1, 120)},
		})
	}
	dir := t.TempDir()
	cfg := writeConfig(t, dir, web.Sources(), 60*time.Millisecond)
	db := filepath.Join(dir, "data", "newsmon.db")

	for _, after := range []time.Duration{700 * time.Millisecond, 1500 * time.Millisecond} {
		cmd := child(t, "crawl", "--config", cfg)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if err := store.Check(db); err != nil {
			t.Fatalf("after kill -9 at %s: %v", after, err)
		}
	}
	before := exportArticles(t, cfg)
	web.ResetRequests()
	out, errOut, code := run(t, "crawl", "--config", cfg)
	if code != 0 {
		t.Fatalf("resume: status %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("resumed crawl after %d articles stored:\n%s", len(before), out)
	for _, r := range web.Requests() {
		for _, a := range before {
			if "http://"+r.Host+r.Path == a.URL {
				t.Errorf("resumed crawl fetched %s again, stored before the kill", a.URL)
			}
		}
	}
	checkStoredOnce(t, web, exportArticles(t, cfg))
}

// TestNATSURLFromEnv: NEWSMON_NATS_URL wins over the file and is validated
// like nats.url.
func TestNATSURLFromEnv(t *testing.T) {
	tests := []struct {
		env  string
		code int
		want string
	}{
		{"nats://q.example:4222", 0, "url: nats://q.example:4222\n"},
		{"q.example:4222", exitUsage, `NEWSMON_NATS_URL: invalid NATS URL "q.example:4222"`},
		{"http://q.example:4222", exitUsage, "NEWSMON_NATS_URL: NATS URL"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("NEWSMON_NATS_URL", tt.env)
			t.Chdir(t.TempDir())
			out, errOut, code := run(t, "check")
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("check with NEWSMON_NATS_URL=%s: status %d, output %q; want %d and %q", tt.env, code, out+errOut, tt.code, tt.want)
			}
		})
	}
}

// TestWorkerNeedsNATS: `newsmon worker` without nats.url is a usage error
// naming the setting.
func TestWorkerNeedsNATS(t *testing.T) {
	t.Setenv("NEWSMON_NATS_URL", "")
	t.Chdir(t.TempDir())
	_, errOut, code := run(t, "worker")
	if code != exitUsage || !strings.Contains(errOut, "nats.url") {
		t.Errorf("worker without NATS: status %d, %q; want %d naming nats.url", code, errOut, exitUsage)
	}
	t.Setenv("NEWSMON_NATS_URL", "nats://127.0.0.1:1") // refused before any connection
	_, errOut, code = run(t, "worker", "--listen", "nowhere")
	if code != exitUsage || !strings.Contains(errOut, "--listen") {
		t.Errorf("worker --listen nowhere: status %d, %q", code, errOut)
	}
}
