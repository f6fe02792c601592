package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Job asks a worker to fetch one article page of a source.
type Job struct {
	Source string `json:"source"`
	URL    string `json:"url"`
	// Canonical is the URL's canonical form (the de-duplication key);
	// empty means URL.
	Canonical string `json:"canonical,omitempty"`
	// Lend, when set, asks for no fetch: the partition's holder lends the
	// URL's host to the process listening on this subject (the daemon's
	// Borrow), once the host may be asked, and waits for its answer.
	Lend string `json:"lend,omitempty"`
}

// JobInfo is what the queue knows of a delivered job.
type JobInfo struct {
	Partition int
	Delivered int // 1 on the first delivery
}

// JobHandler handles one job. nil acknowledges it; an error other than
// ctx's hands it back for another delivery (up to MaxDeliver); when ctx is
// done the job is left unacknowledged, so it is delivered again after
// AckWait, as if the worker had died. Handlers run concurrently (up to
// ConsumeOptions.Parallelism); the pacing between jobs of one host is
// ConsumeOptions.NotBefore's.
type JobHandler func(ctx context.Context, j Job, info JobInfo) error

// PublishJob queues a fetch job on its host's partition. It reports
// whether JetStream dropped it as a copy of a job published within the
// duplicate window.
func (q *Queue) PublishJob(ctx context.Context, j Job) (duplicate bool, err error) {
	u, err := url.Parse(j.URL)
	if err != nil || u.Host == "" {
		return false, fmt.Errorf("queue: job %q: not an absolute URL", j.URL)
	}
	data, err := json.Marshal(j)
	if err != nil {
		return false, fmt.Errorf("queue: job %s: %w", j.URL, err)
	}
	key := j.Canonical
	if key == "" {
		key = j.URL
	}
	ack, err := q.js.Publish(ctx, jobSubject(q.Partition(u.Hostname())), data, jetstream.WithMsgID(MsgID(key)))
	if err != nil {
		return false, fmt.Errorf("queue: publish job %s: %w", j.URL, err)
	}
	return ack.Duplicate, nil
}

// pullWait is how long one pull waits for a message before asking again.
const pullWait = 5 * time.Second

// tokenWait is how long one pull of partition tokens waits: a stopping
// process waits for the pull in course.
const tokenWait = time.Second

// idleWait is how long a partition's holder waits for a job when the
// partition is empty and nothing of it is in hand, before it gives the
// partition back.
const idleWait = 200 * time.Millisecond

// ConsumeOptions tune how a process consumes jobs.
type ConsumeOptions struct {
	// Parallelism is how many jobs run at once in this process (a
	// worker's crawl.parallelism); below 1: 1. A process takes another
	// partition only while fewer jobs than that are running or ready to.
	Parallelism int
	// NotBefore tells when host may be asked again (the worker's
	// crawler.NotBefore). A job waits for its host before it starts, and a
	// partition given back is delivered to the next holder only after the
	// latest of its hosts' times. nil: hosts never wait.
	NotBefore func(host string) time.Time
	// Lent records that the daemon asked host, lent by this process, and
	// had its response at at (the worker's crawler.Lent), so that the
	// host's next request here and NotBefore count the delay from then.
	// nil: not recorded.
	Lent func(host string, at time.Time)
}

// ConsumeJobs is ConsumeJobsUntil(ctx, ctx, opts, handle): a job in hand
// when ctx ends is left for another delivery.
func (q *Queue) ConsumeJobs(ctx context.Context, opts ConsumeOptions, handle JobHandler) error {
	return q.ConsumeJobsUntil(ctx, ctx, opts, handle)
}

