package crawler

import (
	"context"
	"sync"
	"time"
)

// frontier holds the URLs a crawl has yet to fetch, one queue per host, and
// hands them to the crawl's fetchers, a fixed number of goroutines
// (crawl.parallelism). A crawl's memory so grows with the URLs it knows
// (a job each), not with a goroutine and a fetched body per URL, as when
// every discovered URL became a request of its own waiting for its host
// (docs/memory.md).
//
// A host whose requests are spaced (a per-host delay or a Crawl-delay) has
// one fetch in flight in a crawl at a time: the others of its queue wait
// here, not in a fetcher, so one slow host does not hold every fetcher.
// Of the hosts that may take a fetch, next gives the one whose next request
// may start first (round robin among equals), so hosts are served side by
// side. The transport still spaces requests to a host across every crawl
// of the process; the frontier only decides which fetcher waits for what.
type frontier struct {
	paced     func(host string) bool      // requests to host are spaced
	notBefore func(host string) time.Time // when a request to host may start
	limit     int                         // fetches in flight per unpaced host

	mu     sync.Mutex
	wake   *sync.Cond
	hosts  map[string]*hostQueue
	ready  []*hostQueue // hosts with queued jobs, in round-robin order
	open   int          // jobs queued or in flight, and holds (hold)
	closed bool         // the crawl's context is done
}

// hostQueue is one host's jobs, first in first out.
type hostQueue struct {
	host     string
	jobs     []*job
	inFlight int
	listed   bool // in frontier.ready
}

func newFrontier(ctx context.Context, limit int, paced func(string) bool, notBefore func(string) time.Time) *frontier {
	f := &frontier{paced: paced, notBefore: notBefore, limit: max(limit, 1), hosts: map[string]*hostQueue{}}
	f.wake = sync.NewCond(&f.mu)
	context.AfterFunc(ctx, func() {
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		f.wake.Broadcast()
	})
	return f
}

// push queues j for its host.
func (f *frontier) push(host string, j *job) {
	f.mu.Lock()
	f.add(host, j)
	f.mu.Unlock()
	f.wake.Signal()
}

// pushAll queues jobs for their hosts (job.host), in order, each host's
// after one another.
func (f *frontier) pushAll(jobs []*job) {
	if len(jobs) == 0 {
		return
	}
	f.mu.Lock()
	for _, j := range jobs {
		f.add(j.host, j)
	}
	f.mu.Unlock()
	f.wake.Broadcast()
}

// add queues j for host. Call with f.mu held.
func (f *frontier) add(host string, j *job) {
	q := f.hosts[host]
	if q == nil {
		q = &hostQueue{host: host}
		f.hosts[host] = q
	}
	q.jobs = append(q.jobs, j)
	f.open++
	if !q.listed {
		q.listed = true
		f.ready = append(f.ready, q)
	}
}

// hold keeps the frontier open while work that may push jobs runs outside
// a fetcher (seeding); release ends it.
func (f *frontier) hold() {
	f.mu.Lock()
	f.open++
	f.mu.Unlock()
}

func (f *frontier) release() {
	f.mu.Lock()
	f.open--
	f.mu.Unlock()
	f.wake.Broadcast()
}

// next blocks until a job may be fetched and returns it with its host, or
// returns nil when the crawl is over: nothing queued or in flight, or its
// context done. The caller calls done(host) when the job is handled
// (after anything it discovered was pushed).
func (f *frontier) next() (*job, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if f.closed || f.open == 0 {
			return nil, ""
		}
		if q := f.pick(); q != nil {
			j := q.jobs[0]
			q.jobs[0] = nil
			q.jobs = q.jobs[1:]
			if len(q.jobs) == 0 {
				q.jobs = nil // let the backing array go
			}
			q.inFlight++
			return j, q.host
		}
		f.wake.Wait()
	}
}

// pick takes the host to fetch from next off f.ready, or returns nil when
// no host may take a fetch now. Call with f.mu held.
func (f *frontier) pick() *hostQueue {
	best, bestAt := -1, time.Time{}
	keep := f.ready[:0]
	for _, q := range f.ready {
		if len(q.jobs) == 0 {
			q.listed = false
			if q.inFlight == 0 {
				delete(f.hosts, q.host)
			}
			continue
		}
		keep = append(keep, q)
		if q.inFlight >= f.limit || q.inFlight > 0 && f.paced(q.host) {
			continue
		}
		if at := f.notBefore(q.host); best < 0 || at.Before(bestAt) {
			best, bestAt = len(keep)-1, at
		}
	}
	clear(f.ready[len(keep):])
	f.ready = keep
	if best < 0 {
		return nil
	}
	q := f.ready[best]
	// Round robin: the host picked goes to the back.
	f.ready = append(append(f.ready[:best], f.ready[best+1:]...), q)
	return q
}

// done records that a job of host is handled.
func (f *frontier) done(host string) {
	f.mu.Lock()
	q := f.hosts[host]
	q.inFlight--
	f.open--
	if len(q.jobs) == 0 && q.inFlight == 0 && !q.listed {
		delete(f.hosts, host)
	}
	f.mu.Unlock()
	f.wake.Broadcast()
}
