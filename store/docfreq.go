package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// DocFreqWrite sets the clusterer's document frequencies: Counts[i] is the
// number of documents with Terms[i] now (not an increment), Docs the number
// of documents now.
type DocFreqWrite struct {
	Terms  []string
	Counts []int
	Docs   int
}

// docFreqLogMax bounds the docfreq log: the SaveBatch whose record takes it
// past this many bytes folds it into the docfreq bucket. A record costs
// about 10 bytes a term, so a 64-article batch of real text (~17k distinct
// terms) logs ~170 KB and the log is compacted every 25 batches. Measured
// with BenchmarkSaveBatch/real (2 cores, fsync): the compacting batch costs
// ~0.2 s more than a plain one at 1 MiB (every 6 batches), ~0.36 s at 4 MiB
// and ~0.85 s at 16 MiB (every 100): per batch ~23, ~14 and ~8.5 ms. 4 MiB
// keeps both the pause and DocFreq's reading of the log at startup short
// for about 5 ms a batch more than 16 MiB.
var docFreqLogMax = 4 << 20

// docFreqRecordV1 starts a docfreq log record: then the uvarint number of
// documents, the uvarint number of terms and, for each, its uvarint length,
// its bytes and its uvarint count.
const docFreqRecordV1 = 1

// appendDocFreq appends the log record of d to dst, after checking it. Empty
// terms are left out (none is ever stored).
func appendDocFreq(dst []byte, d *DocFreqWrite) ([]byte, error) {
	if len(d.Terms) != len(d.Counts) {
		return dst, fmt.Errorf("%d terms but %d counts", len(d.Terms), len(d.Counts))
	}
	if d.Docs < 0 {
		return dst, fmt.Errorf("negative document count %d", d.Docs)
	}
	n := 0
	for i, t := range d.Terms {
		if d.Counts[i] < 0 {
			return dst, fmt.Errorf("term %.100q: negative count %d", t, d.Counts[i])
		}
		if len(t) > bolt.MaxKeySize {
			return dst, fmt.Errorf("term %.100q: longer than %d bytes", t, bolt.MaxKeySize)
		}
		if t != "" {
			n++
		}
	}
	dst = append(dst, docFreqRecordV1)
	dst = binary.AppendUvarint(dst, uint64(d.Docs))
	dst = binary.AppendUvarint(dst, uint64(n))
	for i, t := range d.Terms {
		if t == "" {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(t)))
		dst = append(dst, t...)
		dst = binary.AppendUvarint(dst, uint64(d.Counts[i]))
	}
	return dst, nil
}

var errCorruptDocFreq = errors.New("corrupt docfreq log record")

// decodeDocFreq reads a record of appendDocFreq, calling fn for each term
// (term is only valid during the call), and returns its document count. A
// record that does not decode whole is an error matching
// errCorruptDocFreq; fn may have been called for the terms before the fault.
func decodeDocFreq(rec []byte, fn func(term []byte, count uint64)) (docs uint64, err error) {
	size := len(rec)
	fail := func(what string) (uint64, error) {
		return 0, fmt.Errorf("%w: %s at byte %d of %d", errCorruptDocFreq, what, size-len(rec), size)
	}
	if len(rec) == 0 || rec[0] != docFreqRecordV1 {
		return fail("unknown format")
	}
	rec = rec[1:]
	uvarint := func() (uint64, bool) {
		u, w := binary.Uvarint(rec)
		if w <= 0 {
			return 0, false
		}
		rec = rec[w:]
		return u, true
	}
	docs, ok := uvarint()
	if !ok {
		return fail("bad document count")
	}
	n, ok := uvarint()
	if !ok || n > uint64(len(rec)/3) { // a term takes at least 3 bytes
		return fail("bad term count")
	}
	for range n {
		l, ok := uvarint()
		if !ok || l == 0 || l > uint64(len(rec)) {
			return fail("bad term length")
		}
		term := rec[:l]
		rec = rec[l:]
		c, ok := uvarint()
		if !ok {
			return fail("bad count")
		}
		fn(term, c)
	}
	if len(rec) != 0 {
		return fail("trailing bytes")
	}
	return docs, nil
}

