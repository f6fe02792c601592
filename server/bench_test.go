package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/review"
	"github.com/newsmon/newsmon/store"
)

// queueBench is a store of n incidents with centroids of 100 terms and
// 1 to 5 reports each, 1 in 20 reviewed, and the handler over it.
func queueBench(b *testing.B, n int) (http.Handler, *store.Store) {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "newsmon.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	langs := [][]string{{"zh"}, {"en"}, {"en", "zh"}}
	var ws []store.Write
	for i := range n {
		c := make(map[string]float64, 100)
		for k := range 100 {
			c[fmt.Sprintf("t%d", (i*7+k*13)%5000)] = float64(k%9+1) / 10
		}
		ids := make([]string, i%5+1)
		for k := range ids {
			ids[k] = fmt.Sprintf("a%d-%d", i, k)
		}
		t := base.Add(time.Duration(i) * 17 * time.Minute)
		ws = append(ws, store.Write{Incident: &newsmon.Incident{
			ID: fmt.Sprintf("inc-%06d", i), Title: fmt.Sprintf("第%d号事件 incident number %d about a robot", i, i),
			Summary: "某公司的产品被发现上传用户数据。A product was found uploading user data.", FirstSeen: t, LastSeen: t.Add(time.Hour),
			Languages: langs[i%3], Sources: []string{fmt.Sprintf("src%d", i%12)}, ArticleIDs: ids,
			Keywords: []string{"robot", "数据", fmt.Sprintf("k%d", i%40)}, Topics: []string{"ai-incidents"}, Score: float64(i%97) / 10,
		}, State: &newsmon.IncidentState{Terms: c}})
		if len(ws) == 500 {
			if _, err := st.SaveBatch(ws); err != nil {
				b.Fatal(err)
			}
			ws = ws[:0]
		}
	}
	if _, err := st.SaveBatch(ws); err != nil {
		b.Fatal(err)
	}
	rv := review.New(st, review.Options{})
	for i := 0; i < n; i += 20 {
		status := []string{newsmon.StatusConfirmed, newsmon.StatusDismissed}[i/20%2]
		if _, err := rv.SetStatus(fmt.Sprintf("inc-%06d", i), status, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	return New(Options{Store: st, Review: rv, ErrNotFound: store.ErrNotFound, ErrInvalid: review.ErrInvalid}), st
}

// BenchmarkQueuePage renders queue pages of 10,000 incidents: pages in
// turn, with filters (a status, a language, a search, a minimum) on three
// requests in four, and reports the 50th and 95th percentile of a request.
// "cached": nothing changes between requests; "crawling": the store
// changes before every request (a crawl committing), so the rows are
// refreshed in the background while pages are served; "rebuild": the rows
// are stale before every request (as after a merge), so every request
// reads all 10,000 incidents first.
func BenchmarkQueuePage(b *testing.B) {
	for _, mode := range []string{"cached", "crawling", "rebuild"} {
		b.Run(mode, func(b *testing.B) {
			h, st := queueBench(b, 10000)
			paths := []string{"/", "/?status=all&lang=en", "/?q=robot&sort=score", "/?status=dismissed&min=3"}
			var times []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				switch mode {
				case "crawling":
					b.StopTimer()
					if err := st.SetNextDue("bench", time.Unix(int64(i), 0)); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				case "rebuild":
					h.(*handler).staleQueue()
				}
				path := paths[i%len(paths)]
				if i%len(paths) == 0 {
					path = fmt.Sprintf("/?page=%d", i%180+1)
				}
				start := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				times = append(times, time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("GET %s: %d", path, rec.Code)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
