// Package crawler owns discovering and fetching article pages. It is the only
// place a colly Collector is built (newCollector). Discovery reads RSS, Atom
// and JSON feeds, sitemaps (indexes, gzip, news sitemaps), list pages whose
// links match a source's article_urls (up to max_depth hops), JSON list
// endpoints and direct article URLs. Fetching is polite by default: robots.txt
// (with Crawl-delay), a per-host delay, global parallelism, timeouts, a body
// size limit, retries with backoff, Retry-After, conditional GETs for every
// listing, and no refetch of articles the caller already stores. Loopback,
// private and link-local targets are refused unless allowed, at dial time
// and for every redirect. Pages are decoded to UTF-8 with package charset and
// handed to a callback; the crawler stores nothing itself. The callback may
// fetch further pages of its article (a multi-page article's continuations)
// with the same manners through FetcherFrom(ctx) (pages.go).
package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/idna"

	"github.com/newsmon/newsmon"
)

// State is what the crawler needs from the store.
type State interface {
	Known(src newsmon.Source, rawURL string) bool // article already stored (caller canonicalises)
	Validators(url string) (etag, lastModified string)
	SetValidators(url, etag, lastModified string) error
}

// Event reports one step of a crawl. Kind is one of "discovered",
// "fetched", "known", "not-modified", "failed", "robots-denied", "budget",
// "dispatched".
type Event struct {
	Source, URL, Kind string
	Status            int
	Bytes             int
	Duration          time.Duration
	Err               error
	Reason            string // "failed" and "robots-denied": why, as in Stats.Reasons
	Type              string // what the URL is: "article", "feed", "sitemap", "list", "json"
}

// Stats summarises a crawl of one source. Discovered, Fetched and Known
// count article pages; Listings counts fetched feeds, sitemaps, list pages
// and JSON lists; Failed and NotModified count both. Reasons counts failures
// and refusals by reason ("http 404", "timeout", "dns", "connect",
// "robots.txt http 503", "robots", "too large", "budget", ...);
// FailedHosts counts failures by host, then reason. A URL whose host's
// robots.txt could not be read (unreachable, 5xx) is a failure with the
// reason robots.txt failed for, not a robots denial. Seeds counts the
// distinct URLs the source is configured with (feeds, sitemaps, start URLs,
// JSON lists, articles); SeedsRead those fetched, answered 304 or already
// known.
type Stats struct {
	Discovered, Fetched, Known, NotModified, Failed, RobotsDenied int
	Listings                                                      int
	Dispatched                                                    int // article URLs handed to Hooks.Dispatch
	Seeds, SeedsRead                                              int
	Reasons                                                       map[string]int
	FailedHosts                                                   map[string]map[string]int
}

// Options configure a Crawler.
type Options struct {
	Settings newsmon.CrawlSettings
	// State, OnPage and OnEvent are the hooks of Crawl; CrawlWith takes
	// its own.
	State   State
	OnPage  func(ctx context.Context, p newsmon.Page) error // article pages; may be called concurrently; FetcherFrom(ctx) fetches more pages
	OnEvent func(Event)                                     // optional; progress + metrics; may be called concurrently
	// Client is optional (tests). Its Transport is wrapped with the
	// crawler's manners; literal private IPs are still refused, but its
	// dialer is the caller's.
	Client *http.Client
	// Canonical optionally maps an article URL to the key that says two
	// URLs are one article (e.g. dedup.CanonicalURL), so that it is fetched
	// once per crawl. Default: the URL without its fragment.
	Canonical func(src newsmon.Source, rawURL string) string
	// Now is the clock of the robots.txt cache (default time.Now).
	Now func() time.Time
	// Resolver resolves target hosts for the private-network guard when
	// requests go through a proxy (default net.DefaultResolver).
	Resolver Resolver
}

