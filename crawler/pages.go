package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/newsmon/newsmon"
)

// PageFetcher fetches further pages of the article a page handler is
// handling, such as the continuation pages of an article split over
// several pages, with the crawl's manners: robots.txt, per-host pacing,
// parallelism, timeouts, the body limit, the source's headers and page
// budget, private networks refused, charset decoding. A fetched page is
// marked as seen, so the crawl does not fetch it again as an article of
// its own. There are no retries: a temporary failure is for the next crawl.
type PageFetcher interface {
	FetchPage(ctx context.Context, rawURL string) (newsmon.Page, error)
}

// FetchError is why FetchPage failed: Reason as in Stats.Reasons, and
// whether fetching again later may succeed.
type FetchError struct {
	URL       string
	Reason    string
	Temporary bool
	Err       error
}

func (e *FetchError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("fetch %s: %s: %v", e.URL, e.Reason, e.Err)
	}
	return fmt.Sprintf("fetch %s: %s", e.URL, e.Reason)
}

func (e *FetchError) Unwrap() error { return e.Err }

// fetcherKey carries a PageFetcher in the context OnPage is called with.
type fetcherKey struct{}

// FetcherFrom returns the fetcher of the crawl that handed over the page
// whose handler was called with ctx, or nil.
func FetcherFrom(ctx context.Context) PageFetcher {
	f, _ := ctx.Value(fetcherKey{}).(PageFetcher)
	return f
}

// withFetcher is the context for OnPage of job j: its source's fetcher.
func (cr *crawl) withFetcher(j *job) context.Context {
	return context.WithValue(cr.ctx, fetcherKey{}, &pageFetcher{cr: cr, src: j.src, parents: j.parents})
}

// pageFetcher fetches pages for one source within one crawl.
type pageFetcher struct {
	cr      *crawl
	src     *newsmon.Source
	parents []*listing
}

func (f *pageFetcher) FetchPage(ctx context.Context, rawURL string) (newsmon.Page, error) {
	cr := f.cr
	j := &job{src: f.src, typ: kindArticle, url: rawURL, parents: f.parents, start: time.Now()}
	fail := func(status int, reason string, temporary bool, err error) (newsmon.Page, error) {
		if temporary {
			cr.dirty(j)
		}
		host := ""
		if u, perr := url.Parse(j.url); perr == nil {
			host = u.Host
		}
		cr.failHost(j, host, status, reason, err)
		return newsmon.Page{}, &FetchError{URL: rawURL, Reason: reason, Temporary: temporary, Err: err}
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fail(0, "bad url", false, err)
	}
	if u.Host, err = asciiHost(u); err != nil {
		return fail(0, "bad url", false, err)
	}
	u.Fragment, u.RawFragment = "", ""
	j.url = u.String()
	if cr.set.RespectRobots {
		if err := cr.robotsAllow(u); err != nil {
			var rf *robotsFailure
			if errors.As(err, &rf) { // robots.txt unreadable: a failure of the host
				cr.failHost(j, rf.host, 0, rf.reason, err)
				return newsmon.Page{}, &FetchError{URL: rawURL, Reason: rf.reason, Temporary: true, Err: err}
			}
			cr.failHost(j, u.Host, 0, "robots", err)
			return newsmon.Page{}, &FetchError{URL: rawURL, Reason: "robots", Err: err}
		}
	}
	key := cr.key(j, j.url)
	cr.mu.Lock()
	over := cr.pages[j.src.Name] >= cr.budget(j.src)
	if !over {
		cr.pages[j.src.Name]++
		cr.seen[key], cr.handed[key] = true, true
	}
	cr.mu.Unlock()
	if over {
		cr.count(j, func(s *Stats) { s.Reasons["budget"]++ })
		return fail(0, "budget", true, nil)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return fail(0, "bad url", false, err)
	}
	req.Header.Set("User-Agent", cr.set.UserAgent)
	for k, v := range j.src.Headers {
		req.Header.Set(k, v)
	}
	client := *cr.c.client
	client.CheckRedirect = cr.redirectAllowed
	resp, err := client.Do(req)
	if err != nil {
		reason, retryable := classify(err)
		return fail(0, reason, retryable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		reason, retryable := classify(err)
		return fail(resp.StatusCode, reason, retryable, err)
	}
	if ct := resp.Header.Get(hiddenContentType); ct != "" {
		resp.Header.Set("Content-Type", ct)
		resp.Header.Del(hiddenContentType)
	}
	status := resp.StatusCode
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return fail(status, fmt.Sprintf("http %d", status), true, nil)
	case status < 200 || status >= 300:
		return fail(status, fmt.Sprintf("http %d", status), false, nil)
	}
	ct := resp.Header.Get("Content-Type")
	if !htmlLike(ct, body) {
		return fail(status, "not html", false, fmt.Errorf("content type %q", ct))
	}
	decoded, cs, err := decode(body, ct)
	if err != nil {
		return fail(status, "charset", false, err)
	}
	cr.emit(j, "fetched", status, len(body), nil)
	return newsmon.Page{
		Source:     j.src.Name,
		URL:        j.url,
		FinalURL:   resp.Request.URL.String(),
		StatusCode: status,
		Header:     resp.Header.Clone(),
		Charset:    cs,
		Body:       decoded,
		FetchedAt:  time.Now(),
	}, nil
}
