// Package queue carries newsmon's work between processes on NATS JetStream:
// fetch jobs from the daemon's discovery to the workers, and extracted
// articles from the workers back to the daemon, which alone stores and
// clusters them. Without a NATS URL nothing here is used and newsmon runs
// in one process.
//
// Jobs go to a work-queue stream, partitioned by host onto subjects
// (newsmon.jobs.<partition>, partition = SHA-256(host) mod Partitions), one
// durable consumer per partition. A partition is consumed by one process at
// a time: the one holding its token, a message of a third stream
// (newsmon.partitions.<partition>) that the holder keeps unacknowledged, so
// the server delivers it to no one else. The holder keeps up to
// JobsPerPartition of the partition's jobs in flight, paced host by host by
// its own crawler, and gives the token back with a negative acknowledgement
// delayed until every host it asked may be asked again; a holder that dies
// loses the token after Lease. That makes politeness hold across workers
// (see ConsumeJobsUntil). Articles go to a second work-queue stream
// consumed by the daemon.
//
// Both publishes carry a message id (a job: the hash of its canonical URL;
// an article: its id), so JetStream drops a copy published again within the
// stream's duplicate window. Work is acknowledged only when it is durable
// (a job when its article is published, an article after the store
// commit); unacknowledged work is delivered again after AckWait.
package queue

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream, subject and consumer names (documented in the README).
const (
	JobStream       = "NEWSMON_JOBS"
	JobSubject      = "newsmon.jobs" // + "." + partition
	ArticleStream   = "NEWSMON_ARTICLES"
	ArticleSubject  = "newsmon.articles"
	ArticleConsumer = "newsmon-daemon"
	// JobConsumerPrefix + partition (two digits or more) names a
	// partition's consumer.
	JobConsumerPrefix = "newsmon-jobs-"
	// PartitionStream holds one token per partition
	// (PartitionSubject.<partition>), consumed by PartitionConsumer.
	PartitionStream   = "NEWSMON_PARTITIONS"
	PartitionSubject  = "newsmon.partitions"
	PartitionConsumer = "newsmon-partitions"
)

// Defaults for zero Options fields.
const (
	DefaultPartitions = 64
	DefaultAckWait    = 2 * time.Minute
	// DefaultArticleAckWait is shorter: the daemon's work on a batch is a
	// store commit, and after a crash its articles should come back soon.
	DefaultArticleAckWait = 30 * time.Second
	DefaultDuplicates     = 2 * time.Hour
	DefaultMaxAge         = 7 * 24 * time.Hour
	DefaultMaxDeliver     = 5
	// DefaultLease is how long a partition stays with a process that
	// stopped renewing it (died): longer than any per-host delay or
	// Crawl-delay (at most a minute), so the next holder keeps the gap.
	DefaultLease = 90 * time.Second
	// DefaultJobsPerPartition is how many jobs of a partition its holder
	// keeps in flight: jobs of different hosts (or of a host without
	// delay) run side by side.
	DefaultJobsPerPartition = 8
	// DefaultTurn is how long a process holds a partition that keeps
	// having jobs before it gives it back for others to take.
	DefaultTurn = 10 * time.Second
	// DefaultBorrowWait is how long the daemon waits for a worker to lend
	// it a host for a listing: a host whose jobs ahead take longer has its
	// listings skipped (failed "not lent") until they are done.
	DefaultBorrowWait = time.Minute
)

// Options configure a connection. Partitions must be the same in every
// process of one deployment: it is fixed when the streams are created.
type Options struct {
	URL        string
	Partitions int           // job partitions (default DefaultPartitions)
	AckWait    time.Duration // how long an unacknowledged job waits before redelivery
	// ArticleAckWait is AckWait for articles (default DefaultArticleAckWait).
	ArticleAckWait time.Duration
	Duplicates     time.Duration // publish de-duplication window of both streams
	MaxAge         time.Duration // work older than this is dropped
	MaxDeliver     int           // deliveries of one job before it is given up
	Name           string        // connection name shown by the server (e.g. "newsmon worker")
	// Lease is how long a partition's token stays with a holder that no
	// longer renews it (default DefaultLease); it must exceed the longest
	// per-host delay, so that it is the same in every process.
	Lease time.Duration
	// JobsPerPartition is how many jobs of a partition its holder keeps
	// in flight (default DefaultJobsPerPartition).
	JobsPerPartition int
	// Turn is how long a process holds a busy partition before it gives
	// it back (default DefaultTurn).
	Turn time.Duration
	// BorrowWait is how long Borrow waits for a worker to lend a host
	// (default DefaultBorrowWait).
	BorrowWait time.Duration
}

