package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
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
}

// JobInfo is what the queue knows of a delivered job.
type JobInfo struct {
	Partition int
	Delivered int // 1 on the first delivery
}

// JobHandler handles one job. nil acknowledges it; an error other than
// ctx's hands it back for another delivery (up to MaxDeliver); when ctx is
// done the job is left unacknowledged, so it is delivered again after
// AckWait, as if the worker had died. A handler that keeps the next
// request to a host polite returns only once the host may be asked again:
// the partition's next job is delivered only after the return.
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

// ConsumeJobs handles jobs of every partition, at most one per partition at
// a time, until ctx is done; it then returns ctx's error once the handlers
// running have returned. It is ConsumeJobsUntil(ctx, ctx, handle): a job
// in hand when ctx ends is left for another delivery.
func (q *Queue) ConsumeJobs(ctx context.Context, handle JobHandler) error {
	return q.ConsumeJobsUntil(ctx, ctx, handle)
}

// ConsumeJobsUntil takes jobs until pull is done, and hands them to handle
// with work, so that a graceful stop (pull done, work not yet) lets the
// jobs in hand finish and be acknowledged. It returns pull's error once
// the handlers running have returned.
func (q *Queue) ConsumeJobsUntil(pull, work context.Context, handle JobHandler) error {
	conss := make([]jetstream.Consumer, q.opts.Partitions)
	for p := range conss {
		cons, err := q.js.Consumer(pull, JobStream, jobConsumer(p))
		if err != nil {
			return fmt.Errorf("queue: consumer %s: %w", jobConsumer(p), err)
		}
		conss[p] = cons
	}
	var wg sync.WaitGroup
	errs := make(chan error, q.opts.Partitions)
	for p, cons := range conss {
		wg.Go(func() {
			if err := q.consumePartition(pull, work, p, cons, handle); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	err := errors.Join(func() (es []error) {
		for e := range errs {
			es = append(es, e)
		}
		return
	}()...)
	return errors.Join(pull.Err(), err)
}

func (q *Queue) consumePartition(pull, ctx context.Context, p int, cons jetstream.Consumer, handle JobHandler) error {
	for pull.Err() == nil && ctx.Err() == nil {
		msg, err := next(pull, cons)
		if err != nil {
			if pull.Err() != nil || ctx.Err() != nil {
				return nil
			}
			if transient(err) {
				continue
			}
			return fmt.Errorf("queue: pull %s: %w", jobConsumer(p), err)
		}
		var j Job
		if err := json.Unmarshal(msg.Data(), &j); err != nil {
			// Nothing will ever read it: drop it for good.
			_ = msg.Term()
			continue
		}
		info := JobInfo{Partition: p, Delivered: 1}
		if md, err := msg.Metadata(); err == nil {
			info.Delivered = int(md.NumDelivered)
		}
		err = q.work(ctx, q.opts.AckWait, []jetstream.Msg{msg}, func(ctx context.Context) error { return handle(ctx, j, info) })
		settle(msg, err, q.opts.AckWait/4)
	}
	return nil
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

// next pulls one message, waiting at most pullWait.
func next(ctx context.Context, cons jetstream.Consumer) (jetstream.Msg, error) {
	pctx, cancel := context.WithTimeout(ctx, pullWait)
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
