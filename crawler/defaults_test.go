package crawler

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/newsmon/newsmon"
)

// A zero setting takes newsmon's default, the one the configuration starts
// from; Retries is taken as given, so a configured 0 means none.
func TestZeroSettingsTakeDefaults(t *testing.T) {
	c, err := New(Options{OnPage: func(context.Context, newsmon.Page) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	def := newsmon.DefaultCrawlSettings()
	got := c.set.CrawlSettings
	want := def
	want.PerHostDelay, want.RespectRobots, want.Retries = 0, false, 0
	if got != want {
		t.Errorf("zero settings became\n%+v\nwant\n%+v", got, want)
	}
	if c.set.robotsAgent != "newsmon" {
		t.Errorf("robots agent %q, want newsmon", c.set.robotsAgent)
	}
}

func TestRetriesZeroMeansNone(t *testing.T) {
	hits := &int32Counter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add()
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	src := newsmon.Source{Name: "one", Articles: []string{srv.URL + "/a/1.htm"}}
	set := testSettings()
	set.PerHostDelay, set.RespectRobots, set.Retries = 0, false, 0
	stats := runCrawl(t, set, nil, newSink(nil), nil, []newsmon.Source{src})
	if hits.get() != 1 || stats["one"].Failed != 1 {
		t.Errorf("retries 0: %d requests, %d failed; want 1 request and 1 failure", hits.get(), stats["one"].Failed)
	}
}
