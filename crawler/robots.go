package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

const (
	// maxRobotsBytes is how much of a robots.txt is read (RFC 9309 asks
	// for at least 500 KiB).
	maxRobotsBytes = 512 << 10
	// robotsTTL is how long a robots.txt is used before it is fetched
	// again (RFC 9309: no more than 24 hours).
	robotsTTL = 24 * time.Hour
)

// robotsCache holds the hosts' robots.txt for every crawl of a Crawler.
// A robots.txt that was read (2xx, 4xx) is kept for robotsTTL; one that
// failed (unreachable, 5xx) only for the crawls that saw it fail, so the
// next cycle asks again.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]*robotsEntry // by scheme://host
}

func newRobotsCache() *robotsCache { return &robotsCache{entries: map[string]*robotsEntry{}} }

// clear forgets every robots.txt (the user agent or the network changed).
func (rc *robotsCache) clear() {
	rc.mu.Lock()
	rc.entries = map[string]*robotsEntry{}
	rc.mu.Unlock()
}

// robotsEntry is one host's robots.txt. Its fields are written before done
// is closed and only read after.
type robotsEntry struct {
	done  chan struct{}
	group *robotstxt.Group // nil: allow everything
	// fail: robots.txt could not be read (RFC 9309: disallow everything),
	// reported as a failure of the host, not as a robots rule.
	fail *robotsFailure
	// private: the host is refused anyway; its pages fail with that reason.
	private  bool
	canceled bool      // the fetch was cancelled: ask again
	expires  time.Time // zero: not reused by later crawls
}

func (e *robotsEntry) finished() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// robotsFailure says why a host's robots.txt could not be read: a reason
// as in Stats.Reasons ("timeout", "dns", "connect", "robots.txt http 503").
type robotsFailure struct {
	host, reason string
	err          error
}

func (f *robotsFailure) Error() string {
	return fmt.Sprintf("robots.txt of %s: %s: %v", f.host, f.reason, f.err)
}

func (f *robotsFailure) Unwrap() error { return f.err }

// robotsAllow returns nil when robots.txt lets the crawler fetch u, a
// *robotsFailure when robots.txt could not be read, and another error for a
// Disallow rule. The first caller for a host fetches its robots.txt; others,
// in this crawl and in crawls running beside it, wait for it (bounded by
// the request timeout and ctx).
func (cr *crawl) robotsAllow(u *url.URL) error {
	host, err := asciiHost(u) // redirect targets arrive unnormalised
	if err != nil {
		return &robotsFailure{host: u.Host, reason: "bad url", err: err}
	}
	key := u.Scheme + "://" + host
	cr.mu.Lock()
	e := cr.robots[key]
	cr.mu.Unlock()
	if e == nil {
		if e, err = cr.c.robotsFor(cr.ctx, cr.set, key, host); err != nil {
			return &robotsFailure{host: host, reason: "canceled", err: err}
		}
		cr.mu.Lock()
		if prev := cr.robots[key]; prev != nil {
			e = prev
		} else {
			cr.robots[key] = e
		}
		cr.mu.Unlock()
	}
	switch {
	case e.private:
		return nil
	case e.fail != nil:
		return e.fail
	case e.group == nil:
		return nil
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !e.group.Test(path) {
		return errors.New("disallowed by robots.txt")
	}
	return nil
}

// robotsFor returns the host's robots.txt entry, fetched now unless the
// cache holds a fresh one or one being fetched.
func (c *Crawler) robotsFor(ctx context.Context, set settings, key, host string) (*robotsEntry, error) {
	for {
		c.robots.mu.Lock()
		e := c.robots.entries[key]
		if e == nil || (e.finished() && !c.now().Before(e.expires)) {
			e = &robotsEntry{done: make(chan struct{})}
			c.robots.entries[key] = e
			c.robots.mu.Unlock()
			c.fetchRobots(ctx, set, e, key, host)
			close(e.done)
			return e, nil
		}
		c.robots.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if !e.canceled || ctx.Err() != nil {
			return e, nil
		}
		// Another crawl's fetch was cancelled: fetch it for this one.
	}
}

// fetchRobots follows RFC 9309: 2xx is parsed, 4xx (and too many
// redirects) allows everything, 5xx and unreachable disallow everything (as
// a failure). A Crawl-delay is handed to the transport.
func (c *Crawler) fetchRobots(ctx context.Context, set settings, e *robotsEntry, base, host string) {
	req, err := http.NewRequestWithContext(context.WithValue(ctx, robotsKey{}, true), http.MethodGet, base+"/robots.txt", nil)
	if err != nil {
		e.fail = &robotsFailure{host: host, reason: "bad url", err: err}
		return
	}
	req.Header.Set("User-Agent", set.UserAgent)
	client := *c.client
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errRedirects
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, ErrPrivateNetwork):
			e.private = true
		case errors.Is(err, errRedirects): // unavailable: allow everything
			e.expires = c.now().Add(robotsTTL)
			c.tr.setCrawlDelay(host, 0)
		case ctx.Err() != nil:
			e.canceled = true
			e.fail = &robotsFailure{host: host, reason: "canceled", err: err}
		default:
			e.fail = &robotsFailure{host: host, reason: errReason(err), err: err}
		}
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	if err != nil && !errors.Is(err, ErrTooLarge) {
		e.fail = &robotsFailure{host: host, reason: errReason(err), err: err}
		return
	}
	switch {
	case resp.StatusCode >= 500:
		e.fail = &robotsFailure{host: host, reason: fmt.Sprintf("robots.txt http %d", resp.StatusCode),
			err: fmt.Errorf("%s: http %d", req.URL, resp.StatusCode)}
		return
	case resp.StatusCode >= 300:
		e.expires = c.now().Add(robotsTTL)
		c.tr.setCrawlDelay(host, 0)
		return
	}
	e.expires = c.now().Add(robotsTTL)
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		// The parser gives up on the whole file (e.g. a rule before any
		// User-agent line): no rules, as for a missing robots.txt, and the
		// operator is told.
		slog.Warn("robots.txt unparsable, all allowed", "url", base+"/robots.txt", "err", err)
		c.tr.setCrawlDelay(host, 0)
		return
	}
	e.group = data.FindGroup(set.robotsAgent)
	var delay time.Duration
	if e.group != nil {
		delay = e.group.CrawlDelay
	}
	c.tr.setCrawlDelay(host, delay)
}

// robotsKey marks the context of a robots.txt request (redirects
// included), which the transport limits to maxRobotsBytes instead of
// max_body_bytes.
type robotsKey struct{}

func robotsRequest(req *http.Request) bool {
	return req.Context().Value(robotsKey{}) != nil
}

// errReason names why a request failed, as in the summary's reasons.
func errReason(err error) string {
	r, _ := classify(err)
	return r
}
