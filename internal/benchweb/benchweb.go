// Package benchweb owns the local pages and the bare colly+goquery baseline
// that newsmon's crawl benchmarks are measured against: Serve serves pages
// over HTTP, Colly fetches and parses them with a bare colly Collector, and
// Compare runs newsmon and the baseline alone and interleaved, reporting
// pages/s, allocs/page and their ratio.
package benchweb

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"
)

// Parallelism is how many requests newsmon and the baseline keep in flight.
const Parallelism = 8

// Serve serves pages[i] as UTF-8 HTML at /articles/<i>.htm on a local
// server, closed when the test ends, and returns the pages' URLs.
func Serve(tb testing.TB, pages [][]byte) []string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _ := strings.CutPrefix(r.URL.Path, "/articles/")
		n, err := strconv.Atoi(strings.TrimSuffix(name, ".htm"))
		if err != nil || n < 0 || n >= len(pages) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[n])
	}))
	tb.Cleanup(srv.Close)
	urls := make([]string, len(pages))
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/articles/%d.htm", srv.URL, i)
	}
	return urls
}

// Parse is the baseline's work on a page: a goquery document with one h1.
func Parse(body []byte) error {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return err
	}
	if doc.Find("h1").Length() != 1 {
		return errors.New("benchweb: not one h1")
	}
	return nil
}

// Colly fetches urls with a bare colly Collector (Parallelism requests in
// flight) and parses each page with Parse; it fails the test unless every
// page was parsed.
func Colly(tb testing.TB, urls []string) {
	col := colly.NewCollector(colly.Async(true))
	col.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: Parallelism})
	var n atomic.Int64
	col.OnResponse(func(r *colly.Response) {
		if Parse(r.Body) == nil {
			n.Add(1)
		}
	})
	for _, u := range urls {
		col.Visit(u)
	}
	col.Wait()
	if n.Load() != int64(len(urls)) {
		tb.Fatalf("colly parsed %d of %d pages", n.Load(), len(urls))
	}
}

// Compare runs ours and bare (each handling pages pages a run) as the
// sub-benchmarks "newsmon" and "colly+goquery", then "interleaved", which
// alternates the two in one loop so that a busy machine slows both alike
// and reports their pages/s and the ratio newsmon/colly.
func Compare(b *testing.B, pages int, ours, bare func()) {
	b.Run("newsmon", func(b *testing.B) { report(b, pages, ours) })
	b.Run("colly+goquery", func(b *testing.B) { report(b, pages, bare) })
	b.Run("interleaved", func(b *testing.B) {
		var tOurs, tBare time.Duration
		for range b.N {
			start := time.Now()
			ours()
			mid := time.Now()
			bare()
			tOurs, tBare = tOurs+mid.Sub(start), tBare+time.Since(mid)
		}
		n := float64(b.N * pages)
		b.ReportMetric(n/tOurs.Seconds(), "newsmon-pages/s")
		b.ReportMetric(n/tBare.Seconds(), "colly-pages/s")
		b.ReportMetric(tBare.Seconds()/tOurs.Seconds(), "newsmon/colly")
	})
}

// report runs run b.N times and adds pages/s and allocs/page.
func report(b *testing.B, pages int, run func()) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.StopTimer()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	n := float64(b.N * pages)
	b.ReportMetric(n/elapsed.Seconds(), "pages/s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "allocs/page")
}
