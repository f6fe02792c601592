package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// dfw is a DocFreqWrite of terms and counts given as term, count pairs.
func dfw(docs int, pairs ...any) Write {
	d := &DocFreqWrite{Docs: docs, Terms: []string{}, Counts: []int{}}
	for i := 0; i < len(pairs); i += 2 {
		d.Terms = append(d.Terms, pairs[i].(string))
		d.Counts = append(d.Counts, pairs[i+1].(int))
	}
	return Write{DocFreq: d}
}

func mustBatch(t testing.TB, s *Store, writes ...Write) []error {
	t.Helper()
	errs, err := s.SaveBatch(writes)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

// checkDocFreq fails t unless DocFreq returns want and docs.
func checkDocFreq(t testing.TB, s *Store, when string, want map[string]int, docs int) {
	t.Helper()
	got, gotDocs, err := s.DocFreq()
	if err != nil || gotDocs != docs || !maps.Equal(got, want) {
		t.Errorf("%s: DocFreq = %v, %d, %v; want %v, %d", when, got, gotDocs, err, want, docs)
	}
}

func TestDocFreqBatches(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]Write
		want    map[string]int
		docs    int
	}{
		{"none", nil, map[string]int{}, 0},
		{"one write", [][]Write{{dfw(2, "a", 1, "b", 2)}}, map[string]int{"a": 1, "b": 2}, 2},
		{"later batch wins", [][]Write{{dfw(2, "a", 1, "b", 2)}, {dfw(3, "b", 3, "c", 1)}},
			map[string]int{"a": 1, "b": 3, "c": 1}, 3},
		{"later write in a batch wins", [][]Write{{dfw(2, "a", 1, "b", 2), dfw(5, "a", 4)}},
			map[string]int{"a": 4, "b": 2}, 5},
		{"later pair in a write wins", [][]Write{{dfw(1, "x", 1, "x", 4)}}, map[string]int{"x": 4}, 1},
		{"counts may go down", [][]Write{{dfw(9, "a", 9)}, {dfw(2, "a", 2)}}, map[string]int{"a": 2}, 2},
		{"zero count kept", [][]Write{{dfw(1, "a", 1)}, {dfw(1, "a", 0)}}, map[string]int{"a": 0}, 1},
		{"empty term left out", [][]Write{{dfw(1, "", 3, "a", 1)}}, map[string]int{"a": 1}, 1},
		{"documents only", [][]Write{{dfw(1, "a", 1)}, {dfw(7)}}, map[string]int{"a": 1}, 7},
		{"same write twice (a retry)", [][]Write{{dfw(2, "a", 1, "b", 2)}, {dfw(2, "a", 1, "b", 2)}},
			map[string]int{"a": 1, "b": 2}, 2},
		{"with articles", [][]Write{{{Article: ptr(testArticle(1))}, dfw(1, "小米", 1)}, {{Article: ptr(testArticle(2))}, dfw(2, "小米", 2, "隐私", 1)}},
			map[string]int{"小米": 2, "隐私": 1}, 2},
	}
	for _, tt := range tests {
		for _, mode := range []struct {
			name   string
			logMax int
		}{{"logged", docFreqLogMax}, {"compacted each batch", 0}} {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				defer func(m int) { docFreqLogMax = m }(docFreqLogMax)
				docFreqLogMax = mode.logMax
				s := openTest(t)
				for _, b := range tt.batches {
					for i, err := range mustBatch(t, s, cloneWrites(b)...) {
						if err != nil {
							t.Errorf("write %d: %v", i, err)
						}
					}
				}
				checkDocFreq(t, s, "after the batches", tt.want, tt.docs)
				if err := s.Compact(); err != nil {
					t.Fatal(err)
				}
				checkDocFreq(t, s, "after CompactDocFreq", tt.want, tt.docs)
				c := dump(t, s)
				if n := len(c[string(bucketDocFreqLog)]); n != 0 {
					t.Errorf("%d log records left after CompactDocFreq", n)
				}
				if n := len(c[string(bucketDocFreq)]); n != len(tt.want) {
					t.Errorf("%d docfreq records after CompactDocFreq, want %d", n, len(tt.want))
				}
				verify(t, s)
			})
		}
	}
}

func ptr[T any](v T) *T { return &v }

// cloneWrites copies the article writes of ws, which SaveBatch changes.
func cloneWrites(ws []Write) []Write {
	out := make([]Write, len(ws))
	for i, w := range ws {
		out[i] = w
		if w.Article != nil {
			a := *w.Article
			art := *a.Article
			a.Article = &art
			out[i].Article = &a
		}
	}
	return out
}

