package daemon_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/store"
)

// badServer is a news site that never answers (hang) or answers 500.
type badServer struct {
	URL  string
	mu   sync.Mutex
	reqs []time.Time
	done int // requests answered
}

func newBadServer(t *testing.T, hang bool) *badServer {
	b := &badServer{}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.reqs = append(b.reqs, time.Now())
		b.mu.Unlock()
		defer func() { b.mu.Lock(); b.done++; b.mu.Unlock() }()
		switch {
		case r.URL.Path == "/robots.txt" && !hang:
			http.NotFound(w, r)
		case hang:
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}))
	b.URL = srv.URL
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets srv.Close return
	return b
}

func (b *badServer) stats() (reqs []time.Time, done int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.reqs), b.done
}

func badSource(name, base string) newsmon.Source {
	return newsmon.Source{Name: name, Lang: "zh", Feeds: []string{base + "/rss.xml"}, MaxDepth: 1}
}

// TestFailingSourceDoesNotDelayOthers runs a healthy source beside one whose
// server never answers and one that answers 500: the healthy source keeps
// its 1s interval while the hanging source's first cycle is stuck, the
// failing source is retried with growing backoff, and SIGTERM cancels the
// stuck cycle after --shutdown-grace and exits 0.
func TestFailingSourceDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	web := fakeweb.New(t)
	hang, broken := newBadServer(t, true), newBadServer(t, false)
	srcs := []newsmon.Source{badSource("hang", hang.URL), badSource("broken", broken.URL), web.Sources()[1]}
	dir := t.TempDir()
	// The timeout outlasts the test: the hanging source stays stuck.
	cfg := writeConfig(t, dir, srcs, configOpts{interval: time.Second, timeout: time.Minute, retries: 1})
	start := time.Now()
	d := startDaemon(t, nil, "--config", cfg, "--shutdown-grace", "1s")

	d.waitFor(30*time.Second, "three cycles of the healthy source", func() bool { return d.cycles("fakefinance") >= 3 })
	hangReqs, hangDone := hang.stats()
	if len(hangReqs) == 0 || hangDone != 0 {
		t.Fatalf("hanging server: %d requests, %d answered; want it stuck", len(hangReqs), hangDone)
	}
	if n := d.cycles("hang"); n != 0 {
		t.Errorf("the hanging source finished %d cycles", n)
	}
	// The healthy source's listings: three rounds, the third due within
	// ~2.2s of the first (interval 1s ±10%, cycles of tens of ms).
	rounds := requestsTo(web, web.Finance.Name, "/sitemap_index.xml")
	if len(rounds) < 3 {
		t.Fatalf("healthy source: %d rounds of listing fetches, want 3", len(rounds))
	}
	if gap := rounds[2].Time.Sub(rounds[0].Time); gap > 5*time.Second {
		t.Errorf("healthy source's third cycle %s after its first: delayed by the hanging source", gap)
	}
	if !hangReqs[0].Before(rounds[1].Time) {
		t.Errorf("the hanging source was first requested at %s, after the healthy source's second cycle (%s)",
			hangReqs[0].Sub(start), rounds[1].Time.Sub(start))
	}

	// The failing source: its cycles end (failed), and the gap between
	// them grows (backoff: 1s, 2s, 4s...).
	d.waitFor(30*time.Second, "three cycles of the failing source", func() bool { return d.cycles("broken") >= 3 })
	var at []time.Time
	for _, m := range d.logLines("crawl cycle") {
		if m["source"] == "broken" {
			if m["failed"] == 0.0 {
				t.Errorf("failing source's cycle reports no failure: %v", m)
			}
			ts, _ := time.Parse(time.RFC3339Nano, m["time"].(string))
			at = append(at, ts)
		}
	}
	if g1, g2 := at[1].Sub(at[0]), at[2].Sub(at[1]); g2 < g1+g1/2 {
		t.Errorf("failing source's cycles %s then %s apart: no backoff", g1, g2)
	}
	if got := value(metrics(t, d), "newsmon_pages_fetched_total", "source", "broken", "status", "500"); got < 1 {
		t.Errorf("newsmon_pages_fetched_total{source=\"broken\",status=\"500\"} = %g", got)
	}

	// SIGHUP while a cycle is stuck: the reload does not wait for it, the
	// healthy source keeps its schedule, and the stuck source is not
	// crawled a second time beside its stuck cycle.
	healthy := d.cycles("fakefinance")
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitFor(3*time.Second, "the reload", func() bool { return len(d.logLines("configuration reloaded")) == 1 })
	d.waitFor(10*time.Second, "two more healthy cycles", func() bool { return d.cycles("fakefinance") >= healthy+2 })
	if again, _ := hang.stats(); len(again) != len(hangReqs) {
		t.Errorf("the hanging source got %d new requests after the reload: two cycles at once", len(again)-len(hangReqs))
	}

	// SIGTERM: the stuck cycle is cancelled after the grace period.
	sent := time.Now()
	if code := d.stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	if took := time.Since(sent); took < time.Second || took > 8*time.Second {
		t.Errorf("shutdown took %s; want the 1s grace, then cancellation", took)
	}
	if len(d.logLines("cancelling in-flight fetches")) != 1 {
		t.Error("no \"cancelling in-flight fetches\" log line")
	}
	if err := store.Check(filepath.Join(dir, "data", "newsmon.db")); err != nil {
		t.Fatal(err)
	}
}

