package daemon_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// TestDaemonPacesSourcesOnOneHost runs the daemon with two sources (a feed
// and a sitemap) on one host, a 1s per-host delay and a 1s interval, for
// three cycles of each: the host never sees two requests closer than 1s,
// although the two sources' cycles run side by side, and robots.txt is
// fetched once.
func TestDaemonPacesSourcesOnOneHost(t *testing.T) {
	t.Parallel()
	site := fakeweb.NewOneHost(t)
	dir := t.TempDir()
	delay := time.Second
	cfg := writeConfig(t, dir, site.Sources(), configOpts{delay: delay, interval: time.Second})
	d := startDaemon(t, nil, "--config", cfg)
	d.waitFor(90*time.Second, "three cycles of each source", func() bool {
		return d.cycles("onehost-feed") >= 3 && d.cycles("onehost-sitemap") >= 3
	})
	d.terminate()
	shortest := site.CheckGaps(t, delay)
	t.Logf("%d requests, shortest gap %s", len(site.Arrivals()), shortest)
	if n := site.Count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times over %d cycles, want once", n, d.cycles("onehost-feed")+d.cycles("onehost-sitemap"))
	}
	for _, m := range d.logLines("crawl cycle") {
		if m["level"] != "INFO" || m["ok"] != true {
			t.Errorf("cycle logged at %v, ok %v: %v", m["level"], m["ok"], m)
		}
		// Durations are logged as text ("1.002s"), not nanoseconds.
		if s, ok := m["took"].(string); !ok {
			t.Errorf("took = %#v, want a duration string", m["took"])
		} else if _, err := time.ParseDuration(s); err != nil {
			t.Errorf("took = %q: %v", s, err)
		}
	}
}

// TestCrawlPacesSourcesOnOneHost: the same two sources in one `newsmon
// crawl`.
func TestCrawlPacesSourcesOnOneHost(t *testing.T) {
	t.Parallel()
	site := fakeweb.NewOneHost(t)
	dir := t.TempDir()
	delay := time.Second
	cfg := writeConfig(t, dir, site.Sources(), configOpts{delay: delay})
	if _, errOut, code := run(t, "crawl", "--config", cfg); code != 0 {
		t.Fatalf("crawl: status %d: %s", code, errOut)
	}
	site.CheckGaps(t, delay)
	if n := site.Count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once", n)
	}
	if n := len(site.Arrivals()); n != 7 {
		t.Errorf("%d requests, want 7 (robots.txt, feed, sitemap, four articles)", n)
	}
}

// TestDaemonUnreachableSources runs the daemon with sources it cannot
// read: connections refused, robots.txt answering 503, a host that never
// answers. No cycle counts as a successful crawl; the failures are counted
// by reason in /metrics, and each cycle is logged at WARN naming the host
// and the reason.
func TestDaemonUnreachableSources(t *testing.T) {
	t.Parallel()
	refused := closedPort(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(silent.Close)
	downHost, silentHost := strings.TrimPrefix(down.URL, "http://"), strings.TrimPrefix(silent.URL, "http://")
	srcs := []newsmon.Source{
		{Name: "refused", Lang: "en", Feeds: []string{"http://" + refused + "/rss.xml"}, MaxDepth: 1},
		{Name: "down", Lang: "en", Sitemaps: []string{down.URL + "/sitemap.xml"}, MaxDepth: 1},
		{Name: "silent", Lang: "en", Feeds: []string{silent.URL + "/rss.xml"}, MaxDepth: 1},
	}
	want := map[string]struct{ host, reason string }{
		"refused": {refused, "connect"},
		"down":    {downHost, "robots.txt http 503"},
		"silent":  {silentHost, "timeout"},
	}
	dir := t.TempDir()
	cfg := writeConfig(t, dir, srcs, configOpts{interval: 500 * time.Millisecond, timeout: 500 * time.Millisecond})
	d := startDaemon(t, nil, "--config", cfg)
	d.waitFor(60*time.Second, "two cycles of each source", func() bool {
		return d.cycles("refused") >= 2 && d.cycles("down") >= 2 && d.cycles("silent") >= 2
	})
	fams := metrics(t, d)
	d.terminate()

	for name, w := range want {
		if _, ok := series(fams, "newsmon_last_successful_crawl_timestamp_seconds", "source", name); ok {
			t.Errorf("%s: a successful crawl was recorded", name)
		}
		if got := value(fams, "newsmon_fetch_failures_total", "source", name, "reason", w.reason); got < 2 {
			t.Errorf("newsmon_fetch_failures_total{source=%q,reason=%q} = %g, want at least 2 (one a cycle)", name, w.reason, got)
		}
		if got := sum(fams, "newsmon_robots_denied_total", "source", name); got != 0 {
			t.Errorf("%s: %g robots denials; an unreadable robots.txt is a failure", name, got)
		}
		for _, m := range d.logLines("crawl cycle") {
			if m["source"] != name {
				continue
			}
			hosts, _ := m["failed_hosts"].(map[string]any)
			byReason, _ := hosts[w.host].(map[string]any)
			if m["level"] != "WARN" || m["ok"] != false || byReason[w.reason] != 1.0 {
				t.Errorf("%s: cycle logged at %v, ok %v, failed_hosts %v; want WARN, false and %s: %s", name, m["level"], m["ok"], m["failed_hosts"], w.host, w.reason)
			}
		}
	}
}

// series returns the series of name with the given label pairs, if any.
func series(fams map[string]*dto.MetricFamily, name string, labels ...string) (*dto.Metric, bool) {
	var found *dto.Metric
	each(fams, name, labels, func(m *dto.Metric) { found = m })
	return found, found != nil
}