// TestDocFreqRetry retries a batch that failed (rolled back) and then one
// that committed: absolute counts make both come out as if applied once.
func TestDocFreqRetry(t *testing.T) {
	s := openTest(t)
	mustBatch(t, s, dfw(1, "a", 1, "b", 1))
	batch := []Write{{Article: ptr(testArticle(2))}, dfw(2, "a", 2, "c", 1)}
	bad := append(cloneWrites(batch), Write{DocFreq: &DocFreqWrite{Terms: []string{"x"}}})
	if _, err := s.SaveBatch(bad); err == nil {
		t.Fatal("batch with a bad DocFreq write succeeded")
	}
	want := map[string]int{"a": 2, "b": 1, "c": 1}
	for round, wantErr := range []error{nil, ErrExists} {
		errs := mustBatch(t, s, cloneWrites(batch)...)
		if !errors.Is(errs[0], wantErr) || errs[1] != nil {
			t.Errorf("round %d: errors %v, want the article's %v", round, errs, wantErr)
		}
		checkDocFreq(t, s, fmt.Sprintf("round %d", round), want, 2)
	}
	if n, _, _ := s.Stats(); n != 1 {
		t.Errorf("%d articles, want 1", n)
	}
}

func TestDocFreqWriteErrors(t *testing.T) {
	tests := []struct {
		name  string
		write DocFreqWrite
		want  string
	}{
		{"more terms than counts", DocFreqWrite{Terms: []string{"a", "b"}, Counts: []int{1}, Docs: 1}, "2 terms but 1 counts"},
		{"more counts than terms", DocFreqWrite{Terms: []string{"a"}, Counts: []int{1, 2}, Docs: 1}, "1 terms but 2 counts"},
		{"negative count", DocFreqWrite{Terms: []string{"a", "b"}, Counts: []int{1, -1}, Docs: 1}, `term "b": negative count -1`},
		{"negative documents", DocFreqWrite{Docs: -1}, "negative document count -1"},
		{"term too long for a key", DocFreqWrite{Terms: []string{strings.Repeat("x", bolt.MaxKeySize+1)}, Counts: []int{1}}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			mustBatch(t, s, dfw(1, "a", 1))
			before := dump(t, s)
			errs, err := s.SaveBatch([]Write{{Article: ptr(testArticle(1))}, dfw(2, "a", 2), {DocFreq: &tt.write}})
			if err == nil || errs != nil {
				t.Fatalf("SaveBatch = %v, %v; want an error", errs, err)
			}
			if errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "write 2") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q should name write 2 and say %q", err, tt.want)
			}
			if !reflect.DeepEqual(before, dump(t, s)) {
				t.Error("the failed batch changed the database")
			}
			checkDocFreq(t, s, "after the failed batch", map[string]int{"a": 1}, 1)
		})
	}
}

// TestDocFreqMigration opens a database of schema 2, whose document
// frequencies are all in the docfreq bucket and meta, and checks that they
// survive the migration and mix with new writes.
func TestDocFreqMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newsmon.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]int{"小米": 3, "隐私": 1, "a": 7}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		for _, m := range migrations[:2] {
			if err := m(tx); err != nil {
				return err
			}
		}
		for term, n := range old {
			if err := putUint(tx.Bucket(bucketDocFreq), []byte(term), uint64(n)); err != nil {
				return err
			}
		}
		if err := putUint(meta, keyDocs, 9); err != nil {
			return err
		}
		return putUint(meta, keySchema, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	var v uint64
	s.db.View(func(tx *bolt.Tx) error { v = getUint(tx.Bucket(bucketMeta), keySchema); return nil })
	if v != SchemaVersion || SchemaVersion != 12 {
		t.Errorf("schema %d after Open, want %d (= 12)", v, SchemaVersion)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketNear) != nil || tx.Bucket(bucketNearLog) != nil {
			t.Error("near-duplicate buckets still in the file after migration 8")
		}
		return nil
	})
	checkDocFreq(t, s, "migrated", old, 9)
	mustBatch(t, s, dfw(10, "a", 8, "new", 1))
	want := map[string]int{"小米": 3, "隐私": 1, "a": 8, "new": 1}
	checkDocFreq(t, s, "after a batch", want, 10)
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	checkDocFreq(t, s, "compacted and reopened", want, 10)
}

