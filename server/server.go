// Package server owns newsmon's HTTP interface: health and readiness probes,
// Prometheus metrics (Metrics) and the read-only JSON API over stored
// incidents and articles, which uses the export package's encoder so that
// the API and `newsmon export` print the same JSON.
package server

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/export"
)

// Store is what the server reads from the store.
type Store interface {
	Incidents(fn func(newsmon.Incident) error) error
	Articles(since time.Time, fn func(newsmon.Article) error) error
	Article(id string) (newsmon.Article, error)
	Stats() (articles, incidents int, err error)
}

// Limits on API requests.
const (
	MaxQueryLength = 2048 // bytes of raw query string
	MaxSearchTerm  = 256  // bytes of the q parameter
	DefaultLimit   = 100  // results per response unless limit is given
	MaxLimit       = 1000 // the largest limit accepted
)

// Options configure the handler.
type Options struct {
	Store   Store        // required
	Ready   func() error // readiness beyond the store answering (e.g. scheduler running); nil: none
	Metrics *Metrics     // served at /metrics; nil: a new, empty Metrics
	Token   string       // if set, /api/ requires "Authorization: Bearer <Token>"
	// ErrNotFound is the store's error for an unknown ID (store.ErrNotFound),
	// answered with 404; nil: such errors are 500s.
	ErrNotFound error
	Log         *slog.Logger // nil: discard
	Now         func() time.Time
	// Topics returns the configured topic names, against which the topic
	// parameter is checked (an unknown topic is a 400, as `export --topic`
	// is a usage error); nil: any topic is accepted.
	Topics func() []string

	// Review, when set, serves the review API (POST actions, GET
	// /api/v1/incidents/{id}), the review state in /api/v1/incidents and
	// the review web UI (ui.go). ErrInvalid is its error for an action
	// that cannot apply (review.ErrInvalid), answered with 400.
	Review     Reviewer
	ErrInvalid error
	// Sources are the configured source names, for the UI's /sources, and
	// LastCycles (nil: none) their last crawl cycles, by name.
	Sources    []string
	LastCycles func() map[string]CycleReport
}

type handler struct {
	opts      Options
	tokenHash [sha256.Size]byte
	mux       *http.ServeMux
	uiKey     []byte  // the UI's MAC key (auth.go)
	queue     uiQueue // the review queue's rows (ui.go)
}

// New returns the HTTP handler:
//
//	GET /healthz                 200 while the process runs
//	GET /readyz                  200 when the store answers and Ready returns nil, else 503
//	GET /metrics                 Prometheus text format
//	GET /api/v1/incidents        ?topic=&min_articles=&since=&status=&limit=&format=json|jsonl
//	GET /api/v1/articles         ?since=&source=&q=&limit=  (newest first, with bodies)
//	GET /api/v1/articles/{id}    one article
//	GET /api/v1/stats            {"articles": n, "incidents": n}
//
// and with Options.Review the review API (review.go) and web UI (ui.go).
func New(opts Options) http.Handler {
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &handler{opts: opts, tokenHash: sha256.Sum256([]byte(opts.Token)), mux: http.NewServeMux(), uiKey: uiKey(opts.Token)}
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusOK, "ok") })
	h.mux.HandleFunc("GET /readyz", h.readyz)
	h.mux.Handle("GET /metrics", opts.Metrics.Handler())
	h.mux.HandleFunc("GET /api/v1/incidents", h.api(h.incidents))
	h.mux.HandleFunc("GET /api/v1/articles", h.api(h.articles))
	h.mux.HandleFunc("GET /api/v1/articles/{id}", h.api(h.article))
	h.mux.HandleFunc("GET /api/v1/stats", h.api(h.stats))
	if opts.Review != nil {
		h.mux.HandleFunc("GET /api/v1/incidents/{id}", h.api(h.incident))
		h.mux.HandleFunc("POST /api/v1/incidents/{id}/{action}", h.api(h.incidentAction))
		h.mux.HandleFunc("POST /api/v1/articles/{id}/move", h.api(h.articleMove))
		h.routesUI()
	}
	h.mux.HandleFunc("/api/", h.api(func(w http.ResponseWriter, _ *http.Request, _ url.Values) error {
		return errNotFound
	}))
	return h
}

// NewHTTPServer returns an http.Server for h with timeouts suited to the API.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

