// Package newsmon holds the domain types shared by every part of newsmon:
// sources to crawl, fetched pages, extracted articles and candidate
// incidents. It has no behaviour beyond small helpers on those types; the
// packages crawler, extract, dedup, store, cluster and pipeline do the work.
package newsmon

import (
	"net/http"
	"regexp"
	"time"
)

// Version is the program version, set at build time with
// -ldflags "-X github.com/newsmon/newsmon.Version=...".
var Version = "dev"

// Source is one configured news site: where to discover its articles and how
// to read them.
type Source struct {
	Name     string
	Lang     string         // expected language, e.g. "zh" or "en"; "" to detect
	Location *time.Location // for dates printed without a zone; never nil after config.Load
	Interval time.Duration  // daemon: how often to crawl

	Feeds       []string   // RSS, Atom or JSON Feed URLs
	Sitemaps    []string   // sitemap or sitemap index URLs
	StartURLs   []string   // list pages whose links are followed
	JSONLists   []JSONList // JSON endpoints that list article URLs
	Articles    []string   // article URLs fetched directly (crawl --url)
	ArticleURLs []*regexp.Regexp
	MaxDepth    int // how many list-page hops from a start URL
	MaxPages    int // page budget per crawl cycle (0: the crawl default)

	// HostAliases maps a host to its canonical host, e.g. m.cnbeta.com to
	// www.cnbeta.com.tw, so that one article has one URL.
	HostAliases map[string]string
	Headers     map[string]string // extra request headers (Referer, Cookie)
	Rules       Rules
}

// JSONList is a JSON endpoint that lists articles, such as Sina's roll API.
type JSONList struct {
	URL   string
	Links string // dotted path to the URL field, e.g. "result.data.url"
}

// Rules are per-site CSS selectors that take precedence over generic
// extraction. Empty fields mean "use the generic extractor".
type Rules struct {
	Title     string   `yaml:"title,omitempty" json:"title,omitempty"`
	Published string   `yaml:"published,omitempty" json:"published,omitempty"`
	Authors   string   `yaml:"authors,omitempty" json:"authors,omitempty"`
	Body      string   `yaml:"body,omitempty" json:"body,omitempty"`
	Drop      []string `yaml:"drop,omitempty" json:"drop,omitempty"`
}

// Page is one fetched article page, decoded to UTF-8.
type Page struct {
	Source     string
	URL        string // the URL as discovered
	FinalURL   string // after redirects
	StatusCode int
	Header     http.Header
	Charset    string // the charset the bytes were decoded from
	Body       []byte // UTF-8 HTML
	FetchedAt  time.Time
}

// Article is one news article as stored.
type Article struct {
	ID           string    `json:"id"`
	URL          string    `json:"url"`           // canonical URL
	CanonicalURL string    `json:"canonical_url"` // what the page declared, if any
	Source       string    `json:"source"`
	Lang         string    `json:"lang"`
	Title        string    `json:"title"`
	Published    time.Time `json:"published"` // zero when unknown; keeps the page's offset
	Modified     time.Time `json:"modified"`
	Authors      []string  `json:"authors,omitempty"`
	SiteName     string    `json:"site_name,omitempty"`
	Description  string    `json:"description,omitempty"`
	Image        string    `json:"image,omitempty"`
	Body         string    `json:"body"` // paragraphs separated by blank lines
	FetchedAt    time.Time `json:"fetched_at"`

	ContentHash string      `json:"content_hash,omitempty"` // exact fingerprint of normalised text
	Signature   []byte      `json:"signature,omitempty"`    // near-duplicate signature (dedup)
	Duplicates  []Duplicate `json:"duplicates,omitempty"`   // other copies linked to this one
	IncidentID  string      `json:"incident_id,omitempty"`
}

// Duplicate is another copy of an article: the same text at another URL or
// outlet. Copies are linked to a representative: the copy the evidence says
// is the original (dedup.FirstCopy: published first, else the fuller text),
// which takes the place of one stored before it; the first stored when the
// evidence ties.
type Duplicate struct {
	URL       string    `json:"url"`
	Source    string    `json:"source"`
	FetchedAt time.Time `json:"fetched_at"`
	Exact     bool      `json:"exact"` // identical normalised text, not only near
}

// Incident is a candidate incident: articles about one real-world event.
// It holds what an incident says to a reader; the clusterer's working
// state of it is an IncidentState, kept beside it.
type Incident struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Summary      string    `json:"summary"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Languages    []string  `json:"languages"`
	Sources      []string  `json:"sources"`
	ArticleIDs   []string  `json:"article_ids"`
	Keywords     []string  `json:"keywords"`
	Topics       []string  `json:"topics"`
	Score        float64   `json:"score"`
	CentralTitle string    `json:"central_title,omitempty"`
}

// IncidentState is what the clusterer (package cluster) keeps of an
// incident beside the incident itself: its centroid, the articles per
// language, where its title came from and the evidence of its topics. It
// is the clusterer's working state, not part of what the incident says: the
// store keeps it in a bucket of its own, under the incident's id, and
// neither the export nor the API carries it. Readers other than the
// clusterer use Terms (the review UI's similar incidents, a reviewer's
// merge or move) and Evidence (shown with the incident).
type IncidentState struct {
	Terms     map[string]float64 `json:"terms"`                // centroid: the sum of the members' vectors, the heaviest 100 terms kept
	Langs     map[string]int     `json:"langs,omitempty"`      // articles per language
	TitleLang string             `json:"title_lang,omitempty"` // the language of the incident's title
	Central   float64            `json:"central,omitempty"`    // similarity of the title's article to the centroid when it was chosen
	Evidence  []string           `json:"evidence,omitempty"`   // topic phrases found in the members, "topic:kind:phrase", sorted
	Weighed   int                `json:"weighed,omitempty"`    // documents counted when the oldest of Terms' weights were set (0: not known)
}

// Topic says what makes an incident worth review: terms and harms in any
// language. An incident scores on both.
type Topic struct {
	Name  string   `yaml:"name" json:"name"`
	Terms []string `yaml:"terms" json:"terms"`
	Harms []string `yaml:"harms" json:"harms"`
}

// CrawlSettings are the crawl manners and limits shared by all sources.
type CrawlSettings struct {
	UserAgent            string
	Parallelism          int           // requests in flight, all hosts together
	PerHostDelay         time.Duration // gap between requests to one host; robots Crawl-delay wins if larger
	Timeout              time.Duration // per request
	MaxBodyBytes         int64
	RespectRobots        bool
	AllowPrivateNetworks bool // allow loopback, private and link-local targets
	Retries              int  // on timeouts, 5xx, 429
	MaxPages             int  // per source per cycle, unless the source sets its own
	MaxRedirects         int
	// Proxy is the URL of the proxy every request goes through (http,
	// https or socks5); "" means the standard environment variables
	// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). The proxy is the operator's
	// choice: the private-network guard applies to targets, not to it.
	Proxy string
}
