package store

import (
	"bytes"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestMatchSignature: the signature read from the record alone is the
// article's, whatever its body holds (a body that looks like the field
// too), also for a record written by encoding/json and for an article
// without a signature.
func TestMatchSignature(t *testing.T) {
	s := openTest(t)
	bodies := []string{"正文", `tricky ,"signature":"AAAA" body with \ and " quotes`, ""}
	var ids []string
	var want [][]byte
	for i, body := range bodies {
		w := testArticle(i + 1)
		w.Article.Body = body
		if i == 2 {
			w.Article.Signature = nil
		} else {
			w.Article.Signature = bytes.Repeat([]byte{byte(i + 1), 0xfe}, 40)
		}
		mustSave(t, s, w)
		ids = append(ids, w.Article.ID)
		want = append(want, w.Article.Signature)
	}
	for i, id := range ids {
		var got []byte
		found, err := s.MatchSignature([]string{id}, func(sig []byte) bool { got = bytes.Clone(sig); return true })
		if err != nil || found != id || !bytes.Equal(got, want[i]) {
			t.Errorf("MatchSignature(%s) = %s with %x, %v; want %x", id, found, got, err, want[i])
		}
	}
	// The first accepted, in the order given; none accepted: "".
	var seen [][]byte
	found, err := s.MatchSignature(ids, func(sig []byte) bool { seen = append(seen, bytes.Clone(sig)); return len(seen) == 2 })
	if err != nil || found != ids[1] || len(seen) != 2 || !bytes.Equal(seen[0], want[0]) || !bytes.Equal(seen[1], want[1]) {
		t.Errorf("MatchSignature(all, second) = %s after %x, %v; want %s", found, seen, err, ids[1])
	}
	if found, err := s.MatchSignature(ids, func([]byte) bool { return false }); err != nil || found != "" {
		t.Errorf("MatchSignature(all, none) = %q, %v; want \"\"", found, err)
	}
	a, err := s.Article(ids[0])
	if err != nil || !bytes.Equal(a.Signature, want[0]) {
		t.Errorf("Article(%s).Signature = %x, %v; want %x", ids[0], a.Signature, err, want[0])
	}
	s.db.View(func(tx *bolt.Tx) error {
		for _, id := range ids {
			if js, _, err := decodeArticleValue(id, tx.Bucket(bucketArticles).Get([]byte(id))); err != nil || bytes.Contains(js, []byte(`"signature"`)) {
				t.Errorf("the JSON of %s holds its signature: %s, %v", id, js, err)
			}
		}
		return nil
	})
	if _, err := s.MatchSignature([]string{"missing"}, func([]byte) bool { return true }); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
}