// Hooks are what one crawl reports to and asks of its caller.
type Hooks struct {
	State   State                                           // optional
	OnPage  func(ctx context.Context, p newsmon.Page) error // required
	OnEvent func(Event)                                     // optional
	// Dispatch, when set, is handed every article URL the crawl would
	// fetch (not known to State, allowed by robots.txt, within the page
	// budget) instead of fetching it: fetch workers fetch it (package
	// queue). An error is a failure with the reason "dispatch" and keeps
	// the listings' validators unsaved.
	Dispatch func(ctx context.Context, src newsmon.Source, url string) error
}

// Crawler crawls sources. One Crawler serves a whole process: its
// transport, per-host gates, robots.txt cache and parallelism are shared by
// every call of Crawl and CrawlWith, which may run concurrently (the daemon
// runs one per source), so manners hold across sources and cycles.
type Crawler struct {
	opts   Options
	now    func() time.Time
	tr     *transport
	client *http.Client
	robots *robotsCache

	mu  sync.Mutex
	set settings
}

// settings are CrawlSettings with defaults filled in.
type settings struct {
	newsmon.CrawlSettings
	robotsAgent string // the product token matched against robots.txt groups
}

// withDefaults fills in zero fields: a zero UserAgent, Parallelism,
// Timeout, MaxBodyBytes, MaxPages or MaxRedirects takes
// newsmon.DefaultCrawlSettings' (the configuration's defaults); Retries is
// taken as given (0: none, as `retries: 0` in the configuration says);
// PerHostDelay zero means no delay.
func withDefaults(cs newsmon.CrawlSettings) (settings, error) {
	s := settings{CrawlSettings: cs}
	def := newsmon.DefaultCrawlSettings()
	if s.UserAgent == "" {
		s.UserAgent = def.UserAgent
	}
	s.robotsAgent, _, _ = strings.Cut(s.UserAgent, "/")
	s.robotsAgent = strings.TrimSpace(s.robotsAgent)
	if s.Parallelism <= 0 {
		s.Parallelism = def.Parallelism
	}
	if s.Timeout <= 0 {
		s.Timeout = def.Timeout
	}
	if s.MaxBodyBytes <= 0 {
		s.MaxBodyBytes = def.MaxBodyBytes
	}
	s.Retries = max(s.Retries, 0)
	if s.MaxPages <= 0 {
		s.MaxPages = def.MaxPages
	}
	if s.MaxRedirects <= 0 {
		s.MaxRedirects = def.MaxRedirects
	}
	if s.PerHostDelay < 0 {
		return s, fmt.Errorf("crawler: negative per-host delay %s", s.PerHostDelay)
	}
	return s, nil
}

