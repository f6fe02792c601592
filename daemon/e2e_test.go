package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/store"
)

// incidentsDoc is /api/v1/incidents in the export schema.
type incidentsDoc struct {
	SchemaVersion int       `json:"schema_version"`
	GeneratedAt   time.Time `json:"generated_at"`
	Incidents     []struct {
		ID           string   `json:"id"`
		Title        string   `json:"title"`
		ArticleCount int      `json:"article_count"`
		Sources      []string `json:"sources"`
		Articles     []struct {
			ID     string `json:"id"`
			URL    string `json:"url"`
			Source string `json:"source"`
			Title  string `json:"title"`
		} `json:"articles"`
	} `json:"incidents"`
}

// TestEndToEnd runs the daemon against the fake web with a 1s interval:
// two cycles of each source, the API and the metrics agree with what the
// fake web served, SIGTERM exits 0 and leaves a consistent database.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	web := fakeweb.New(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, web.Sources(), configOpts{delay: 20 * time.Millisecond, interval: time.Second, retries: 2})
	start := time.Now()
	d := startDaemon(t, nil, "--config", cfg)

	// Two cycles of each source: the JSON log has a "crawl cycle" line per
	// cycle, and the fake web saw each source's listings twice.
	d.waitFor(60*time.Second, "two cycles of each source", func() bool {
		return d.cycles("fakenews") >= 2 && d.cycles("fakefinance") >= 2
	})
	for _, listing := range []struct{ host, path string }{
		{web.News.Name, "/rss.xml"}, {web.News.Name, "/atom.xml"}, {web.News.Name, "/category/tech.htm"},
		{web.Finance.Name, "/sitemap_index.xml"}, {web.Finance.Name, "/api/roll/get"},
	} {
		if n := len(requestsTo(web, listing.host, listing.path)); n < 2 {
			t.Errorf("%s%s requested %d times, want at least 2 (two cycles)", listing.host, listing.path, n)
		}
	}
	for _, src := range []string{"fakenews", "fakefinance"} {
		for i, m := range d.logLines("crawl cycle") {
			if m["source"] != src {
				continue
			}
			for _, k := range []string{"fetched", "new", "known", "not_modified", "failed", "took", "next"} {
				if _, ok := m[k]; !ok {
					t.Errorf("crawl cycle line %d of %s lacks %q: %v", i, src, k, m)
				}
			}
		}
	}

	// The incidents endpoint: the export schema, every fake article once.
	status, body := d.get("/api/v1/incidents", "")
	if status != 200 {
		t.Fatalf("/api/v1/incidents: %d %s", status, body)
	}
	validateSchema(t, body)
	var doc incidentsDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("/api/v1/incidents: %v\n%s", err, body)
	}
	if doc.SchemaVersion != 1 || doc.GeneratedAt.Before(start) {
		t.Errorf("schema_version %d generated_at %s", doc.SchemaVersion, doc.GeneratedAt)
	}
	want := web.Articles()
	seen := map[string]int{}
	for _, inc := range doc.Incidents {
		if inc.ArticleCount != len(inc.Articles) || inc.Title == "" {
			t.Errorf("incident %s: article_count %d, %d articles, title %q", inc.ID, inc.ArticleCount, len(inc.Articles), inc.Title)
		}
		for _, a := range inc.Articles {
			seen[a.URL]++
			ok := false
			for _, w := range want {
				if w.URL == a.URL {
					ok = w.Title == a.Title && w.Source == a.Source
				}
			}
			if !ok {
				t.Errorf("incident %s holds %s %q (%s), which the fake web did not serve so", inc.ID, a.URL, a.Title, a.Source)
			}
		}
	}
	for _, w := range want {
		if seen[w.URL] != 1 {
			t.Errorf("%s appears %d times in the incidents, want once", w.URL, seen[w.URL])
		}
	}

	// The metrics agree with the fake web.
	wantNew := map[string]float64{}
	for _, w := range want {
		wantNew[w.Source]++
	}
	fams := metrics(t, d)
	for src, n := range wantNew {
		if got := value(fams, "newsmon_articles_total", "source", src, "result", "new"); got != n {
			t.Errorf("newsmon_articles_total{source=%q,result=\"new\"} = %g, want %g (the fake web's articles)", src, got, n)
		}
		if got := value(fams, "newsmon_pages_fetched_total", "source", src, "status", "304"); got < 1 {
			t.Errorf("newsmon_pages_fetched_total{source=%q,status=\"304\"} = %g: the second cycle sent no conditional request", src, got)
		}
		ts := value(fams, "newsmon_last_successful_crawl_timestamp_seconds", "source", src)
		if ts < float64(start.Unix()) || ts > float64(time.Now().Unix()+1) {
			t.Errorf("last successful crawl of %s at %g, not during the test", src, ts)
		}
	}
	if got := value(fams, "newsmon_incidents"); got != float64(len(doc.Incidents)) {
		t.Errorf("newsmon_incidents = %g, the API lists %d", got, len(doc.Incidents))
	}
	if got := value(fams, "newsmon_robots_denied_total", "source", "fakenews"); got < 1 {
		t.Errorf("newsmon_robots_denied_total{source=\"fakenews\"} = %g; the disallowed article is listed", got)
	}
	// Pages fetched by source and status match the fake web's request log
	// once the daemon is idle between cycles.
	checkPageCounts(t, d, web)

	d.terminate()
	if len(d.logLines("shutting down")) != 1 {
		t.Error("no \"shutting down\" log line")
	}
	if err := store.Check(filepath.Join(dir, "data", "newsmon.db")); err != nil {
		t.Fatalf("database after SIGTERM: %v", err)
	}
	checkStoredOnce(t, web, exportArticles(t, cfg))
}

