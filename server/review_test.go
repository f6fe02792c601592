package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/export"
	"github.com/newsmon/newsmon/review"
	"github.com/newsmon/newsmon/store"
)

// reviewFixture is a store with three incidents: a vacuum incident with a
// Chinese and an English report, a metro incident likewise (similar
// centroids: they share terms), and a football match.
type reviewFixture struct {
	st      *store.Store
	h       http.Handler
	arts    map[string]string // name -> article id
	vac     string            // incident ids
	met     string
	foot    string
	metrics *Metrics
}

func newReviewFixture(t testing.TB, token string) *reviewFixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &reviewFixture{st: st, arts: map[string]string{}, vac: "inc-vac", met: "inc-met", foot: "inc-foot"}
	day := time.Date(2026, 5, 6, 8, 0, 0, 0, cst)
	type art struct{ name, inc, lang, src, title string }
	list := []art{
		{"vac-zh", f.vac, "zh", "cnbeta", "清风科技扫地机器人被曝偷偷上传用户家中照片"},
		{"vac-en", f.vac, "en", "example", "CleanBot robot vacuums uploaded photos from homes"},
		{"met-zh", f.met, "zh", "cnbeta", "深圳地铁人脸识别闸机误认乘客"},
		{"met-en", f.met, "en", "example", "Shenzhen metro face gates misidentify riders"},
		{"foot", f.foot, "zh", "sina", "业余足球联赛决赛落幕"},
	}
	incs := map[string]*newsmon.Incident{}
	var ws []store.Write
	for i, a := range list {
		at := day.Add(time.Duration(i) * time.Hour)
		w := store.ArticleWrite{Article: &newsmon.Article{
			URL: "https://news.example.com/" + a.name, Source: a.src, Lang: a.lang, Title: a.title,
			Published: at, FetchedAt: at, Body: a.title + "。\n\n第二段 <b>not bold</b>。", IncidentID: a.inc,
		}, URLs: []string{"https://news.example.com/" + a.name}}
		ws = append(ws, store.Write{Article: &w})
		inc := incs[a.inc]
		if inc == nil {
			inc = &newsmon.Incident{ID: a.inc, Title: a.title, FirstSeen: at}
			incs[a.inc] = inc
		}
		inc.LastSeen = at
		inc.ArticleIDs = append(inc.ArticleIDs, store.ArticleID(w.Article.URL))
		inc.Languages = union(inc.Languages, a.lang)
		inc.Sources = union(inc.Sources, a.src)
		f.arts[a.name] = store.ArticleID(w.Article.URL)
	}
	states := map[string]*newsmon.IncidentState{
		f.vac:  {Terms: map[string]float64{"robot": 2, "privacy": 1}, Langs: map[string]int{"zh": 1}, Evidence: []string{"ai-incidents:harms:隐私"}},
		f.met:  {Terms: map[string]float64{"face": 2, "privacy": 1}},
		f.foot: {Terms: map[string]float64{"football": 2}},
	}
	incs[f.vac].Topics, incs[f.vac].Score = []string{"ai-incidents"}, 2
	for _, id := range []string{f.vac, f.met, f.foot} {
		ws = append(ws, store.Write{Incident: incs[id], State: states[id]})
	}
	if _, err := st.SaveBatch(ws); err != nil {
		t.Fatal(err)
	}
	f.metrics = NewMetrics()
	f.metrics.ObserveFetch("cnbeta", 200, 100, time.Millisecond)
	f.metrics.ObserveFetch("cnbeta", 304, 0, time.Millisecond)
	rv := review.New(st, review.Options{Now: func() time.Time { return now }})
	f.h = New(Options{Store: st, Review: rv, ErrNotFound: store.ErrNotFound, ErrInvalid: review.ErrInvalid,
		Token: token, Now: func() time.Time { return now }, Metrics: f.metrics, Sources: []string{"cnbeta", "idle"},
		LastCycles: func() map[string]CycleReport {
			return map[string]CycleReport{"cnbeta": {Ended: now, Failed: 3, Reasons: map[string]int{"robots": 2, "http 503": 1}, Err: "listing https://cnbeta.example/: timeout"}}
		}})
	return f
}