// ConsumeJobsUntil takes partitions and their jobs until pull is done,
// and hands the jobs to handle with work, so that a graceful stop (pull
// done, work not yet) lets the jobs in hand finish and be acknowledged. It
// returns pull's error once the handlers running have returned and the
// partitions held are given back.
//
// A process handles a partition's jobs only while it holds the
// partition's token (a message of the partition stream, kept unacknowledged
// while held, so the server gives it to no one else): up to
// Options.JobsPerPartition of them at once, each waiting for its host's
// NotBefore, jobs of a host with a delay one at a time. It gives the token
// back (a negative acknowledgement delayed until its hosts' NotBefore)
// when the partition is empty, when this process has no room for it, after
// Options.Turn, or when pull ends; a process that dies holding it loses it
// after Options.Lease.
func (q *Queue) ConsumeJobsUntil(pull, work context.Context, opts ConsumeOptions, handle JobHandler) error {
	jobs := make([]jetstream.Consumer, q.opts.Partitions)
	for p := range jobs {
		cons, err := q.js.Consumer(pull, JobStream, jobConsumer(p))
		if err != nil {
			return fmt.Errorf("queue: consumer %s: %w", jobConsumer(p), err)
		}
		jobs[p] = cons
	}
	tokens, err := q.js.Consumer(pull, PartitionStream, PartitionConsumer)
	if err != nil {
		return fmt.Errorf("queue: consumer %s: %w", PartitionConsumer, err)
	}
	c := &consumer{q: q, pull: pull, work: work, handle: handle, jobs: jobs,
		busy: make(chan struct{}, max(opts.Parallelism, 1)), room: make(chan struct{}, 1),
		notBefore: opts.NotBefore, lent: opts.Lent, hosts: map[string]*hostState{}}
	if c.notBefore == nil {
		c.notBefore = func(string) time.Time { return time.Time{} }
	}
	if c.lent == nil {
		c.lent = func(string, time.Time) {}
	}
	err = c.takePartitions(tokens)
	c.wg.Wait()
	// The tokens given back are negative acknowledgements, sent without
	// waiting for the server: make sure they left before the caller closes
	// the connection.
	_ = q.nc.FlushTimeout(ackTimeout)
	return errors.Join(pull.Err(), err)
}

// consumer is one process's consumption of jobs.
type consumer struct {
	q          *Queue
	pull, work context.Context
	handle     JobHandler
	jobs       []jetstream.Consumer
	busy       chan struct{} // a slot per job running
	notBefore  func(host string) time.Time
	lent       func(host string, at time.Time)
	wg         sync.WaitGroup

	mu sync.Mutex
	// ready counts the jobs running or waiting for a slot, and the
	// partitions taken that have no job in hand yet.
	ready int
	room  chan struct{} // signalled when ready drops
	hosts map[string]*hostState
}

// hostState is what a process knows of a host among its jobs.
type hostState struct {
	lock    chan struct{} // held by the running job when the host has a delay
	noDelay bool          // a job ended and the host could be asked at once
}

func (c *consumer) addReady(n int) {
	c.mu.Lock()
	c.ready += n
	c.mu.Unlock()
	if n < 0 {
		select {
		case c.room <- struct{}{}:
		default:
		}
	}
}

// full reports whether the process has as many jobs ready as it runs at
// once, not counting own (a partition's own placeholder).
func (c *consumer) full(own int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready-own >= cap(c.busy)
}

func (c *consumer) host(h string) *hostState {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.hosts[h]
	if st == nil {
		st = &hostState{lock: make(chan struct{}, 1)}
		c.hosts[h] = st
	}
	return st
}

// takePartitions pulls partition tokens while the process has room, each
// held by its own goroutine, until pull or work is done.
func (c *consumer) takePartitions(tokens jetstream.Consumer) error {
	for c.pull.Err() == nil && c.work.Err() == nil {
		if c.full(0) {
			select {
			case <-c.room:
			case <-c.pull.Done():
			case <-c.work.Done():
			}
			continue
		}
		msg, err := nextWithin(tokens, tokenWait)
		if err != nil {
			if c.pull.Err() != nil || c.work.Err() != nil {
				return nil
			}
			if transient(err) {
				continue
			}
			return fmt.Errorf("queue: pull %s: %w", PartitionConsumer, err)
		}
		p, ok := tokenPartition(msg.Subject(), c.q.opts.Partitions)
		if !ok {
			// A token of a partition this deployment no longer has
			// (fewer partitions configured): no job reaches it.
			_ = msg.NakWithDelay(c.q.opts.Lease)
			continue
		}
		c.addReady(1)
		c.wg.Go(func() { c.hold(p, msg) })
	}
	return nil
}

