package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/daemon"
	"github.com/newsmon/newsmon/internal/cli"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// TestMain lets the tests run newsmon as a child process: with
// NEWSMON_DAEMON_TEST_MAIN=1 the test binary is newsmon (with the race
// detector when the tests run with -race).
func TestMain(m *testing.M) {
	if os.Getenv("NEWSMON_DAEMON_TEST_MAIN") == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// run runs newsmon in this process and returns its output and status.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Main(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// daemonProc is a running `newsmon daemon` child process and its JSON log.
type daemonProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // where the HTTP server listens

	mu    sync.Mutex
	lines []map[string]any
	raw   []string
	exit  chan struct{} // closed when the process has exited and its log is read
	state *os.ProcessState
}

// childEnv is the environment of a child newsmon: this process's, without
// proxies and NEWSMON_ overrides, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "NEWSMON_") || strings.EqualFold(k, "http_proxy") ||
			strings.EqualFold(k, "https_proxy") || strings.EqualFold(k, "no_proxy") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// startDaemon starts `newsmon daemon` (this test binary acting as newsmon)
// with args after "daemon", and waits until its HTTP server listens.
func startDaemon(t *testing.T, env []string, args ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"daemon", "--log-format", "json"}, args...)...)
	cmd.Env = append(childEnv(env...), "NEWSMON_DAEMON_TEST_MAIN=1")
	return startProc(t, cmd, true)
}

// startProc starts cmd, collects its stderr as JSON log lines and, if
// waitListen, waits for the "daemon started" line and its address.
func startProc(t *testing.T, cmd *exec.Cmd, waitListen bool) *daemonProc {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &daemonProc{t: t, cmd: cmd, exit: make(chan struct{})}
	started := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			json.Unmarshal(sc.Bytes(), &m) //nolint:errcheck // non-JSON lines are kept raw
			p.mu.Lock()
			p.raw = append(p.raw, sc.Text())
			if m != nil {
				p.lines = append(p.lines, m)
			}
			p.mu.Unlock()
			if m["msg"] == "daemon started" {
				select {
				case started <- fmt.Sprint(m["listen"]):
				default:
				}
			}
		}
		cmd.Wait() //nolint:errcheck // the state is examined instead
		p.mu.Lock()
		p.state = cmd.ProcessState
		p.mu.Unlock()
		close(p.exit)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exit:
		default:
			cmd.Process.Kill()
			<-p.exit
		}
		if t.Failed() {
			t.Logf("daemon log (pid %d):\n%s", cmd.Process.Pid, p.log())
		}
	})
	if !waitListen {
		return p
	}
	select {
	case p.addr = <-started:
	case <-p.exit:
		t.Fatalf("daemon exited before listening: %v\n%s", p.state, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not start listening within 30s\n%s", p.log())
	}
	return p
}

func (p *daemonProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.raw, "\n")
}