// TestDocFreqCompactsPastBound checks that the batch whose record takes
// the log past docFreqLogMax folds it into the docfreq bucket.
func TestDocFreqCompactsPastBound(t *testing.T) {
	defer func(m int) { docFreqLogMax = m }(docFreqLogMax)
	docFreqLogMax = 100
	s := openTest(t)
	want := map[string]int{}
	for i := range 40 {
		term := fmt.Sprintf("term%d", i%13)
		want[term] = i
		mustBatch(t, s, dfw(i, term, i))
		var size int
		s.db.View(func(tx *bolt.Tx) error { size = logBytes(tx); return nil })
		if size > docFreqLogMax {
			t.Fatalf("batch %d: log of %d bytes, bound %d", i, size, docFreqLogMax)
		}
		checkDocFreq(t, s, fmt.Sprintf("batch %d", i), want, i)
	}
	if n := len(dump(t, s)[string(bucketDocFreq)]); n != 13 {
		t.Errorf("%d terms compacted into the docfreq bucket, want 13", n)
	}
}

func TestDecodeDocFreq(t *testing.T) {
	d := &DocFreqWrite{Terms: []string{"词", "ab", ""}, Counts: []int{300, 0, 5}, Docs: 1 << 40}
	good, err := appendDocFreq(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	docs, err := decodeDocFreq(good, func(term []byte, n uint64) { got[string(term)] = n })
	if err != nil || docs != 1<<40 || !maps.Equal(got, map[string]uint64{"词": 300, "ab": 0}) {
		t.Fatalf("decode(encode) = %v, %d, %v", got, docs, err)
	}
	uv := func(u uint64) []byte { return binary.AppendUvarint(nil, u) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	bad := map[string][]byte{
		"empty":                 nil,
		"unknown format":        cat([]byte{2}, good[1:]),
		"trailing byte":         cat(good, []byte{0}),
		"term count too large":  cat([]byte{1}, uv(1), uv(1<<62)),
		"term count overflows":  cat([]byte{1}, uv(1), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
		"zero term length":      cat([]byte{1}, uv(1), uv(1), uv(0), []byte("ab"), uv(1)),
		"term length too large": cat([]byte{1}, uv(1), uv(1), uv(1<<40), []byte("ab"), uv(1)),
		"count overflows":       cat([]byte{1}, uv(1), uv(1), uv(1), []byte("a"), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}),
		"missing count":         cat([]byte{1}, uv(1), uv(1), uv(2), []byte("ab"), []byte{0x80}),
		"fewer terms than said": cat([]byte{1}, uv(1), uv(2), uv(1), []byte("a"), uv(1), uv(1)),
	}
	for n := range len(good) {
		bad[fmt.Sprintf("truncated to %d bytes", n)] = good[:n]
	}
	for name, rec := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeDocFreq(rec, func([]byte, uint64) {}); !errors.Is(err, errCorruptDocFreq) {
				t.Errorf("decodeDocFreq(%x) error %v, want errCorruptDocFreq", rec, err)
			}
		})
	}
}

// TestDocFreqCorruptLog checks that a garbled log record makes DocFreq and
// the compaction fail naming it, rather than return wrong counts.
func TestDocFreqCorruptLog(t *testing.T) {
	s := openTest(t)
	mustBatch(t, s, dfw(1, "a", 1))
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDocFreqLog).Put(binary.BigEndian.AppendUint64(nil, 7), []byte{1, 1, 5, 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	const key = "docfreq log record 0000000000000007"
	if _, _, err := s.DocFreq(); err == nil || !strings.Contains(err.Error(), key) {
		t.Errorf("DocFreq error %v, want one naming %q", err, key)
	}
	if err := s.Compact(); err == nil || !strings.Contains(err.Error(), key) {
		t.Errorf("CompactDocFreq error %v, want one naming %q", err, key)
	}
}

func FuzzDecodeDocFreq(f *testing.F) {
	for _, d := range []*DocFreqWrite{{}, {Terms: []string{"词", "ab"}, Counts: []int{300, 0}, Docs: 12}} {
		rec, _ := appendDocFreq(nil, d)
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		var terms []string
		var counts []int
		docs, err := decodeDocFreq(rec, func(term []byte, n uint64) {
			terms = append(terms, string(term))
			counts = append(counts, int(n))
		})
		if err != nil || docs > 1<<62 || slices.ContainsFunc(counts, func(n int) bool { return n < 0 }) {
			return
		}
		// What decodes encodes again, and decodes to the same.
		again, err := appendDocFreq(nil, &DocFreqWrite{Terms: terms, Counts: counts, Docs: int(docs)})
		if err != nil {
			t.Fatalf("%x decodes to %q %v but does not encode: %v", rec, terms, counts, err)
		}
		var terms2 []string
		if _, err := decodeDocFreq(again, func(term []byte, _ uint64) { terms2 = append(terms2, string(term)) }); err != nil || !slices.Equal(terms, terms2) {
			t.Fatalf("%x: re-encoded record decodes to %q, %v; want %q", rec, terms2, err, terms)
		}
	})
}
