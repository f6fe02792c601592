package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Errors a fetch can fail with (wrapped in *url.Error by net/http).
var (
	ErrPrivateNetwork = errors.New("refused: target is on a loopback, private or link-local network")
	ErrTooLarge       = errors.New("response body over max_body_bytes")
	errRedirects      = errors.New("too many redirects")
	errRobotsRedirect = errors.New("redirect target disallowed by robots.txt")
	errHostBusy       = errors.New("host asked to wait longer than we wait (Retry-After)")
)

const (
	// maxRetryAfter is the longest Retry-After we wait for; a host that
	// asks for more is skipped (its requests fail "retry-after") until then.
	maxRetryAfter = 30 * time.Second
	maxCrawlDelay = 60 * time.Second // longest robots Crawl-delay we honour
	// hiddenContentType carries Content-Type past colly, which would
	// otherwise re-decode bodies itself from the header's charset.
	hiddenContentType = "X-Newsmon-Content-Type"
)

// transport is the crawler's manners and limits, applied to every request
// (pages, robots.txt, every redirect hop): private-network refusal, a
// per-host gap between requests (the larger of per_host_delay and robots
// Crawl-delay, later pushed back by Retry-After and backoff), global
// parallelism, a per-request timeout and max_body_bytes. One transport
// serves every crawl of a Crawler, so its gates and its parallelism hold
// across sources and cycles.
type transport struct {
	resolver Resolver

	mu   sync.Mutex
	conf transportConf
	// proxies are the addresses (host:port) of the proxies requests were
	// sent through: the operator's choice, dialled without the
	// private-network guard.
	proxies map[string]bool
	hosts   map[string]*gate
	borrow  Borrow
}

// Borrow waits until a request to the URL's host may start under pacing
// kept outside this process (the fetch workers', package queue) and
// returns a release to call when the response headers arrived.
type Borrow func(ctx context.Context, u *url.URL) (release func(), err error)

// transportConf is what SetSettings may change; a request uses the conf in
// force when it starts.
type transportConf struct {
	base         http.RoundTripper
	proxy        func(*http.Request) (*url.URL, error) // nil: no proxy known (a caller's client)
	allowPrivate bool
	timeout      time.Duration
	maxBody      int64
	delay        time.Duration
	sem          chan struct{}
}

// Resolver resolves target host names when requests go through a proxy,
// so that the private-network guard applies to the target (the proxy
// resolves it again; *net.Resolver implements it).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// gate paces one host. lock is held from the start of a request until its
// response headers arrive when the host has a delay.
type gate struct {
	lock      chan struct{}
	delay     time.Duration // robots Crawl-delay; 0: transport default
	last      time.Time     // when the last response headers arrived
	notBefore time.Time     // Retry-After / backoff
}

func newTransport(base http.RoundTripper, s settings, r Resolver) *transport {
	if r == nil {
		r = net.DefaultResolver
	}
	t := &transport{resolver: r, proxies: map[string]bool{}, hosts: map[string]*gate{}}
	t.conf = t.newConf(base, nil, s)
	return t
}

// newConf returns the transport configuration for s over base.
func (t *transport) newConf(base http.RoundTripper, proxy func(*http.Request) (*url.URL, error), s settings) transportConf {
	return transportConf{
		base:         base,
		proxy:        proxy,
		allowPrivate: s.AllowPrivateNetworks,
		timeout:      s.Timeout,
		maxBody:      s.MaxBodyBytes,
		delay:        s.PerHostDelay,
		sem:          make(chan struct{}, s.Parallelism),
	}
}

// setConf switches to c; the old base's idle connections are closed when
// the base changes. Requests in flight finish under the old conf.
func (t *transport) setConf(c transportConf) {
	t.mu.Lock()
	old := t.conf
	if c.base == nil {
		c.base, c.proxy = old.base, old.proxy
	}
	if cap(c.sem) == cap(old.sem) {
		c.sem = old.sem
	}
	if c.base != old.base {
		t.proxies = map[string]bool{} // the new base's proxy, if any, is recorded as it is used
	}
	t.conf = c
	t.mu.Unlock()
	if ci, ok := old.base.(interface{ CloseIdleConnections() }); ok && c.base != old.base {
		ci.CloseIdleConnections()
	}
}

func (t *transport) current() transportConf {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.conf
}

// proxyFunc returns the proxy of the settings: crawl.proxy when set, else
// the standard environment variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
func proxyFunc(s settings) (func(*http.Request) (*url.URL, error), error) {
	if s.Proxy == "" {
		return http.ProxyFromEnvironment, nil
	}
	u, err := url.Parse(s.Proxy)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("crawler: proxy %q is not a URL with a host", s.Proxy)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("crawler: proxy %q: scheme must be http, https or socks5", s.Proxy)
	}
	return http.ProxyURL(u), nil
}