// checkPageCounts compares newsmon_pages_fetched_total by status and the
// fetch latency histogram with the requests the fake web answered for each
// source, once the daemon is idle between cycles. Not counted as pages:
// robots.txt, redirect hops, the 503 that precedes a retry (the crawler
// reports a URL's final outcome) and the oversized page (no status is
// reported for it). An article fetched twice in one cycle (through its
// tracking URL and through a redirect, in some orders) may count once: the
// second fetch is reported as "known".
func checkPageCounts(t *testing.T, d *daemonProc, web *fakeweb.Web) {
	t.Helper()
	hosts := map[string]string{"fakenews": web.News.Name, "fakefinance": web.Finance.Name}
	var last string
	for range 100 {
		before := metrics(t, d)
		reqs := web.Requests()
		after := metrics(t, d)
		ok := true
		last = ""
		for src, host := range hosts {
			var all200, distinct200, ok304 float64
			retried := false
			articles := map[string]bool{}
			for _, r := range reqs {
				u := "http://" + host + r.Path
				switch {
				case r.Host != host || r.Path == "/robots.txt" || u == web.Redirect || u == web.Oversized:
				case u == web.RetryAfter && !retried:
					retried = true
				case r.IfNoneMatch != "" || r.IfModifiedSince != "":
					ok304++
				default:
					all200++
					if isArticle(web, u) {
						if articles[u] {
							continue
						}
						articles[u] = true
					}
					distinct200++
				}
			}
			b := sum(before, "newsmon_pages_fetched_total", "source", src)
			a := sum(after, "newsmon_pages_fetched_total", "source", src)
			got200 := value(after, "newsmon_pages_fetched_total", "source", src, "status", "200")
			got304 := value(after, "newsmon_pages_fetched_total", "source", src, "status", "304")
			h := histCount(after, "newsmon_fetch_duration_seconds", src)
			if a != b || got200 < distinct200 || got200 > all200 || got304 != ok304 || h != a {
				ok = false
				last += fmt.Sprintf("%s: pages fetched %g (then %g): 200: %g, 304: %g, latency count %g; "+
					"the fake web answered 200: %g (%g distinct), 304: %g\n",
					src, b, a, got200, got304, h, all200, distinct200, ok304)
				for _, r := range reqs {
					if r.Host == host {
						last += fmt.Sprintf("  %s %s?%s %q\n", r.Time.Format("15:04:05.000"), r.Path, r.RawQuery, r.IfNoneMatch)
					}
				}
			}
		}
		if ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("page metrics never matched the fake web's request log:\n%s", last)
}

// isArticle reports whether u (without query) is one of the fake web's
// article URLs.
func isArticle(web *fakeweb.Web, u string) bool {
	for _, a := range web.Articles() {
		if a.URL == u {
			return true
		}
	}
	return false
}

func metrics(t *testing.T, d *daemonProc) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := d.get("/metrics", "")
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	return fams
}

// value returns the value of the series of name with exactly the given
// label pairs among its labels (0 when absent).
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	var v float64
	each(fams, name, labels, func(m *dto.Metric) {
		switch {
		case m.Counter != nil:
			v = m.Counter.GetValue()
		case m.Gauge != nil:
			v = m.Gauge.GetValue()
		}
	})
	return v
}

// sum adds up every series of name that has the given label pairs.
func sum(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	var v float64
	each(fams, name, labels, func(m *dto.Metric) { v += m.GetCounter().GetValue() })
	return v
}

func histCount(fams map[string]*dto.MetricFamily, name, source string) float64 {
	var v float64
	each(fams, name, []string{"source", source}, func(m *dto.Metric) { v += float64(m.GetHistogram().GetSampleCount()) })
	return v
}

func each(fams map[string]*dto.MetricFamily, name string, labels []string, fn func(*dto.Metric)) {
	f := fams[name]
	if f == nil {
		return
	}
	for _, m := range f.Metric {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			match = match && found
		}
		if match {
			fn(m)
		}
	}
}

// validateSchema checks body against docs/incidents.schema.json.
func validateSchema(t *testing.T, body []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(filepath.Join("..", "docs", "incidents.schema.json"))
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("incidents: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("/api/v1/incidents does not follow docs/incidents.schema.json: %v", err)
	}
}