// hold handles partition p's jobs while its token is held, then gives the
// token back, delayed until every host it served may be asked again.
func (c *consumer) hold(p int, token jetstream.Msg) {
	placeholder := 1
	dropPlaceholder := func() {
		if placeholder == 1 {
			placeholder = 0
			c.addReady(-1)
		}
	}
	defer dropPlaceholder()
	keep := time.NewTicker(c.q.opts.Lease / 3)
	stopKeep := make(chan struct{})
	go func() {
		defer keep.Stop()
		for {
			select {
			case <-keep.C:
				_ = token.InProgress()
			case <-stopKeep:
				return
			}
		}
	}()
	var inHand sync.WaitGroup
	slots := make(chan struct{}, c.q.opts.JobsPerPartition)
	ended := make(chan struct{}, 1)
	// waitEnd waits for one of the partition's jobs to end (or a short
	// while, or the end of pull).
	waitEnd := func() {
		t := time.NewTimer(idleWait)
		defer t.Stop()
		select {
		case <-ended:
		case <-t.C:
		case <-c.pull.Done():
		}
	}
	served := map[string]bool{}
	empty := false // found empty when taken
	turnEnd := time.Now().Add(c.q.opts.Turn)
	for c.pull.Err() == nil && c.work.Err() == nil && time.Now().Before(turnEnd) {
		select {
		case slots <- struct{}{}:
		case <-ended:
			continue
		case <-c.pull.Done():
			continue
		}
		mine := len(slots) - 1 // jobs of the partition in hand besides this slot
		if c.full(placeholder) {
			<-slots
			if mine == 0 {
				break // no room here for it: another process may have some
			}
			waitEnd()
			continue
		}
		var msg jetstream.Msg
		var err error
		if len(served) == 0 {
			// A partition just taken is looked at without waiting: most
			// are empty, and a process looks through them all.
			msg, err = nextNoWait(c.jobs[p])
		} else {
			msg, err = nextWithin(c.jobs[p], idleWait)
		}
		if err != nil {
			<-slots
			if len(served) == 0 {
				empty = true
			}
			if c.pull.Err() != nil || mine == 0 {
				break // empty, or stopping
			}
			waitEnd()
			continue
		}
		var j Job
		if err := json.Unmarshal(msg.Data(), &j); err != nil {
			// Nothing will ever read it: drop it for good.
			_ = msg.Term()
			<-slots
			continue
		}
		host := ""
		if u, err := url.Parse(j.URL); err == nil {
			host = u.Host
		}
		served[host] = true
		dropPlaceholder()
		info := JobInfo{Partition: p, Delivered: 1}
		if md, err := msg.Metadata(); err == nil {
			info.Delivered = int(md.NumDelivered)
		}
		inHand.Go(func() {
			defer func() {
				<-slots
				select {
				case ended <- struct{}{}:
				default: // a signal is already waiting
				}
			}()
			c.run(msg, j, info, host)
		})
	}
	inHand.Wait()
	close(stopKeep)
	var at time.Time
	for h := range served {
		if nb := c.notBefore(h); nb.After(at) {
			at = nb
		}
	}
	d := time.Until(at)
	if empty {
		// Offered again after the others: an empty partition is looked
		// at again only after emptyRecheck.
		d = max(d, c.q.emptyRecheck())
	}
	if d > 0 {
		_ = token.NakWithDelay(d)
	} else {
		_ = token.Nak()
	}
}

// run waits for the job's host, then for a slot, handles the job and
// settles it.
func (c *consumer) run(msg jetstream.Msg, j Job, info JobInfo, host string) {
	st := c.host(host)
	c.mu.Lock()
	serial := !st.noDelay
	c.mu.Unlock()
	if serial {
		select {
		case st.lock <- struct{}{}:
			defer func() { <-st.lock }()
		case <-c.work.Done():
			return // left for another delivery
		}
	}
	if wait := time.Until(c.notBefore(host)); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.work.Done():
			t.Stop()
			return
		}
	}
	if j.Lend != "" {
		c.lend(msg, j, host)
		return
	}
	c.addReady(1)
	defer c.addReady(-1)
	select {
	case c.busy <- struct{}{}:
	case <-c.work.Done():
		return
	}
	err := c.q.work(c.work, c.q.opts.AckWait, []jetstream.Msg{msg}, func(ctx context.Context) error { return c.handle(ctx, j, info) })
	<-c.busy
	c.mu.Lock()
	st.noDelay = !c.notBefore(host).After(time.Now())
	c.mu.Unlock()
	settle(msg, err, c.q.opts.AckWait/4)
}

// lend answers a lending job: the host may be asked now (run waited for
// it, holding the host), so the borrower is told to go, and its answer,
// when its response arrived, becomes the host's last request here. A
// borrower that gave up meanwhile (no responders) asked nothing; one that
// does not answer within lendWait is taken to have asked at the end of
// the wait. The job is acknowledged either way: delivered again, it would
// find no borrower.
func (c *consumer) lend(msg jetstream.Msg, j Job, host string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.q.lendWait())
	_, err := c.q.nc.RequestWithContext(ctx, j.Lend, nil)
	cancel()
	if !errors.Is(err, nats.ErrNoResponders) {
		c.lent(host, time.Now())
	}
	settle(msg, nil, 0)
}

// lendWait is how long a holder waits for a borrower's answer: longer than
// a request takes (the borrower's crawl.timeout), shorter than the job's
// ack wait.
func (q *Queue) lendWait() time.Duration { return q.opts.AckWait / 2 }