// New returns a Crawler; zero settings take defaults (withDefaults).
func New(opts Options) (*Crawler, error) {
	s, err := withDefaults(opts.Settings)
	if err != nil {
		return nil, err
	}
	c := &Crawler{opts: opts, now: opts.Now, set: s, robots: newRobotsCache()}
	if c.now == nil {
		c.now = time.Now
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	var base http.RoundTripper
	var proxy func(*http.Request) (*url.URL, error)
	if opts.Client != nil {
		*client = *opts.Client
		base = client.Transport
		if base == nil {
			base = http.DefaultTransport
		}
	}
	c.tr = newTransport(base, s, opts.Resolver)
	if opts.Client == nil {
		if proxy, err = proxyFunc(s); err != nil {
			return nil, err
		}
		conf := c.tr.newConf(c.tr.defaultBase(s, proxy), proxy, s)
		c.tr.setConf(conf)
	}
	client.Transport = c.tr
	client.Timeout = 0 // per request, in the transport, after pacing
	c.client = client
	return c, nil
}

// SetSettings switches to new settings (a configuration reload). Crawls
// that are running keep the settings they started with, except that the
// transport's limits apply to their next requests. Per-host pacing carries
// over; the robots.txt cache is dropped when the user agent, the proxy or
// the private-network rule changes.
func (c *Crawler) SetSettings(cs newsmon.CrawlSettings) error {
	s, err := withDefaults(cs)
	if err != nil {
		return err
	}
	c.mu.Lock()
	old := c.set
	c.mu.Unlock()
	var base http.RoundTripper
	var proxy func(*http.Request) (*url.URL, error)
	if c.opts.Client == nil && (s.Proxy != old.Proxy || s.AllowPrivateNetworks != old.AllowPrivateNetworks ||
		s.Timeout != old.Timeout || s.Parallelism != old.Parallelism) {
		if proxy, err = proxyFunc(s); err != nil {
			return err
		}
		base = c.tr.defaultBase(s, proxy)
	}
	c.tr.setConf(c.tr.newConf(base, proxy, s))
	c.mu.Lock()
	c.set = s
	c.mu.Unlock()
	if s.UserAgent != old.UserAgent || s.Proxy != old.Proxy || s.AllowPrivateNetworks != old.AllowPrivateNetworks {
		c.robots.clear()
	}
	return nil
}

func (c *Crawler) settings() settings {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.set
}

// SetBorrow makes every request to a paced host (a per-host delay or a
// Crawl-delay) wait, after this crawler's own gap, for borrow: the daemon
// with fetch workers borrows the host from the worker holding its
// partition (queue.Queue.Borrow), so that its listings and robots.txt
// requests keep the gap with the workers' requests. Call it before the
// first crawl; nil: no borrowing.
func (c *Crawler) SetBorrow(borrow Borrow) {
	c.tr.mu.Lock()
	c.tr.borrow = borrow
	c.tr.mu.Unlock()
}

// Lent records that another process (the daemon) asked host (as in a
// URL: name, or name:port) with this one's leave and had its response at
// at: the next request to host waits the delay from then (NotBefore).
func (c *Crawler) Lent(host string, at time.Time) {
	c.tr.lent(strings.TrimSuffix(strings.ToLower(host), "."), at)
}

// NotBefore returns when the next request to host (as in a URL: name, or
// name:port) may start under the crawler's manners: per-host delay,
// robots.txt Crawl-delay, Retry-After and backoff. A fetch worker holds a
// partition of jobs until then, so that the next worker to ask the host
// keeps the same gap (package queue).
func (c *Crawler) NotBefore(host string) time.Time {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return c.tr.notBefore(host)
}

// Crawl is CrawlWith the hooks of Options.
func (c *Crawler) Crawl(ctx context.Context, sources []newsmon.Source) (map[string]*Stats, error) {
	return c.CrawlWith(ctx, sources, Hooks{State: c.opts.State, OnPage: c.opts.OnPage, OnEvent: c.opts.OnEvent})
}

// CrawlWith crawls the sources once and returns statistics per source name.
// It returns when every discovered page is handled, or promptly after ctx
// is done (with ctx's error). A listing's validators are saved to State only
// when everything discovered from it was handled, so an interrupted crawl
// never hides articles from the next one. Calls may run concurrently.
func (c *Crawler) CrawlWith(ctx context.Context, sources []newsmon.Source, h Hooks) (map[string]*Stats, error) {
	if h.OnPage == nil {
		return nil, errors.New("crawler: Hooks.OnPage is required")
	}
	cr := &crawl{
		c:      c,
		set:    c.settings(),
		h:      h,
		ctx:    ctx,
		seen:   map[string]bool{},
		handed: map[string]bool{},
		pages:  map[string]int{},
		stats:  map[string]*Stats{},
		robots: map[string]*robotsEntry{},
		jobs:   map[string]*job{},
	}
	for _, src := range sources {
		cr.stats[src.Name] = &Stats{Reasons: map[string]int{}, FailedHosts: map[string]map[string]int{}}
	}
	cr.col = cr.newCollector()
	cr.front = newFrontier(ctx, cr.set.Parallelism, c.tr.paced, c.tr.notBefore)
	// Sources are seeded side by side (a slow robots.txt holds up only
	// its own host) while the fetchers start on what is queued.
	cr.front.hold()
	var fetchers sync.WaitGroup
	for range cr.set.Parallelism {
		fetchers.Go(cr.fetcher)
	}
	var seeding sync.WaitGroup
	for i := range sources {
		seeding.Go(func() { cr.seed(&sources[i]) })
	}
	seeding.Wait()
	cr.front.release()
	fetchers.Wait()
	if err := ctx.Err(); err != nil {
		return cr.stats, err
	}
	return cr.stats, cr.commitValidators()
}

func (cr *crawl) seed(src *newsmon.Source) {
	seeds := []struct {
		urls []string
		typ  kind
	}{{src.Feeds, kindFeed}, {src.Sitemaps, kindSitemap}, {src.StartURLs, kindList}, {src.Articles, kindArticle}}
	for _, s := range seeds {
		for _, u := range s.urls {
			cr.visit(&job{src: src, typ: s.typ, url: u, seed: true}, nil)
		}
	}
	for _, jl := range src.JSONLists {
		cr.visit(&job{src: src, typ: kindJSON, url: jl.URL, path: jl.Links, seed: true}, nil)
	}
}

// newCollector builds the crawl's colly Collector: the only one in newsmon.
// colly fetches and calls back; manners live in the transport and in visit.
func (cr *crawl) newCollector() *colly.Collector {
	col := colly.NewCollector(
		colly.UserAgent(cr.set.UserAgent),
		// Synchronous: the crawl's fetchers (frontier.go) call it
		// side by side, so that requests wait in the frontier, not in
		// a goroutine each.
		colly.AllowURLRevisit(), // visit keeps its own per-crawl set
		colly.IgnoreRobotsTxt(), // robots.go does it, with Crawl-delay and RFC 9309 errors
		colly.ParseHTTPErrorResponse(),
		colly.MaxBodySize(0), // the transport fails oversized bodies instead of truncating
		colly.StdlibContext(cr.ctx),
	)
	client := *cr.c.client // SetRedirectHandler mutates the client
	col.SetClient(&client)
	col.SetRedirectHandler(cr.checkRedirect)
	col.OnRequest(func(r *colly.Request) {
		if j, ok := r.Ctx.GetAny("job").(*job); ok {
			j.start = time.Now()
			cr.mu.Lock()
			cr.jobs[r.URL.String()] = j // for checkRedirect
			cr.mu.Unlock()
		}
	})
	col.OnResponse(cr.onResponse)
	col.OnError(cr.onError)
	return col
}

type kind int

const (
	kindArticle kind = iota
	kindFeed
	kindSitemap
	kindList
	kindJSON
)

func (k kind) String() string {
	return [...]string{"article", "feed", "sitemap", "list", "json"}[k]
}

// job is one URL to fetch and what it is.
type job struct {
	src     *newsmon.Source
	typ     kind
	url     string
	path    string // JSON lists: dotted path to the links
	depth   int    // list-page hops from a start URL; sitemap nesting
	parents []*listing
	attempt int
	host    string // as the transport's gates know it
	handled bool   // colly called back for the current attempt
	again   bool   // to be fetched again (retry)
	start   time.Time
	seed    bool // a URL the source is configured with
}

// listing holds a listing's new validators until the crawl has handled
// everything discovered from it.
type listing struct {
	url, etag, lastModified string
	dirty                   bool
}

type crawl struct {
	c     *Crawler
	set   settings // as the crawl started
	h     Hooks
	ctx   context.Context
	col   *colly.Collector
	front *frontier

	mu      sync.Mutex
	seen    map[string]bool // URLs (articles: canonical keys) visited this crawl
	handed  map[string]bool // canonical keys of pages handed to OnPage
	pages   map[string]int  // requests per source (budget)
	stats   map[string]*Stats
	robots  map[string]*robotsEntry // the crawl's view of the robots cache
	jobs    map[string]*job         // by the URL colly requested
	pending []*listing
}

func (cr *crawl) key(j *job, u string) string {
	if j.typ == kindArticle && cr.c.opts.Canonical != nil {
		return cr.c.opts.Canonical(*j.src, u)
	}
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

func (cr *crawl) budget(src *newsmon.Source) int {
	if src.MaxPages > 0 {
		return src.MaxPages
	}
	return cr.set.MaxPages
}

// visit decides whether to fetch j and queues it: in the frontier, or, if
// into is not nil, in *into for the caller to queue with the others of its
// listing (frontier.pushAll). It returns false when the source's page budget
// is spent, so a listing can stop offering more.
func (cr *crawl) visit(j *job, into *[]*job) bool {
	if cr.ctx.Err() != nil {
		return false
	}
	if j.seed {
		cr.count(j, func(s *Stats) { s.Seeds++ })
	}
	u, err := url.Parse(j.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		cr.fail(j, 0, "bad url", fmt.Errorf("crawler: %q is not an http(s) URL", j.url))
		return true
	}
	if u.User != nil {
		cr.fail(j, 0, "bad url", fmt.Errorf("crawler: %q has credentials", j.url))
		return true
	}
	if u.Host, err = asciiHost(u); err != nil {
		cr.fail(j, 0, "bad url", fmt.Errorf("crawler: %q: %w", j.url, err))
		return true
	}
	u.Fragment, u.RawFragment = "", ""
	j.url = u.String()
	key := cr.key(j, j.url)

	cr.mu.Lock()
	if cr.seen[key] {
		if j.seed {
			cr.stats[j.src.Name].Seeds-- // another spelling of a seed
		}
		cr.mu.Unlock()
		return true
	}
	cr.seen[key] = true
	st := cr.stats[j.src.Name]
	if j.typ == kindArticle {
		st.Discovered++
	}
	cr.mu.Unlock()
	if j.typ == kindArticle {
		cr.emit(j, "discovered", 0, 0, nil)
		if cr.h.State != nil && cr.h.State.Known(*j.src, j.url) {
			cr.count(j, func(s *Stats) { s.Known++ })
			cr.read(j)
			cr.emit(j, "known", 0, 0, nil)
			return true
		}
	}

	if cr.set.RespectRobots {
		if err := cr.robotsAllow(u); err != nil {
			var rf *robotsFailure
			if errors.As(err, &rf) {
				cr.failHost(j, rf.host, 0, rf.reason, err)
				return true
			}
			cr.count(j, func(s *Stats) { s.RobotsDenied++; s.Reasons["robots"]++ })
			cr.emitReason(j, "robots-denied", 0, 0, err, "robots")
			return true
		}
	}

	cr.mu.Lock()
	over := cr.pages[j.src.Name] >= cr.budget(j.src)
	if !over {
		cr.pages[j.src.Name]++
	}
	cr.mu.Unlock()
	if over {
		cr.dirty(j)
		cr.count(j, func(s *Stats) { s.Reasons["budget"]++ })
		cr.emit(j, "budget", 0, 0, nil)
		return false
	}

	if j.typ == kindArticle && cr.h.Dispatch != nil {
		if err := cr.h.Dispatch(cr.ctx, *j.src, j.url); err != nil {
			cr.dirty(j)
			cr.fail(j, 0, "dispatch", fmt.Errorf("%s: %w", j.url, err))
			return true
		}
		cr.count(j, func(s *Stats) { s.Dispatched++ })
		cr.read(j)
		cr.emit(j, "dispatched", 0, 0, nil)
		return true
	}

	j.host = u.Host
	if into != nil {
		*into = append(*into, j)
	} else {
		cr.front.push(j.host, j)
	}
	return true
}

// fetcher fetches the frontier's jobs until the crawl is over.
func (cr *crawl) fetcher() {
	for {
		j, host := cr.front.next()
		if j == nil {
			return
		}
		cr.fetch(j)
		if j.again { // retried: back to the frontier, which waits out the backoff
			j.again = false
			cr.front.push(host, j)
		}
		cr.front.done(host)
	}
}

// fetch requests j; colly calls onResponse or onError before it returns.
func (cr *crawl) fetch(j *job) {
	j.handled = false
	hdr := http.Header{}
	hdr.Set("User-Agent", cr.set.UserAgent)
	for k, v := range j.src.Headers {
		hdr.Set(k, v)
	}
	if j.typ != kindArticle && cr.h.State != nil {
		etag, lm := cr.h.State.Validators(j.url)
		if etag != "" {
			hdr.Set("If-None-Match", etag)
		}
		if lm != "" {
			hdr.Set("If-Modified-Since", lm)
		}
	}
	ctx := colly.NewContext()
	ctx.Put("job", j)
	if err := cr.col.Request(http.MethodGet, j.url, nil, ctx, hdr); err != nil && !j.handled {
		cr.fail(j, 0, "bad url", err)
	}
	cr.mu.Lock()
	delete(cr.jobs, j.url)
	cr.mu.Unlock()
}

// asciiHost returns u's host lower-cased, without a trailing dot and, for
// an IDN, in punycode: one spelling per host, so that robots.txt, pacing
// and the seen set cannot be dodged by writing a host another way.
func asciiHost(u *url.URL) (string, error) {
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if net.ParseIP(h) != nil {
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
	} else if !isASCII(h) {
		a, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return "", fmt.Errorf("host: %w", err)
		}
		h = a
	}
	if h == "" { // e.g. only characters IDNA ignores
		return "", errors.New("empty host")
	}
	if p := u.Port(); p != "" {
		return h + ":" + p, nil
	}
	return h, nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// onResponse handles every HTTP response (colly passes error statuses too).
func (cr *crawl) onResponse(r *colly.Response) {
	j, ok := r.Ctx.GetAny("job").(*job)
	if !ok {
		return
	}
	j.handled = true
	if ct := r.Headers.Get(hiddenContentType); ct != "" {
		r.Headers.Set("Content-Type", ct)
		r.Headers.Del(hiddenContentType)
	}
	status := r.StatusCode
	switch {
	case status == http.StatusNotModified:
		cr.count(j, func(s *Stats) { s.NotModified++ })
		cr.read(j)
		cr.emit(j, "not-modified", status, 0, nil)
	case status == http.StatusTooManyRequests || status >= 500:
		err := fmt.Errorf("%s: http %d", j.url, status)
		if ra, ok := retryAfter(r.Headers.Get("Retry-After"), time.Now()); ok && ra > maxRetryAfter {
			cr.fail(j, status, "retry-after", fmt.Errorf("%w (Retry-After %s)", err, ra))
			return
		}
		cr.retry(j, r.Request, status, fmt.Sprintf("http %d", status), err)
	case status < 200 || status >= 300:
		cr.fail(j, status, fmt.Sprintf("http %d", status), fmt.Errorf("%s: http %d", j.url, status))
	case j.typ == kindArticle:
		cr.page(j, r)
	default:
		cr.discover(j, r)
	}
}

// onError handles fetches that got no HTTP response.
func (cr *crawl) onError(r *colly.Response, err error) {
	j, ok := r.Ctx.GetAny("job").(*job)
	if !ok {
		return
	}
	j.handled = true
	if errors.Is(err, errKnownRedirect) {
		cr.count(j, func(s *Stats) { s.Known++ })
		cr.read(j)
		cr.emit(j, "known", 0, 0, nil)
		return
	}
	var rf *robotsFailure
	if errors.As(err, &rf) { // a redirect to a host whose robots.txt failed
		cr.failHost(j, rf.host, 0, rf.reason, err)
		return
	}
	reason, retryable := classify(err)
	if cr.ctx.Err() != nil {
		reason, retryable = "canceled", false
	}
	if retryable {
		cr.retry(j, r.Request, 0, reason, err)
		return
	}
	cr.fail(j, 0, reason, err)
}

func classify(err error) (reason string, retryable bool) {
	var nerr interface{ Timeout() bool }
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "dns", !dnsErr.IsNotFound
	case errors.Is(err, ErrTooLarge):
		return "too large", false
	case errors.Is(err, ErrPrivateNetwork):
		return "private network", false
	case errors.Is(err, errRedirects):
		return "redirects", false
	case errors.Is(err, errRobotsRedirect):
		return "robots", false
	case errors.Is(err, errHostBusy):
		return "retry-after", false
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return "timeout", true
	case errors.Is(err, context.Canceled):
		return "canceled", false
	case errors.As(err, &opErr) && opErr.Op == "dial", errors.Is(err, syscall.ECONNREFUSED):
		return "connect", true
	}
	return "network", true
}

// retry fetches j again after a backoff, or fails it when retries are spent.
// Retry-After, if any, already holds the host back in the transport.
func (cr *crawl) retry(j *job, req *colly.Request, status int, reason string, err error) {
	if j.attempt >= cr.set.Retries || cr.ctx.Err() != nil {
		cr.fail(j, status, reason, err)
		return
	}
	j.attempt++
	cr.c.tr.holdOff(req.URL.Host, time.Duration(1<<(j.attempt-1))*500*time.Millisecond)
	j.again = true
}

// page decodes an article page and hands it on, once per article.
func (cr *crawl) page(j *job, r *colly.Response) {
	final := r.Request.URL.String()
	fkey, key := cr.key(j, final), cr.key(j, j.url)
	cr.mu.Lock()
	dup := cr.handed[fkey] || cr.handed[key]
	cr.handed[fkey], cr.handed[key], cr.seen[fkey] = true, true, true
	cr.mu.Unlock()
	if !dup && fkey != key && cr.h.State != nil {
		dup = cr.h.State.Known(*j.src, final) // redirected to a stored article
	}
	if dup {
		cr.count(j, func(s *Stats) { s.Known++ })
		cr.read(j)
		cr.emit(j, "known", r.StatusCode, len(r.Body), nil)
		return
	}
	ct := r.Headers.Get("Content-Type")
	if !htmlLike(ct, r.Body) {
		cr.fail(j, r.StatusCode, "not html", fmt.Errorf("%s: content type %q", j.url, ct))
		return
	}
	body, cs, err := decode(r.Body, ct)
	if err != nil {
		cr.fail(j, r.StatusCode, "charset", fmt.Errorf("%s: %w", j.url, err))
		return
	}
	p := newsmon.Page{
		Source:     j.src.Name,
		URL:        j.url,
		FinalURL:   final,
		StatusCode: r.StatusCode,
		Header:     r.Headers.Clone(),
		Charset:    cs,
		Body:       body,
		FetchedAt:  time.Now(),
	}
	if err := cr.h.OnPage(cr.withFetcher(j), p); err != nil {
		cr.mu.Lock()
		delete(cr.handed, fkey) // another URL of it may still be handed over
		delete(cr.handed, key)
		cr.mu.Unlock()
		cr.dirty(j)
		cr.fail(j, r.StatusCode, "page handler", fmt.Errorf("%s: %w", j.url, err))
		return
	}
	cr.count(j, func(s *Stats) { s.Fetched++ })
	cr.read(j)
	cr.emit(j, "fetched", r.StatusCode, len(r.Body), nil)
}

// htmlLike reports whether an article response can be an HTML page: a
// text or XHTML content type (or none), and no NUL bytes near the start.
func htmlLike(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "", strings.HasPrefix(mt, "text/"), strings.Contains(mt, "html"), strings.HasSuffix(mt, "xml"):
	default:
		return false
	}
	return !bytes.ContainsRune(body[:min(len(body), 1024)], 0)
}

