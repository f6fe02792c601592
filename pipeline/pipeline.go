// Package pipeline runs one crawl cycle: discover and fetch pages (crawler),
// extract articles (extract), recognise copies (dedup), store them once
// (store) and group them into candidate incidents (cluster). The one-off
// `newsmon crawl` and the daemon both run cycles through this package, so the
// two can never drift apart.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/cluster"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/crawler"
	"github.com/newsmon/newsmon/dedup"
	"github.com/newsmon/newsmon/extract"
	"github.com/newsmon/newsmon/store"
)

// Metrics receives what a cycle observes. server.Metrics implements it; nil
// means no metrics.
type Metrics interface {
	ObserveFetch(source string, status int, bytes int, d time.Duration)
	ArticleNew(source string)
	ArticleDuplicate(source string)
	ExtractFailed(source, reason string) // reason: failReason without its "extract: "
	RobotsDenied(source string)
	FetchFailed(source, reason string)
	CrawlSucceeded(source string, t time.Time)
	SetIncidents(n int)
}

// Pipeline turns crawled pages into stored articles and incidents. Its
// methods are safe for concurrent use: the daemon runs cycles of several
// sources at once.
type Pipeline struct {
	store   *store.Store
	log     *slog.Logger
	metrics Metrics
	// crawler is the process's one crawler: every cycle shares its
	// transport, per-host gates, robots.txt cache and parallelism.
	crawler *crawler.Crawler

	mu        sync.Mutex // serialises dedup lookups, clustering and the batches
	cfg       *config.Config
	clusterer *cluster.Clusterer
	incidents int
	open      *pending // writes of the batch being filled
	// committing is the batch being written, outside mu, while the next one
	// fills; nil between commits. Lookups see open, committing, then the
	// store, so an article is found at every moment of its way to disk.
	committing *pending
	// commitFailures counts failed commits; a cycle during which it grew
	// reports an error and saves no validators.
	commitFailures int
	// commits counts the batches whose commit ended (committing set back
	// to nil): a store read begun before one may have missed its writes.
	commits   uint64
	unsettled int // articles committed since the last Settle (settleEvery)
	// near indexes the committed articles of the last near_window for
	// near copies (dedup.Index), rebuilt from the store at New.
	near *dedup.Index
	// afterStoreRead, when set (tests), runs between a page's store
	// lookups and its look at the uncommitted batches.
	afterStoreRead func()

	commitMu sync.Mutex    // one commit at a time, in order
	full     chan struct{} // a batch is full: wake a flusher
	// workers bounds how many pages are handled (extracted, deduplicated,
	// clustered) at once to the number of CPUs: fetches stay concurrent,
	// but more pages in hand than CPUs only thrash the caches and keep
	// more parse trees alive (docs/benchmarks.md, "Pipeline throughput").
	workers chan struct{}
	// dispatch, when set, hands article URLs to fetch workers instead of
	// fetching them here (SetDispatch).
	dispatch func(ctx context.Context, src newsmon.Source, url string) error
}

// batchSize is how many writes share one transaction (one disk sync);
// flushEvery bounds how long a write waits for its batch to fill. When
// commits fall maxBacklog writes behind, the pages' handlers commit
// themselves and wait for the commits (worker), so the batch and its
// transaction stay bounded: when commits are what limits a crawl, batches
// of up to maxBacklog articles are written, whose transaction takes about
// 35 KB of heap an article (scalebench) and maps, for each key it writes
// at random (the article, its URL and hash, its incident and the
// incident's state and last-seen entry), the 64 KB of the database around
// its leaf (store/mapping.go). 1,024 until 2026-12-08: a batch of 1,024
// articles and their 700 incidents mapped 100-137 MB of the file, and at
// 100,000 scalebench pages 256 gave a peak RSS of 616-709 MB against
// 791-815 for the same CPU a page (at 10,000, 224-243 MB against 277-328
// for 0-10 % more; docs/benchmarks.md, "2026-12-08"); 128 gained nothing
// more.
const (
	batchSize  = 64
	flushEvery = 200 * time.Millisecond
	maxBacklog = 4 * batchSize
)

// pending holds the writes of one batch and indexes them, so that a copy of
// an article not yet committed is still recognised.
type pending struct {
	writes []store.Write
	urls   map[string]string // URL -> article id
	hashes map[string]string // content hash -> article id
	arts   []*newsmon.Article
	keys   [][]string // index keys of arts
	// copies are the near copies folded into an article (by its id, in
	// this batch or committed): their text counts in its incident
	// (cluster.Copy).
	copies []nearCopy
	// replaced holds the publication time of each representative (by id)
	// whose place a copy took in this batch (linkCopy): what later copies
	// are compared with until the store has it.
	replaced map[string]repEvidence
	// near maps an index key (dedup.Signature.IndexKeys) to the articles
	// of arts that have it, by index, in order: the candidates a new page
	// is compared with, as the store's near index gives them for committed
	// articles, instead of every article of the batch. Every article with
	// the key is kept: a containment anchor (a sample value) is shared by
	// texts that are not copies of each other, and the first of them must
	// not hide the copy's original.
	near map[string][]int
}

// repEvidence is what says which of two copies is the original
// (dedup.FirstCopy): a representative's publication time and text.
type repEvidence struct {
	published time.Time
	body      string
}

// nearCopy is a near copy folded into article of.
type nearCopy struct {
	of string
	a  newsmon.Article
}

func newPending() *pending {
	return &pending{urls: map[string]string{}, hashes: map[string]string{}, replaced: map[string]repEvidence{}, near: make(map[string][]int, batchSize*nearKeys)}
}

// nearKeys is about how many index keys an article has
// (dedup.Signature.IndexKeys), to size the batch's index.
const nearKeys = 42

// add appends a new article and indexes it by its URLs, content hash and
// band keys.
func (q *pending) add(a *newsmon.Article, urls, keys []string) {
	for _, u := range urls {
		q.urls[u] = a.ID
	}
	q.hashes[a.ContentHash] = a.ID
	for _, k := range keys {
		q.near[k] = append(q.near[k], len(q.arts))
	}
	q.arts = append(q.arts, a)
	q.keys = append(q.keys, keys)
}

