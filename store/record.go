package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// An article's value in the articles bucket (schema 12) is
//
//	recordZstd | uvarint(len(signature)) | signature | zstd frame of the JSON
//
// the JSON being what appendArticle (json.Marshal) writes for the article
// without its signature, and the signature its near-duplicate signature
// (newsmon.Article.Signature, raw; empty for none). The text is most of
// the record and most of the file: compressed, a record of this
// workload's 4 KB of Chinese and English text takes 0.67 of it (zstd's
// default level, about 60 µs to write and 15 µs to read back on the
// machine of docs/benchmarks.md). The signature comes first and
// uncompressed, so a candidate's signature is read without the rest of its
// record (storedSignature). Schema 11's records, plain JSON (they begin
// with '{'), are read as well, though open rewrites them (migration 12).
const recordZstd = 0x01

var (
	// zenc compresses article records; EncodeAll is safe for concurrent
	// use (callers take turns on its one encoder). No checksum: bbolt
	// pages are not checksummed either, and a damaged frame fails to
	// decode anyway.
	zenc = mustEncoder(zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false), zstd.WithLowerEncoderMem(true)))
	// zdec decompresses them, concurrently. A frame declaring more than
	// zmaxRecord bytes is refused rather than allocated.
	zdec = mustDecoder(zstd.NewReader(nil, zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(zmaxRecord)))
)

// zmaxRecord bounds a record's decompressed size.
const zmaxRecord = 256 << 20

func mustEncoder(e *zstd.Encoder, err error) *zstd.Encoder {
	if err != nil {
		panic(err)
	}
	return e
}

func mustDecoder(d *zstd.Decoder, err error) *zstd.Decoder {
	if err != nil {
		panic(err)
	}
	return d
}

// encodeArticle returns the value of article a (its Signature ignored)
// with signature sig, in the arena of w when w is not nil. sig may be a
// part of the database's mapping: it is copied.
func encodeArticle(w *writer, a *newsmon.Article, sig []byte) ([]byte, error) {
	var js, out []byte
	if w != nil {
		js, out = w.buf[:0], w.zbuf[:0]
	}
	c := *a
	c.Signature = nil
	js, ok := appendArticle(js, &c, nil)
	if !ok {
		var err error
		if js, err = json.Marshal(&c); err != nil {
			return nil, err
		}
	}
	out = frameArticle(out, js, sig)
	if w == nil {
		return out, nil
	}
	w.buf, w.zbuf = js[:0], out[:0]
	_, _ = w.arena.Write(out)
	return w.arena.last, nil
}

// frameArticle appends the value of JSON record js with signature sig to dst.
func frameArticle(dst, js, sig []byte) []byte {
	dst = append(dst, recordZstd)
	dst = binary.AppendUvarint(dst, uint64(len(sig)))
	dst = append(dst, sig...)
	return zenc.EncodeAll(js, dst)
}

// splitArticle returns the signature of value v of article id (nil for
// none; a part of v) and the rest of v, its compressed JSON; a schema 11
// record, plain JSON, is all JSON (plain true).
func splitArticle(id string, v []byte) (sig, rest []byte, plain bool, err error) {
	switch {
	case len(v) > 0 && v[0] == '{':
		return nil, v, true, nil
	case len(v) == 0 || v[0] != recordZstd:
		return nil, nil, false, fmt.Errorf("article %s: %w", id, errRecord)
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || n > uint64(len(v)-1-k) {
		return nil, nil, false, fmt.Errorf("article %s: %w", id, errRecord)
	}
	sig = v[1+k : 1+k+int(n) : 1+k+int(n)]
	if len(sig) == 0 {
		sig = nil
	}
	return sig, v[1+k+int(n):], false, nil
}

var errRecord = errors.New("not an article record")

// decodeArticleValue returns the JSON of value v of article id (a new
// slice, or a part of v for a schema 11 record) and its signature (a part
// of v).
func decodeArticleValue(id string, v []byte) (js, sig []byte, err error) {
	sig, rest, plain, err := splitArticle(id, v)
	if err != nil || plain {
		return rest, sig, err
	}
	js, err = zdec.DecodeAll(rest, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("article %s: %w", id, err)
	}
	return js, sig, nil
}

// getArticle returns the stored article id of bucket b (the articles
// bucket) without its signature, and the signature (a part of the stored
// value, valid during the transaction), or an error matching ErrNotFound.
func getArticleSig(b *bolt.Bucket, id string) (newsmon.Article, []byte, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return newsmon.Article{}, nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	js, sig, err := decodeArticleValue(id, v)
	if err != nil {
		return newsmon.Article{}, nil, err
	}
	a, err := decodeJSON[newsmon.Article]("article", id, js)
	return a, sig, err
}

func getArticle(b *bolt.Bucket, id string) (newsmon.Article, error) {
	a, _, err := getArticleSig(b, id)
	return a, err
}
