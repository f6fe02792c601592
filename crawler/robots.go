package crawler

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/temoto/robotstxt"
)

// maxRobotsBytes is how much of a robots.txt is read (RFC 9309 asks for at
// least 500 KiB).
const maxRobotsBytes = 512 << 10

// robotsEntry is one host's robots.txt, fetched once per crawl.
type robotsEntry struct {
	done  chan struct{}
	group *robotstxt.Group // nil: allow everything
	deny  bool             // disallow everything (robots.txt unreachable)
	// private: the host is refused anyway; its pages fail with that reason.
	private bool
}

// allowed reports whether robots.txt lets the crawler fetch u. The first
// caller for a host fetches its robots.txt; others wait for it (bounded by
// the request timeout and ctx).
func (cr *crawl) allowed(u *url.URL) bool {
	key := u.Scheme + "://" + u.Host
	cr.mu.Lock()
	e, ok := cr.robots[key]
	if !ok {
		e = &robotsEntry{done: make(chan struct{})}
		cr.robots[key] = e
	}
	cr.mu.Unlock()
	if !ok {
		cr.fetchRobots(e, key, u.Host)
		close(e.done)
	}
	select {
	case <-e.done:
	case <-cr.ctx.Done():
		return false
	}
	switch {
	case e.private:
		return true
	case e.deny:
		return false
	case e.group == nil:
		return true
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.group.Test(path)
}

// fetchRobots follows RFC 9309: 2xx is parsed, 4xx (and too many
// redirects) allows everything, 5xx and unreachable disallow everything for
// this crawl. A Crawl-delay is handed to the transport.
func (cr *crawl) fetchRobots(e *robotsEntry, base, host string) {
	req, err := http.NewRequestWithContext(cr.ctx, http.MethodGet, base+"/robots.txt", nil)
	if err != nil {
		e.deny = true
		return
	}
	req.Header.Set("User-Agent", cr.c.set.UserAgent)
	client := *cr.c.client
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errRedirects
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		e.private = errors.Is(err, ErrPrivateNetwork)
		e.deny = !errors.Is(err, errRedirects)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	if err != nil && !errors.Is(err, ErrTooLarge) {
		e.deny = true
		return
	}
	switch {
	case resp.StatusCode >= 500:
		e.deny = true
		return
	case resp.StatusCode >= 300:
		return
	}
	data, err := robotstxt.FromBytes(body)
	if data == nil {
		return
	}
	e.group = data.FindGroup(cr.c.set.robotsAgent)
	if e.group != nil && e.group.CrawlDelay > 0 {
		cr.c.tr.setCrawlDelay(host, e.group.CrawlDelay)
	}
}