// defaultBase is the dialling transport: resolved addresses are checked at
// connect time, so DNS names, rebinding and redirects are all covered. A
// proxy's own address is not checked (the operator chose it); requests sent
// through it have their target checked in RoundTrip instead.
func (t *transport) defaultBase(s settings, proxy func(*http.Request) (*url.URL, error)) *http.Transport {
	plain := &net.Dialer{Timeout: s.Timeout, KeepAlive: 30 * time.Second}
	dial := plain.DialContext
	if !s.AllowPrivateNetworks {
		guarded := *plain
		guarded.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !public(ip) {
				return fmt.Errorf("dial %s: %w", address, ErrPrivateNetwork)
			}
			return nil
		}
		dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			if t.isProxy(address) {
				return plain.DialContext(ctx, network, address)
			}
			return guarded.DialContext(ctx, network, address)
		}
	}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           dial,
		MaxIdleConnsPerHost:   s.Parallelism,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   s.Timeout,
		ResponseHeaderTimeout: s.Timeout,
		ForceAttemptHTTP2:     true,
	}
}

func (t *transport) isProxy(address string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.proxies[address]
}

// hostPort is u's host with the scheme's default port, as net/http dials it.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// checkTarget applies the private-network guard to a request that the
// dialler cannot check: one sent through a proxy (or to a proxy's address
// directly). The target host is resolved, and every address must be public.
func (t *transport) checkTarget(ctx context.Context, c transportConf, req *http.Request) error {
	if c.allowPrivate || c.proxy == nil {
		return nil
	}
	p, err := c.proxy(req)
	if err != nil {
		return err
	}
	if p != nil {
		t.mu.Lock()
		t.proxies[hostPort(p)] = true
		t.mu.Unlock()
	} else if !t.isProxy(hostPort(req.URL)) {
		return nil // direct: checked when dialled
	}
	host := req.URL.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		return nil // literal addresses are checked in RoundTrip
	}
	addrs, err := t.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if !public(net.IP(a.Unmap().AsSlice())) {
			return fmt.Errorf("%s resolves to %s: %w", host, a, ErrPrivateNetwork)
		}
	}
	return nil
}

var nonPublic = func() []*net.IPNet {
	var nets []*net.IPNet
	for _, c := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4", "64:ff9b::/96"} {
		_, n, _ := net.ParseCIDR(c)
		nets = append(nets, n)
	}
	return nets
}()

// public reports whether ip is a globally routable unicast address.
func public(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, n := range nonPublic {
		if n.Contains(ip) {
			return false
		}
	}
	return true
}

func (t *transport) gate(host string) *gate {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.hosts[host]
	if g == nil {
		g = &gate{lock: make(chan struct{}, 1)}
		t.hosts[host] = g
	}
	return g
}

// setCrawlDelay records a host's robots Crawl-delay (0: none); it applies
// when larger than the default delay. A re-fetched robots.txt replaces it.
func (t *transport) setCrawlDelay(host string, d time.Duration) {
	d = min(d, maxCrawlDelay)
	g := t.gate(host)
	t.mu.Lock()
	g.delay = d
	t.mu.Unlock()
}

// notBefore returns when a request to host may start: after the last
// response plus the host's delay, and not before a Retry-After or backoff.
func (t *transport) notBefore(host string) time.Time {
	g := t.gate(host)
	t.mu.Lock()
	defer t.mu.Unlock()
	at := g.notBefore
	if d := max(t.conf.delay, g.delay); d > 0 && !g.last.IsZero() {
		if next := g.last.Add(d); next.After(at) {
			at = next
		}
	}
	return at
}

func (t *transport) borrower() Borrow {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.borrow
}

// lent records that another process asked host, by this one's leave, and
// had its response at at: the host's next request waits the delay from
// then.
func (t *transport) lent(host string, at time.Time) {
	g := t.gate(host)
	t.mu.Lock()
	if at.After(g.last) {
		g.last = at
	}
	t.mu.Unlock()
}

// paced reports whether requests to host are spaced: a per-host delay or
// a Crawl-delay.
func (t *transport) paced(host string) bool {
	g := t.gate(host)
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(t.conf.delay, g.delay) > 0
}

// holdOff keeps every request to host waiting for d (at most a day).
func (t *transport) holdOff(host string, d time.Duration) {
	d = min(d, 24*time.Hour)
	g := t.gate(host)
	t.mu.Lock()
	if nb := time.Now().Add(d); nb.After(g.notBefore) {
		g.notBefore = nb
	}
	t.mu.Unlock()
}

