package server

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the reader's zone, whatever the host has installed
	"unicode/utf8"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/export"
)

// The review web UI: server-rendered pages (html/template, embedded),
// forms that POST and work without JavaScript.
//
//	GET  /                       the review queue (filters, pagination)
//	GET  /incidents/{id}         an incident: reports side by side, timeline, similar incidents
//	GET  /articles/{id}          an article
//	GET  /sources                per source: fetches, articles, failures, last and next crawl
//	POST /incidents/{id}/status  status, note
//	POST /incidents/{id}/title   title
//	POST /incidents/{id}/note    note
//	POST /incidents/{id}/merge   into, note (this incident goes into "into")
//	POST /articles/{id}/move     to ("" for a new incident), note
//	GET|POST /login, POST /logout, POST /settings (the reader's time zone)

//go:embed ui
var uiFiles embed.FS

// QueuePageSize is how many incidents a queue page lists.
const QueuePageSize = 50

var pages = parsePages("queue", "incident", "article", "sources", "login", "error")

func parsePages(names ...string) map[string]*template.Template {
	funcs := template.FuncMap{
		"join":  strings.Join,
		"list":  func(s ...string) []string { return s },
		"short": func(s string) string { return truncate(s, 300) },
		"pct":   func(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" },
		"score": func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
	}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(uiFiles, "ui/layout.html"))
	out := map[string]*template.Template{}
	for _, n := range names {
		out[n] = template.Must(template.Must(base.Clone()).ParseFS(uiFiles, "ui/"+n+".html"))
	}
	return out
}

func truncate(s string, runes int) string {
	if utf8.RuneCountInString(s) <= runes {
		return s
	}
	return string([]rune(s)[:runes]) + "…"
}

func (h *handler) routesUI() {
	h.mux.HandleFunc("GET /{$}", h.ui(h.queuePage))
	h.mux.HandleFunc("GET /incidents/{id}", h.ui(h.incidentPage))
	h.mux.HandleFunc("GET /articles/{id}", h.ui(h.articlePage))
	h.mux.HandleFunc("GET /sources", h.ui(h.sourcesPage))
	h.mux.HandleFunc("POST /incidents/{id}/{action}", h.ui(h.incidentForm))
	h.mux.HandleFunc("POST /articles/{id}/move", h.ui(h.moveForm))
	h.mux.HandleFunc("POST /settings", h.ui(h.settingsForm))
	h.mux.HandleFunc("GET /login", h.login)
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("POST /logout", h.logout)
	h.mux.HandleFunc("GET /static/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(w, r, uiFiles, "ui/style.css")
	})
}

// page is what every template gets.
type page struct {
	Title    string
	CSRF     string
	Zone     string // the reader's time zone
	Path     string // the request's path and query, for forms that come back
	LoggedIn bool   // with a token: show a logout button
	Data     any
	loc      *time.Location
}

// When formats t in the reader's zone.
func (p *page) When(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(p.loc).Format("2006-01-02 15:04 MST")
}

// Zones offered in the zone form (any IANA name is taken).
func (p *page) Zones() []string {
	return []string{"UTC", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Tokyo", "Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles"}
}

// uiFunc is a UI page or form handler; errors are shown on the error page.
type uiFunc func(w http.ResponseWriter, r *http.Request, p *page) error

type redirect string

func (r redirect) Error() string { return "see " + string(r) }

// ui wraps a UI handler: security headers, login, size limits, CSRF on
// POST, the reader's zone, error pages.
func (h *handler) ui(fn uiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Cache-Control", "no-store")
		hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Referrer-Policy", "same-origin")
		if !h.loggedIn(r) {
			h.loginPage(w, r, http.StatusUnauthorized, "")
			return
		}
		p := &page{Zone: "UTC", loc: time.UTC, Path: localPath(r.URL.RequestURI()), LoggedIn: h.opts.Token != ""}
		if c, err := r.Cookie("tz"); err == nil {
			if loc, err := loadZone(c.Value); err == nil {
				p.Zone, p.loc = c.Value, loc
			}
		}
		var err error
		switch {
		case len(r.URL.RawQuery) > MaxQueryLength:
			err = badf("query longer than %d bytes", MaxQueryLength)
		case r.Method == http.MethodPost:
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if perr := r.ParseForm(); perr != nil {
				err = badf("malformed form")
			} else if !h.csrfOK(r) {
				h.render(w, http.StatusForbidden, "error", p, "Refused: the form did not come from this site's page (CSRF check). Reload the page and try again.")
				return
			}
		}
		if err == nil {
			p.CSRF = h.csrfToken(w, r)
			err = fn(w, r, p)
		}
		var bad *badRequest
		var see redirect
		switch {
		case err == nil:
		case errors.As(err, &see):
			http.Redirect(w, r, string(see), http.StatusSeeOther)
		case errors.As(err, &bad):
			h.render(w, http.StatusBadRequest, "error", p, bad.msg)
		case errors.Is(err, errNotFound):
			h.render(w, http.StatusNotFound, "error", p, "Not found.")
		case r.Context().Err() != nil:
		default:
			h.opts.Log.Error("ui request failed", "path", r.URL.Path, "err", err)
			h.render(w, http.StatusInternalServerError, "error", p, "Internal error; see the daemon's log.")
		}
	}
}

