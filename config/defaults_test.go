package config

import (
	"testing"

	"github.com/newsmon/newsmon"
)

// The built-in configuration's crawl settings and incident window are
// newsmon's defaults, the ones the crawler fills in: one source (TestDefault
// pins their values, as the README documents them).
func TestDefaultsAreNewsmons(t *testing.T) {
	c := Default()
	if c.Crawl != newsmon.DefaultCrawlSettings() {
		t.Errorf("default crawl settings\n%+v\ndiffer from newsmon.DefaultCrawlSettings\n%+v", c.Crawl, newsmon.DefaultCrawlSettings())
	}
	if c.Cluster.Window != newsmon.DefaultIncidentWindow {
		t.Errorf("default window %s, want newsmon.DefaultIncidentWindow %s", c.Cluster.Window, newsmon.DefaultIncidentWindow)
	}
}