// logLines returns the parsed log lines whose msg is msg.
func (p *daemonProc) logLines(msg string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, m := range p.lines {
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// cycles counts the "crawl cycle" log lines of source.
func (p *daemonProc) cycles(source string) int {
	n := 0
	for _, m := range p.logLines("crawl cycle") {
		if m["source"] == source {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds, failing the test after timeout or when
// the process exits.
func (p *daemonProc) waitFor(timeout time.Duration, what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case <-p.exit:
			p.t.Fatalf("daemon exited (%v) while waiting for %s", p.state, what)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %s within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends sig and returns the exit status, failing after timeout.
func (p *daemonProc) stop(sig os.Signal, timeout time.Duration) int {
	p.t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.exit:
	case <-time.After(timeout):
		p.t.Fatalf("daemon did not exit within %s of %v", timeout, sig)
	}
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -int(ws.Signal())
	}
	return p.state.ExitCode()
}

// terminate sends SIGTERM and fails the test unless the daemon exits 0.
func (p *daemonProc) terminate() {
	p.t.Helper()
	if code := p.stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		p.t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
}

// get fetches path from the daemon with an optional bearer token.
func (p *daemonProc) get(path, token string) (int, []byte) {
	p.t.Helper()
	req, err := http.NewRequest("GET", "http://"+p.addr+path, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, body
}

// configOpts are the knobs the tests turn in a generated configuration.
type configOpts struct {
	delay    time.Duration // crawl.per_host_delay
	timeout  time.Duration // crawl.timeout (default 5s)
	interval time.Duration // every source's interval
	retries  int           // crawl.retries; 0: the default (2), below 0: none
	token    string
	listen   string // default 127.0.0.1:0
}

// writeConfig writes a configuration for srcs (fake web sources) into dir,
// with its data in dir/data, and returns its path.
func writeConfig(t *testing.T, dir string, srcs []newsmon.Source, o configOpts) string {
	t.Helper()
	srcs = slices.Clone(srcs)
	for i := range srcs {
		srcs[i].Interval = o.interval
	}
	if o.timeout == 0 {
		o.timeout = 5 * time.Second
	}
	if o.listen == "" {
		o.listen = "127.0.0.1:0"
	}
	crawl := map[string]any{"parallelism": 4, "per_host_delay": o.delay.String(), "timeout": o.timeout.String()}
	if o.retries != 0 {
		crawl["retries"] = max(o.retries, 0)
	}
	server := map[string]any{"server": map[string]any{"listen": o.listen, "token": o.token}}
	return fakeweb.WriteConfig(t, dir, srcs, crawl, server)
}

// exportedArticle is one line of `export articles --format jsonl`.
type exportedArticle struct {
	ID        string  `json:"id"`
	URL       string  `json:"url"`
	Source    string  `json:"source"`
	Title     string  `json:"title"`
	Published *string `json:"published"`
	Body      string  `json:"body"`
}

// exportArticles runs `newsmon export articles` (the daemon must not hold
// the database).
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
// exactly once, with its title, and nothing else is.
func checkStoredOnce(t *testing.T, web *fakeweb.Web, arts []exportedArticle) {
	t.Helper()
	stored := make([]fakeweb.Stored, len(arts))
	for i, a := range arts {
		stored[i] = fakeweb.Stored{URL: a.URL, Title: a.Title, Source: a.Source}
	}
	web.CheckStoredOnce(t, stored)
}

// requestsTo returns the fake web's requests to host whose path is path.
func requestsTo(web *fakeweb.Web, host, path string) []fakeweb.Request {
	var out []fakeweb.Request
	for _, r := range web.Requests() {
		if r.Host == host && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// addArticles adds n articles with distinct text to the fake news host.
func addArticles(t *testing.T, web *fakeweb.Web, n int) {
	for i := range n {
		web.News.AddArticle(t, fakeweb.ArticleSpec{
			Path:       fmt.Sprintf("/articles/tech/%d.htm", 7000+i),
			Title:      fmt.Sprintf("测试新闻第%d号：本地服务器上的一篇文章", i),
			Published:  time.Date(2026, 5, 2, 9, i%60, 0, 0, fakeweb.CST),
			Paragraphs: []string{fakeweb.Filler(i, 0, 120), fakeweb.Filler(i, 1, 120)},
		})
	}
}

// runInProcess runs daemon.Run with opts in this process until ctx ends and
// returns the address it listens on, once it does, and the channel that
// receives Run's result.
func runInProcess(ctx context.Context, t *testing.T, opts daemon.Options) (string, <-chan error) {
	t.Helper()
	ready := make(chan string, 1)
	runErr := make(chan error, 1)
	opts.Ready = ready
	go func() { runErr <- daemon.Run(ctx, opts, nil) }()
	select {
	case addr := <-ready:
		return addr, runErr
	case err := <-runErr:
		t.Fatalf("daemon: %v", err)
		return "", nil
	}
}
