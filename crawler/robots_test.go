package crawler

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/newsmon/newsmon"
)

// A robots.txt the parser rejects as a whole allows everything, and the
// rejection is logged with the file's URL rather than dropped.
func TestRobotsParseErrorLogged(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	srv, src, hits := oneSite(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Disallow: /a/\n") // a rule before any User-agent line
	}, 2)
	set := testSettings()
	set.PerHostDelay = 0
	s := newSink(nil)
	runCrawl(t, set, nil, s, nil, []newsmon.Source{src})
	if len(s.pages) != 2 || hits.get() != 2 {
		t.Errorf("pages %d, requests %d, want 2", len(s.pages), hits.get())
	}
	log := buf.String()
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "robots.txt unparsable") || !strings.Contains(log, srv.URL+"/robots.txt") || !strings.Contains(log, "User-agent") {
		t.Errorf("log does not report the unparsable robots.txt with its URL and error:\n%s", log)
	}
}
