package store

import (
	"testing"

	"github.com/newsmon/newsmon"
)

// Single writes through SaveBatch, for the tests: the store's API writes
// only in batches, through its one writer.

func (s *Store) SaveArticle(w ArticleWrite) error { return s.saveOne(Write{Article: &w}) }

func (s *Store) SaveIncident(inc newsmon.Incident) error { return s.saveOne(Write{Incident: &inc}) }

func (s *Store) AddDuplicate(id string, d newsmon.Duplicate, urls []string) error {
	return s.AddDuplicateIncident(id, d, urls, nil)
}

func (s *Store) AddDuplicateIncident(id string, d newsmon.Duplicate, urls []string, inc *newsmon.Incident) error {
	return s.saveOne(Write{Duplicate: &DuplicateWrite{ID: id, Duplicate: d, URLs: urls, Incident: inc}})
}

func (s *Store) saveOne(w Write) error {
	errs, err := s.SaveBatch([]Write{w})
	if err != nil {
		return err
	}
	return errs[0]
}

// byID is dump c of a database of schema 13 or later in schema 12's
// layout of the articles: the articles bucket (id -> record) and the time
// index (timeKey(FetchedAt)+id -> nil) in place of the records bucket
// (timeKey(FetchedAt)+id -> record) and the ID index (id -> timeKey), each
// entry of which must agree with the other. c is changed and returned.
func byID(t testing.TB, c contents) contents {
	t.Helper()
	records, ids := c[string(bucketRecords)], c[string(bucketArticleIDs)]
	if records == nil || ids == nil {
		t.Fatalf("no %s or %s bucket: not schema 13's layout", bucketRecords, bucketArticleIDs)
	}
	articles, times := map[string]string{}, map[string]string{}
	for k, v := range records {
		id := timeIDKeyID([]byte(k))
		if ids[id] != k[:min(len(k), timeKeyLen)] {
			t.Errorf("record %x: the ID index has %s at %x", k, id, ids[id])
		}
		if _, dup := articles[id]; dup {
			t.Errorf("article %s: two records", id)
		}
		articles[id], times[k] = v, ""
	}
	if len(ids) != len(records) {
		t.Errorf("%d IDs indexed, %d records", len(ids), len(records))
	}
	delete(c, string(bucketRecords))
	delete(c, string(bucketArticleIDs))
	c[string(bucketArticles)], c[string(bucketArticleTime)] = articles, times
	return c
}
