package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/newsmon/newsmon"
)

// TestArticleSignature: the signature read from the record alone is the
// article's, whatever its body holds (a body that looks like the field
// too), also for a record written by encoding/json and for an article
// without a signature.
func TestArticleSignature(t *testing.T) {
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
		got, err := s.ArticleSignature(id)
		if err != nil || !bytes.Equal(got, want[i]) {
			t.Errorf("ArticleSignature(%s) = %x, %v; want %x", id, got, err, want[i])
		}
	}
	a := newsmon.Article{ID: "x", Body: "b", Signature: []byte{1, 2, 3}}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := signatureField(data); !ok || !bytes.Equal(got, a.Signature) {
		t.Errorf("encoding/json record: %x, %v", got, ok)
	}
	if _, err := s.ArticleSignature("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
}
