package daemon_test

import (
	"encoding/json"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon/internal/fakeweb"
)

// TestAPIThroughDaemon asks the running daemon's API over HTTP: a wrong or
// missing token gets 401 and nothing else, health and metrics stay open,
// bad queries get 400 and the daemon keeps serving.
func TestAPIThroughDaemon(t *testing.T) {
	t.Parallel()
	web := fakeweb.New(t)
	const token = "s3cret-token"
	cfg := writeConfig(t, t.TempDir(), web.Sources(), configOpts{delay: 20 * time.Millisecond, interval: time.Hour, token: token})
	d := startDaemon(t, nil, "--config", cfg)
	d.waitFor(30*time.Second, "a cycle of each source", func() bool {
		return d.cycles("fakenews") >= 1 && d.cycles("fakefinance") >= 1
	})

	status, body := d.get("/api/v1/articles?limit=1000&format=jsonl", token)
	var arts []exportedArticle
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		var a exportedArticle
		json.Unmarshal([]byte(line), &a) //nolint:errcheck // checked below
		arts = append(arts, a)
	}
	if status != 200 || len(arts) != len(web.Articles()) || arts[0].ID == "" {
		t.Fatalf("with the token: %d, %d articles (want %d):\n%.500s", status, len(arts), len(web.Articles()), body)
	}

	for _, path := range []string{
		"/api/v1/incidents", "/api/v1/articles", "/api/v1/articles/" + arts[0].ID, "/api/v1/stats",
		"/api/v1/nosuch", "/api/v1/articles?q=" + url.QueryEscape(arts[0].Title),
	} {
		for _, auth := range []string{"", "wrong", token + "x", token[:len(token)-1]} {
			status, body := d.get(path, auth)
			if status != 401 || string(body) != `{"error":"unauthorized"}`+"\n" {
				t.Errorf("GET %s with token %q: %d %q; want 401 and only the error", path, auth, status, body)
			}
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if status, _ := d.get(path, ""); status != 200 {
			t.Errorf("GET %s without a token: %d, want 200", path, status)
		}
	}

	for _, query := range []string{
		"/api/v1/articles?q=" + strings.Repeat("x", 64<<10),
		"/api/v1/incidents?since=" + strings.Repeat("9", 4000),
		"/api/v1/articles?q=" + strings.Repeat("y", 300),
		"/api/v1/articles?since=%zz",
		"/api/v1/articles?since=yesterdayish",
		"/api/v1/articles?limit=abc",
		"/api/v1/articles?limit=99999999999999999999999",
		"/api/v1/articles?limit=-1",
		"/api/v1/articles?nosuch=1",
		"/api/v1/articles?source=a&source=b",
		"/api/v1/incidents?min_articles=-1",
		"/api/v1/incidents?format=xml",
		"/api/v1/incidents?topic=nosuch", // as `export --topic nosuch` exits 2
		"/api/v1/articles/" + strings.Repeat("z", 1000),
	} {
		status, body := d.get(query, token)
		var e struct{ Error string }
		if status != 400 || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("GET %.80s: %d %.200q; want 400 with an error message", query, status, body)
		}
	}
	if status, body := d.get("/api/v1/incidents?topic=ai-incidents", token); status != 200 {
		t.Errorf("a configured topic: %d %.200q, want 200", status, body)
	}
	if status, _ := d.get("/healthz", ""); status != 200 {
		t.Fatalf("/healthz after bad requests: %d", status)
	}
	d.terminate()
}