// prepend puts the writes of an earlier batch q0 (whose commit failed) in
// front of q's, so they are committed first next time.
func (q *pending) prepend(q0 *pending) {
	q.writes = append(q0.writes, q.writes...)
	for k, v := range q0.urls {
		q.urls[k] = v
	}
	for k, v := range q0.hashes {
		q.hashes[k] = v
	}
	for k, is := range q.near {
		for j := range is {
			is[j] += len(q0.arts)
		}
		q.near[k] = append(slices.Clone(q0.near[k]), is...) // q0's articles come first
	}
	for k, is := range q0.near {
		if _, ok := q.near[k]; !ok {
			q.near[k] = is
		}
	}
	q.arts = append(q0.arts, q.arts...)
	q.keys = append(q0.keys, q.keys...)
	q.copies = append(q0.copies, q.copies...)
	for k, v := range q0.replaced {
		if _, ok := q.replaced[k]; !ok {
			q.replaced[k] = v
		}
	}
}

// batches returns the uncommitted batches, the open one first. Call with
// p.mu held.
func (p *Pipeline) batches() []*pending {
	if p.committing == nil {
		return []*pending{p.open}
	}
	return []*pending{p.open, p.committing}
}

// pendingURL returns the id of the uncommitted article known by u.
func (p *Pipeline) pendingURL(u string) (string, bool) {
	for _, q := range p.batches() {
		if id, ok := q.urls[u]; ok {
			return id, true
		}
	}
	return "", false
}

// pendingHash returns the id of the uncommitted article with this content hash.
func (p *Pipeline) pendingHash(h string) (string, bool) {
	for _, q := range p.batches() {
		if id, ok := q.hashes[h]; ok {
			return id, true
		}
	}
	return "", false
}

// pendingNear returns the id of an uncommitted article whose signature is
// a duplicate of sig's (near, or one text holding the other), among those
// sharing one of its lookup keys (as NearCandidates finds the committed
// ones); the earliest in its batch wins.
func (p *Pipeline) pendingNear(sig dedup.Signature, keys []string) (string, bool) {
	for _, q := range p.batches() {
		best := -1
		for _, k := range keys {
			for _, i := range q.near[k] {
				if best >= 0 && i >= best {
					break // in order: none earlier left under this key
				}
				if dedup.Duplicate(sig, dedup.Signature(q.arts[i].Signature)) {
					best = i
					break
				}
			}
		}
		if best >= 0 {
			return q.arts[best].ID, true
		}
	}
	return "", false
}

