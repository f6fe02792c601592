package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds newsmon's Prometheus collectors in a registry of their own
// (plus the Go runtime and process collectors). The pipeline reports to it
// through its methods; all are safe for concurrent use and on a nil *Metrics.
type Metrics struct {
	reg             *prometheus.Registry
	pages           *prometheus.CounterVec
	bytes           *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	articles        *prometheus.CounterVec
	extractFailures *prometheus.CounterVec
	robotsDenied    *prometheus.CounterVec
	fetchFailures   *prometheus.CounterVec
	lastCrawl       *prometheus.GaugeVec
	incidents       prometheus.Gauge
}

// NewMetrics returns the collectors, registered.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsmon_pages_fetched_total",
			Help: "HTTP fetches by source and status code (status \"error\": no response).",
		}, []string{"source", "status"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsmon_fetched_bytes_total",
			Help: "Response body bytes fetched, by source.",
		}, []string{"source"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newsmon_fetch_duration_seconds",
			Help:    "Time to fetch one page, by source.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"source"}),
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsmon_articles_total",
			Help: "Extracted articles by source and result: new (stored) or duplicate (linked to a stored copy).",
		}, []string{"source", "result"}),
		extractFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsmon_extract_failures_total",
			Help: "Fetched pages from which no article could be extracted, by source and reason (\"bot wall\", \"consent page\", \"javascript-only page\", \"login wall\", \"empty page\", \"no article text\", \"other\").",
		}, []string{"source", "reason"}),
		robotsDenied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsmon_robots_denied_total",
			Help: "URLs not fetched because robots.txt disallows them, by source.",
		}, []string{"source"}),
		fetchFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsmon_fetch_failures_total",
			Help: "URLs that could not be fetched, by source and reason (timeout, dns, connect, http 404, robots.txt http 503, ...).",
		}, []string{"source", "reason"}),
		lastCrawl: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsmon_last_successful_crawl_timestamp_seconds",
			Help: "Unix time at which the last successful crawl cycle of a source ended: one that read every URL the source is configured with.",
		}, []string{"source"}),
		incidents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsmon_incidents",
			Help: "Candidate incidents in the store.",
		}),
	}
	m.reg.MustRegister(
		m.pages, m.bytes, m.latency, m.articles, m.extractFailures, m.robotsDenied, m.fetchFailures, m.lastCrawl, m.incidents,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the registry, to add collectors or gather in tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveFetch records one HTTP fetch; status 0 means no response.
func (m *Metrics) ObserveFetch(source string, status int, bytes int, d time.Duration) {
	if m == nil {
		return
	}
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	m.pages.WithLabelValues(source, code).Inc()
	if bytes > 0 {
		m.bytes.WithLabelValues(source).Add(float64(bytes))
	}
	m.latency.WithLabelValues(source).Observe(d.Seconds())
}

// ArticleNew counts an article stored for the first time.
func (m *Metrics) ArticleNew(source string) {
	if m != nil {
		m.articles.WithLabelValues(source, "new").Inc()
	}
}

// ArticleDuplicate counts an article found to be a copy of a stored one.
func (m *Metrics) ArticleDuplicate(source string) {
	if m != nil {
		m.articles.WithLabelValues(source, "duplicate").Inc()
	}
}

// ExtractFailed counts a page from which no article could be extracted,
// with the reason: one of a few kinds, never one per page.
func (m *Metrics) ExtractFailed(source, reason string) {
	if m != nil {
		m.extractFailures.WithLabelValues(source, reason).Inc()
	}
}

// RobotsDenied counts a URL that robots.txt disallows.
func (m *Metrics) RobotsDenied(source string) {
	if m != nil {
		m.robotsDenied.WithLabelValues(source).Inc()
	}
}

// FetchFailed counts a URL that could not be fetched, with the reason.
func (m *Metrics) FetchFailed(source, reason string) {
	if m != nil {
		m.fetchFailures.WithLabelValues(source, reason).Inc()
	}
}

// CrawlSucceeded records the end time of a successful crawl cycle.
func (m *Metrics) CrawlSucceeded(source string, t time.Time) {
	if m != nil {
		m.lastCrawl.WithLabelValues(source).Set(float64(t.UnixNano()) / 1e9)
	}
}

// SetIncidents sets the number of stored incidents.
func (m *Metrics) SetIncidents(n int) {
	if m != nil {
		m.incidents.Set(float64(n))
	}
}
