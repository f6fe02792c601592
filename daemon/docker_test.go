package daemon_test

import (
	"debug/buildinfo"
	"debug/elf"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/store"
)

// dockerBuild is the Dockerfile's build step; TestDockerfile checks that
// the Dockerfile still says exactly this.
var (
	dockerBuildEnv   = []string{"CGO_ENABLED=0", "GOOS=linux"}
	dockerBuildFlags = []string{"-trimpath", "-ldflags", "-s -w -X github.com/newsmon/newsmon.Version=${VERSION}"}
)

// TestDockerfile checks the conventions the Dockerfile promises: a
// multi-stage build whose build step is the one TestStaticBinary runs, an
// empty (scratch) or distroless final stage, a non-root user, a /data
// volume, the daemon as default command and a health check that uses
// `newsmon health`.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := strings.ReplaceAll(string(data), "\\\n", " ")
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) < 2 {
		t.Fatalf("%d stages, want a multi-stage build", len(froms))
	}
	final := df[strings.LastIndex(df, "\nFROM "):]
	if base := froms[len(froms)-1][1]; base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s, want scratch or distroless/static", base)
	}
	build := regexp.MustCompile(`(?m)^RUN\s+(.*go build.*)$`).FindStringSubmatch(df)
	if build == nil {
		t.Fatal("no RUN ... go build step")
	}
	for _, want := range append(append([]string{}, dockerBuildEnv...), "-trimpath",
		`-ldflags "`+dockerBuildFlags[2]+`"`, "./cmd/newsmon") {
		if !strings.Contains(build[1], want) {
			t.Errorf("build step lacks %q (TestStaticBinary builds with it):\n%s", want, build[1])
		}
	}
	for _, re := range []string{
		`(?m)^USER\s+(6553[0-9]|[1-9][0-9]{2,})(:[0-9]+)?\s*$`, // numeric, non-root: scratch has no /etc/passwd
		`(?m)^VOLUME\s+\[?"?/data"?\]?\s*$`,
		`(?m)^ENV\s.*NEWSMON_DATA_DIR=/data`,
		`(?m)^HEALTHCHECK\s.*CMD \["/newsmon", "health"\]`,
		`(?m)^ENTRYPOINT \["/newsmon"\]`,
		`(?m)^CMD \["daemon"\]`,
	} {
		if !regexp.MustCompile(re).MatchString(final) {
			t.Errorf("final stage does not match %s", re)
		}
	}
}

// TestDockerignore checks that .dockerignore keeps the history, databases
// and build outputs out of the build context, and none of what the build
// step needs (go.mod, go.sum, the Go and embedded files of every package
// the binary is built from).
func TestDockerignore(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			t.Fatalf("exception %q: this check does not model exceptions", line)
		}
		p := strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "/")
		if _, err := path.Match(strings.TrimPrefix(p, "**/"), ""); err != nil {
			t.Fatalf("pattern %q: %v", line, err)
		}
		patterns = append(patterns, p)
	}
	ignored := func(name string) bool {
		for _, p := range patterns {
			if dockerignoreMatch(p, name) {
				return true
			}
		}
		return false
	}
	for _, name := range []string{".git/HEAD", "newsmon-data/newsmon.db", "daemon/newsmon-data/newsmon.db",
		"backup.db", "store/x.db", "newsmon", "daemon/daemon.test", "cpu.prof", "bench/extracteval"} {
		if !ignored(name) {
			t.Errorf("%s is in the build context", name)
		}
	}

	out, err := exec.Command("go", "list", "-deps", "-f",
		`{{if not .Standard}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}`,
		"../cmd/newsmon").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	needed := []string{"go.mod", "go.sum"}
	for _, f := range strings.Fields(string(out)) {
		if rel, err := filepath.Rel(root, f); err == nil && !strings.HasPrefix(rel, "..") {
			needed = append(needed, filepath.ToSlash(rel))
		}
	}
	if len(needed) < 20 {
		t.Fatalf("only %d files of the module found: %v", len(needed), needed)
	}
	for _, name := range needed {
		if ignored(name) {
			t.Errorf("%s, which the build needs, is left out of the build context", name)
		}
	}
}

// dockerignoreMatch reports whether a .dockerignore pattern (cleaned,
// without a leading slash) leaves out name, a slash-separated path from
// the context's root: the pattern matches the path or one of its parent
// directories, and a leading **/ matches any number of directories.
func dockerignoreMatch(pattern, name string) bool {
	parts := strings.Split(name, "/")
	anyDir := strings.HasPrefix(pattern, "**/")
	pattern = strings.TrimPrefix(pattern, "**/")
	for start := range parts {
		if start > 0 && !anyDir {
			break
		}
		for end := start + 1; end <= len(parts); end++ {
			if ok, _ := path.Match(pattern, strings.Join(parts[start:end], "/")); ok {
				return true
			}
		}
	}
	return false
}