// fail records a failed URL; transient failures keep its listings'
// validators from being saved.
func (cr *crawl) fail(j *job, status int, reason string, err error) {
	host := ""
	if u, perr := url.Parse(j.url); perr == nil {
		host = u.Host
	}
	cr.failHost(j, host, status, reason, err)
}

// failHost is fail naming the host that failed.
func (cr *crawl) failHost(j *job, host string, status int, reason string, err error) {
	switch {
	case strings.HasPrefix(reason, "http 4"), reason == "too large", reason == "private network",
		reason == "bad url", reason == "redirects", reason == "robots", reason == "charset", reason == "not html":
	default:
		cr.dirty(j)
	}
	if reason == "robots" {
		cr.count(j, func(s *Stats) { s.RobotsDenied++; s.Reasons[reason]++ })
		cr.emitReason(j, "robots-denied", status, 0, err, reason)
		return
	}
	if host == "" {
		host = "(no host)"
	}
	cr.count(j, func(s *Stats) {
		s.Failed++
		s.Reasons[reason]++
		if s.FailedHosts[host] == nil {
			s.FailedHosts[host] = map[string]int{}
		}
		s.FailedHosts[host][reason]++
	})
	cr.emitReason(j, "failed", status, 0, err, reason)
}

// read records that a seed was read (fetched, not modified or known).
func (cr *crawl) read(j *job) {
	if j.seed {
		cr.count(j, func(s *Stats) { s.SeedsRead++ })
	}
}

