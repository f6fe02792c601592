package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/export"
)

var (
	now     = time.Date(2020, 5, 10, 12, 0, 0, 0, time.UTC)
	cst     = time.FixedZone("CST", 8*3600)
	errGone = errors.New("no such record")
)

type fakeStore struct {
	incidents []newsmon.Incident
	articles  []newsmon.Article
	err       error // returned by every method
}

func (s *fakeStore) Incidents(fn func(newsmon.Incident) error) error {
	if s.err != nil {
		return s.err
	}
	for _, inc := range s.incidents {
		if err := fn(inc); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeStore) Articles(since time.Time, fn func(newsmon.Article) error) error {
	if s.err != nil {
		return s.err
	}
	for _, a := range s.articles {
		if a.FetchedAt.Before(since) {
			continue
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeStore) Article(id string) (newsmon.Article, error) {
	if s.err != nil {
		return newsmon.Article{}, s.err
	}
	for _, a := range s.articles {
		if a.ID == id {
			return a, nil
		}
	}
	return newsmon.Article{}, errGone
}

func (s *fakeStore) Stats() (int, int, error) {
	return len(s.articles), len(s.incidents), s.err
}

func newFakeStore() *fakeStore {
	day := func(d int) time.Time { return time.Date(2020, 5, d, 8, 0, 0, 0, time.UTC) }
	s := &fakeStore{
		articles: []newsmon.Article{
			{ID: "a1", URL: "https://www.cnbeta.com.tw/articles/tech/1.htm", Source: "cnbeta", Lang: "zh", Title: "浏览器无痕模式上传数据",
				Body: "研究人员发现浏览器在无痕模式下仍然上传数据。", Published: time.Date(2020, 5, 1, 10, 23, 0, 0, cst), FetchedAt: day(1)},
			{ID: "a2", URL: "https://example.org/browser-incognito", Source: "example", Lang: "en", Title: "Browser uploads data in Incognito mode",
				Body: "A researcher found the browser still sends data.", FetchedAt: day(2)},
			{ID: "a3", URL: "https://example.org/recall", Source: "example", Lang: "en", Title: "Car maker recalls vehicles",
				Body: "Unrelated story about brakes.", Published: day(8), FetchedAt: day(8)},
		},
		incidents: []newsmon.Incident{
			{ID: "i-browser", Title: "Browser uploads data in Incognito mode", FirstSeen: day(1), LastSeen: day(2),
				Languages: []string{"zh", "en"}, Sources: []string{"cnbeta", "example"}, ArticleIDs: []string{"a1", "a2"},
				Topics: []string{"ai-incidents"}, Score: 3},
			{ID: "i-recall", Title: "Car maker recalls vehicles", FirstSeen: day(8), LastSeen: day(8),
				Languages: []string{"en"}, Sources: []string{"example"}, ArticleIDs: []string{"a3"}, Score: 1},
		},
	}
	return s
}

func newHandler(st Store, token string) http.Handler {
	return New(Options{Store: st, Token: token, ErrNotFound: errGone, Now: func() time.Time { return now },
		Topics: func() []string { return []string{"ai-incidents", "recalls"} }})
}

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestProbes(t *testing.T) {
	notReady := errors.New("scheduler not running")
	for _, tt := range []struct {
		name     string
		storeErr error
		ready    func() error
		path     string
		status   int
		body     string
	}{
		{"healthz", nil, nil, "/healthz", 200, "ok\n"},
		{"healthz while not ready", errors.New("closed"), nil, "/healthz", 200, "ok\n"},
		{"ready", nil, func() error { return nil }, "/readyz", 200, "ready\n"},
		{"ready without func", nil, nil, "/readyz", 200, "ready\n"},
		{"scheduler not running", nil, func() error { return notReady }, "/readyz", 503, "not ready: scheduler not running\n"},
		{"store closed", errors.New("database not open"), nil, "/readyz", 503, "not ready: database not open\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			st.err = tt.storeErr
			h := New(Options{Store: st, Ready: tt.ready, Token: "secret"})
			w := get(t, h, tt.path)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, w.Code, w.Body.String(), tt.status, tt.body)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	m := NewMetrics()
	m.ObserveFetch("cnbeta", 200, 1000, 300*time.Millisecond)
	m.ObserveFetch("cnbeta", 200, 2000, 2*time.Second)
	m.ObserveFetch("cnbeta", 503, 0, time.Second)
	m.ObserveFetch("sina", 0, 0, 30*time.Second)
	m.ArticleNew("cnbeta")
	m.ArticleNew("cnbeta")
	m.ArticleDuplicate("sina")
	m.ExtractFailed("sina", "bot wall")
	m.RobotsDenied("cnbeta")
	m.CrawlSucceeded("cnbeta", time.Unix(1588300000, 0))
	m.SetIncidents(7)

	h := New(Options{Store: newFakeStore(), Metrics: m, Token: "secret"}) // metrics stay open with a token
	w := get(t, h, "/metrics")
	if w.Code != 200 {
		t.Fatalf("GET /metrics = %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		`newsmon_pages_fetched_total{source="cnbeta",status="200"} 2`,
		`newsmon_pages_fetched_total{source="cnbeta",status="503"} 1`,
		`newsmon_pages_fetched_total{source="sina",status="error"} 1`,
		`newsmon_fetched_bytes_total{source="cnbeta"} 3000`,
		`newsmon_fetch_duration_seconds_bucket{source="cnbeta",le="0.5"} 1`,
		`newsmon_fetch_duration_seconds_bucket{source="cnbeta",le="2.5"} 3`,
		`newsmon_fetch_duration_seconds_count{source="cnbeta"} 3`,
		`newsmon_articles_total{result="new",source="cnbeta"} 2`,
		`newsmon_articles_total{result="duplicate",source="sina"} 1`,
		`newsmon_extract_failures_total{reason="bot wall",source="sina"} 1`,
		`newsmon_robots_denied_total{source="cnbeta"} 1`,
		`newsmon_last_successful_crawl_timestamp_seconds{source="cnbeta"} 1.5883e+09`,
		"newsmon_incidents 7",
		"go_goroutines ",
		"# TYPE newsmon_fetch_duration_seconds histogram",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, `newsmon_fetched_bytes_total{source="sina"}`) {
		t.Error("zero-byte fetches created a bytes series")
	}

	var nilMetrics *Metrics // the pipeline may run without metrics
	nilMetrics.ObserveFetch("x", 200, 1, time.Second)
	nilMetrics.ArticleNew("x")
	nilMetrics.ArticleDuplicate("x")
	nilMetrics.ExtractFailed("x", "other")
	nilMetrics.RobotsDenied("x")
	nilMetrics.CrawlSucceeded("x", now)
	nilMetrics.SetIncidents(1)
}

func TestAuth(t *testing.T) {
	st := newFakeStore()
	const token = "s3cret-token-value"
	for _, tt := range []struct {
		name   string
		token  string // configured
		path   string
		auth   string // Authorization header
		status int
	}{
		{"no token configured", "", "/api/v1/incidents", "", 200},
		{"missing header", token, "/api/v1/incidents", "", 401},
		{"wrong token", token, "/api/v1/incidents", "Bearer wrong", 401},
		{"token prefix", token, "/api/v1/incidents", "Bearer s3cret", 401},
		{"token with suffix", token, "/api/v1/incidents", "Bearer " + token + "x", 401},
		{"basic scheme", token, "/api/v1/incidents", "Basic " + token, 401},
		{"bare token", token, "/api/v1/incidents", token, 401},
		{"empty bearer", token, "/api/v1/incidents", "Bearer ", 401},
		{"right token", token, "/api/v1/incidents", "Bearer " + token, 200},
		{"scheme is case-insensitive", token, "/api/v1/articles", "bearer " + token, 200},
		{"every api path", token, "/api/v1/articles/a1", "", 401},
		{"unknown api path hidden", token, "/api/v2/secret", "", 401},
		{"unknown api path", token, "/api/v2/secret", "Bearer " + token, 404},
		{"health open", token, "/healthz", "", 200},
		{"metrics open", token, "/metrics", "", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := get(t, newHandler(st, tt.token), tt.path, "Authorization", tt.auth)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if w.Code == 401 {
				if got := w.Body.String(); got != `{"error":"unauthorized"}`+"\n" {
					t.Errorf("401 body %q reveals more than it should", got)
				}
				if w.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
		})
	}
}

// TestIncidentsAPI checks that the API prints exactly what export prints for
// the same filters.
func TestIncidentsAPI(t *testing.T) {
	st := newFakeStore()
	h := newHandler(st, "")
	lookup := func(id string) (newsmon.Article, error) { return st.Article(id) }
	for _, tt := range []struct {
		query string
		want  []string // incident IDs in order
	}{
		{"", []string{"i-browser", "i-recall"}},
		{"?topic=ai-incidents", []string{"i-browser"}},
		{"?min_articles=2", []string{"i-browser"}},
		{"?since=2020-05-05", []string{"i-recall"}},
		{"?since=72h", []string{"i-recall"}},
		{"?since=30d&limit=1", []string{"i-browser"}},
		{"?topic=recalls", []string{}}, // configured, matched by none
	} {
		t.Run(tt.query, func(t *testing.T) {
			w := get(t, h, "/api/v1/incidents"+tt.query)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("status %d, type %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			var doc export.Document
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, inc := range doc.Incidents {
				got = append(got, inc.ID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("incidents %v, want %v", got, tt.want)
			}
			var want []newsmon.Incident
			for _, id := range tt.want {
				for _, inc := range st.incidents {
					if inc.ID == id {
						want = append(want, inc)
					}
				}
			}
			var buf bytes.Buffer
			if err := export.Incidents(&buf, want, lookup, "json", now); err != nil {
				t.Fatal(err)
			}
			if w.Body.String() != buf.String() {
				t.Errorf("API output differs from export:\n got %s\nwant %s", w.Body, buf.String())
			}
		})
	}

	w := get(t, h, "/api/v1/incidents?format=jsonl")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/x-ndjson; charset=utf-8" || strings.Count(w.Body.String(), "\n") != 2 {
		t.Errorf("jsonl: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if strings.Contains(w.Body.String(), "centroid") || !strings.Contains(w.Body.String(), `"published":"2020-05-01T10:23:00+08:00"`) {
		t.Errorf("jsonl body: %s", w.Body)
	}
}

func TestArticlesAPI(t *testing.T) {
	h := newHandler(newFakeStore(), "")
	for _, tt := range []struct {
		query string
		want  string // article IDs, newest first
	}{
		{"", "a3,a2,a1"},
		{"?source=example", "a3,a2"},
		{"?q=incognito", "a2"},          // title, case-insensitive
		{"?q=%E6%97%A0%E7%97%95", "a1"}, // 无痕
		{"?q=brakes", "a3"},             // body
		{"?q=BROWSER&source=cnbeta", ""},
		{"?since=2020-05-02", "a3,a2"},
		{"?limit=1", "a3"},
		{"?since=2020-05-01T00:00:00Z&limit=2", "a3,a2"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			w := get(t, h, "/api/v1/articles"+tt.query)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var doc export.ArticlesDocument
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range doc.Articles {
				ids = append(ids, a.ID)
				if a.Body == "" {
					t.Errorf("article %s without body", a.ID)
				}
			}
			if got := strings.Join(ids, ","); got != tt.want {
				t.Errorf("articles %q, want %q", got, tt.want)
			}
		})
	}
}

func TestArticleByID(t *testing.T) {
	h := newHandler(newFakeStore(), "")
	w := get(t, h, "/api/v1/articles/a1")
	var a export.Article
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &a) != nil || a.ID != "a1" || a.Published.Format(time.RFC3339) != "2020-05-01T10:23:00+08:00" {
		t.Errorf("GET a1 = %d %s", w.Code, w.Body)
	}
	if w := get(t, h, "/api/v1/articles/nope"); w.Code != 404 || w.Body.String() != `{"error":"not found"}`+"\n" {
		t.Errorf("GET unknown = %d %s", w.Code, w.Body)
	}
	if w := get(t, h, "/api/v1/stats"); w.Code != 200 || w.Body.String() != `{"articles":3,"incidents":2}`+"\n" {
		t.Errorf("GET stats = %d %s", w.Code, w.Body)
	}
}

func TestBadRequests(t *testing.T) {
	h := newHandler(newFakeStore(), "")
	for _, tt := range []struct {
		name, target, msg string
	}{
		{"huge query", "/api/v1/incidents?topic=" + strings.Repeat("a", 5000), "query longer than"},
		{"malformed escape", "/api/v1/articles?q=%zz", "malformed query"},
		{"bad since", "/api/v1/incidents?since=yesterday", "since"},
		{"negative since", "/api/v1/articles?since=-5h", "since"},
		{"bad min_articles", "/api/v1/incidents?min_articles=two", "min_articles"},
		{"negative min_articles", "/api/v1/incidents?min_articles=-1", "min_articles"},
		{"zero limit", "/api/v1/articles?limit=0", "limit"},
		{"huge limit", "/api/v1/incidents?limit=99999999999999999999", "limit"},
		{"unknown parameter", "/api/v1/incidents?topik=x", `unknown parameter "topik"`},
		{"repeated parameter", "/api/v1/articles?source=a&source=b", `"source" given 2 times`},
		{"long search term", "/api/v1/articles?q=" + strings.Repeat("x", MaxSearchTerm+1), "q: longer than"},
		{"bad format", "/api/v1/incidents?format=xml", "format"},
		{"unknown topic", "/api/v1/incidents?topic=nosuch", `topic "nosuch": no such topic in the configuration (have: ai-incidents, recalls)`},
		{"parameter on stats", "/api/v1/stats?x=1", "unknown parameter"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := get(t, h, tt.target)
			var body struct{ Error string }
			if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &body) != nil || !strings.Contains(body.Error, tt.msg) {
				t.Errorf("status %d body %s, want 400 with %q", w.Code, w.Body, tt.msg)
			}
		})
	}

	// Through a real server and client, a huge query is a 400 too.
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/articles?q=" + strings.Repeat("%41", 100_000))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("huge query over HTTP: %d", resp.StatusCode)
	}
}

func TestStoreErrors(t *testing.T) {
	st := newFakeStore()
	st.err = errors.New("bbolt: secret path /var/lib/x is corrupt")
	h := newHandler(st, "")
	for _, p := range []string{"/api/v1/incidents", "/api/v1/articles", "/api/v1/articles/a1", "/api/v1/stats"} {
		w := get(t, h, p)
		if w.Code != 500 || w.Body.String() != `{"error":"internal error"}`+"\n" {
			t.Errorf("GET %s = %d %s", p, w.Code, w.Body)
		}
	}
	// A lookup failure inside an incident is a 500 as well, not partial JSON.
	st = newFakeStore()
	st.incidents[0].ArticleIDs = append(st.incidents[0].ArticleIDs, "missing")
	if w := get(t, newHandler(st, ""), "/api/v1/incidents"); w.Code != 500 {
		t.Errorf("missing article: %d %s", w.Code, w.Body)
	}
}

func TestListenAddrAllowed(t *testing.T) {
	for _, tt := range []struct {
		listen, token string
		ok            bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:8080", "", true},
		{"[::1]:8080", "", true},
		{"127.0.0.2:9000", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"[::]:8080", "", false},
		{"192.168.1.5:8080", "", false},
		{"example.org:80", "", false},
		{"0.0.0.0:8080", "tok", true},
		{":8080", "tok", true},
		{"no-port", "", false},
	} {
		err := ListenAddrAllowed(tt.listen, tt.token)
		if (err == nil) != tt.ok {
			t.Errorf("ListenAddrAllowed(%q, %q) = %v, want ok=%v", tt.listen, tt.token, err, tt.ok)
		}
		if err != nil && tt.token == "" && !strings.Contains(err.Error(), "server.token") && !strings.Contains(err.Error(), "missing port") {
			t.Errorf("message does not say what to do: %v", err)
		}
	}
}

func TestNewHTTPServer(t *testing.T) {
	s := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if s.ReadHeaderTimeout == 0 || s.ReadTimeout == 0 || s.IdleTimeout == 0 || s.Addr != "127.0.0.1:0" {
		t.Errorf("server without timeouts: %+v", s)
	}
}

// Without Options.Topics the topic parameter is not checked: an unknown
// topic matches nothing.
func TestIncidentsAnyTopicWithoutTopics(t *testing.T) {
	h := New(Options{Store: newFakeStore()})
	w := get(t, h, "/api/v1/incidents?topic=nosuch")
	var doc export.Document
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &doc) != nil || len(doc.Incidents) != 0 {
		t.Errorf("status %d body %.200s, want 200 and no incidents", w.Code, w.Body)
	}
}
