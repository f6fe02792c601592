package pipeline

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// localSettings crawl the tests' httptest servers.
var localSettings = newsmon.CrawlSettings{Parallelism: 2, AllowPrivateNetworks: true, Timeout: 5 * time.Second}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// reasonMetrics records extraction failures by reason.
type reasonMetrics struct {
	mu      sync.Mutex
	reasons map[string]int
}

func (m *reasonMetrics) ObserveFetch(string, int, int, time.Duration) {}
func (m *reasonMetrics) ArticleNew(string)                            {}
func (m *reasonMetrics) ArticleDuplicate(string)                      {}
func (m *reasonMetrics) RobotsDenied(string)                          {}
func (m *reasonMetrics) CrawlSucceeded(string, time.Time)             {}
func (m *reasonMetrics) SetIncidents(int)                             {}
func (m *reasonMetrics) FetchFailed(string, string)                   {}
func (m *reasonMetrics) ExtractFailed(source, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reasons[source+"/"+reason]++
}

// TestWallsReportedNotStored crawls one wall page of each kind and one
// article: each wall is counted under its reason in the summary and the
// metrics, and only the article is stored.
func TestWallsReportedNotStored(t *testing.T) {
	pages := map[string]string{
		"/bot":     "botwall-challenge.html",
		"/consent": "consent-page.html",
		"/shell":   "jsshell-noscript.html",
		"/login":   "login-wall.html",
		"/story":   "article-cookie-banner.html",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join("..", "extract", "testdata", "walls", name))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	}))
	defer srv.Close()

	p, st := newPipeline(t, localSettings)
	m := &reasonMetrics{reasons: map[string]int{}}
	p.metrics = m
	var logged syncBuffer
	p.log = slog.New(slog.NewTextHandler(&logged, nil))
	src := newsmon.Source{Name: "walls", Location: time.UTC}
	for _, path := range []string{"/bot", "/consent", "/shell", "/login", "/story"} {
		src.Articles = append(src.Articles, srv.URL+path)
	}
	sum, err := p.Run(context.Background(), []newsmon.Source{src}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tot := sum.Totals()
	for reason, metric := range map[string]string{
		"extract: bot wall":             "walls/bot wall",
		"extract: consent page":         "walls/consent page",
		"extract: javascript-only page": "walls/javascript-only page",
		"extract: login wall":           "walls/login wall",
	} {
		if tot.Reasons[reason] != 1 {
			t.Errorf("summary reasons %v: want %q ×1", tot.Reasons, reason)
		}
		if m.reasons[metric] != 1 {
			t.Errorf("metrics %v: want %q ×1", m.reasons, metric)
		}
	}
	if tot.ExtractFailed != 4 || tot.New != 1 {
		t.Errorf("summary: %d extract failures and %d new, want 4 and 1", tot.ExtractFailed, tot.New)
	}
	// Each wall is logged with its URL and what it is.
	for path, what := range map[string]string{"/bot": "bot wall", "/consent": "consent page", "/shell": "JavaScript-only page", "/login": "login wall"} {
		if !strings.Contains(logged.String(), srv.URL+path+": "+what) {
			t.Errorf("log does not name %s%s as a %s:\n%s", srv.URL, path, what, logged.String())
		}
	}
	arts := storedArticles(t, st)
	if len(arts) != 1 || arts[0].URL != srv.URL+"/story" {
		var urls []string
		for _, a := range arts {
			urls = append(urls, a.URL)
		}
		t.Errorf("stored %v, want only %s/story", urls, srv.URL)
	}
}
