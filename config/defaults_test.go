package config

import (
	"testing"

	"github.com/newsmon/newsmon"
)

// The built-in configuration's crawl settings and incident window are
// newsmon's defaults, the ones the crawler fills in: one source.
func TestDefaultsAreNewsmons(t *testing.T) {
	c := Default()
	if c.Crawl != newsmon.DefaultCrawlSettings() {
		t.Errorf("default crawl settings\n%+v\ndiffer from newsmon.DefaultCrawlSettings\n%+v", c.Crawl, newsmon.DefaultCrawlSettings())
	}
	if c.Cluster.Window != newsmon.DefaultIncidentWindow {
		t.Errorf("default window %s, want newsmon.DefaultIncidentWindow %s", c.Cluster.Window, newsmon.DefaultIncidentWindow)
	}
	if c.Crawl.MaxPages != 500 || c.Crawl.UserAgent != "newsmon/"+newsmon.Version+" (+https://github.com/newsmon/newsmon)" {
		t.Errorf("max_pages %d, user agent %q", c.Crawl.MaxPages, c.Crawl.UserAgent)
	}
}
