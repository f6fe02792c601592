package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Validators returns the ETag and Last-Modified kept for url; both empty
// when none are kept.
func (s *Store) Validators(url string) (etag, lastModified string, err error) {
	var v validators
	err = s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketValidators).Get([]byte(url))
		if data == nil {
			return nil
		}
		return json.Unmarshal(data, &v)
	})
	if err != nil {
		return "", "", fmt.Errorf("validators of %s: %w", url, err)
	}
	return v.ETag, v.LastModified, nil
}

// SetValidators keeps the ETag and Last-Modified of url for the next
// conditional GET; both empty forgets them.
func (s *Store) SetValidators(url, etag, lastModified string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValidators)
		if etag == "" && lastModified == "" {
			return b.Delete([]byte(url))
		}
		data, err := json.Marshal(validators{etag, lastModified})
		if err != nil {
			return err
		}
		return b.Put([]byte(url), data)
	})
	if err != nil {
		return fmt.Errorf("set validators of %.200s: %w", url, err)
	}
	return nil
}

// NextDue returns when source is next due to be crawled; the zero time
// (due now) if it was never scheduled.
func (s *Store) NextDue(source string) (time.Time, error) {
	var t time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketSchedule).Get([]byte(source))
		if data == nil {
			return nil
		}
		return t.UnmarshalBinary(data)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("next due time of %s: %w", source, err)
	}
	return t, nil
}

// SetNextDue records when source is next due to be crawled.
func (s *Store) SetNextDue(source string, t time.Time) error {
	data, err := t.MarshalBinary()
	if err == nil {
		err = s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketSchedule).Put([]byte(source), data)
		})
	}
	if err != nil {
		return fmt.Errorf("set next due time of %s: %w", source, err)
	}
	return nil
}
