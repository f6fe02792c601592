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
}

// Dedup configures near-duplicate detection.
type Dedup struct {
	// NearWindow is how many of the most recently stored articles a new
	// page is compared with for near copies (in memory, about 600 bytes
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
}

// Source returns the configured source with the given name.
func (c *Config) Source(name string) (newsmon.Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return newsmon.Source{}, false
}