// TestSIGTERMLetsCycleFinish sends SIGTERM in the middle of a cycle that
// takes seconds: no new fetch starts a new cycle, every article requested
// before the signal is stored (in-flight work finished and flushed), the
// exit status is 0 within the grace period, and a restart completes the
// cycle with every article stored once.
func TestSIGTERMLetsCycleFinish(t *testing.T) {
	t.Parallel()
	web := fakeweb.New(t)
	addArticles(t, web, 30)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, web.Sources(), configOpts{delay: 100 * time.Millisecond, interval: time.Hour, retries: 2})
	d := startDaemon(t, nil, "--config", cfg, "--shutdown-grace", "1s")
	time.Sleep(1500 * time.Millisecond)
	sent := time.Now()
	requested := web.Requests()
	if code := d.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	if took := time.Since(sent); took > 6*time.Second {
		t.Errorf("shutdown took %s with a 1s grace", took)
	}
	if len(d.logLines("crawl cycle interrupted")) == 0 {
		t.Fatalf("the cycle was not in progress at SIGTERM: adjust the timing")
	}
	if err := store.Check(filepath.Join(dir, "data", "newsmon.db")); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, a := range exportArticles(t, cfg) {
		stored[a.URL] = true
	}
	for _, r := range requested {
		if u := "http://" + r.Host + r.Path; isArticle(web, u) && !stored[u] && u != web.RetryAfter {
			t.Errorf("%s was requested before SIGTERM but not stored", u)
		}
	}
	if len(stored) == len(web.Articles()) {
		t.Fatalf("every article stored before the grace ended: the cycle was not cut short")
	}

	// The interrupted source is still due: a restart crawls it at once and
	// finds the articles the first run did not reach.
	web.ResetRequests()
	d = startDaemon(t, nil, "--config", cfg)
	want := len(web.Articles())
	d.waitFor(30*time.Second, "the resumed cycle", func() bool { return d.cycles("fakenews") >= 1 })
	if code := d.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	refetched(t, web, stored, "after restart")
	arts := exportArticles(t, cfg)
	if len(arts) != want {
		var missing []string
		for _, w := range web.Articles() {
			if !slices.ContainsFunc(arts, func(a exportedArticle) bool { return a.URL == w.URL }) {
				missing = append(missing, strings.TrimPrefix(w.URL, web.News.URL))
			}
		}
		t.Errorf("after the resumed cycle: %d articles stored, want %d; missing %v", len(arts), want, missing)
	}
	checkStoredOnce(t, web, arts)
}
