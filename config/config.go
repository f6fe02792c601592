// Package config loads and validates newsmon's YAML configuration and holds
// the embedded default configuration.
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
	Server  Server
}

// Cluster configures candidate-incident clustering.
type Cluster struct {
	Window    time.Duration // how long an incident stays open for new articles
	Threshold float64       // similarity needed to join an incident (0: the clusterer's default)
	MinScore  float64       // topic score an incident needs to count as a candidate
}

// Server configures the daemon's HTTP server.
type Server struct {
	Listen string
	Token  string
}