func (cr *crawl) dirty(j *job) {
	cr.mu.Lock()
	for _, l := range j.parents {
		l.dirty = true
	}
	cr.mu.Unlock()
}

func (cr *crawl) count(j *job, f func(*Stats)) {
	cr.mu.Lock()
	f(cr.stats[j.src.Name])
	cr.mu.Unlock()
}

func (cr *crawl) emit(j *job, kind string, status, n int, err error) {
	cr.emitReason(j, kind, status, n, err, "")
}

func (cr *crawl) emitReason(j *job, kind string, status, n int, err error, reason string) {
	if cr.h.OnEvent == nil {
		return
	}
	ev := Event{Source: j.src.Name, URL: j.url, Kind: kind, Status: status, Bytes: n, Err: err, Reason: reason, Type: j.typ.String()}
	if !j.start.IsZero() {
		ev.Duration = time.Since(j.start)
	}
	cr.h.OnEvent(ev)
}

// commitValidators saves the validators of listings whose discoveries were
// all handled.
func (cr *crawl) commitValidators() error {
	if cr.h.State == nil {
		return nil
	}
	var errs []error
	for _, l := range cr.pending {
		if l.dirty {
			continue
		}
		if err := cr.h.State.SetValidators(l.url, l.etag, l.lastModified); err != nil {
			errs = append(errs, fmt.Errorf("crawler: save validators of %s: %w", l.url, err))
		}
	}
	return errors.Join(errs...)
}

