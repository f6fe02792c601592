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
	var out []ConsumerStats
	add := func(stream, name string) error {
		c, err := q.js.Consumer(ctx, stream, name)
		if err != nil {
			return fmt.Errorf("queue: consumer %s: %w", name, err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return fmt.Errorf("queue: consumer %s: %w", name, err)
		}
		out = append(out, ConsumerStats{Name: name, Pending: info.NumPending, InFlight: info.NumAckPending, Redelivered: info.NumRedelivered})
		return nil
	}
	for p := range q.opts.Partitions {
		if err := add(JobStream, jobConsumer(p)); err != nil {
			return nil, err
		}
	}
	if err := add(ArticleStream, ArticleConsumer); err != nil {
		return nil, err
	}
	return out, nil
}
