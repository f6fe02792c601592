package queue

import (
	"context"
	"fmt"
)

// ConsumerStats is what one consumer has in hand: waiting (Pending),
// delivered and not yet acknowledged (InFlight), and delivered again
// (Redelivered).
type ConsumerStats struct {
	Name        string
	Pending     uint64
	InFlight    int
	Redelivered int
}

// Stats returns the state of every job partition's consumer, then the
// article consumer's (for /metrics: queue depth, in-flight, redeliveries).
func (q *Queue) Stats(ctx context.Context) ([]ConsumerStats, error) {
	out := make([]ConsumerStats, 0, q.opts.Partitions+1)
	for p := range q.opts.Partitions {
		s, err := q.consumerStats(ctx, JobStream, jobConsumer(p))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	s, err := q.consumerStats(ctx, ArticleStream, ArticleConsumer)
	if err != nil {
		return nil, err
	}
	return append(out, s), nil
}

// PartitionStats returns the state of the partition tokens' consumer.
// Every token is either Pending (never delivered yet: its partition has
// not been taken since the stream was made) or InFlight (held by a
// process, or handed back with a delay and not yet delivered again), so
// Pending + InFlight is the number of partitions; Redelivered counts the
// tokens among them that changed hands (were delivered again) at least
// once.
func (q *Queue) PartitionStats(ctx context.Context) (ConsumerStats, error) {
	return q.consumerStats(ctx, PartitionStream, PartitionConsumer)
}

// consumerStats reads one consumer's state in one request (the info that
// comes with the consumer).
func (q *Queue) consumerStats(ctx context.Context, stream, name string) (ConsumerStats, error) {
	c, err := q.js.Consumer(ctx, stream, name)
	if err != nil {
		return ConsumerStats{}, fmt.Errorf("queue: consumer %s: %w", name, err)
	}
	info := c.CachedInfo()
	return ConsumerStats{Name: name, Pending: info.NumPending, InFlight: info.NumAckPending, Redelivered: info.NumRedelivered}, nil
}