// New restores the clusterer's state (document frequencies; incidents are
// read from the store as articles of their time come) and returns a
// pipeline ready to run cycles.
func New(cfg *config.Config, st *store.Store, log *slog.Logger, m Metrics) (*Pipeline, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := crawler.New(crawler.Options{Settings: cfg.Crawl, Canonical: canonical})
	if err != nil {
		return nil, fmt.Errorf("crawler: %w", err)
	}
	p := &Pipeline{store: st, log: log, metrics: m, crawler: c, open: newPending(), full: make(chan struct{}, 1),
		workers: make(chan struct{}, runtime.GOMAXPROCS(0)), near: dedup.NewIndex(cfg.Dedup.NearWindow)}
	// The near-duplicate index of the articles stored last (it is not in
	// the file: rebuilding it costs a read of their signatures).
	err = st.RecentSignatures(cfg.Dedup.NearWindow, func(id string, sig []byte) error {
		p.near.Add(id, dedup.Signature(sig).IndexKeys(), dedup.Signature(sig).Digest())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("near-duplicate index: %w", err)
	}
	if err := p.SetConfig(cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// SetConfig switches to a new configuration (SIGHUP): the crawler takes
// the new crawl settings (keeping its per-host pacing) and the clusterer is
// rebuilt from the store, so a changed window or topic list takes effect.
func (p *Pipeline) SetConfig(cfg *config.Config) error {
	p.commitMu.Lock() // the clusterer is used only by commits
	defer p.commitMu.Unlock()
	c, err := p.newClusterer(cfg)
	if err != nil {
		return err
	}
	_, incidents, err := p.store.Stats()
	if err != nil {
		return err
	}
	if err := p.crawler.SetSettings(cfg.Crawl); err != nil {
		return fmt.Errorf("crawler: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg, p.clusterer, p.incidents = cfg, c, incidents
	if p.metrics != nil {
		p.metrics.SetIncidents(incidents)
	}
	return nil
}

// newClusterer returns a clusterer over the store, with the stored
// document frequencies.
func (p *Pipeline) newClusterer(cfg *config.Config) (*cluster.Clusterer, error) {
	rules, err := p.reviewRules()
	if err != nil {
		return nil, err
	}
	c := cluster.New(cluster.Options{
		Window:    cfg.Cluster.Window,
		Threshold: cfg.Cluster.Threshold,
		Topics:    cfg.Topics,
		MinScore:  cfg.Cluster.MinScore,
		MaxOpen:   cfg.Cluster.MaxOpen,
		Store:     incidentLoader{p.store},
		Review:    rules,
	})
	df, docs, err := p.store.DocFreq()
	if err != nil {
		return nil, fmt.Errorf("restore document frequencies: %w", err)
	}
	c.Restore(df, docs)
	return c, nil
}

// incidentLoader is the store as the clusterer reads it.
type incidentLoader struct{ st *store.Store }

func (l incidentLoader) Article(id string) (newsmon.Article, error) { return l.st.Article(id) }

func (l incidentLoader) IncidentsBetween(from, to time.Time, skip func(string) bool, fn func(cluster.Snapshot) error) error {
	return l.st.IncidentsBetweenExcept(from, to, skip, func(inc newsmon.Incident, st newsmon.IncidentState) error {
		return fn(cluster.Snapshot{Incident: inc, State: st})
	})
}

// Exclusive runs fn while no batch commits, then rebuilds the clusterer
// from the store: a reviewer's merge or move (package review) rewrites
// stored incidents, and the clusterer must not write its older copies of
// them back. The rebuilt clusterer reads the review log anew.
func (p *Pipeline) Exclusive(fn func() error) error {
	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	ferr := fn()
	p.mu.Lock()
	cfg := p.cfg
	p.mu.Unlock()
	c, err := p.newClusterer(cfg)
	if err != nil {
		return errors.Join(ferr, fmt.Errorf("rebuild the clusterer after a review: %w", err))
	}
	p.mu.Lock()
	p.clusterer = c
	p.mu.Unlock()
	return ferr
}

// reviewRules is the review log as the clusterer asks it (cluster.Review):
// the articles moved out of incidents as of now, the incidents' merges as
// the store has them when asked.
func (p *Pipeline) reviewRules() (cluster.Review, error) {
	r, err := p.store.Reviews()
	if err != nil {
		return nil, err
	}
	if r.Len() == 0 {
		return nil, nil
	}
	return reviewRules{p.store, r}, nil
}

type reviewRules struct {
	st *store.Store
	r  *store.Reviews
}

func (rr reviewRules) Reviewed(incidentID string) bool {
	cur, err := rr.st.ResolveIncident(incidentID)
	if err != nil {
		return true // unsure: keep the reviewer's decisions
	}
	st := rr.r.Of(cur)
	return st.Status != newsmon.StatusNew || len(st.Notes) > 0 || len(st.MergedIDs) > 0
}

func (rr reviewRules) Refuses(incidentID, articleID string) bool {
	left := rr.r.Left(articleID)
	if len(left) == 0 {
		return false
	}
	cur, err := rr.st.ResolveIncident(incidentID)
	if err != nil {
		return true // unsure: keep the reviewer's decision
	}
	for _, l := range left {
		if l2, err := rr.st.ResolveIncident(l); err != nil || l2 == cur {
			return true
		}
	}
	return false
}

// SetDispatch makes cycles hand every article URL they would fetch to
// dispatch (which publishes a fetch job) instead of fetching it; the
// articles come back through ConsumeArticles. Listings are still fetched
// here. Call it before the first cycle.
func (p *Pipeline) SetDispatch(dispatch func(ctx context.Context, src newsmon.Source, url string) error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dispatch = dispatch
}

// SetBorrow makes the cycles' own requests (listings, robots.txt) to a
// paced host wait for borrow (crawler.Crawler.SetBorrow): with fetch
// workers, the daemon borrows the host from the worker holding its
// partition (queue.Queue.Borrow). Call it before the first cycle.
func (p *Pipeline) SetBorrow(borrow crawler.Borrow) { p.crawler.SetBorrow(borrow) }

// CanonicalURL is the key by which src's article at raw is known: the
// de-duplication id of its fetch job.
func CanonicalURL(src newsmon.Source, raw string) string { return canonical(src, raw) }

// Config returns the configuration in force.
func (p *Pipeline) Config() *config.Config {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// SourceSummary counts what happened to one source in a cycle.
type SourceSummary struct {
	Source        string         `json:"source"`
	Discovered    int            `json:"discovered"`
	Fetched       int            `json:"fetched"`
	New           int            `json:"new"`
	Duplicates    int            `json:"duplicates"`
	Known         int            `json:"known"`
	NotModified   int            `json:"not_modified"`
	RobotsDenied  int            `json:"robots_denied"`
	ExtractFailed int            `json:"extract_failed"`
	Failed        int            `json:"failed"`
	Dispatched    int            `json:"dispatched,omitempty"` // article URLs handed to fetch workers
	Reasons       map[string]int `json:"reasons,omitempty"`
	// FailedHosts counts the failures by host, then reason.
	FailedHosts map[string]map[string]int `json:"failed_hosts,omitempty"`
	// Seeds counts the URLs the source is configured with (feeds,
	// sitemaps, start URLs, JSON lists, articles); SeedsRead those that
	// were fetched, answered 304 Not Modified or already stored.
	Seeds     int `json:"seeds"`
	SeedsRead int `json:"seeds_read"`
}

// Unreachable reports whether nothing of the source could be read: every
// request failed or was refused, none answered.
func (s SourceSummary) Unreachable() bool {
	return s.Failed+s.RobotsDenied > 0 && s.Fetched+s.NotModified+s.Known == 0
}

// Complete reports whether the cycle read what it set out to: every URL
// the source is configured with was fetched, answered 304 Not Modified or
// was already stored. Failures further down (an article that fails) do not
// make a cycle incomplete; a configured listing that fails for any reason
// (timeout, DNS, robots.txt unreachable or disallowing it, a 404) does.
// The daemon records a successful crawl
// (newsmon_last_successful_crawl_timestamp_seconds) only for a complete
// cycle that ended without error.
func (s SourceSummary) Complete() bool {
	return s.SeedsRead >= s.Seeds
}

// Summary is the outcome of one cycle, one entry per source.
type Summary struct {
	Started  time.Time       `json:"started"`
	Finished time.Time       `json:"finished"`
	Sources  []SourceSummary `json:"sources"`
}

// Totals adds up the per-source counts.
func (s Summary) Totals() SourceSummary {
	t := SourceSummary{Source: "total", Reasons: map[string]int{}}
	for _, x := range s.Sources {
		t.Discovered += x.Discovered
		t.Fetched += x.Fetched
		t.New += x.New
		t.Duplicates += x.Duplicates
		t.Known += x.Known
		t.NotModified += x.NotModified
		t.RobotsDenied += x.RobotsDenied
		t.ExtractFailed += x.ExtractFailed
		t.Failed += x.Failed
		t.Dispatched += x.Dispatched
		t.Seeds += x.Seeds
		t.SeedsRead += x.SeedsRead
		for k, v := range x.Reasons {
			t.Reasons[k] += v
		}
		for h, rs := range x.FailedHosts {
			if t.FailedHosts == nil {
				t.FailedHosts = map[string]map[string]int{}
			}
			if t.FailedHosts[h] == nil {
				t.FailedHosts[h] = map[string]int{}
			}
			for k, v := range rs {
				t.FailedHosts[h][k] += v
			}
		}
	}
	return t
}

// outcome is what became of one article page.
type outcome int

const (
	outcomeNew outcome = iota
	outcomeDuplicate
	outcomeKnown
)

// Run crawls the given sources once and processes every article page found.
// onEvent, when not nil, sees every crawler event (progress display). A
// failing page fails alone; Run returns an error when the cycle could not
// run at all, ctx was cancelled, or articles could not be committed (then
// no listing's validators are saved, so the next cycle fetches them again).
func (p *Pipeline) Run(ctx context.Context, sources []newsmon.Source, onEvent func(crawler.Event)) (Summary, error) {
	sum := Summary{Started: time.Now()}
	bySource := make(map[string]*newsmon.Source, len(sources))
	counts := make(map[string]*SourceSummary, len(sources))
	for i := range sources {
		bySource[sources[i].Name] = &sources[i]
		counts[sources[i].Name] = &SourceSummary{Source: sources[i].Name, Reasons: map[string]int{}}
	}
	var countMu sync.Mutex
	count := func(source string, f func(*SourceSummary)) {
		countMu.Lock()
		defer countMu.Unlock()
		if c := counts[source]; c != nil {
			f(c)
		}
	}

	state := &crawlState{p: p, validators: map[string][2]string{}}
	hooks := crawler.Hooks{
		State: state,
		OnPage: func(ctx context.Context, page newsmon.Page) error {
			src := bySource[page.Source]
			if src == nil {
				return fmt.Errorf("page %s: unknown source %q", page.URL, page.Source)
			}
			out, err := p.handleArticle(ctx, *src, page, crawler.FetcherFrom(ctx))
			if err == nil {
				err = p.commitIfFull()
			}
			if err != nil {
				p.log.Warn("article failed", "source", page.Source, "url", page.URL, "err", err)
				reason := failReason(err)
				count(page.Source, func(c *SourceSummary) { c.ExtractFailed++; c.Reasons[reason]++ })
				if p.metrics != nil {
					p.metrics.ExtractFailed(page.Source, metricReason(reason))
				}
				return nil
			}
			count(page.Source, func(c *SourceSummary) {
				switch out {
				case outcomeNew:
					c.New++
				case outcomeDuplicate:
					c.Duplicates++
				case outcomeKnown:
					c.Known++
				}
			})
			if p.metrics != nil {
				switch out {
				case outcomeNew:
					p.metrics.ArticleNew(page.Source)
				case outcomeDuplicate:
					p.metrics.ArticleDuplicate(page.Source)
				}
			}
			return nil
		},
		OnEvent: func(ev crawler.Event) {
			if p.metrics != nil {
				ObserveEvent(p.metrics, ev)
			}
			if onEvent != nil {
				onEvent(ev)
			}
		},
	}
	p.mu.Lock()
	failuresBefore := p.commitFailures
	hooks.Dispatch = p.dispatch
	p.mu.Unlock()
	stopFlusher := p.startFlusher()
	stats, err := p.crawler.CrawlWith(ctx, sources, hooks)
	stopFlusher()
	ferr := p.Flush()
	if ferr == nil && ctx.Err() == nil { // a crawl cut short is not settled
		ferr = p.Settle()
	}
	p.mu.Lock()
	commitFailed := p.commitFailures != failuresBefore
	p.mu.Unlock()
	switch {
	case ferr != nil:
		err = errors.Join(err, ferr)
	case commitFailed:
		err = errors.Join(err, errors.New("some articles could not be committed during the cycle; they will be fetched again"))
	default:
		// Validators are saved only now, after the articles they led to
		// are committed: a cycle killed or failing halfway leaves the
		// listings to be fetched again in full.
		if verr := state.save(); verr != nil {
			err = errors.Join(err, verr)
		}
	}
	sum.Finished = time.Now()
	for _, src := range sources {
		s := counts[src.Name]
		if st := stats[src.Name]; st != nil {
			s.Discovered = st.Discovered
			s.Fetched = st.Fetched
			s.Known += st.Known
			s.NotModified = st.NotModified
			s.RobotsDenied = st.RobotsDenied
			s.Failed = st.Failed
			s.Dispatched = st.Dispatched
			s.Seeds, s.SeedsRead = st.Seeds, st.SeedsRead
			for k, v := range st.Reasons {
				s.Reasons[k] += v
			}
			s.FailedHosts = st.FailedHosts
		}
		sum.Sources = append(sum.Sources, *s)
		if err == nil && p.metrics != nil && s.Complete() {
			p.metrics.CrawlSucceeded(src.Name, sum.Finished)
		}
	}
	if err != nil {
		return sum, err
	}
	return sum, nil
}

// ObserveEvent counts a crawler event in m: fetches, robots denials and
// failures by reason. Fetch workers count theirs with it too.
func ObserveEvent(m Metrics, ev crawler.Event) {
	switch ev.Kind {
	case "fetched", "failed", "not-modified", "known":
		// A request was made when there is a status or a time spent
		// (timeouts, resets: status "error"); refusals before any request
		// (robots, bad URL) have neither.
		if ev.Status != 0 || ev.Duration > 0 {
			m.ObserveFetch(ev.Source, ev.Status, ev.Bytes, ev.Duration)
		}
	case "robots-denied":
		m.RobotsDenied(ev.Source)
	}
	if ev.Kind == "failed" {
		m.FetchFailed(ev.Source, ev.Reason)
	}
}

// Extracted is an article page after extraction, before deduplication:
// what a fetch worker publishes for the daemon (package queue).
type Extracted struct {
	// Article has its id, canonical URL, source, language, fetch time,
	// content hash and near-duplicate signature set.
	Article newsmon.Article `json:"article"`
	URLs    []string        `json:"urls"`             // every URL it is known by, canonical first
	Own     int             `json:"own,omitempty"`    // URLs[:Own] are the page's own, the rest its continuation pages' (0: all)
	Worker  string          `json:"worker,omitempty"` // the fetch worker that published it
}

// WorkerMetrics is implemented by Metrics that count articles by the
// fetch worker that published them (the daemon's, with nats.url).
type WorkerMetrics interface {
	WorkerArticle(worker, result string)
}

// Extract turns a fetched page of src into an article: the half of a
// page's way that needs no store, one page alone (ExtractWhole, which
// fetch workers run, also reads an article's other pages).
func Extract(src newsmon.Source, page newsmon.Page) (Extracted, error) {
	a, err := extract.Extract(extractInput(src, page))
	if err != nil {
		return Extracted{}, err
	}
	return prepare(src, page, a, nil)
}

// prepare gives the article a read from page its URLs (parts: those of its
// continuation pages, for a multi-page article), id, source, fetch time,
// language and fingerprints.
func prepare(src newsmon.Source, page newsmon.Page, a newsmon.Article, parts []string) (Extracted, error) {
	urls, err := articleURLs(src, page, a.CanonicalURL)
	if err != nil {
		return Extracted{}, err
	}
	own := len(urls)
	for _, u := range parts {
		if c, err := dedup.CanonicalURL(u, src.HostAliases); err == nil && !slices.Contains(urls, c) {
			urls = append(urls, c)
		}
	}
	a.URL = urls[0]
	a.ID = store.ArticleID(a.URL)
	a.Source = src.Name
	a.FetchedAt = page.FetchedAt
	if a.Lang == "" {
		a.Lang = src.Lang
	}
	hash, sig := dedup.Fingerprint(a.Title, a.Body)
	a.ContentHash, a.Signature = hash, sig
	return Extracted{Article: a, URLs: urls, Own: own}, nil
}

// storeArticle stores the article a read from page as a new article, as a
// duplicate of a stored one, or not at all when it is already known. parts
// are the URLs of its continuation pages (a multi-page article), indexed
// to it too.
func (p *Pipeline) storeArticle(src newsmon.Source, page newsmon.Page, a newsmon.Article, parts []string) (outcome, error) {
	ex, err := prepare(src, page, a, parts)
	if err != nil {
		return 0, err
	}
	return p.handleExtracted(ex)
}

// handleExtracted stores an extracted article as a new one, as a duplicate
// of a stored one, or not at all when it is already known (by one of its
// page's own URLs).
func (p *Pipeline) handleExtracted(ex Extracted) (outcome, error) {
	a, urls, sig := ex.Article, ex.URLs, dedup.Signature(ex.Article.Signature)
	if len(urls) == 0 || a.URL != urls[0] {
		return 0, fmt.Errorf("article %s: its URLs do not start with its canonical URL", a.URL)
	}
	own := ex.Own
	if own <= 0 || own > len(urls) {
		own = len(urls)
	}

	keys := sig.LookupKeys()
	// The store is read without p.mu, so that pages are looked up side by
	// side (the near candidates cost most of a page's dedup); the batches
	// not yet committed are read under it, after the store. A batch
	// committed meanwhile may hold what the store read missed: then the
	// store is read again (under p.mu after a few tries, so that a page
	// is never starved by commits).
	var found storeFound
	p.mu.Lock()
	for try := 0; ; try++ {
		if try == 3 {
			var err error
			if found, err = p.storeMatch(urls[:own], a.ContentHash, sig, keys); err != nil {
				p.mu.Unlock()
				return 0, err
			}
			break
		}
		gen := p.commits
		p.mu.Unlock()
		f, err := p.storeMatch(urls[:own], a.ContentHash, sig, keys)
		if err != nil {
			return 0, err
		}
		if p.afterStoreRead != nil {
			p.afterStoreRead()
		}
		p.mu.Lock()
		if p.commits == gen {
			found = f
			break
		}
	}
	defer p.mu.Unlock()
	if out, ok := p.pendingMatch(found, urls, own, a, sig, keys); ok {
		return out, nil
	}
	a.ID = store.ArticleID(a.URL)
	indexKeys := sig.IndexKeys()
	// Clustered when its batch is committed (cluster); indexed in p.near
	// then too.
	p.open.writes = append(p.open.writes, store.Write{Article: &store.ArticleWrite{
		Article: &a, URLs: urls,
	}})
	p.open.add(&a, urls, indexKeys)
	return outcomeNew, nil
}

// storeFound is what the store holds of a page: the article one of its
// own URLs is (url), else the one of its text (exact) or a copy of it
// (near).
type storeFound struct {
	id               string
	url, exact, near bool
	rep              repEvidence // the stored article's, for an exact or near copy
}

// storeMatch looks a page up in the store: by its own URLs, its content
// hash, then its near-duplicate keys, stopping at the first found.
func (p *Pipeline) storeMatch(urls []string, hash string, sig dedup.Signature, keys []string) (storeFound, error) {
	for _, u := range urls {
		id, ok, err := p.store.ArticleIDByURL(u)
		if err != nil || ok {
			return storeFound{id: id, url: ok}, err
		}
	}
	if id, ok, err := p.store.ArticleIDByHash(hash); err != nil || ok {
		if err != nil {
			return storeFound{}, err
		}
		return p.withPublished(storeFound{id: id, exact: true})
	}
	// Stored texts sharing a band key may resemble this one; those sharing
	// only anchors are compared when they share dedup.MinSharedAnchors;
	// those whose digests rule out a copy are not read.
	cands := p.near.Candidates(keys, sig.Digest(), dedup.MinSharedAnchors, 64)
	if len(cands) == 0 {
		return storeFound{}, nil
	}
	id, err := p.store.MatchSignature(cands, func(repSig []byte) bool { return dedup.Duplicate(sig, dedup.Signature(repSig)) })
	if err != nil || id == "" {
		return storeFound{}, err
	}
	return p.withPublished(storeFound{id: id, near: true})
}

// withPublished adds the stored article's publication time and text to f.
func (p *Pipeline) withPublished(f storeFound) (storeFound, error) {
	rep, err := p.store.Article(f.id)
	if err != nil {
		return storeFound{}, fmt.Errorf("read article %s: %w", f.id, err)
	}
	f.rep = repEvidence{rep.Published, rep.Body}
	return f, nil
}

// pendingMatch decides what a page is from the uncommitted batches and
// what the store holds (found): known by one of its own URLs, an exact
// copy, a near copy, in that order, an uncommitted article before a
// stored one in each; it enqueues the link and reports true, or reports
// false for a new article. Call with p.mu held.
func (p *Pipeline) pendingMatch(found storeFound, urls []string, own int, a newsmon.Article, sig dedup.Signature, keys []string) (outcome, bool) {
	for _, u := range urls[:own] {
		if id, ok := p.pendingURL(u); ok {
			// Known by another of its URLs (say, reached through a new
			// redirect): remember this one too, so it is not fetched again.
			p.enqueueDuplicate(id, newsmon.Duplicate{}, urls)
			return outcomeKnown, true
		}
	}
	if found.url {
		p.enqueueDuplicate(found.id, newsmon.Duplicate{}, urls)
		return outcomeKnown, true
	}
	dup := newsmon.Duplicate{URL: a.URL, Source: a.Source, FetchedAt: a.FetchedAt}
	if id, ok := p.pendingHash(a.ContentHash); ok {
		dup.Exact = true
		p.linkCopy(id, dup, urls, a, found)
		return outcomeDuplicate, true
	}
	if found.exact {
		dup.Exact = true
		p.linkCopy(found.id, dup, urls, a, found)
		return outcomeDuplicate, true
	}
	if id, ok := p.pendingNear(sig, keys); ok {
		p.linkCopy(id, dup, urls, a, found)
		p.open.copies = append(p.open.copies, nearCopy{id, a})
		return outcomeDuplicate, true
	}
	if found.near {
		p.linkCopy(found.id, dup, urls, a, found)
		p.open.copies = append(p.open.copies, nearCopy{found.id, a})
		return outcomeDuplicate, true
	}
	return 0, false
}

// linkCopy links copy a (d, its page's URLs urls) to the representative
// id. When the evidence says the copy is the original (dedup.FirstCopy:
// published first, else the fuller text), it takes the representative's
// place (store.DuplicateWrite.Replace): the representative is then the
// same whichever copy was fetched first. Call with p.mu held.
func (p *Pipeline) linkCopy(id string, d newsmon.Duplicate, urls []string, a newsmon.Article, found storeFound) {
	rep := p.repEvidence(id, found)
	if !dedup.FirstCopy(a.Published, a.Body, rep.published, rep.body) {
		p.enqueueDuplicate(id, d, urls)
		return
	}
	c := a
	c.ID, c.IncidentID, c.Duplicates = id, "", nil
	p.open.writes = append(p.open.writes, store.Write{Duplicate: &store.DuplicateWrite{
		ID: id, Duplicate: d, URLs: urls, Replace: &c,
	}})
	for _, u := range urls {
		p.open.urls[u] = id
	}
	if _, ok := p.open.hashes[a.ContentHash]; !ok {
		p.open.hashes[a.ContentHash] = id
	}
	p.open.replaced[id] = repEvidence{a.Published, a.Body}
}

// repEvidence is the evidence of representative id: of the copy that last
// took its place in a batch not yet committed, else of the uncommitted
// article, else as the store read found it. Call with p.mu held.
func (p *Pipeline) repEvidence(id string, found storeFound) repEvidence {
	for _, q := range p.batches() {
		if e, ok := q.replaced[id]; ok {
			return e
		}
	}
	for _, q := range p.batches() {
		for _, a := range q.arts {
			if a.ID == id {
				return repEvidence{a.Published, a.Body}
			}
		}
	}
	if found.id == id {
		return found.rep
	}
	return repEvidence{}
}

// enqueueDuplicate links a copy to its representative (stored or pending)
// and indexes urls to it; a zero d only indexes the URLs. An incident's
// outlets are counted from its articles and their duplicates.
func (p *Pipeline) enqueueDuplicate(id string, d newsmon.Duplicate, urls []string) {
	p.open.writes = append(p.open.writes, store.Write{Duplicate: &store.DuplicateWrite{
		ID: id, Duplicate: d, URLs: urls,
	}})
	for _, u := range urls {
		p.open.urls[u] = id
	}
}

// worker takes a worker slot (p.workers) for a page, once the open batch
// has room: while it holds maxBacklog writes or more, the page's handler
// gives the slot back and commits (Flush), then tries again. A page holds a
// slot when it checks, so the open batch holds at most maxBacklog writes
// and one more per worker, however far the fetches run ahead
// (docs/memory.md); and a handler waiting for a commit holds no slot, so
// other pages are handled into the next batch meanwhile. A failed commit
// keeps its writes for the next one (and fails the cycle); the page goes
// ahead.
func (p *Pipeline) worker(ctx context.Context) error {
	for {
		select {
		case p.workers <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		p.mu.Lock()
		n := len(p.open.writes)
		p.mu.Unlock()
		if n < maxBacklog {
			return nil
		}
		<-p.workers
		if err := p.Flush(); err != nil {
			p.log.Error("commit articles", "err", err)
			select {
			case p.workers <- struct{}{}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// commitIfFull wakes a flusher when the open batch is full, and commits
// right away when commits have fallen maxBacklog writes behind.
func (p *Pipeline) commitIfFull() error {
	p.mu.Lock()
	n := len(p.open.writes)
	p.mu.Unlock()
	switch {
	case n >= maxBacklog:
		return p.Flush()
	case n >= batchSize:
		select {
		case p.full <- struct{}{}:
		default: // a wake-up is already waiting
		}
	}
	return nil
}

// Flush commits the open batch. The batch is written outside p.mu, so pages
// keep being handled (into the next batch) while the disk syncs.
func (p *Pipeline) Flush() (err error) {
	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	settle := false
	defer func() { // after p.mu is released, with commitMu held
		if settle && err == nil {
			err = p.settleLocked()
		}
	}()
	p.mu.Lock()
	batch := p.open
	if len(batch.writes) == 0 {
		p.mu.Unlock()
		return nil
	}
	p.open, p.committing = newPending(), batch
	p.mu.Unlock()

	// Cluster the batch's articles; their incidents, the merges and the
	// document frequencies go with them, so the store always agrees.
	clustered, cerr := p.cluster(batch)
	var errs []error
	err = cerr
	if cerr == nil {
		errs, err = p.store.SaveBatch(append(batch.writes, clustered...))
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.committing = nil
	p.commits++
	if err == nil { // the stored articles join the near-duplicate index
		keys := make(map[*newsmon.Article][]string, len(batch.arts))
		for i, a := range batch.arts {
			keys[a] = batch.keys[i]
		}
		for i, w := range batch.writes {
			if w.Article != nil && errs[i] == nil {
				a := w.Article.Article
				p.near.Add(a.ID, keys[a], dedup.Signature(a.Signature).Digest())
			}
		}
	}
	if err != nil {
		// Nothing of the batch was written: keep it for the next commit,
		// with a clusterer read anew from the store, and let the cycles
		// that are running know, so that they keep their listings'
		// validators unsaved and fetch the listings again.
		for _, a := range batch.arts {
			a.IncidentID = ""
		}
		if c, rerr := p.newClusterer(p.cfg); rerr == nil {
			p.clusterer = c
		}
		p.open.prepend(batch)
		p.commitFailures++
		return fmt.Errorf("commit %d writes: %w", len(batch.writes), err)
	}
	// A long crawl (or a daemon fed by workers) settles as it goes, not
	// only at its end: the work is spread and what Settle keeps stays
	// small.
	p.unsettled += len(batch.arts)
	if settle = p.unsettled >= settleEvery; settle {
		p.unsettled = 0
	}
	if _, n, serr := p.store.Stats(); serr == nil {
		p.incidents = n
		if p.metrics != nil {
			p.metrics.SetIncidents(n)
		}
	}
	for i, werr := range errs {
		if werr != nil {
			p.log.Warn("write refused", "err", werr, "index", i)
		}
	}
	return nil
}

// cluster assigns the batch's articles to incidents (setting their
// IncidentID) and returns the writes of what the clusterer changed. Call
// with p.commitMu held.
func (p *Pipeline) cluster(batch *pending) ([]store.Write, error) {
	arts := make([]newsmon.Article, len(batch.arts))
	inBatch := make(map[string]bool, len(batch.arts))
	for i, a := range batch.arts {
		arts[i] = *a
		inBatch[a.ID] = true
	}
	copies := make([]cluster.Copy, 0, len(batch.copies))
	for _, cp := range batch.copies {
		if inBatch[cp.of] {
			copies = append(copies, cluster.Copy{Article: cp.a, Of: cp.of})
			continue
		}
		// Committed in an earlier batch: its incident as stored. A copy
		// only refines a centroid, so one whose article cannot be read is
		// left out rather than failing the batch.
		rep, err := p.store.Article(cp.of)
		if err == nil && rep.IncidentID != "" {
			var inc string
			if inc, err = p.store.ResolveIncident(rep.IncidentID); err == nil {
				copies = append(copies, cluster.Copy{Article: cp.a, Incident: inc})
			}
		}
		if err != nil {
			p.log.Warn("copy left out of clustering", "copy", cp.a.URL, "of", cp.of, "err", err)
		}
	}
	ids, err := p.clusterer.AddBatch(arts, copies...)
	if err != nil {
		return nil, err
	}
	for i, a := range batch.arts {
		a.IncidentID = ids[i]
	}
	return p.clusterWrites(), nil
}

// clusterWrites returns the writes of what the clusterer changed since it
// was last asked. Call with p.commitMu held.
func (p *Pipeline) clusterWrites() []store.Write {
	ch := p.clusterer.Changes()
	var writes []store.Write
	for _, m := range ch.Merges {
		writes = append(writes, store.Write{Merge: &store.MergeWrite{From: m.From, Into: m.Into}})
	}
	for _, sn := range ch.Incidents {
		writes = append(writes, store.Write{Incident: &sn.Incident, State: &sn.State})
	}
	for _, m := range ch.Moves {
		writes = append(writes, store.Write{Move: &store.MoveWrite{Article: m.Article, Into: m.Into}})
	}
	terms, counts, docs := p.clusterer.DocFreqChanges()
	if len(terms) > 0 {
		writes = append(writes, store.Write{DocFreq: &store.DocFreqWrite{Terms: terms, Counts: counts, Docs: docs}})
	}
	return writes
}

// Settle regroups the incidents changed since it last ran, with their
// neighbours, as their articles would be grouped arriving in time order
// (cluster.Clusterer.Settle), and commits what changed. Run calls it at
// the end of each crawl, once its articles are committed, and Flush every
// settleEvery articles committed.
func (p *Pipeline) Settle() error {
	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	return p.settleLocked()
}

// settleEvery is how many articles apart the pipeline settles during a
// crawl (and at its end).
const settleEvery = 1024

// settleLocked is Settle with p.commitMu held.
func (p *Pipeline) settleLocked() error {
	start := time.Now()
	n := 0
	err := p.clusterer.Settle(func() error {
		writes := p.clusterWrites()
		if len(writes) == 0 {
			return nil
		}
		n += len(writes)
		_, err := p.store.SaveBatch(writes)
		return err
	})
	if err != nil {
		// The clusterer holds what was not stored: read it anew.
		if c, rerr := p.newClusterer(p.cfg); rerr == nil {
			p.clusterer = c
		}
		return fmt.Errorf("settle incidents: %w", err)
	}
	p.log.Debug("incidents settled", "writes", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// startFlusher commits the open batch when it is full or every flushEvery,
// until stopped, so a slow crawl does not keep articles uncommitted for
// long.
func (p *Pipeline) startFlusher() (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-p.full:
			case <-t.C:
			}
			if err := p.Flush(); err != nil {
				p.log.Error("commit articles", "err", err)
			}
		}
	}()
	return func() { close(quit); <-done }
}

// articleURLs lists every URL the article is known by, canonical first: the
// page's declared canonical link when it stays on the site, then the URL
// after redirects, then the URL as discovered.
func articleURLs(src newsmon.Source, page newsmon.Page, declared string) ([]string, error) {
	var urls []string
	add := func(raw string) error {
		if raw == "" {
			return nil
		}
		u, err := dedup.CanonicalURL(raw, src.HostAliases)
		if err != nil {
			return err
		}
		if !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
		return nil
	}
	final := page.FinalURL
	if final == "" {
		final = page.URL
	}
	if declared != "" {
		if c, err := dedup.CanonicalLink(final, declared); err == nil && c != "" {
			if err := add(c); err != nil {
				return nil, err
			}
		}
	}
	if err := add(final); err != nil {
		return nil, err
	}
	if err := add(page.URL); err != nil {
		return nil, err
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("page has no URL")
	}
	return urls, nil
}

// failReason names why a page gave no article, for the summary: a few
// kinds, not one key per page.
func failReason(err error) string {
	switch {
	case errors.Is(err, extract.ErrBotWall):
		return "extract: bot wall"
	case errors.Is(err, extract.ErrConsent):
		return "extract: consent page"
	case errors.Is(err, extract.ErrJSShell):
		return "extract: javascript-only page"
	case errors.Is(err, extract.ErrLoginWall):
		return "extract: login wall"
	case errors.Is(err, extract.ErrEmpty):
		return "extract: empty page"
	case errors.Is(err, extract.ErrNoArticle):
		return "extract: no article text"
	}
	return "other error (see the log)"
}

// metricReason is a failReason as a metrics label: the kind without its
// "extract: ", or "other".
func metricReason(reason string) string {
	if r, ok := strings.CutPrefix(reason, "extract: "); ok {
		return r
	}
	return "other"
}

// canonical folds the URLs by which the crawler recognises an article.
func canonical(src newsmon.Source, raw string) string {
	u, err := dedup.CanonicalURL(raw, src.HostAliases)
	if err != nil {
		return raw
	}
	return u
}

// crawlState lets the crawler ask the store what it already has. New
// validators are held until the cycle's articles are committed.
type crawlState struct {
	p          *Pipeline
	mu         sync.Mutex
	validators map[string][2]string
}

func (s *crawlState) Known(src newsmon.Source, rawURL string) bool {
	u := canonical(src, rawURL)
	s.p.mu.Lock()
	_, pending := s.p.pendingURL(u)
	s.p.mu.Unlock()
	if pending {
		return true
	}
	_, ok, err := s.p.store.ArticleIDByURL(u)
	return err == nil && ok
}

func (s *crawlState) Validators(u string) (etag, lastModified string) {
	etag, lastModified, err := s.p.store.Validators(u)
	if err != nil {
		return "", ""
	}
	return etag, lastModified
}

func (s *crawlState) SetValidators(u, etag, lastModified string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.validators[u] = [2]string{etag, lastModified}
	return nil
}

func (s *crawlState) save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for u, v := range s.validators {
		if err := s.p.store.SetValidators(u, v[0], v[1]); err != nil {
			return err
		}
	}
	return nil
}

// Select returns the configured sources named in names (all when empty) and
// an error naming any unknown one. Direct article URLs (crawl --url) are
// attached to the source whose host they share, or to an ad-hoc source.
func Select(cfg *config.Config, names []string, articleURLs []string) ([]newsmon.Source, error) {
	var out []newsmon.Source
	if len(names) == 0 && len(articleURLs) == 0 {
		return slices.Clone(cfg.Sources), nil
	}
	for _, n := range names {
		i := slices.IndexFunc(cfg.Sources, func(s newsmon.Source) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown source %q", n)
		}
		out = append(out, cfg.Sources[i])
	}
	for _, raw := range articleURLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--url %q: not an http(s) URL", raw)
		}
		i := slices.IndexFunc(out, func(s newsmon.Source) bool { return sourceHasHost(s, u.Hostname()) })
		if i < 0 {
			j := slices.IndexFunc(cfg.Sources, func(s newsmon.Source) bool { return sourceHasHost(s, u.Hostname()) })
			var s newsmon.Source
			if j >= 0 {
				s = cfg.Sources[j]
			} else {
				s = newsmon.Source{Name: u.Hostname(), Location: time.UTC}
			}
			// Only the given articles: no discovery.
			s.Feeds, s.Sitemaps, s.StartURLs, s.JSONLists, s.Articles = nil, nil, nil, nil, nil
			out = append(out, s)
			i = len(out) - 1
		}
		out[i].Articles = append(out[i].Articles, raw)
	}
	return out, nil
}

func sourceHasHost(s newsmon.Source, host string) bool {
	for _, list := range [][]string{s.Feeds, s.Sitemaps, s.StartURLs, s.Articles} {
		for _, raw := range list {
			if u, err := url.Parse(raw); err == nil && u.Hostname() == host {
				return true
			}
		}
	}
	if _, ok := s.HostAliases[host]; ok {
		return true
	}
	for _, canon := range s.HostAliases {
		if canon == host {
			return true
		}
	}
	return false
}

// ArticleQueue delivers articles extracted by fetch workers (queue.Queue):
// handle returns only when a batch is durable, and the queue acknowledges
// it then.
type ArticleQueue interface {
	ConsumeArticles(ctx context.Context, limit int, handle func(ctx context.Context, batch [][]byte) error) error
}

// ConsumeArticles deduplicates, stores and clusters the articles fetch
// workers publish, until ctx is done. A batch is acknowledged only after
// its commit; a failed commit hands it back to the queue, and an article
// delivered twice is recognised by its URLs and stored once.
func (p *Pipeline) ConsumeArticles(ctx context.Context, q ArticleQueue) error {
	return q.ConsumeArticles(ctx, batchSize, func(ctx context.Context, batch [][]byte) error {
		for _, b := range batch {
			var ex Extracted
			if err := json.Unmarshal(b, &ex); err != nil {
				p.log.Warn("unreadable article from the queue", "err", err, "bytes", len(b))
				continue
			}
			out, err := p.handleExtracted(ex)
			if wm, ok := p.metrics.(WorkerMetrics); ok {
				wm.WorkerArticle(ex.Worker, outcomeName(out, err))
			}
			if err != nil {
				p.log.Warn("article failed", "source", ex.Article.Source, "url", ex.Article.URL, "worker", ex.Worker, "err", err)
				if p.metrics != nil {
					p.metrics.ExtractFailed(ex.Article.Source, ExtractFailureReason(err))
				}
				continue
			}
			if p.metrics != nil {
				switch out {
				case outcomeNew:
					p.metrics.ArticleNew(ex.Article.Source)
				case outcomeDuplicate:
					p.metrics.ArticleDuplicate(ex.Article.Source)
				}
			}
		}
		// Flush returns once everything handled above is committed, by
		// this call or by a commit that was running.
		return p.Flush()
	})
}

// outcomeName names what became of an article, for metrics.
func outcomeName(out outcome, err error) string {
	switch {
	case err != nil:
		return "failed"
	case out == outcomeNew:
		return "new"
	case out == outcomeDuplicate:
		return "duplicate"
	default:
		return "known"
	}
}

// ExtractFailureReason is the metrics label of an extraction failure
// (newsmon_extract_failures_total's reason), for fetch workers.
func ExtractFailureReason(err error) string { return metricReason(failReason(err)) }
