package cli

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// TestCrawlSummaryNamesFailingHost: a source whose robots.txt answers 503
// is reported as failed, with the reason and the host, not as a robots
// denial, and a crawl that could reach nothing exits 1.
func TestCrawlSummaryNamesFailingHost(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	host := strings.TrimPrefix(down.URL, "http://")
	web := fakeweb.New(t)
	srcs := []newsmon.Source{
		{Name: "down", Lang: "en", Feeds: []string{down.URL + "/rss.xml", down.URL + "/atom.xml"}, MaxDepth: 1},
		web.Sources()[1],
	}
	cfg := writeConfig(t, t.TempDir(), srcs, 0)
	out, errOut, code := run(t, "crawl", "--config", cfg)
	if code != 0 {
		t.Fatalf("crawl: status %d: %s\n%s", code, out, errOut)
	}
	// source discovered fetched new duplicate known not-modified robots extract-failed failed
	row := regexp.MustCompile(`(?m)^\s*down\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+2\s*$`)
	if !row.MatchString(out) {
		t.Errorf("summary lacks the row: down, 2 failed, 0 robots:\n%s", out)
	}
	for _, want := range []string{
		"down: robots.txt http 503 ×2\n",
		"down: failed by host: " + host + " (robots.txt http 503 ×2)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}

	only := writeConfig(t, t.TempDir(), srcs[:1], time.Millisecond)
	if out, _, code := run(t, "crawl", "--config", only); code != 1 {
		t.Errorf("crawl of an unreachable source: status %d, want 1\n%s", code, out)
	}
}
