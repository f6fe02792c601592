package fakeweb

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// OneHost is one site that two sources share, as Sina Finance and Sina Tech
// share feed.mix.sina.com.cn: source "onehost-feed" reads its RSS feed,
// "onehost-sitemap" its sitemap, two articles each. It records when each
// request arrived, so that a test can measure the gaps the host saw.
type OneHost struct {
	URL string // http://127.0.0.1:port

	mu       sync.Mutex
	arrivals []Arrival
}

// Arrival is one request a OneHost received, timed on arrival.
type Arrival struct {
	Path string
	Time time.Time
}

// NewOneHost starts the site; it is closed when the test ends.
func NewOneHost(t testing.TB) *OneHost {
	t.Helper()
	h := &OneHost{}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprint(rw, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/feed.xml", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(rw, `<?xml version="1.0"?><rss version="2.0"><channel><title>One host</title>
<item><title>f1</title><link>%[1]s/feed/1.htm</link></item>
<item><title>f2</title><link>%[1]s/feed/2.htm</link></item>
</channel></rss>`, h.URL)
	})
	mux.HandleFunc("/sitemap.xml", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(rw, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>%[1]s/map/1.htm</loc></url><url><loc>%[1]s/map/2.htm</loc></url></urlset>`, h.URL)
	})
	for i, p := range []string{"/feed/1.htm", "/feed/2.htm", "/map/1.htm", "/map/2.htm"} {
		title := fmt.Sprintf("同一主机上的第%d篇测试新闻", i+1)
		mux.HandleFunc(p, func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(rw, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head><body><article><h1>%s</h1><p>%s</p><p>%s</p></article></body></html>`,
				title, title, Filler(9000+i, 0, 120), Filler(9000+i, 1, 120))
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.arrivals = append(h.arrivals, Arrival{Path: r.URL.Path, Time: time.Now()})
		h.mu.Unlock()
		mux.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// Sources returns the two sources of the host.
func (h *OneHost) Sources() []newsmon.Source {
	return []newsmon.Source{
		{Name: "onehost-feed", Lang: "zh", Location: time.UTC, Feeds: []string{h.URL + "/feed.xml"}, MaxDepth: 1},
		{Name: "onehost-sitemap", Lang: "zh", Location: time.UTC, Sitemaps: []string{h.URL + "/sitemap.xml"}, MaxDepth: 1},
	}
}

// Arrivals returns the requests received so far, in arrival order.
func (h *OneHost) Arrivals() []Arrival {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Arrival(nil), h.arrivals...)
}

// Count returns how many requests for path arrived.
func (h *OneHost) Count(path string) int {
	n := 0
	for _, a := range h.Arrivals() {
		if a.Path == path {
			n++
		}
	}
	return n
}

// CheckGaps fails t for every two consecutive requests that arrived less
// than delay apart, and returns the shortest gap. The crawler waits delay
// after a response before the next request starts, so every gap the host
// sees is at least delay however loaded the machine is.
func (h *OneHost) CheckGaps(t testing.TB, delay time.Duration) time.Duration {
	t.Helper()
	arr := h.Arrivals()
	shortest := time.Duration(-1)
	var short []string
	for i := 1; i < len(arr); i++ {
		gap := arr[i].Time.Sub(arr[i-1].Time)
		if shortest < 0 || gap < shortest {
			shortest = gap
		}
		if gap < delay {
			short = append(short, fmt.Sprintf("%s -> %s: %s", arr[i-1].Path, arr[i].Path, gap))
		}
	}
	if len(short) > 0 {
		t.Errorf("%d of %d gaps under %s: %s", len(short), len(arr)-1, delay, strings.Join(short, "; "))
	}
	return shortest
}
