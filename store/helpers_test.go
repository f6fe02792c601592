package store

import "github.com/newsmon/newsmon"

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