// errKnownRedirect stops a redirect to an article the caller already has.
var errKnownRedirect = errors.New("redirect to a known article")

// redirectAllowed bounds redirects and applies robots.txt to their
// targets: the checks of every redirect the crawl follows.
func (cr *crawl) redirectAllowed(req *http.Request, via []*http.Request) error {
	if len(via) > cr.set.MaxRedirects {
		return fmt.Errorf("%s: %w (%d)", via[0].URL, errRedirects, len(via))
	}
	if cr.set.RespectRobots {
		if err := cr.robotsAllow(req.URL); err != nil {
			var rf *robotsFailure
			if errors.As(err, &rf) {
				return err
			}
			return fmt.Errorf("%s: %w", req.URL, errRobotsRedirect)
		}
	}
	return nil
}

// checkRedirect bounds redirects, applies robots.txt to their targets
// (private targets are refused by the transport) and does not follow an
// article's redirect to a URL that State already knows.
func (cr *crawl) checkRedirect(req *http.Request, via []*http.Request) error {
	if err := cr.redirectAllowed(req, via); err != nil {
		return err
	}
	cr.mu.Lock()
	j := cr.jobs[via[0].URL.String()]
	cr.mu.Unlock()
	if j == nil || j.typ != kindArticle {
		return nil
	}
	if cr.h.State != nil && cr.h.State.Known(*j.src, req.URL.String()) {
		return fmt.Errorf("%s: %w", req.URL, errKnownRedirect)
	}
	// An article this cycle already queued or fetched by its own URL is
	// not fetched a second time through a redirect.
	key := cr.key(j, req.URL.String())
	for _, v := range via {
		if cr.key(j, v.URL.String()) == key {
			return fmt.Errorf("%s: %w (loop)", via[0].URL, errRedirects)
		}
	}
	cr.mu.Lock()
	dup := cr.seen[key]
	cr.seen[key] = true
	cr.mu.Unlock()
	if dup {
		return fmt.Errorf("%s: %w", req.URL, errKnownRedirect)
	}
	return nil
}