func (h *handler) readyz(w http.ResponseWriter, _ *http.Request) {
	_, _, err := h.opts.Store.Stats()
	if err == nil && h.opts.Ready != nil {
		err = h.opts.Ready()
	}
	if err != nil {
		text(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
		return
	}
	text(w, http.StatusOK, "ready")
}

// Request errors. A *badRequest is shown to the client; any other error is
// logged and answered with a bare 500.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

var errNotFound = errors.New("not found")

type apiFunc func(w http.ResponseWriter, r *http.Request, q url.Values) error

// api wraps an API endpoint: token check, query validation, error replies.
func (h *handler) api(fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !h.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="newsmon"`)
			jsonError(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		if len(r.URL.RawQuery) > MaxQueryLength {
			jsonError(w, http.StatusBadRequest, fmt.Sprintf("query longer than %d bytes", MaxQueryLength))
			return
		}
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			jsonError(w, http.StatusBadRequest, "malformed query")
			return
		}
		err = fn(w, r, q)
		var bad *badRequest
		switch {
		case err == nil:
		case errors.As(err, &bad):
			jsonError(w, http.StatusBadRequest, bad.msg)
		case errors.Is(err, errNotFound):
			jsonError(w, http.StatusNotFound, "not found")
		case r.Context().Err() != nil: // client gone
		default:
			h.opts.Log.Error("api request failed", "path", r.URL.Path, "err", err)
			jsonError(w, http.StatusInternalServerError, "internal error")
		}
	}
}

func (h *handler) authorized(r *http.Request) bool {
	if h.opts.Token == "" {
		return true
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	// Compare fixed-size hashes so that neither content nor length leaks.
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], h.tokenHash[:]) == 1 && strings.EqualFold(scheme, "Bearer")
}

// params checks that q holds only the allowed parameters, each at most once.
func params(q url.Values, allowed ...string) error {
	for k, v := range q {
		if !slices.Contains(allowed, k) {
			return badf("unknown parameter %q (allowed: %s)", k, strings.Join(allowed, ", "))
		}
		if len(v) > 1 {
			return badf("parameter %q given %d times", k, len(v))
		}
	}
	return nil
}

func intParam(q url.Values, name string, def, min, max int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, badf("%s: want an integer from %d to %d", name, min, max)
	}
	return n, nil
}

// listQuery holds the parameters every list endpoint takes.
type listQuery struct {
	since  time.Time
	limit  int
	format string
}

// list checks q against the list parameters plus extra ones and reads the
// common ones.
func (h *handler) list(q url.Values, extra ...string) (listQuery, error) {
	var lq listQuery
	if err := params(q, append([]string{"since", "limit", "format"}, extra...)...); err != nil {
		return lq, err
	}
	var err error
	if lq.limit, err = intParam(q, "limit", DefaultLimit, 1, MaxLimit); err != nil {
		return lq, err
	}
	if lq.since, err = export.ParseSince(q.Get("since"), h.opts.Now()); err != nil {
		return lq, &badRequest{err.Error()}
	}
	lq.format = cmp.Or(q.Get("format"), export.JSON)
	if lq.format != export.JSON && lq.format != export.JSONL {
		return lq, badf("format: want json or jsonl")
	}
	return lq, nil
}

func (h *handler) incidents(w http.ResponseWriter, r *http.Request, q url.Values) error {
	lq, err := h.list(q, "topic", "min_articles", "status")
	if err != nil {
		return err
	}
	status := q.Get("status")
	if err := export.CheckStatus(status); err != nil {
		return &badRequest{err.Error()}
	}
	var reviews export.ReviewLookup
	if h.opts.Review != nil {
		if reviews, err = h.opts.Review.Reviews(); err != nil {
			return fmt.Errorf("read reviews: %w", err)
		}
	}
	minArticles, err := intParam(q, "min_articles", 0, 0, 1<<20)
	if err != nil {
		return err
	}
	if h.opts.Topics != nil {
		if err := export.CheckTopic(q.Get("topic"), h.opts.Topics()); err != nil {
			return badf("topic %q: %v", q.Get("topic"), err)
		}
	}
	f := export.Filter{Topic: q.Get("topic"), MinArticles: minArticles, Since: lq.since}
	var matched []newsmon.Incident
	err = h.opts.Store.Incidents(func(inc newsmon.Incident) error {
		if f.Match(inc) && reviewMatch(reviews, status, inc.ID) {
			matched = append(matched, inc)
		}
		return r.Context().Err()
	})
	if err != nil {
		return fmt.Errorf("read incidents: %w", err)
	}
	ranked := export.Rank(matched, f.Topic, f.MinArticles, f.Since)
	ranked = ranked[:min(len(ranked), lq.limit)]
	var buf bytes.Buffer
	if err := export.IncidentsReviewed(&buf, ranked, h.opts.Store.Article, reviews, lq.format, h.opts.Now()); err != nil {
		return err
	}
	return writeBody(w, lq.format, &buf)
}

// reviewMatch reports whether incident id passes the status filter (every
// incident is new without reviews).
func reviewMatch(reviews export.ReviewLookup, filter, id string) bool {
	status := newsmon.StatusNew
	if reviews != nil {
		status = reviews(id).Status
	}
	return export.StatusMatch(filter, status)
}

func (h *handler) articles(w http.ResponseWriter, r *http.Request, q url.Values) error {
	lq, err := h.list(q, "source", "q")
	if err != nil {
		return err
	}
	source, term := q.Get("source"), strings.ToLower(q.Get("q"))
	if len(term) > MaxSearchTerm {
		return badf("q: longer than %d bytes", MaxSearchTerm)
	}
	// Keep the newest limit matches; trim now and then to bound memory.
	var out []newsmon.Article
	trim := func() {
		slices.SortStableFunc(out, newestFirst)
		out = out[:min(len(out), lq.limit)]
	}
	err = h.opts.Store.Articles(lq.since, func(a newsmon.Article) error {
		if (source == "" || a.Source == source) && (term == "" || matches(a, term)) {
			a.Signature = nil
			out = append(out, a)
			if len(out) >= 2*lq.limit {
				trim()
			}
		}
		return r.Context().Err()
	})
	if err != nil {
		return fmt.Errorf("read articles: %w", err)
	}
	trim()
	var buf bytes.Buffer
	if err := export.Articles(&buf, out, lq.format); err != nil {
		return err
	}
	return writeBody(w, lq.format, &buf)
}

// newestFirst orders articles by publication (else fetch) time, newest first.
func newestFirst(a, b newsmon.Article) int {
	ta, tb := a.Published, b.Published
	if ta.IsZero() {
		ta = a.FetchedAt
	}
	if tb.IsZero() {
		tb = b.FetchedAt
	}
	return cmp.Or(tb.Compare(ta), strings.Compare(a.ID, b.ID))
}

func matches(a newsmon.Article, lowerTerm string) bool {
	return strings.Contains(strings.ToLower(a.Title), lowerTerm) || strings.Contains(strings.ToLower(a.Body), lowerTerm)
}

func (h *handler) article(w http.ResponseWriter, r *http.Request, q url.Values) error {
	if err := params(q); err != nil {
		return err
	}
	id := r.PathValue("id")
	if len(id) > 256 {
		return badf("id too long")
	}
	a, err := h.opts.Store.Article(id)
	if err != nil {
		if h.opts.ErrNotFound != nil && errors.Is(err, h.opts.ErrNotFound) {
			return errNotFound
		}
		return fmt.Errorf("article %s: %w", id, err)
	}
	return writeJSON(w, http.StatusOK, export.NewArticle(a))
}

func (h *handler) stats(w http.ResponseWriter, _ *http.Request, q url.Values) error {
	if err := params(q); err != nil {
		return err
	}
	articles, incidents, err := h.opts.Store.Stats()
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	return writeJSON(w, http.StatusOK, map[string]int{"articles": articles, "incidents": incidents})
}

func writeBody(w http.ResponseWriter, format string, buf *bytes.Buffer) error {
	ct := "application/json"
	if format == export.JSONL {
		ct = "application/x-ndjson"
	}
	w.Header().Set("Content-Type", ct+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err := buf.WriteTo(w)
	return err
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg}) //nolint:errcheck // nothing more to tell the client
}

func text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// ListenAddrAllowed refuses to serve the API on a non-loopback address
// without a token: call it before listening.
func ListenAddrAllowed(listen, token string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("server.listen %q: %w", listen, err)
	}
	if token != "" || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("refusing to listen on %q without a token: anyone who can reach it could read the API; "+
		"set server.token (clients then send \"Authorization: Bearer <token>\") or listen on a loopback address such as 127.0.0.1:8080", listen)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