// TestNonLoopbackWithoutTokenRefused: listening beyond loopback without a
// token is a configuration error (exit 2, a message naming server.token)
// found before the database is created; with a token the daemon starts.
func TestNonLoopbackWithoutTokenRefused(t *testing.T) {
	t.Parallel()
	web := fakeweb.New(t)
	tests := []struct {
		name   string
		listen string   // in the file
		env    []string // overrides
	}{
		{"config", "0.0.0.0:0", nil},
		{"environment", "127.0.0.1:0", []string{"NEWSMON_LISTEN=0.0.0.0:0"}},
		{"ipv6", "[::]:0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeConfig(t, dir, web.Sources(), configOpts{interval: time.Hour, listen: tt.listen})
			cmd := exec.Command(os.Args[0], "daemon", "--config", cfg)
			cmd.Env = append(childEnv(tt.env...), "NEWSMON_DAEMON_TEST_MAIN=1")
			done := make(chan struct{})
			var out []byte
			go func() { out, _ = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("the daemon started:\n%s", out)
			}
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Errorf("exit status %d, want 2 (bad configuration)", code)
			}
			msg := string(out)
			if !strings.Contains(msg, "refusing to listen") || !strings.Contains(msg, "server.token") {
				t.Errorf("message does not say why and what to do: %q", msg)
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
				t.Errorf("the data directory was created before the refusal (%v)", err)
			}
			if len(web.Requests()) != 0 {
				t.Errorf("crawled %d pages", len(web.Requests()))
			}
		})
	}
	t.Run("with token", func(t *testing.T) {
		cfg := writeConfig(t, t.TempDir(), web.Sources(), configOpts{interval: time.Hour, listen: "0.0.0.0:0"})
		d := startDaemon(t, []string{"NEWSMON_TOKEN=tok"}, "--config", cfg)
		_, port, err := net.SplitHostPort(d.addr)
		if err != nil {
			t.Fatal(err)
		}
		d.addr = "127.0.0.1:" + port
		if status, _ := d.get("/api/v1/stats", ""); status != 401 {
			t.Errorf("API without the token: %d, want 401", status)
		}
		if status, _ := d.get("/api/v1/stats", "tok"); status != 200 {
			t.Errorf("API with the token: %d, want 200", status)
		}
		d.terminate()
	})
}

// TestSIGHUPReload: a bad new configuration is reported (naming the file
// and line) and the old one kept; a good one takes effect without a
// restart, and a source not yet due is not crawled again by the reload.
func TestSIGHUPReload(t *testing.T) {
	t.Parallel()
	web := fakeweb.New(t)
	dir := t.TempDir()
	opts := configOpts{delay: 20 * time.Millisecond, interval: time.Hour}
	cfg := writeConfig(t, dir, web.Sources()[1:], opts) // fakefinance only
	d := startDaemon(t, nil, "--config", cfg)
	d.waitFor(30*time.Second, "a cycle of fakefinance", func() bool { return d.cycles("fakefinance") == 1 })

	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("data_dir: x\ncrawl:\n  parallelsim: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitFor(10*time.Second, "the reload error", func() bool { return len(d.logLines("reload failed; keeping the old configuration")) == 1 })
	if e := d.logLines("reload failed; keeping the old configuration")[0]["err"]; !strings.Contains(e.(string), "newsmon.yaml:3") {
		t.Errorf("reload error %q does not name the file and line", e)
	}
	if status, body := d.get("/readyz", ""); status != 200 {
		t.Fatalf("after a bad reload: /readyz %d %s", status, body)
	}
	if len(requestsTo(web, web.News.Name, "/rss.xml")) != 0 {
		t.Fatal("fakenews crawled before it was configured")
	}

	// A good configuration with a second source.
	os.WriteFile(cfg, good, 0o644) //nolint:errcheck // rewritten below
	writeConfig(t, dir, web.Sources(), opts)
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitFor(10*time.Second, "the reload", func() bool { return len(d.logLines("configuration reloaded")) == 1 })
	if n := d.logLines("configuration reloaded")[0]["sources"]; n != 2.0 {
		t.Errorf("reloaded %v sources, want 2", n)
	}
	d.waitFor(30*time.Second, "a cycle of the new source", func() bool { return d.cycles("fakenews") == 1 })
	if n := d.cycles("fakefinance"); n != 1 {
		t.Errorf("fakefinance crawled %d times; the reload must not make it due", n)
	}
	d.terminate()
}