// Borrow waits until the fetch workers lend u's host to this process,
// which may then ask it (the daemon's listings and robots.txt requests):
// it publishes a lending job on the host's partition, which the
// partition's holder answers, once the host may be asked under its pacing,
// with a request on a subject of this connection. The caller makes its
// request and calls release when the response headers arrived; the
// holder's next request to the host, and the partition's handover, then
// wait the delay from then. So a host is paced in one place, the
// partition holder, whoever asks it. Borrow fails when no holder lends the
// host within Options.BorrowWait (no worker running, or the host's backlog
// of jobs ahead of the lending job takes longer) or when ctx ends.
func (q *Queue) Borrow(ctx context.Context, u *url.URL) (release func(), err error) {
	// Not a response inbox of the connection's request mux, whose
	// wildcard would answer for it after it is gone.
	inbox := nats.NewInbox()
	sub, err := q.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, fmt.Errorf("queue: borrow %s: %w", u.Host, err)
	}
	if _, err := q.PublishJob(ctx, Job{URL: u.String(), Canonical: "lend " + inbox, Lend: inbox}); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("queue: borrow %s: %w", u.Host, err)
	}
	wctx, cancel := context.WithTimeout(ctx, q.opts.BorrowWait)
	defer cancel()
	m, err := sub.NextMsgWithContext(wctx)
	if err != nil {
		_ = sub.Unsubscribe()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("queue: no fetch worker lent %s within %s: %w", u.Host, q.opts.BorrowWait, ErrNotLent)
	}
	return func() {
		_ = m.Respond(nil)
		_ = sub.Unsubscribe()
	}, nil
}

// ErrNotLent: no fetch worker lent a host within Options.BorrowWait.
var ErrNotLent = errors.New("host not lent")

// emptyRecheck is how long a partition found empty waits before a
// process looks at it again: the longest a new job of an idle partition
// waits, at a cost of Partitions/emptyRecheck small requests a second
// while the queue is idle.
func (q *Queue) emptyRecheck() time.Duration {
	return max(50*time.Millisecond, time.Duration(q.opts.Partitions)*time.Millisecond)
}

// nextNoWait returns a message the consumer has now, or
// jetstream.ErrNoMessages.
func nextNoWait(cons jetstream.Consumer) (jetstream.Msg, error) {
	b, err := cons.FetchNoWait(1)
	if err != nil {
		return nil, err
	}
	for m := range b.Messages() {
		return m, nil
	}
	if err := b.Error(); err != nil {
		return nil, err
	}
	return nil, jetstream.ErrNoMessages
}

// tokenPartition reads the partition of a token's subject.
func tokenPartition(subject string, n int) (int, bool) {
	s, ok := strings.CutPrefix(subject, PartitionSubject+".")
	if !ok {
		return 0, false
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p >= n {
		return 0, false
	}
	return p, true
}

// settle acknowledges msg after its work ended without error (waiting for
// the server to confirm, so that a stopping process leaves nothing
// half-acknowledged), hands it back (for another delivery after delay)
// after an error, and leaves it alone when the work was cut short
// (errNotAcked). A lost acknowledgement only means a redelivery, which
// the message ids and the store make harmless.
func settle(msg jetstream.Msg, err error, delay time.Duration) {
	switch {
	case errors.Is(err, errNotAcked):
	case err != nil:
		_ = msg.NakWithDelay(delay)
	default:
		ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
		defer cancel()
		_ = msg.DoubleAck(ctx)
	}
}

// ackTimeout bounds the wait for the server's confirmation of an ack.
const ackTimeout = 10 * time.Second

// work runs fn while telling the server, every ackWait/3, that msgs are
// still being worked on, so long work is not delivered twice. It returns
// errNotAcked when ctx ended first.
func (q *Queue) work(ctx context.Context, ackWait time.Duration, msgs []jetstream.Msg, fn func(context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	t := time.NewTicker(ackWait / 3)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return errNotAcked
			}
			return err
		case <-t.C:
			for _, m := range msgs {
				_ = m.InProgress()
			}
		}
	}
}

// nextWithin pulls one message, waiting up to wait on the server. Unlike
// next, it does not end with a context: its client side waits a second
// longer than the server, so a message the server sends at the end of the
// wait is never left unread (delivered, then redelivered only after the
// ack wait: a job would stall for AckWait, a token for the lease).
func nextWithin(cons jetstream.Consumer, wait time.Duration) (jetstream.Msg, error) {
	return cons.Next(jetstream.FetchMaxWait(wait))
}

// next pulls one message, waiting at most wait.
func next(ctx context.Context, cons jetstream.Consumer, wait time.Duration) (jetstream.Msg, error) {
	pctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	return cons.Next(jetstream.FetchContext(pctx))
}

// transient reports whether a pull failed only for now: nothing to fetch,
// or the connection is being re-established.
func transient(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, jetstream.ErrNoHeartbeat) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrDisconnected)
}