func loadZone(name string) (*time.Location, error) {
	if name == "" || len(name) > 64 || strings.Contains(name, "..") {
		return nil, errors.New("bad zone")
	}
	return time.LoadLocation(name)
}

// render executes a page template into a buffer, then writes it.
func (h *handler) render(w http.ResponseWriter, status int, name string, p *page, data any) {
	p.Data = data
	if p.Title == "" {
		p.Title = "newsmon"
	}
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		h.opts.Log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := &page{Title: "Log in · newsmon", loc: time.UTC, Zone: "UTC"}
	next := r.URL.RequestURI()
	if r.URL.Path == "/login" {
		next = r.FormValue("next")
	}
	h.render(w, status, "login", p, map[string]string{"Next": localPath(next), "Message": msg})
}

// login shows the login page (GET) and checks the token (POST).
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	if h.opts.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if r.Method != http.MethodPost {
		h.loginPage(w, r, http.StatusOK, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil || crossSite(r) || !h.tokenOK(r.PostFormValue("token")) {
		h.loginPage(w, r, http.StatusUnauthorized, "Wrong token.")
		return
	}
	setCookie(w, r, sessionCookie, h.newSession(), int(sessionTTL/time.Second))
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if !crossSite(r) {
		setCookie(w, r, sessionCookie, "", -1)
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (h *handler) settingsForm(w http.ResponseWriter, r *http.Request, p *page) error {
	tz := strings.TrimSpace(r.PostFormValue("tz"))
	if _, err := loadZone(tz); err != nil {
		return badf("time zone %.70q: want an IANA name such as Asia/Shanghai or UTC", tz)
	}
	setCookie(w, r, "tz", tz, int(sessionTTL/time.Second))
	return redirect(localPath(r.PostFormValue("next")))
}

// The queue.

// queueRow is an incident as the queue lists it. The review fields
// (Status, Title) are filled in per request, from the review log.
type queueRow struct {
	ID, Title, MachineTitle, Summary, Status string
	Languages, Sources, Topics, Keywords     []string
	Reports                                  int
	Score                                    float64
	FirstSeen, LastSeen                      time.Time
	search                                   string // lower-case text q= searches
}

// uiQueue caches the queue's rows (without review state, which each page
// reads anew). When the store says it changed (a crawl committed), the
// cached rows are served while a refresh reads them again in the
// background, at most every queueRefresh, so a page never waits for 10,000
// incidents to be read; a merge or move made through this server marks
// them stale, and the next page reads them first.
type uiQueue struct {
	mu         sync.Mutex
	gen        uint64 // the store generation rows were read at
	rows       []queueRow
	ok, stale  bool
	refreshing bool
	read       time.Time // when rows were last read
}

// queueRefresh is the least time between two background reads of the
// queue's rows: a crawl commits every fraction of a second, and reading
// 10,000 incidents takes a good part of one.
const queueRefresh = 2 * time.Second

// generationer is a store that tells when it changed (store.Store).
type generationer interface {
	Generation() (uint64, error)
}

func (h *handler) queueRows() ([]queueRow, error) {
	g, ok := h.opts.Store.(generationer)
	if !ok {
		_, rows, err := h.readQueue()
		return rows, err
	}
	gen, err := g.Generation()
	if err != nil {
		return nil, err
	}
	q := &h.queue
	q.mu.Lock()
	if q.ok && !q.stale {
		rows := q.rows
		if gen != q.gen && !q.refreshing && time.Since(q.read) >= queueRefresh {
			q.refreshing = true
			go h.refreshQueue()
		}
		q.mu.Unlock()
		return rows, nil
	}
	q.mu.Unlock()
	gen, rows, err := h.readQueue()
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	q.gen, q.rows, q.ok, q.stale, q.read = gen, rows, true, false, time.Now()
	q.mu.Unlock()
	return rows, nil
}

func (h *handler) refreshQueue() {
	gen, rows, err := h.readQueue()
	q := &h.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	q.refreshing = false
	if err != nil {
		h.opts.Log.Warn("refresh the review queue", "err", err)
		return
	}
	if !q.stale && gen >= q.gen {
		q.gen, q.rows, q.read = gen, rows, time.Now()
	}
}

// staleQueue makes the next queue page read the incidents again (after a
// merge or a move).
func (h *handler) staleQueue() {
	h.queue.mu.Lock()
	h.queue.stale = true
	h.queue.mu.Unlock()
}

// readQueue reads every incident's row, and the store generation before.
func (h *handler) readQueue() (uint64, []queueRow, error) {
	var gen uint64
	if g, ok := h.opts.Store.(generationer); ok {
		var err error
		if gen, err = g.Generation(); err != nil {
			return 0, nil, err
		}
	}
	var rows []queueRow
	add := func(inc newsmon.Incident) error {
		rows = append(rows, queueRow{ID: inc.ID, MachineTitle: inc.Title, Summary: inc.Summary,
			Languages: inc.Languages, Sources: inc.Sources, Topics: inc.Topics,
			Keywords: inc.Keywords, Reports: len(inc.ArticleIDs), Score: inc.Score,
			FirstSeen: inc.FirstSeen, LastSeen: inc.LastSeen,
			search: strings.ToLower(strings.Join(append([]string{inc.Title, inc.CentralTitle, inc.Summary}, inc.Keywords...), "\n"))})
		return nil
	}
	if err := h.opts.Store.Incidents(add); err != nil {
		return 0, nil, fmt.Errorf("read incidents: %w", err)
	}
	return gen, rows, nil
}

// queueFilter is the queue's query.
type queueFilter struct {
	Status, Topic, Lang, Source, Q, Sort, From, To string
	Min, Page                                      int
	Body                                           bool // q= searches the reports' bodies too
	from, to                                       time.Time
	inBody                                         map[string]bool // with Body: incidents with a report whose text has q
}

func parseQueueFilter(q url.Values) (queueFilter, error) {
	var f queueFilter
	if err := params(q, "status", "topic", "lang", "source", "q", "sort", "from", "to", "min", "page", "body"); err != nil {
		return f, err
	}
	switch q.Get("body") {
	case "":
	case "1", "on":
		f.Body = true
	default:
		return f, badf("body: want 1 or nothing")
	}
	f.Status, f.Topic, f.Lang, f.Source = q.Get("status"), q.Get("topic"), q.Get("lang"), q.Get("source")
	f.Q, f.Sort, f.From, f.To = strings.TrimSpace(q.Get("q")), q.Get("sort"), q.Get("from"), q.Get("to")
	if err := export.CheckStatus(f.Status); err != nil {
		return f, &badRequest{err.Error()}
	}
	if f.Sort != "" && f.Sort != "recent" && f.Sort != "score" {
		return f, badf("sort: want recent or score")
	}
	if len(f.Q) > MaxSearchTerm || len(f.Topic) > 256 || len(f.Lang) > 32 || len(f.Source) > 256 {
		return f, badf("a filter is too long (q: at most %d bytes)", MaxSearchTerm)
	}
	var err error
	if f.Min, err = intParam(q, "min", 0, 0, 1<<20); err != nil {
		return f, err
	}
	if f.Page, err = intParam(q, "page", 1, 1, 1<<20); err != nil {
		return f, err
	}
	for _, d := range []struct {
		s   string
		t   *time.Time
		end bool
	}{{f.From, &f.from, false}, {f.To, &f.to, true}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.s)
		if err != nil {
			return f, badf("date %.20q: want YYYY-MM-DD", d.s)
		}
		if d.end {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		*d.t = t
	}
	return f, nil
}

// match reports whether row passes every filter but status.
func (f *queueFilter) match(row *queueRow, lowerQ string, reviewed string) bool {
	return (f.Topic == "" || slices.Contains(row.Topics, f.Topic)) &&
		(f.Lang == "" || slices.Contains(row.Languages, f.Lang)) &&
		(f.Source == "" || slices.Contains(row.Sources, f.Source)) &&
		row.Reports >= f.Min &&
		(f.from.IsZero() || !row.LastSeen.Before(f.from)) &&
		(f.to.IsZero() || !row.FirstSeen.After(f.to)) &&
		(lowerQ == "" || strings.Contains(row.search, lowerQ) || strings.Contains(strings.ToLower(reviewed), lowerQ) || f.inBody[row.ID])
}

// searchBodies finds the incidents with a report whose title or body has
// lowerQ: a walk over every stored article, so only when asked (body=1).
func (h *handler) searchBodies(r *http.Request, lowerQ string) (map[string]bool, error) {
	ids := map[string]bool{}
	err := h.opts.Store.Articles(time.Time{}, func(a newsmon.Article) error {
		if a.IncidentID != "" && matches(a, lowerQ) {
			ids[a.IncidentID] = true
		}
		return r.Context().Err()
	})
	return ids, err
}

// queueData is the queue page's data.
type queueData struct {
	Filter        queueFilter
	Rows          []queueRow
	Total, Pages  int
	Counts        map[string]int // by status, under the other filters
	Topics, Langs []string
	Sources       []string
	Prev, Next    string // links, "" at the ends
}

func (h *handler) queuePage(w http.ResponseWriter, r *http.Request, p *page) error {
	f, err := parseQueueFilter(r.URL.Query())
	if err != nil {
		return err
	}
	rows, err := h.queueRows()
	if err != nil {
		return err
	}
	reviews, err := h.opts.Review.Reviews()
	if err != nil {
		return err
	}
	lowerQ := strings.ToLower(f.Q)
	if f.Body && lowerQ != "" {
		if f.inBody, err = h.searchBodies(r, lowerQ); err != nil {
			return fmt.Errorf("search bodies: %w", err)
		}
	}
	d := queueData{Filter: f, Counts: map[string]int{}}
	view := make([]queueRow, 0, len(rows))
	var matched []*queueRow
	topics, langs, sources := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range rows {
		row := &rows[i]
		for _, t := range row.Topics {
			topics[t] = true
		}
		for _, l := range row.Languages {
			langs[l] = true
		}
		for _, s := range row.Sources {
			sources[s] = true
		}
		rv := reviews(row.ID)
		if !f.match(row, lowerQ, rv.Title) {
			continue
		}
		d.Counts[rv.Status]++
		d.Counts[export.StatusAll]++
		if export.StatusMatch(f.Status, rv.Status) {
			view = append(view, *row) // within its capacity: the pointers stay valid
			v := &view[len(view)-1]
			v.Status, v.Title = rv.Status, cmp.Or(rv.Title, row.MachineTitle)
			matched = append(matched, v)
		}
	}
	d.Topics, d.Langs, d.Sources = sortedKeys(topics), sortedKeys(langs), sortedKeys(sources)
	d.Total = len(matched)
	d.Pages = max(1, (d.Total+QueuePageSize-1)/QueuePageSize)
	if f.Page > d.Pages {
		f.Page = d.Pages
		d.Filter.Page = f.Page
	}
	byScore := f.Sort == "score"
	// Only the page is sorted in full: select the rows before it cheaply
	// by sorting all once (10,000 rows sort in about a millisecond).
	slices.SortFunc(matched, func(a, b *queueRow) int {
		if byScore && a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	start := (f.Page - 1) * QueuePageSize
	for _, row := range matched[min(start, len(matched)):min(start+QueuePageSize, len(matched))] {
		d.Rows = append(d.Rows, *row)
	}
	q := r.URL.Query()
	if f.Page > 1 {
		q.Set("page", strconv.Itoa(f.Page-1))
		d.Prev = "/?" + q.Encode()
	}
	if f.Page < d.Pages {
		q.Set("page", strconv.Itoa(f.Page+1))
		d.Next = "/?" + q.Encode()
	}
	p.Title = "Review queue · newsmon"
	h.render(w, http.StatusOK, "queue", p, d)
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The incident page.

// report is an article as the incident and article pages show it.
type report struct {
	newsmon.Article
	Lead string
	Time time.Time // Published, else FetchedAt
}

type langColumn struct {
	Lang    string
	Reports []report
}

type similar struct {
	ID, Title, Status string
	Reports           int
	Similarity        float64
	FirstSeen         time.Time
}

type incidentData struct {
	Inc      newsmon.Incident
	Evidence []string // the topic phrases that matched: "topic: terms|harms: phrase"
	Review   newsmon.IncidentReview
	Title    string
	Columns  []langColumn
	Timeline []report
	Similar  []similar
	Statuses []string
}

func newReport(a newsmon.Article) report {
	lead := a.Description
	if lead == "" {
		lead, _, _ = strings.Cut(strings.TrimSpace(a.Body), "\n\n")
	}
	t := a.Published
	if t.IsZero() {
		t = a.FetchedAt
	}
	return report{Article: a, Lead: truncate(lead, 300), Time: t}
}

func (h *handler) incidentPage(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := params(r.URL.Query()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inc, err := h.opts.Review.Incident(id)
	if err != nil {
		return h.storeErr("incident "+id, err)
	}
	if inc.ID != id { // merged: the survivor's page
		return redirect("/incidents/" + url.PathEscape(inc.ID))
	}
	reviews, err := h.opts.Review.Reviews()
	if err != nil {
		return err
	}
	d := incidentData{Inc: inc, Review: reviews(inc.ID), Statuses: []string{newsmon.StatusNew, newsmon.StatusConfirmed, newsmon.StatusDismissed}}
	d.Title = cmp.Or(d.Review.Title, inc.Title)
	state, err := h.state(inc.ID)
	if err != nil {
		return err
	}
	for _, e := range state.Evidence {
		// topic:kind:phrase (cluster's evidence keys)
		if p := strings.SplitN(e, ":", 3); len(p) == 3 {
			e = p[0] + " · " + p[1] + ": " + p[2]
		}
		d.Evidence = append(d.Evidence, e)
	}
	cols := map[string]*langColumn{}
	for _, aid := range inc.ArticleIDs {
		a, err := h.opts.Store.Article(aid)
		if err != nil {
			return h.storeErr("article "+aid, err)
		}
		rp := newReport(a)
		lang := cmp.Or(a.Lang, "und")
		if cols[lang] == nil {
			cols[lang] = &langColumn{Lang: lang}
		}
		cols[lang].Reports = append(cols[lang].Reports, rp)
		d.Timeline = append(d.Timeline, rp)
	}
	for _, c := range cols {
		slices.SortFunc(c.Reports, func(a, b report) int { return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID)) })
		d.Columns = append(d.Columns, *c)
	}
	slices.SortFunc(d.Columns, func(a, b langColumn) int {
		return cmp.Or(cmp.Compare(len(b.Reports), len(a.Reports)), strings.Compare(a.Lang, b.Lang))
	})
	slices.SortFunc(d.Timeline, func(a, b report) int { return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID)) })
	if d.Similar, err = h.similar(inc, state, reviews); err != nil {
		return err
	}
	p.Title = d.Title + " · newsmon"
	h.render(w, http.StatusOK, "incident", p, d)
	return nil
}

// stateReader is a store that keeps the clusterer's state of each incident
// (store.Store): the page shows its topic evidence.
type stateReader interface {
	IncidentState(id string) (newsmon.IncidentState, error)
}

// state returns the clusterer's state of incident id: the zero state from
// a store that keeps none.
func (h *handler) state(id string) (newsmon.IncidentState, error) {
	sr, ok := h.opts.Store.(stateReader)
	if !ok {
		return newsmon.IncidentState{}, nil
	}
	st, err := sr.IncidentState(id)
	if err != nil {
		return st, h.storeErr("incident state "+id, err)
	}
	return st, nil
}

// spanReader is a store that reads incidents, with the clusterer's state
// of them, by span (store.Store).
type spanReader interface {
	IncidentsBetween(from, to time.Time, fn func(newsmon.Incident, newsmon.IncidentState) error) error
}

// similarWindow is how far around an incident's span similar incidents
// are looked for; maxSimilar how many are shown.
const (
	similarWindow = 7 * 24 * time.Hour
	maxSimilar    = 8
	minSimilar    = 0.05
)

// similar finds the incidents nearby whose centroids are most like inc's:
// candidates for a merge.
func (h *handler) similar(inc newsmon.Incident, state newsmon.IncidentState, reviews func(string) newsmon.IncidentReview) ([]similar, error) {
	sr, ok := h.opts.Store.(spanReader)
	if !ok || len(state.Terms) == 0 {
		return nil, nil
	}
	norm := centroidNorm(state.Terms)
	var out []similar
	err := sr.IncidentsBetween(inc.FirstSeen.Add(-similarWindow), inc.LastSeen.Add(similarWindow), func(o newsmon.Incident, ost newsmon.IncidentState) error {
		if o.ID == inc.ID {
			return nil
		}
		dot := 0.0
		for k, w := range ost.Terms {
			dot += w * state.Terms[k]
		}
		if on := centroidNorm(ost.Terms); on > 0 && norm > 0 && dot/(on*norm) >= minSimilar {
			rv := reviews(o.ID)
			out = append(out, similar{ID: o.ID, Title: cmp.Or(rv.Title, o.Title), Status: rv.Status,
				Reports: len(o.ArticleIDs), Similarity: dot / (on * norm), FirstSeen: o.FirstSeen})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b similar) int {
		return cmp.Or(cmp.Compare(b.Similarity, a.Similarity), strings.Compare(a.ID, b.ID))
	})
	return out[:min(len(out), maxSimilar)], err
}

// centroidNorm is the norm of a centroid (newsmon.IncidentState.Terms).
func centroidNorm(c map[string]float64) float64 {
	s := 0.0
	for _, w := range c {
		s += w * w
	}
	return math.Sqrt(s)
}

// The article page.

type articleData struct {
	Report     report
	Paragraphs []string
	Incident   *newsmon.Incident
	Title      string // the incident's title as reviewed
	Similar    []similar
}

func (h *handler) articlePage(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := params(r.URL.Query()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.opts.Store.Article(id)
	if err != nil {
		return h.storeErr("article "+id, err)
	}
	d := articleData{Report: newReport(a)}
	for _, para := range strings.Split(a.Body, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			d.Paragraphs = append(d.Paragraphs, para)
		}
	}
	if a.IncidentID != "" {
		inc, err := h.opts.Review.Incident(a.IncidentID)
		if err == nil {
			reviews, err := h.opts.Review.Reviews()
			if err != nil {
				return err
			}
			d.Incident, d.Title = &inc, cmp.Or(reviews(inc.ID).Title, inc.Title)
			state, err := h.state(inc.ID)
			if err != nil {
				return err
			}
			if d.Similar, err = h.similar(inc, state, reviews); err != nil {
				return err
			}
		} else if h.opts.ErrNotFound == nil || !errors.Is(err, h.opts.ErrNotFound) {
			return err
		}
	}
	p.Title = a.Title + " · newsmon"
	h.render(w, http.StatusOK, "article", p, d)
	return nil
}

// The forms.

func (h *handler) incidentForm(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rv := h.opts.Review
	note := r.PostFormValue("note")
	var result string
	switch r.PathValue("action") {
	case "status":
		result, err = rv.SetStatus(id, r.PostFormValue("status"), note)
	case "title":
		result, err = rv.SetTitle(id, r.PostFormValue("title"))
	case "note":
		result, err = rv.AddNote(id, note)
	case "merge":
		into := strings.TrimSpace(r.PostFormValue("into"))
		if !validID(into) {
			return badf("merge: want the id of the incident to merge into")
		}
		result, err = rv.Merge(id, into, note)
	default:
		return errNotFound
	}
	if err != nil {
		return h.storeErr(r.PathValue("action")+" "+id, err)
	}
	h.staleQueue()
	return redirect("/incidents/" + url.PathEscape(result))
}

func (h *handler) moveForm(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(cmp.Or(r.PostFormValue("to_id"), r.PostFormValue("to")))
	if to == "new" {
		to = ""
	}
	if to != "" && !validID(to) {
		return badf("move: want an incident id, or none for a new incident")
	}
	result, err := h.opts.Review.Move(id, to, r.PostFormValue("note"))
	if err != nil {
		return h.storeErr("move article "+id, err)
	}
	h.staleQueue()
	return redirect("/incidents/" + url.PathEscape(result))
}