func union(list []string, s string) []string {
	if !slices.Contains(list, s) {
		list = append(list, s)
		slices.Sort(list)
	}
	return list
}

type call struct {
	method, path, body string
	hdr                map[string]string
}

func (f *reviewFixture) do(t testing.TB, c call) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Result(), rec.Body.String()
}

func decodeIncident(t testing.TB, body string) export.Incident {
	t.Helper()
	var x export.Incident
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		t.Fatalf("not an incident: %v\n%s", err, body)
	}
	return x
}

// TestReviewAPI: each action answers with the incident it leaves things
// in and is visible in the next read; bad ids, bodies, statuses and
// actions get 400 or 404.
func TestReviewAPI(t *testing.T) {
	f := newReviewFixture(t, "")
	steps := []struct {
		name   string
		call   call
		status int
		check  func(t *testing.T, body string)
	}{
		{"get", call{"GET", "/api/v1/incidents/" + f.vac, "", nil}, 200, func(t *testing.T, body string) {
			x := decodeIncident(t, body)
			if x.ID != f.vac || x.Status != "new" || len(x.Articles) != 2 || x.Notes == nil || x.MergedIDs == nil {
				t.Errorf("incident %+v", x)
			}
		}},
		{"confirm", call{"POST", "/api/v1/incidents/" + f.vac + "/status", `{"status":"confirmed","note":"两家媒体"}`, nil}, 200, func(t *testing.T, body string) {
			if x := decodeIncident(t, body); x.Status != "confirmed" || x.StatusReason != "两家媒体" || len(x.Notes) != 1 {
				t.Errorf("after confirm: %+v", x)
			}
		}},
		{"rename", call{"POST", "/api/v1/incidents/" + f.vac + "/title", `{"title":"  CleanBot   上传照片 "}`, nil}, 200, func(t *testing.T, body string) {
			if x := decodeIncident(t, body); x.ReviewedTitle != "CleanBot 上传照片" || x.Title == x.ReviewedTitle {
				t.Errorf("after rename: title %q, reviewed %q", x.Title, x.ReviewedTitle)
			}
		}},
		{"note", call{"POST", "/api/v1/incidents/" + f.vac + "/note", `{"note":"check the firmware"}`, nil}, 200, nil},
		{"dismiss", call{"POST", "/api/v1/incidents/" + f.foot + "/status", `{"status":"dismissed","note":"sport"}`, nil}, 200, nil},
		{"merge", call{"POST", "/api/v1/incidents/" + f.met + "/merge", `{"into":"` + f.vac + `"}`, nil}, 200, func(t *testing.T, body string) {
			x := decodeIncident(t, body)
			if x.ID != f.vac || len(x.Articles) != 4 || !slices.Equal(x.MergedIDs, []string{f.met}) || x.Status != "confirmed" {
				t.Errorf("after merge: %+v", x)
			}
		}},
		{"merged id answers with the survivor", call{"GET", "/api/v1/incidents/" + f.met, "", nil}, 200, func(t *testing.T, body string) {
			if x := decodeIncident(t, body); x.ID != f.vac {
				t.Errorf("GET merged id: %s, want %s", x.ID, f.vac)
			}
		}},
		{"merge into itself", call{"POST", "/api/v1/incidents/" + f.met + "/merge", `{"into":"` + f.vac + `"}`, nil}, 400, nil},
		{"move out", call{"POST", "/api/v1/articles/" + f.arts["met-en"] + "/move", `{"to":""}`, nil}, 200, func(t *testing.T, body string) {
			x := decodeIncident(t, body)
			if x.ID == f.vac || len(x.Articles) != 1 || x.Articles[0].ID != f.arts["met-en"] {
				t.Errorf("after move: %+v", x)
			}
		}},
		{"survivor lost the moved report", call{"GET", "/api/v1/incidents/" + f.vac, "", nil}, 200, func(t *testing.T, body string) {
			if x := decodeIncident(t, body); len(x.Articles) != 3 {
				t.Errorf("%d articles after the move, want 3", len(x.Articles))
			}
		}},
		{"move into its own incident", call{"POST", "/api/v1/articles/" + f.arts["vac-zh"] + "/move", `{"to":"` + f.met + `"}`, nil}, 400, nil},
		{"list leaves dismissed out", call{"GET", "/api/v1/incidents?format=jsonl", "", nil}, 200, func(t *testing.T, body string) {
			if strings.Contains(body, f.foot) || !strings.Contains(body, f.vac) || !strings.Contains(body, `"status":"confirmed"`) {
				t.Errorf("default list:\n%s", body)
			}
		}},
		{"list all", call{"GET", "/api/v1/incidents?status=all&format=jsonl", "", nil}, 200, func(t *testing.T, body string) {
			if !strings.Contains(body, f.foot) || !strings.Contains(body, `"status_reason":"sport"`) {
				t.Errorf("status=all:\n%s", body)
			}
		}},
		{"list dismissed", call{"GET", "/api/v1/incidents?status=dismissed&format=jsonl", "", nil}, 200, func(t *testing.T, body string) {
			if strings.Count(body, "\n") != 1 || !strings.Contains(body, f.foot) {
				t.Errorf("status=dismissed:\n%s", body)
			}
		}},

		{"unknown status filter", call{"GET", "/api/v1/incidents?status=maybe", "", nil}, 400, nil},
		{"unknown incident", call{"GET", "/api/v1/incidents/inc-nosuch", "", nil}, 404, nil},
		{"malformed id", call{"GET", "/api/v1/incidents/" + url.PathEscape("inc<script>"), "", nil}, 400, nil},
		{"long id", call{"GET", "/api/v1/incidents/" + strings.Repeat("a", 300), "", nil}, 400, nil},
		{"unknown action", call{"POST", "/api/v1/incidents/" + f.vac + "/explode", `{}`, nil}, 404, nil},
		{"bad status", call{"POST", "/api/v1/incidents/" + f.vac + "/status", `{"status":"maybe"}`, nil}, 400, nil},
		{"status missing", call{"POST", "/api/v1/incidents/" + f.vac + "/status", `{"note":"x"}`, nil}, 400, nil},
		{"field of another action", call{"POST", "/api/v1/incidents/" + f.vac + "/status", `{"status":"new","into":"x"}`, nil}, 400, nil},
		{"unknown field", call{"POST", "/api/v1/incidents/" + f.vac + "/title", `{"title":"x","extra":1}`, nil}, 400, nil},
		{"not JSON", call{"POST", "/api/v1/incidents/" + f.vac + "/title", `title=x`, nil}, 400, nil},
		{"form content type", call{"POST", "/api/v1/incidents/" + f.vac + "/title", `{"title":"x"}`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 400, nil},
		{"cross-site", call{"POST", "/api/v1/incidents/" + f.vac + "/title", `{"title":"x"}`, map[string]string{"Sec-Fetch-Site": "cross-site"}}, 400, nil},
		{"two values", call{"POST", "/api/v1/incidents/" + f.vac + "/title", `{"title":"x"}{"title":"y"}`, nil}, 400, nil},
		{"huge body", call{"POST", "/api/v1/incidents/" + f.vac + "/note", `{"note":"` + strings.Repeat("x", 100<<10) + `"}`, nil}, 400, nil},
		{"long title", call{"POST", "/api/v1/incidents/" + f.vac + "/title", `{"title":"` + strings.Repeat("x", 600) + `"}`, nil}, 400, nil},
		{"merge into unknown", call{"POST", "/api/v1/incidents/" + f.vac + "/merge", `{"into":"inc-nosuch"}`, nil}, 404, nil},
		{"merge into malformed", call{"POST", "/api/v1/incidents/" + f.vac + "/merge", `{"into":"../x"}`, nil}, 400, nil},
		{"move unknown article", call{"POST", "/api/v1/articles/nosuch/move", `{"to":""}`, nil}, 404, nil},
		{"move to unknown", call{"POST", "/api/v1/articles/" + f.arts["vac-zh"] + "/move", `{"to":"inc-nosuch"}`, nil}, 404, nil},
		{"move without to", call{"POST", "/api/v1/articles/" + f.arts["vac-zh"] + "/move", `{}`, nil}, 400, nil},
		{"move with query", call{"POST", "/api/v1/articles/" + f.arts["vac-zh"] + "/move?x=1", `{"to":""}`, nil}, 400, nil},
		{"GET on an action", call{"GET", "/api/v1/incidents/" + f.vac + "/status", "", nil}, 404, nil},
	}
	for _, s := range steps {
		resp, body := f.do(t, s.call)
		if resp.StatusCode != s.status {
			t.Errorf("%s: %s %s: %d, want %d\n%.300s", s.name, s.call.method, s.call.path, resp.StatusCode, s.status, body)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/") {
			t.Errorf("%s: Content-Type %q", s.name, ct)
		}
		if s.check != nil {
			s.check(t, body)
		}
	}
}

// TestReviewAPIToken: with a token, every review call without it gets 401
// and changes nothing.
func TestReviewAPIToken(t *testing.T) {
	f := newReviewFixture(t, "tok")
	for _, c := range []call{
		{"GET", "/api/v1/incidents/" + f.vac, "", nil},
		{"POST", "/api/v1/incidents/" + f.vac + "/status", `{"status":"dismissed"}`, nil},
		{"POST", "/api/v1/incidents/" + f.vac + "/merge", `{"into":"` + f.met + `"}`, map[string]string{"Authorization": "Bearer wrong"}},
		{"POST", "/api/v1/articles/" + f.arts["vac-en"] + "/move", `{"to":""}`, nil},
	} {
		if resp, body := f.do(t, c); resp.StatusCode != 401 || strings.Contains(body, "CleanBot") {
			t.Errorf("%s %s without the token: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	if r, _ := f.st.Reviews(); r.Len() != 0 {
		t.Errorf("%d review entries written without the token", r.Len())
	}
	resp, body := f.do(t, call{"POST", "/api/v1/incidents/" + f.vac + "/status", `{"status":"dismissed"}`, map[string]string{"Authorization": "Bearer tok"}})
	if resp.StatusCode != 200 || decodeIncident(t, body).Status != "dismissed" {
		t.Errorf("with the token: %d %s", resp.StatusCode, body)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// browser is a cookie-keeping client of the handler.
type browser struct {
	f       *reviewFixture
	cookies map[string]string
	host    string
}

func (b *browser) req(t testing.TB, method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if b.host != "" {
		req.Host = b.host
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	b.f.h.ServeHTTP(rec, req)
	resp := rec.Result()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return resp, rec.Body.String()
}

// csrf gets a page and returns its forms' CSRF token.
func (b *browser) csrf(t testing.TB, path string) string {
	t.Helper()
	resp, body := b.req(t, "GET", path, nil, nil)
	m := csrfRe.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("GET %s: %d, no CSRF token\n%.500s", path, resp.StatusCode, body)
	}
	return m[1]
}

// TestUIPages: the pages render what they should (both languages side by
// side, escaped text, filters, pagination links), a merged id redirects to
// the survivor, and bad queries and ids get 400 or 404 pages.
func TestUIPages(t *testing.T) {
	f := newReviewFixture(t, "")
	b := &browser{f: f, cookies: map[string]string{}}
	pagesTests := []struct {
		path   string
		status int
		want   []string
		not    []string
	}{
		{"/", 200, []string{"清风科技扫地机器人被曝偷偷上传用户家中照片", "深圳地铁人脸识别闸机误认乘客", "3 incidents", `href="/incidents/inc-vac"`}, nil},
		{"/?lang=en", 200, []string{"2 incidents"}, []string{"业余足球"}},
		{"/?q=" + url.QueryEscape("地铁"), 200, []string{"1 incidents", "深圳地铁"}, []string{"清风科技"}},
		{"/?q=" + url.QueryEscape("NOT BOLD"), 200, []string{"0 incidents"}, nil},
		{"/?body=1&q=" + url.QueryEscape("NOT BOLD"), 200, []string{"3 incidents", "checked"}, nil},
		{"/?body=yes", 400, nil, nil},
		{"/?source=sina&min=1", 200, []string{"业余足球"}, []string{"深圳地铁"}},
		{"/?min=2&topic=ai-incidents", 200, []string{"清风科技"}, []string{"深圳地铁"}},
		{"/?from=2026-05-07", 200, []string{"0 incidents", "No incident matches"}, nil},
		{"/?to=2026-05-06&from=2026-05-06&sort=score", 200, []string{"3 incidents"}, nil},
		{"/?status=dismissed", 200, []string{"0 incidents"}, nil},
		{"/?page=99", 200, []string{"page 1 of 1"}, nil},
		{"/incidents/" + f.vac, 200, []string{`lang="zh"`, `lang="en"`, "CleanBot robot vacuums uploaded photos from homes", "清风科技", "Similar incidents", `href="/incidents/inc-met"`, "Timeline", "ai-incidents · harms: 隐私"}, nil},
		{"/articles/" + f.arts["vac-zh"], 200, []string{"清风科技扫地机器人被曝偷偷上传用户家中照片", "page said 2026-05-06 08:00 &#43;08:00", "2026-05-06 00:00 UTC", `href="/incidents/inc-vac"`, "&lt;b&gt;not bold&lt;/b&gt;"}, []string{"<b>not bold</b>"}},
		{"/sources", 200, []string{"cnbeta", "idle", "http 503 1, robots 2", "listing https://cnbeta.example/: timeout", "(incomplete)", "<td>1</td>"}, nil},
		{"/static/style.css", 200, []string{".columns"}, nil},

		{"/?page=abc", 400, nil, []string{"清风科技"}},
		{"/?page=0", 400, nil, nil},
		{"/?status=maybe", 400, nil, nil},
		{"/?sort=random", 400, nil, nil},
		{"/?from=yesterday", 400, nil, nil},
		{"/?nosuch=1", 400, nil, nil},
		{"/?q=" + strings.Repeat("x", 300), 400, nil, nil},
		{"/?q=" + strings.Repeat("x", 3000), 400, nil, nil},
		{"/incidents/inc-nosuch", 404, nil, nil},
		{"/incidents/" + url.PathEscape("<script>"), 400, []string{"malformed id"}, []string{"<script>"}},
		{"/articles/nosuch", 404, nil, nil},
		{"/incidents/" + f.vac + "?x=1", 400, nil, nil},
		{"/nosuch", 404, nil, nil},
	}
	for _, tc := range pagesTests {
		resp, body := b.req(t, "GET", tc.path, nil, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %.80s: %d, want %d\n%.400s", tc.path, resp.StatusCode, tc.status, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %.80s: no %q in\n%.2000s", tc.path, w, body)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(body, w) {
				t.Errorf("GET %.80s: %q in the page", tc.path, w)
			}
		}
	}
	resp, _ := b.req(t, "GET", "/incidents/"+f.met, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET met: %d", resp.StatusCode)
	}
	if _, err := review.New(f.st, review.Options{}).Merge(f.met, f.vac, ""); err != nil {
		t.Fatal(err)
	}
	resp, _ = b.req(t, "GET", "/incidents/"+f.met, nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents/"+f.vac {
		t.Errorf("merged incident's page: %d to %q, want 303 to the survivor", resp.StatusCode, resp.Header.Get("Location"))
	}
	if h := resp.Header.Get("Content-Security-Policy"); !strings.Contains(h, "default-src 'none'") {
		t.Errorf("CSP %q", h)
	}
}

// TestUIQueuePagination: 120 incidents list 50 a page, newest first, with
// links between pages.
func TestUIQueuePagination(t *testing.T) {
	f := newReviewFixture(t, "")
	var ws []store.Write
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 117 {
		ws = append(ws, store.Write{Incident: &newsmon.Incident{ID: fmt.Sprintf("inc-p%03d", i), Title: fmt.Sprintf("Item %03d", i),
			FirstSeen: base.Add(time.Duration(i) * time.Hour), LastSeen: base.Add(time.Duration(i) * time.Hour)}})
	}
	if _, err := f.st.SaveBatch(ws); err != nil {
		t.Fatal(err)
	}
	b := &browser{f: f, cookies: map[string]string{}}
	_, p1 := b.req(t, "GET", "/", nil, nil)
	_, p3 := b.req(t, "GET", "/?page=3", nil, nil)
	if !strings.Contains(p1, "120 incidents") || !strings.Contains(p1, "page 1 of 3") || strings.Count(p1, `<li class="status-`) != 50 ||
		!strings.Contains(p1, "Item 116") || strings.Contains(p1, "Item 066") || !strings.Contains(p1, `href="/?page=2"`) || strings.Contains(p1, `rel="prev"`) {
		t.Errorf("page 1:\n%.3000s", p1)
	}
	if strings.Count(p3, `<li class="status-`) != 20 || !strings.Contains(p3, "清风科技") || !strings.Contains(p3, `href="/?page=2"`) || strings.Contains(p3, `rel="next"`) {
		t.Errorf("page 3:\n%.3000s", p3)
	}
}

// TestUIForms: the forms change the review state and redirect to the
// incident; a form without its CSRF token, with another browser's, or sent
// cross-site is refused with 403 and changes nothing.
func TestUIForms(t *testing.T) {
	f := newReviewFixture(t, "")
	b := &browser{f: f, cookies: map[string]string{}}
	tok := b.csrf(t, "/incidents/"+f.vac)
	other := &browser{f: f, cookies: map[string]string{}}
	otherTok := other.csrf(t, "/")
	if otherTok == tok {
		t.Fatal("two browsers got the same CSRF token")
	}
	refused := []struct {
		name string
		form url.Values
		hdr  map[string]string
	}{
		{"no token", url.Values{"status": {"dismissed"}}, nil},
		{"another browser's token", url.Values{"status": {"dismissed"}, "csrf": {otherTok}}, nil},
		{"cross-site", url.Values{"status": {"dismissed"}, "csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"foreign origin", url.Values{"status": {"dismissed"}, "csrf": {tok}}, map[string]string{"Origin": "https://evil.example"}},
	}
	for _, r := range refused {
		if resp, body := b.req(t, "POST", "/incidents/"+f.vac+"/status", r.form, r.hdr); resp.StatusCode != 403 || !strings.Contains(body, "CSRF") {
			t.Errorf("%s: %d, want 403", r.name, resp.StatusCode)
		}
	}
	if r, _ := f.st.Reviews(); r.Len() != 0 {
		t.Fatalf("refused forms wrote %d review entries", r.Len())
	}
	post := func(path string, form url.Values, wantStatus int) string {
		t.Helper()
		form.Set("csrf", tok)
		resp, body := b.req(t, "POST", path, form, map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"})
		if resp.StatusCode != wantStatus {
			t.Fatalf("POST %s %v: %d, want %d\n%.500s", path, form, resp.StatusCode, wantStatus, body)
		}
		return resp.Header.Get("Location")
	}
	if loc := post("/incidents/"+f.vac+"/status", url.Values{"status": {"confirmed"}, "note": {"real"}}, 303); loc != "/incidents/"+f.vac {
		t.Errorf("redirect to %q", loc)
	}
	post("/incidents/"+f.vac+"/title", url.Values{"title": {"扫地机器人 照片"}}, 303)
	post("/incidents/"+f.vac+"/note", url.Values{"note": {"follow up"}}, 303)
	post("/incidents/"+f.foot+"/status", url.Values{"status": {"dismissed"}, "note": {"sport"}}, 303)
	post("/incidents/"+f.met+"/merge", url.Values{"into": {f.vac}}, 303)
	loc := post("/articles/"+f.arts["vac-en"]+"/move", url.Values{"to": {"new"}}, 303)
	post("/incidents/"+f.vac+"/explode", url.Values{}, 404)
	post("/incidents/"+f.vac+"/status", url.Values{"status": {"maybe"}}, 400)
	post("/incidents/"+f.vac+"/merge", url.Values{"into": {""}}, 400)
	post("/articles/"+f.arts["vac-zh"]+"/move", url.Values{"to_id": {"inc-nosuch"}}, 404)
	post("/settings", url.Values{"tz": {"Mars/Olympus"}}, 400)
	post("/settings", url.Values{"tz": {"Asia/Shanghai"}, "next": {"https://evil.example/"}}, 303)

	_, page := b.req(t, "GET", "/incidents/"+f.vac, nil, nil)
	for _, w := range []string{"扫地机器人 照片", "confirmed", "Reason: real", "follow up", "深圳地铁人脸识别闸机误认乘客", "CST"} {
		if !strings.Contains(page, w) {
			t.Errorf("incident page after the forms: no %q\n%.3000s", w, page)
		}
	}
	if strings.Contains(page, `id="r-`+f.arts["vac-en"]+`"`) {
		t.Error("the moved report is still on the incident page")
	}
	if _, moved := b.req(t, "GET", loc, nil, nil); !strings.Contains(moved, "CleanBot robot vacuums uploaded photos") {
		t.Errorf("the moved report's new incident %s does not show it", loc)
	}
	_, queue := b.req(t, "GET", "/", nil, nil)
	if strings.Contains(queue, "业余足球") || !strings.Contains(queue, "扫地机器人 照片") {
		t.Errorf("queue after the forms:\n%.2000s", queue)
	}
	if _, all := b.req(t, "GET", "/?status=dismissed", nil, nil); !strings.Contains(all, "业余足球") {
		t.Error("the dismissed incident is not under status=dismissed")
	}
}

// TestUILogin: with a token, every page answers 401 with the login form
// and no data until the token is given; the session cookie is HttpOnly,
// Secure, SameSite; logging out ends it.
func TestUILogin(t *testing.T) {
	f := newReviewFixture(t, "s3cret")
	b := &browser{f: f, cookies: map[string]string{}, host: "newsmon.example.org"}
	for _, path := range []string{"/", "/incidents/" + f.vac, "/articles/" + f.arts["vac-zh"], "/sources", "/?q=x"} {
		resp, body := b.req(t, "GET", path, nil, nil)
		if resp.StatusCode != 401 || !strings.Contains(body, `name="token"`) || strings.Contains(body, "清风") || strings.Contains(body, "cnbeta") {
			t.Errorf("GET %s without a session: %d\n%.500s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := b.req(t, "POST", "/incidents/"+f.vac+"/status", url.Values{"status": {"dismissed"}}, nil); resp.StatusCode != 401 {
		t.Errorf("POST without a session: %d", resp.StatusCode)
	}
	b.cookies[sessionCookie] = "9999999999.abc.def"
	if resp, _ := b.req(t, "GET", "/", nil, nil); resp.StatusCode != 401 {
		t.Errorf("forged session: %d", resp.StatusCode)
	}
	delete(b.cookies, sessionCookie)
	if resp, _ := b.req(t, "POST", "/login", url.Values{"token": {"wrong"}}, nil); resp.StatusCode != 401 || len(b.cookies) != 0 {
		t.Errorf("wrong token: %d, cookies %v", resp.StatusCode, b.cookies)
	}
	resp, _ := b.req(t, "POST", "/login", url.Values{"token": {"s3cret"}, "next": {"/sources"}}, nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/sources" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", session)
	}
	if resp, body := b.req(t, "GET", "/", nil, nil); resp.StatusCode != 200 || !strings.Contains(body, "清风科技") {
		t.Errorf("with the session: %d", resp.StatusCode)
	}
	tok := b.csrf(t, "/incidents/"+f.vac)
	if resp, _ := b.req(t, "POST", "/incidents/"+f.vac+"/status", url.Values{"status": {"dismissed"}, "csrf": {tok}}, nil); resp.StatusCode != 303 {
		t.Errorf("form with the session: %d", resp.StatusCode)
	}
	if resp, _ := b.req(t, "POST", "/logout", url.Values{}, nil); resp.StatusCode != 303 {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.req(t, "GET", "/", nil, nil); resp.StatusCode != 401 {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
	// A session of another token is refused.
	g := newReviewFixture(t, "other")
	b2 := &browser{f: g, cookies: map[string]string{sessionCookie: session.Value}}
	if resp, _ := b2.req(t, "GET", "/", nil, nil); resp.StatusCode != 401 {
		t.Errorf("a session of another token: %d", resp.StatusCode)
	}
}
