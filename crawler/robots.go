package crawler

import (
	"context"
	"errors"
	"fmt"
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
	why   string           // the reason for deny, for the summary
	// private: the host is refused anyway; its pages fail with that reason.
	private bool
}

// allowed reports whether robots.txt lets the crawler fetch u. The first
// caller for a host fetches its robots.txt; others wait for it (bounded by
// the request timeout and ctx).
func (cr *crawl) allowed(u *url.URL) bool {
	ok, _ := cr.robotsAllow(u)
	return ok
}

// robotsAllow is allowed with the reason for a refusal: "robots" for a
// Disallow rule, or why robots.txt could not be read (RFC 9309 then asks to
// disallow everything), so that a summary tells the two apart.
func (cr *crawl) robotsAllow(u *url.URL) (bool, string) {
	host, err := asciiHost(u) // redirect targets arrive unnormalised
	if err != nil {
		return false, "bad url"
	}
	key := u.Scheme + "://" + host
	cr.mu.Lock()
	e, ok := cr.robots[key]
	if !ok {
		e = &robotsEntry{done: make(chan struct{})}
		cr.robots[key] = e
	}
	cr.mu.Unlock()
	if !ok {
		cr.fetchRobots(e, key, host)
		close(e.done)
	}
	select {
	case <-e.done:
	case <-cr.ctx.Done():
		return false, "canceled"
	}
	switch {
	case e.private:
		return true, ""
	case e.deny:
		return false, e.why
	case e.group == nil:
		return true, ""
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.group.Test(path), "robots"
}

// fetchRobots follows RFC 9309: 2xx is parsed, 4xx (and too many
// redirects) allows everything, 5xx and unreachable disallow everything for
// this crawl. A Crawl-delay is handed to the transport.
func (cr *crawl) fetchRobots(e *robotsEntry, base, host string) {
	req, err := http.NewRequestWithContext(context.WithValue(cr.ctx, robotsKey{}, true), http.MethodGet, base+"/robots.txt", nil)
	if err != nil {
		e.deny, e.why = true, "robots.txt: bad url"
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
		e.why = "robots.txt unreachable: " + errReason(err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	if err != nil && !errors.Is(err, ErrTooLarge) {
		e.deny, e.why = true, "robots.txt unreachable: "+errReason(err)
		return
	}
	switch {
	case resp.StatusCode >= 500:
		e.deny, e.why = true, fmt.Sprintf("robots.txt http %d", resp.StatusCode)
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