// wait blocks until a request to g may start; with locked, it holds g.lock.
func (t *transport) wait(ctx context.Context, g *gate) (locked bool, err error) {
	t.mu.Lock()
	delay := max(t.conf.delay, g.delay)
	t.mu.Unlock()
	if delay > 0 {
		select {
		case g.lock <- struct{}{}:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	for {
		t.mu.Lock()
		at := g.notBefore
		if time.Until(at) > maxRetryAfter {
			t.mu.Unlock()
			if delay > 0 {
				<-g.lock
			}
			return false, errHostBusy
		}
		if delay > 0 && !g.last.IsZero() {
			if d := g.last.Add(max(t.conf.delay, g.delay)); d.After(at) {
				at = d
			}
		}
		t.mu.Unlock()
		wait := time.Until(at)
		if wait <= 0 {
			return delay > 0, nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			if delay > 0 {
				<-g.lock
			}
			return false, ctx.Err()
		}
	}
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.current()
	if !c.allowPrivate {
		h := strings.ToLower(strings.TrimSuffix(req.URL.Hostname(), "."))
		ip := net.ParseIP(h)
		if ip == nil {
			ip = legacyIPv4(h) // a proxy or the C resolver may read "2130706433" as 127.0.0.1
		}
		if (ip != nil && !public(ip)) || h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return nil, fmt.Errorf("%s: %w", req.URL.Host, ErrPrivateNetwork)
		}
	}
	ctx := req.Context()
	g := t.gate(req.URL.Host)
	locked, err := t.wait(ctx, g)
	if err != nil {
		return nil, err
	}
	lent := func() {}
	if b := t.borrower(); b != nil && t.paced(req.URL.Host) {
		if lent, err = b(ctx, req.URL); err != nil {
			if locked {
				<-g.lock
			}
			return nil, err
		}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		lent()
		if locked {
			<-g.lock
		}
		return nil, ctx.Err()
	}
	release := func() { <-c.sem }

	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	err = t.checkTarget(rctx, c, req)
	var resp *http.Response
	if err == nil {
		resp, err = c.base.RoundTrip(req.WithContext(rctx))
	}

	now := time.Now()
	t.mu.Lock()
	g.last = now
	t.mu.Unlock()
	lent()
	if locked {
		<-g.lock
	}
	if err != nil {
		cancel()
		release()
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			t.holdOff(req.URL.Host, d)
		}
	}
	// robots.txt has its own limit: its first maxRobotsBytes are read
	// (RFC 9309), however long it says it is.
	limit := c.maxBody
	if robotsRequest(req) {
		limit = maxRobotsBytes
	} else if limit > 0 && resp.ContentLength > limit {
		resp.Body.Close()
		cancel()
		release()
		return nil, fmt.Errorf("%s: %d bytes: %w", req.URL, resp.ContentLength, ErrTooLarge)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// net/http runs CheckRedirect (which may fetch robots.txt) before
		// closing a redirect's body: free the slot now.
		release()
		release = func() {}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		resp.Header.Set(hiddenContentType, ct)
		resp.Header.Del("Content-Type")
	}
	// Bodies are decompressed by net/http or not at all: never by colly,
	// whose gzip reader is unbounded.
	resp.Uncompressed = true
	resp.Body = &limitedBody{rc: resp.Body, left: limit, limited: limit > 0, done: func() { cancel(); release() }}
	return resp, nil
}

// legacyIPv4 parses the IPv4 forms inet_aton accepts beyond dotted decimal:
// one to four parts, each decimal, octal (leading 0) or hex (0x), the last
// filling the remaining bytes ("2130706433", "0x7f.1", "0177.0.0.1",
// "127.1"). Anything else gives nil.
func legacyIPv4(h string) net.IP {
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return nil
	}
	var v uint64
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32)
		if err != nil {
			return nil
		}
		if i < len(parts)-1 {
			if n > 255 {
				return nil
			}
			v |= n << (24 - 8*i)
			continue
		}
		if n >= 1<<(8*(4-i)) {
			return nil
		}
		v |= n
	}
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// retryAfter parses a Retry-After value (seconds or an HTTP date).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return min(time.Duration(s)*time.Second, 24*time.Hour), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// limitedBody fails with ErrTooLarge past the limit and releases the
// request's slot and timeout on Close.
type limitedBody struct {
	rc      io.ReadCloser
	left    int64
	limited bool
	once    sync.Once
	done    func()
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.limited && int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if b.limited {
		b.left -= int64(n)
		if b.left < 0 {
			return 0, ErrTooLarge
		}
	}
	return n, err
}

func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.done)
	return err
}
