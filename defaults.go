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
// unless configured (cluster.max_open), with their index and as many
// articles' sketches for settling (cluster/settle.go). An article brings
// the stored incidents within the window of its time back, so the budget
// bounds memory, not results; a smaller one costs reads of the store when
// a crawl works on several stretches of time at once. 20,000 until
// 2026-12-07: at 100,000 scalebench pages 5,000 gave a peak RSS of 752 MB
// in two runs against 973-1,035 MB in four (anonymous 420-468 against
// 581-719) for 3.80-3.97 against 3.23-4.17 ms of CPU a page; at 20,000
// pages, where 5,000 incidents are first exceeded, about 20 % less
// throughput (docs/benchmarks.md, 2026-12-07 afternoon).
const DefaultMaxOpen = 5_000

// DefaultNearWindow is how many of the most recently stored articles a
// new page is compared with for near copies unless configured
// (dedup.near_window): a few days of a few hundred sources, about 30 MB of
// index (dedup.Index). Exact copies are found at any age.
const DefaultNearWindow = 50_000

// DefaultIncidentWindow is how long an incident stays open for new reports
// unless configured (cluster.window).
const DefaultIncidentWindow = 168 * time.Hour
