package queue

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// PublishArticle queues an extracted article for the daemon. id is its
// de-duplication key (the article id): a copy published within the
// duplicate window, say by a redelivered job, is dropped.
func (q *Queue) PublishArticle(ctx context.Context, id string, data []byte) (duplicate bool, err error) {
	ack, err := q.js.Publish(ctx, ArticleSubject, data, jetstream.WithMsgID(id))
	if err != nil {
		return false, fmt.Errorf("queue: publish article %s: %w", id, err)
	}
	return ack.Duplicate, nil
}

// ConsumeArticles hands articles (as published) to handle in batches of at
// most limit until ctx is done, then returns ctx's error. handle returns
// only when the batch is durable (committed to the store): nil
// acknowledges the whole batch; an error hands it back for another
// delivery. A payload handle cannot read is its to log and skip. Only one
// process should consume articles (the daemon): they share one durable
// consumer.
func (q *Queue) ConsumeArticles(ctx context.Context, limit int, handle func(ctx context.Context, batch [][]byte) error) error {
	cons, err := q.js.Consumer(ctx, ArticleStream, ArticleConsumer)
	if err != nil {
		return fmt.Errorf("queue: consumer %s: %w", ArticleConsumer, err)
	}
	limit = min(max(limit, 1), 1000)
	for ctx.Err() == nil {
		first, err := next(ctx, cons, pullWait)
		if err != nil {
			if ctx.Err() != nil || transient(err) {
				continue
			}
			return fmt.Errorf("queue: pull %s: %w", ArticleConsumer, err)
		}
		msgs := []jetstream.Msg{first}
		if limit > 1 {
			if b, err := cons.FetchNoWait(limit - 1); err == nil {
				for m := range b.Messages() {
					msgs = append(msgs, m)
				}
			}
		}
		batch := make([][]byte, len(msgs))
		for i, m := range msgs {
			batch[i] = m.Data()
		}
		err = q.work(ctx, q.opts.ArticleAckWait, msgs, func(ctx context.Context) error { return handle(ctx, batch) })
		for _, m := range msgs {
			settle(m, err, q.opts.ArticleAckWait/4)
		}
	}
	return ctx.Err()
}