func (o Options) withDefaults() Options {
	o.Partitions = cmp.Or(o.Partitions, DefaultPartitions)
	o.AckWait = cmp.Or(o.AckWait, DefaultAckWait)
	o.ArticleAckWait = cmp.Or(o.ArticleAckWait, DefaultArticleAckWait)
	o.Duplicates = cmp.Or(o.Duplicates, DefaultDuplicates)
	o.MaxAge = cmp.Or(o.MaxAge, DefaultMaxAge)
	o.MaxDeliver = cmp.Or(o.MaxDeliver, DefaultMaxDeliver)
	o.Lease = cmp.Or(o.Lease, DefaultLease)
	o.JobsPerPartition = cmp.Or(o.JobsPerPartition, DefaultJobsPerPartition)
	o.Turn = cmp.Or(o.Turn, DefaultTurn)
	o.BorrowWait = cmp.Or(o.BorrowWait, DefaultBorrowWait)
	return o
}

// Queue is a connection to JetStream with newsmon's streams and consumers
// in place. Its methods are safe for concurrent use.
type Queue struct {
	opts Options
	nc   *nats.Conn
	js   jetstream.JetStream
}

// Connect connects to the NATS server at opts.URL and creates (or updates)
// the streams and consumers.
func Connect(ctx context.Context, opts Options) (*Queue, error) {
	opts = opts.withDefaults()
	if opts.Partitions < 1 || opts.Partitions > 1000 {
		return nil, fmt.Errorf("queue: %d partitions: want 1 to 1000", opts.Partitions)
	}
	if opts.JobsPerPartition < 1 || opts.JobsPerPartition > 1000 {
		return nil, fmt.Errorf("queue: %d jobs per partition: want 1 to 1000", opts.JobsPerPartition)
	}
	if opts.AckWait < 0 || opts.ArticleAckWait < 0 || opts.Lease < 0 || opts.Turn < 0 || opts.BorrowWait < 0 {
		return nil, fmt.Errorf("queue: negative ack wait, lease, turn or borrow wait (%s, %s, %s, %s, %s)", opts.AckWait, opts.ArticleAckWait, opts.Lease, opts.Turn, opts.BorrowWait)
	}
	nopts := []nats.Option{nats.MaxReconnects(-1)}
	if opts.Name != "" {
		nopts = append(nopts, nats.Name(opts.Name))
	}
	nc, err := nats.Connect(opts.URL, nopts...)
	if err != nil {
		return nil, fmt.Errorf("queue: connect to %s: %w", redact(opts.URL), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue: jetstream at %s: %w", redact(opts.URL), err)
	}
	q := &Queue{opts: opts, nc: nc, js: js}
	if err := q.setup(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue: set up streams at %s: %w", redact(opts.URL), err)
	}
	return q, nil
}

// redact drops credentials from a NATS URL for messages.
func redact(u string) string {
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		if j := strings.Index(u, "://"); j >= 0 && j < i {
			return u[:j+3] + "***@" + u[i+1:]
		}
	}
	return u
}