// TestStaticBinary builds newsmon exactly as the Dockerfile does, checks
// that it is static, copies it alone into an empty directory and runs
// `newsmon daemon` there with the embedded default configuration. The
// default sources are real sites: HTTP(S)_PROXY points at a closed local
// port, so the crawler (whose transport uses http.ProxyFromEnvironment)
// contacts nothing outside this machine, and resolves no name either.
func TestStaticBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out := filepath.Join(t.TempDir(), "newsmon")
	args := []string{"build"}
	for _, f := range dockerBuildFlags {
		args = append(args, strings.ReplaceAll(f, "${VERSION}", "docker-test"))
	}
	build := exec.Command(gobin, append(args, "-o", out, "./cmd/newsmon")...)
	build.Dir = ".."
	build.Env = append(os.Environ(), dockerBuildEnv...)
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}

	// Static: no program interpreter, no shared libraries, cgo off.
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a PT_INTERP program header: dynamically linked")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	f.Close()
	info, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// (With -trimpath, Go does not record -ldflags: `newsmon version` shows them below.)
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" || settings["GOOS"] != "linux" {
		t.Errorf("build settings %v; want CGO_ENABLED=0, -trimpath, GOOS=linux", settings)
	}

	// Alone in an empty directory.
	dir := t.TempDir()
	bin := filepath.Join(dir, "newsmon")
	copyFile(t, out, bin)
	closed := closedPort(t)
	env := []string{
		"PATH=/nonexistent", "HOME=" + dir, "NEWSMON_LISTEN=127.0.0.1:0",
		"HTTP_PROXY=http://" + closed, "HTTPS_PROXY=http://" + closed, "NO_PROXY=",
	}
	if v, err := exec.Command(bin, "version").Output(); err != nil || strings.TrimSpace(string(v)) != "newsmon docker-test" {
		t.Errorf("newsmon version: %q %v", v, err)
	}
	cmd := exec.Command(bin, "daemon")
	cmd.Dir, cmd.Env = dir, env
	d := startProc(t, cmd, true)
	d.waitFor(10*time.Second, "/healthz and /readyz", func() bool {
		h, _ := d.get("/healthz", "")
		r, _ := d.get("/readyz", "")
		return h == 200 && r == 200
	})
	probe := exec.Command(bin, "health", "--addr", d.addr)
	probe.Dir, probe.Env = dir, env
	if msg, err := probe.CombinedOutput(); err != nil || strings.TrimSpace(string(msg)) != "ok" {
		t.Errorf("newsmon health (the image's HEALTHCHECK): %v %q", err, msg)
	}
	// Every default source's first cycle ends without reaching its site.
	sources := len(config.Default().Sources)
	d.waitFor(60*time.Second, "a cycle of every default source", func() bool {
		return len(d.logLines("crawl cycle")) >= sources
	})
	for _, m := range d.logLines("crawl cycle") {
		if m["fetched"] != 0.0 || m["new"] != 0.0 {
			t.Errorf("a default source was fetched through a closed proxy: %v", m)
		}
	}
	d.terminate()
	if err := store.Check(filepath.Join(dir, "newsmon-data", "newsmon.db")); err != nil {
		t.Errorf("database in ./newsmon-data: %v", err)
	}

	// The crawler honours HTTP_PROXY: a feed on a name that does not
	// resolve is asked of the proxy.
	t.Run("proxy", func(t *testing.T) {
		var mu sync.Mutex
		var asked []string
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			asked = append(asked, r.Host+r.URL.Path)
			mu.Unlock()
			http.Error(w, "no", http.StatusBadGateway)
		}))
		defer proxy.Close()
		cfg := filepath.Join(dir, "proxy.yaml")
		os.WriteFile(cfg, []byte(`data_dir: ./proxy-data
crawl: {allow_private_networks: true, retries: 0, timeout: 5s}
sources:
  - {name: invalid, feeds: ["http://news.invalid/rss.xml"], interval: 1h}
server: {listen: "127.0.0.1:0"}
`), 0o644)
		cmd := exec.Command(bin, "daemon", "--config", cfg)
		cmd.Dir = dir
		cmd.Env = append(env[:len(env):len(env)], "HTTP_PROXY="+proxy.URL)
		d := startProc(t, cmd, true)
		d.waitFor(20*time.Second, "a cycle", func() bool { return len(d.logLines("crawl cycle")) == 1 })
		d.terminate()
		mu.Lock()
		defer mu.Unlock()
		if len(asked) == 0 || !strings.HasPrefix(asked[0], "news.invalid/") {
			t.Errorf("the proxy was asked for %v; want news.invalid's robots.txt and feed", asked)
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
