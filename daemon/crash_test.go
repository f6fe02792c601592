package daemon_test

import (
	"encoding/json"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/store"
)

// TestKillDuringCycleThenResume kills the daemon with SIGKILL at several
// points of a cycle that takes seconds (robots Crawl-delay 0.1s, 30 extra
// articles), restarting it each time: the database stays consistent, no
// stored article is lost or stored twice, and no stored article is fetched
// again after a restart.
func TestKillDuringCycleThenResume(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	web := fakeweb.New(t)
	addArticles(t, web, 30)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, web.Sources(), configOpts{delay: 100 * time.Millisecond, interval: time.Hour, retries: 2})
	db := filepath.Join(dir, "data", "newsmon.db")

	var stored map[string]bool // canonical URL -> stored before the last kill
	for i, after := range []time.Duration{700 * time.Millisecond, 1800 * time.Millisecond, 2500 * time.Millisecond} {
		web.ResetRequests()
		d := startDaemon(t, nil, "--config", cfg)
		time.Sleep(after)
		if code := d.stop(syscall.SIGKILL, 10*time.Second); code != -int(syscall.SIGKILL) {
			t.Fatalf("kill %d: status %d, want killed", i, code)
		}
		if err := store.Check(db); err != nil {
			t.Fatalf("after kill -9 at %s: %v", after, err)
		}
		refetched(t, web, stored, "after restart "+after.String())
		now := map[string]bool{}
		for _, a := range exportArticles(t, cfg) {
			if now[a.URL] {
				t.Errorf("after kill at %s: %s stored twice", after, a.URL)
			}
			now[a.URL] = true
		}
		for u := range stored {
			if !now[u] {
				t.Errorf("after kill at %s: %s lost (stored before the previous kill)", after, u)
			}
		}
		t.Logf("kill -9 after %s: %d articles stored (%d before)", after, len(now), len(stored))
		stored = now
	}
	if len(stored) == len(web.Articles()) {
		t.Errorf("every article was stored before the last kill: the kills did not interrupt a cycle")
	}

	// The last restart completes the cycle.
	web.ResetRequests()
	d := startDaemon(t, nil, "--config", cfg)
	want := len(web.Articles())
	d.waitFor(60*time.Second, "every article stored", func() bool {
		_, body := d.get("/api/v1/stats", "")
		var st struct{ Articles int }
		json.Unmarshal(body, &st) //nolint:errcheck // zero until it parses
		return st.Articles >= want
	})
	d.terminate()
	if err := store.Check(db); err != nil {
		t.Fatal(err)
	}
	refetched(t, web, stored, "after the last restart")
	checkStoredOnce(t, web, exportArticles(t, cfg))
}

// refetched fails the test for every request the fake web received for an
// article in stored (canonical URLs), whatever its query.
func refetched(t *testing.T, web *fakeweb.Web, stored map[string]bool, when string) {
	t.Helper()
	for _, r := range web.Requests() {
		if u := "http://" + r.Host + r.Path; stored[u] {
			t.Errorf("%s: %s fetched again, stored before", when, u)
		}
	}
}