// logDocFreq appends d to the docfreq log as one record.
func (w *writer) logDocFreq(tx *bolt.Tx, d *DocFreqWrite) error {
	rec, err := appendDocFreq(w.rec[:0], d)
	w.rec = rec[:0]
	if err != nil {
		return fmt.Errorf("document frequencies: %w", err)
	}
	b := tx.Bucket(bucketDocFreqLog)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	if _, err := w.arena.Write(rec); err != nil { // values must stay valid until the transaction ends
		return err
	}
	w.logged = true
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), w.arena.last)
}

// logBytes returns the size of the docfreq log's records.
func logBytes(tx *bolt.Tx) int {
	n := 0
	c := tx.Bucket(bucketDocFreqLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n += len(v)
	}
	return n
}

// readDocFreqLog calls fn for each term of each log record, oldest first,
// and returns the document count of the last record (ok false: the log is
// empty).
func readDocFreqLog(tx *bolt.Tx, fn func(term []byte, count uint64)) (docs uint64, ok bool, err error) {
	c := tx.Bucket(bucketDocFreqLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if docs, err = decodeDocFreq(v, fn); err != nil {
			return 0, false, fmt.Errorf("docfreq log record %x: %w", k, err)
		}
		ok = true
	}
	return docs, ok, nil
}

// docFreqEntry is a term's latest count while compacting. head is
// keyHead(term): most comparisons need no more.
type docFreqEntry struct {
	head  uint64
	term  string
	count uint64
}

// docFreqFill is how full the docfreq bucket's pages are filled before
// they split. A compaction puts its terms in key order: into an empty
// bucket (the first compaction) at bbolt's default 0.5 every page was left
// half empty, and the bucket stayed 52 % used at 20,000 articles.
const docFreqFill = 0.9

// compactDocFreq folds the docfreq log into the docfreq bucket: the latest
// count of each term it holds, put in key order (bbolt writes sorted keys
// fastest), and the latest document count into meta; then it empties the
// log.
func compactDocFreq(tx *bolt.Tx, ar *arena) error {
	latest := map[string]int{} // term -> its place in entries
	var entries []docFreqEntry
	docs, ok, err := readDocFreqLog(tx, func(term []byte, count uint64) {
		if i, ok := latest[string(term)]; ok {
			entries[i].count = count
			return
		}
		t := string(term)
		latest[t] = len(entries)
		entries = append(entries, docFreqEntry{keyHead(t), t, count})
	})
	if err != nil || !ok {
		return err
	}
	slices.SortFunc(entries, func(x, y docFreqEntry) int {
		if x.head != y.head {
			return cmp.Compare(x.head, y.head)
		}
		return strings.Compare(x.term, y.term)
	})
	b := tx.Bucket(bucketDocFreq)
	b.FillPercent = docFreqFill
	vals := ar.alloc(8 * len(entries)) // values must stay valid until the transaction ends
	for j, e := range entries {
		v := vals[8*j : 8*j+8 : 8*j+8]
		binary.BigEndian.PutUint64(v, e.count)
		if err := b.Put([]byte(e.term), v); err != nil {
			return fmt.Errorf("term %.100q: %w", e.term, err)
		}
	}
	if err := putUint(tx.Bucket(bucketMeta), keyDocs, docs); err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketDocFreqLog); err != nil {
		return err
	}
	_, err = tx.CreateBucket(bucketDocFreqLog)
	return err
}

// DocFreq returns the clusterer's document frequencies as last set by
// SaveBatch: for each term, the number of documents that had it, and the
// number of documents.
func (s *Store) DocFreq() (df map[string]int, docs int, err error) {
	df = map[string]int{}
	err = s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketDocFreq).ForEach(func(k, v []byte) error {
			df[string(k)] = int(decodeUint(v))
			return nil
		})
		if err != nil {
			return err
		}
		d, ok, err := readDocFreqLog(tx, func(term []byte, count uint64) { df[string(term)] = int(count) })
		if !ok {
			d = getUint(tx.Bucket(bucketMeta), keyDocs)
		}
		docs = int(d)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("document frequencies: %w", err)
	}
	return df, docs, nil
}