func (q *Queue) setup(ctx context.Context) error {
	for _, sc := range []jetstream.StreamConfig{
		{Name: JobStream, Subjects: []string{JobSubject + ".*"}},
		{Name: ArticleStream, Subjects: []string{ArticleSubject}},
	} {
		sc.Retention = jetstream.WorkQueuePolicy
		sc.Storage = jetstream.FileStorage
		sc.Duplicates = q.opts.Duplicates
		sc.MaxAge = q.opts.MaxAge
		if _, err := q.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	for p := range q.opts.Partitions {
		if _, err := q.js.CreateOrUpdateConsumer(ctx, JobStream, jetstream.ConsumerConfig{
			Durable:       jobConsumer(p),
			FilterSubject: jobSubject(p),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       q.opts.AckWait,
			// Only the token's holder pulls; this bounds what it holds.
			MaxAckPending: q.opts.JobsPerPartition,
			MaxDeliver:    q.opts.MaxDeliver,
		}); err != nil {
			return fmt.Errorf("consumer %s: %w", jobConsumer(p), err)
		}
	}
	if err := q.setupTokens(ctx); err != nil {
		return err
	}
	if _, err := q.js.CreateOrUpdateConsumer(ctx, ArticleStream, jetstream.ConsumerConfig{
		Durable:       ArticleConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       q.opts.ArticleAckWait,
		MaxAckPending: 1024,
	}); err != nil {
		return fmt.Errorf("consumer %s: %w", ArticleConsumer, err)
	}
	return nil
}

// setupTokens creates the partition stream and its consumer and puts in
// the token of every partition that has none. A token is never
// acknowledged (that would delete it): it is handed back, so MaxDeliver is
// unlimited and the stream has no age limit.
func (q *Queue) setupTokens(ctx context.Context) error {
	if _, err := q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              PartitionStream,
		Subjects:          []string{PartitionSubject + ".*"},
		Retention:         jetstream.WorkQueuePolicy,
		Storage:           jetstream.FileStorage,
		MaxMsgsPerSubject: 1,
		Discard:           jetstream.DiscardNew,
	}); err != nil {
		return fmt.Errorf("stream %s: %w", PartitionStream, err)
	}
	if _, err := q.js.CreateOrUpdateConsumer(ctx, PartitionStream, jetstream.ConsumerConfig{
		Durable:       PartitionConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       q.opts.Lease,
		MaxAckPending: -1,
		MaxDeliver:    -1,
	}); err != nil {
		return fmt.Errorf("consumer %s: %w", PartitionConsumer, err)
	}
	for p := range q.opts.Partitions {
		// Only where the subject has no message: two processes starting
		// at once put in one token.
		_, err := q.js.Publish(ctx, tokenSubject(p), nil, jetstream.WithExpectLastSequencePerSubject(0))
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
			continue // the token is there
		}
		if err != nil {
			return fmt.Errorf("token %s: %w", tokenSubject(p), err)
		}
	}
	return nil
}

// Close drains nothing and closes the connection: unacknowledged work is
// delivered again after AckWait.
func (q *Queue) Close() { q.nc.Close() }

// Partition returns the partition of a host.
func (q *Queue) Partition(host string) int { return Partition(host, q.opts.Partitions) }

// Partition returns the partition of host among n: every URL of a host
// lands on one partition.
func Partition(host string, n int) int {
	// SHA-256, not FNV: host names that differ in one character (a.example,
	// b.example, 127.0.0.1, 127.0.0.2) must spread as evenly as others.
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSuffix(host, "."))))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}

func jobSubject(p int) string   { return fmt.Sprintf("%s.%02d", JobSubject, p) }
func jobConsumer(p int) string  { return fmt.Sprintf("%s%02d", JobConsumerPrefix, p) }
func tokenSubject(p int) string { return fmt.Sprintf("%s.%02d", PartitionSubject, p) }

// MsgID is the de-duplication id of a job: the hash of its canonical URL.
func MsgID(canonicalURL string) string {
	s := sha256.Sum256([]byte(canonicalURL))
	return hex.EncodeToString(s[:16])
}

// errNotAcked is a handler's outcome when ctx ended before the work was
// done: the message is left unacknowledged.
var errNotAcked = errors.New("not acknowledged")

// Ready reports whether the connection to the server is up (a worker's
// /readyz).
func (q *Queue) Ready() error {
	if !q.nc.IsConnected() {
		return fmt.Errorf("queue: not connected to %s (%s)", redact(q.opts.URL), q.nc.Status())
	}
	return nil
}
