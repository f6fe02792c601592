package pipeline

import (
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/cluster"
	"github.com/newsmon/newsmon/config"
)

// The pipeline hands the clusterer the configured window; the clusterer's
// own fallback for a zero window must be the same default.
func TestClusterWindowDefault(t *testing.T) {
	w := config.Default().Cluster.Window
	for name, d := range map[string]time.Duration{
		"newsmon.DefaultIncidentWindow": newsmon.DefaultIncidentWindow,
		"cluster.DefaultWindow":         cluster.DefaultWindow,
	} {
		if d != w {
			t.Errorf("%s %s differs from the configuration's default window %s", name, d, w)
		}
	}
}
