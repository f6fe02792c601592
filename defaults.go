package newsmon

import "time"

// DefaultCrawlSettings are newsmon's crawl defaults: the built-in
// configuration starts from them (package config), and the crawler takes
// them for a zero field, so the two cannot differ.
func DefaultCrawlSettings() CrawlSettings {
	return CrawlSettings{
		UserAgent:     DefaultUserAgent(),
		Parallelism:   8,
		PerHostDelay:  2 * time.Second,
		Timeout:       30 * time.Second,
		MaxBodyBytes:  10 << 20,
		RespectRobots: true,
		Retries:       2,
		MaxPages:      500,
		MaxRedirects:  10,
	}
}

// DefaultUserAgent is the User-Agent newsmon sends unless configured.
func DefaultUserAgent() string {
	return "newsmon/" + Version + " (+https://github.com/newsmon/newsmon)"
}

// DefaultMaxOpen is the budget of incidents the clusterer holds in memory
// unless configured (cluster.max_open): about 13 KB each with their index,
// 260 MB full. An article brings the stored incidents within the window of
// its time back, so the budget bounds memory, not results; a smaller one
// costs reads of the store when a crawl works on several stretches of time
// at once (at 30,000 scalebench pages, 5,000 against 20,000: 2.69 against
// 2.55 ms of CPU a page, 620 against 665 MB peak RSS, a 313 against 282 MB
// database; docs/benchmarks.md).
const DefaultMaxOpen = 20_000

// DefaultNearWindow is how many of the most recently stored articles a
// new page is compared with for near copies unless configured
// (dedup.near_window): a few days of a few hundred sources, about 30 MB of
// index (dedup.Index). Exact copies are found at any age.
const DefaultNearWindow = 50_000

// DefaultIncidentWindow is how long an incident stays open for new reports
// unless configured (cluster.window).
const DefaultIncidentWindow = 168 * time.Hour
