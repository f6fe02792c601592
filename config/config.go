// Package config loads and validates newsmon's YAML configuration and holds
// the embedded default configuration.
//
// A configuration file is read on top of the built-in defaults: a key the file
// leaves out keeps its default value, and leaving out the whole `sources` or
// `topics` list keeps the default sources or topics. Unknown keys and bad
// values are errors of type *Error that name the file, the line and the key.
package config

import (
	"time"

	"github.com/newsmon/newsmon"
)

// Config is a loaded, validated configuration.
type Config struct {
	DataDir string
	Crawl   newsmon.CrawlSettings
	Sources []newsmon.Source
	Topics  []newsmon.Topic
	Cluster Cluster
	Dedup   Dedup
	Server  Server
	NATS    NATS
}

// Cluster configures candidate-incident clustering.
type Cluster struct {
	Window    time.Duration // how long an incident stays open for new articles
	Threshold float64       // similarity needed to join an incident (0: the clusterer's default)
	MinScore  float64       // topic score an incident needs to count as a candidate
	// MaxOpen is the budget of incidents the clusterer holds in memory
	// (about 6 KB each); older ones are read back from the store when an
	// article of their time arrives, so the budget bounds memory, not
	// which incidents an article can join.
	MaxOpen int
}

// Dedup configures near-duplicate detection.
type Dedup struct {
	// NearWindow is how many of the most recently stored articles a new
	// page is compared with for near copies (in memory, about 730 bytes
	// an article); an exact copy is found at any age by its content hash.
	NearWindow int
}

// Server configures the daemon's HTTP server.
type Server struct {
	Listen string
	Token  string
}

// TopicNames returns the configured topics' names, in order.
func (c *Config) TopicNames() []string {
	names := make([]string, 0, len(c.Topics))
	for _, t := range c.Topics {
		names = append(names, t.Name)
	}
	return names
}

// NATS configures the queue between the daemon and fetch workers (package
// queue). An empty URL means everything runs in one process.
type NATS struct {
	URL string // nats://host:4222, or several separated by commas
	// Partitions is how many partitions the hosts' fetch jobs are spread
	// over; the same in every process of a deployment.
	Partitions int
	// JobsPerPartition is how many jobs of a partition the worker holding
	// it keeps in flight.
	JobsPerPartition int
	// AckWait is how long a fetch job stays with a worker that stopped
	// reporting progress (died) before another gets it.
	AckWait time.Duration
	// ArticleAckWait is the same for a batch of articles with the daemon.
	ArticleAckWait time.Duration
	// Lease is how long a partition stays with a worker that stopped
	// renewing it; it must exceed crawl.per_host_delay (and any
	// Crawl-delay, honoured up to a minute), so that a worker's death
	// does not shorten the gap.
	Lease time.Duration
}

// Default values of the nats keys (package queue's defaults).
const (
	DefaultNATSPartitions       = 64
	DefaultNATSJobsPerPartition = 8
	DefaultNATSAckWait          = 2 * time.Minute
	DefaultNATSArticleAckWait   = 30 * time.Second
	DefaultNATSLease            = 90 * time.Second
)

// Source returns the configured source with the given name.
func (c *Config) Source(name string) (newsmon.Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return newsmon.Source{}, false
}
