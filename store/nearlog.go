package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The near log. Adding an article to the near lists of its 42 band keys
// in the near bucket costs 42 random B-tree inserts, which touch most of
// the bucket's leaves at every commit. So SaveBatch appends a
// transaction's additions to the near log bucket as one record instead,
// and the Store keeps the log's content in memory (nearLog) for
// NearCandidates, which applies it to the bucket's lists by applyNear. The
// batch that takes the log past nearLogMax additions folds it into the
// near bucket (foldNear) in key order, in its own transaction, and so does
// Compact.

// nearLogMax bounds the near log, in additions (an article adds one per
// band key: 42 with dedup's keys): the SaveBatch that would take the log
// past it folds the log into the near bucket instead. Measured with
// BenchmarkSaveBatch/pipeline/shaped (2 cores, 64-article batches of 2,688
// additions, 8,192 articles) against 43-48 ms a batch writing the near
// bucket directly: folding every 4 batches costs 27-31 ms a batch (the
// fold 86-95 ms), every 16 19-23 ms (fold 0.17-0.2 s), every 64 14-16 ms
// (fold 0.27-0.32 s). The index takes 26 bytes an addition
// (BenchmarkNearLog/index): 4.5 MB at 64 batches, and Open reads ~2 MB of
// log. 64 batches it is.
var nearLogMax = 64 * 64 * 42

// nearRecordV1 starts a near log record: then, for each article, its ID
// (appendIDs form), the uvarint number of its keys and each key
// (encodeNearKey form) as a uvarint length and its bytes.
const nearRecordV1 = 1

// nearShortKey is the length of a dedup band key in encodeNearKey form.
const nearShortKey = 10

// appendNearRecord appends the log record of the writer's queued
// additions to dst.
func (w *writer) appendNearRecord(dst []byte) []byte {
	dst = append(dst, nearRecordV1)
	for i := 0; i < len(w.near); {
		art := w.near[i].art
		j := i + 1
		for j < len(w.near) && w.near[j].art == art {
			j++
		}
		dst = append(dst, w.nearArts[art].enc...)
		dst = binary.AppendUvarint(dst, uint64(j-i))
		for _, n := range w.near[i:j] {
			dst = binary.AppendUvarint(dst, uint64(n.end-n.off))
			dst = append(dst, w.nearKeys[n.off:n.end]...)
		}
		i = j
	}
	return dst
}

// decodeNearRecord calls fn for each addition of a record of
// appendNearRecord, in order: id is the appendIDs form of the ID, key the
// encodeNearKey form of the key, both only valid during the call. A record
// that does not decode whole is an error matching errCorruptIDs; fn may
// have been called for the additions before the fault.
func decodeNearRecord(rec []byte, fn func(id, key []byte)) error {
	if len(rec) == 0 || rec[0] != nearRecordV1 {
		return fmt.Errorf("%w: unknown near record format", errCorruptIDs)
	}
	for rest := rec[1:]; len(rest) > 0; {
		_, end, _, _, err := idSpan(rest)
		if err != nil {
			return err
		}
		id := rest[:end]
		rest = rest[end:]
		n, w := binary.Uvarint(rest)
		if w <= 0 || n > uint64(len(rest)) {
			return fmt.Errorf("%w: bad key count in near record", errCorruptIDs)
		}
		rest = rest[w:]
		for range n {
			l, w := binary.Uvarint(rest)
			if w <= 0 || l == 0 || l > uint64(len(rest)-w) {
				return fmt.Errorf("%w: bad key length in near record", errCorruptIDs)
			}
			fn(id, rest[w:w+int(l)])
			rest = rest[w+int(l):]
		}
	}
	return nil
}

// nearLog is the near log in memory: for each key, the IDs logged for it,
// oldest first. It holds no pointers but its maps' and slices' own, so
// that it costs the garbage collector little however large it grows.
type nearLog struct {
	first uint64                       // sequence of the oldest record; 0: the log is empty
	short map[[nearShortKey]byte]int32 // a dedup key -> its newest addition
	long  map[string]int32             // any other key -> its newest addition
	adds  []nearLogAdd
	enc   []byte // the logged IDs, appendIDs form, one after the other
}

// nearLogAdd is an ID logged for a key.
type nearLogAdd struct {
	off, end uint32 // the ID is enc[off:end]
	prev     int32  // the key's previous addition; -1: none
}

// isShort reports whether key (encodeNearKey form) goes in nearLog.short.
func isShort(key []byte) bool { return len(key) == nearShortKey && key[0] != nearKeyTag }

// newest returns the index of the newest addition to key, -1 if none.
func (l *nearLog) newest(key []byte) int32 {
	i, ok := int32(0), false
	if isShort(key) {
		i, ok = l.short[[nearShortKey]byte(key)]
	} else {
		i, ok = l.long[string(key)]
	}
	if !ok {
		return -1
	}
	return i
}

// add indexes rec, the log record under sequence seq. A record that does
// not decode leaves l as it was.
func (l *nearLog) add(rec []byte, seq uint64) error {
	if err := decodeNearRecord(rec, func(_, _ []byte) {}); err != nil {
		return err
	}
	if l.short == nil {
		l.short, l.long = map[[nearShortKey]byte]int32{}, map[string]int32{}
	}
	if l.first == 0 {
		l.first = seq
	}
	var last []byte // the ID of the article being added, in rec
	return decodeNearRecord(rec, func(id, key []byte) {
		if len(last) == 0 || &last[0] != &id[0] {
			last = id
			l.enc = append(l.enc, id...)
		}
		i := int32(len(l.adds))
		l.adds = append(l.adds, nearLogAdd{uint32(len(l.enc) - len(id)), uint32(len(l.enc)), l.newest(key)})
		if isShort(key) {
			l.short[[nearShortKey]byte(key)] = i
		} else {
			l.long[string(key)] = i
		}
	})
}

// ids appends the IDs logged for key (appendIDs forms, oldest first) to
// dst.
func (l *nearLog) ids(key []byte, dst []byte) []byte {
	var buf [MaxNearPerKey]int32
	chain := buf[:0]
	for i := l.newest(key); i >= 0; i = l.adds[i].prev {
		chain = append(chain, i)
	}
	for _, i := range slices.Backward(chain) {
		dst = append(dst, l.enc[l.adds[i].off:l.adds[i].end]...)
	}
	return dst
}

// keys returns the keys of the log in key order.
func (l *nearLog) keys() [][]byte {
	short := slices.SortedFunc(maps.Keys(l.short), func(x, y [nearShortKey]byte) int { return bytes.Compare(x[:], y[:]) })
	keys := make([][]byte, 0, len(l.short)+len(l.long))
	for i := range short {
		keys = append(keys, short[i][:])
	}
	for _, k := range slices.Sorted(maps.Keys(l.long)) { // tagged: after the short ones
		keys = append(keys, []byte(k))
	}
	return keys
}

func (l *nearLog) clone() nearLog {
	return nearLog{l.first, maps.Clone(l.short), maps.Clone(l.long), slices.Clone(l.adds), slices.Clone(l.enc)}
}

// current reports whether l has additions and tx sees them in the log
// (none of them folded into the near bucket).
func (l *nearLog) current(tx *bolt.Tx) bool {
	if l.first == 0 {
		return false
	}
	k, _ := tx.Bucket(bucketNearLog).Cursor().First()
	return len(k) == 8 && binary.BigEndian.Uint64(k) == l.first
}

// load indexes the log that tx sees; l must be empty.
func (l *nearLog) load(tx *bolt.Tx) error {
	c := tx.Bucket(bucketNearLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := l.add(v, binary.BigEndian.Uint64(k)); err != nil {
			return fmt.Errorf("near log record %x: %w", k, err)
		}
	}
	return nil
}

// logNear writes the transaction's queued near-list additions: one record
// appended to the near log, or, when that would take the log past
// nearLogMax additions (or w.fold), folded with the log into the near
// bucket. s.near follows once the transaction has committed.
func (s *Store) logNear(tx *bolt.Tx, w *writer) error {
	var rec []byte
	if len(w.near) > 0 {
		w.rec = w.appendNearRecord(w.rec[:0])
		_, _ = w.arena.Write(w.rec) // values must stay valid until the transaction ends
		rec = w.arena.last
	}
	if !w.fold && len(s.near.adds)+len(w.near) <= nearLogMax {
		if rec == nil {
			return nil
		}
		b := tx.Bucket(bucketNearLog)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), rec); err != nil {
			return err
		}
		tx.OnCommit(func() {
			s.mu.Lock()
			_ = s.near.add(rec, seq) // it decodes: appendNearRecord wrote it
			s.mu.Unlock()
		})
		return nil
	}
	l := s.near.clone()
	if rec != nil {
		if err := l.add(rec, 0); err != nil {
			return err
		}
	}
	if err := foldNear(tx, &l, w); err != nil {
		return fmt.Errorf("fold the near log: %w", err)
	}
	tx.OnCommit(func() {
		s.mu.Lock()
		s.near = nearLog{}
		s.mu.Unlock()
	})
	return nil
}

// foldNear applies l's additions to the near bucket's lists in key order
// (bbolt writes sorted keys fastest, each leaf once) and empties the near
// log, whose sequence goes on (nearLog.current tells logs apart by it).
func foldNear(tx *bolt.Tx, l *nearLog, w *writer) error {
	b := tx.Bucket(bucketNear)
	c := b.Cursor() // one for all the lookups
	for i, key := range l.keys() {
		if i%releaseKeys == releaseKeys-1 && w.release != nil {
			w.release() // a fold visits most of the bucket's pages
		}
		w.ids = l.ids(key, w.ids[:0])
		list, added, err := applyNear(w.list[:0], get(c, key), w.ids)
		if err != nil {
			return fmt.Errorf("near key %q: %w", key, err)
		}
		if !added {
			continue
		}
		w.list = list[:0]
		_, _ = w.arena.Write(list) // values must stay valid until the transaction ends
		if err := b.Put(key, w.arena.last); err != nil {
			return err
		}
	}
	if l.first == 0 {
		return nil
	}
	seq := tx.Bucket(bucketNearLog).Sequence()
	if err := tx.DeleteBucket(bucketNearLog); err != nil {
		return err
	}
	nb, err := tx.CreateBucket(bucketNearLog)
	if err != nil {
		return err
	}
	return nb.SetSequence(seq)
}

// applyNear is the near lists' rule, the one place it is written: it adds
// each ID of ids (appendIDs forms, oldest first) to the list old (encodeIDs
// form) unless the list holds it already, dropping the oldest IDs beyond
// MaxNearPerKey after each, and appends the resulting list to dst, which
// must not overlap old. When no ID is added (added false) it returns old.
func applyNear(dst, old, ids []byte) (list []byte, added bool, err error) {
	var buf [2 * MaxNearPerKey][]byte
	items := buf[:0]
	for i := 0; i < len(old); {
		_, end, _, canonical, err := idSpan(old[i:])
		if err != nil {
			return nil, false, err
		}
		if !canonical { // not as encodeIDs writes it: encode it so first
			all, err := decodeIDs(old)
			if err != nil {
				return nil, false, err
			}
			if list, added, err = applyNear(dst, encodeIDs(all), ids); !added {
				return old, false, err
			}
			return list, true, nil
		}
		items = append(items, old[i:i+end])
		i += end
	}
	for i := 0; i < len(ids); {
		_, end, _, _, err := idSpan(ids[i:])
		if err != nil {
			return nil, false, err
		}
		id := ids[i : i+end]
		i += end
		if slices.ContainsFunc(items, func(x []byte) bool { return bytes.Equal(x, id) }) {
			continue
		}
		added = true
		items = append(items, id)
		if len(items) > MaxNearPerKey {
			items = items[:copy(items, items[len(items)-MaxNearPerKey:])]
		}
	}
	if !added {
		return old, false, nil
	}
	for _, id := range items {
		dst = append(dst, id...)
	}
	return dst, true, nil
}

// idSpan reads the first ID of an encodeIDs list: its bytes are
// buf[start:end], an ArticleID's 8 bytes when packed; canonical says
// whether it is encoded as appendIDs writes it.
func idSpan(buf []byte) (start, end int, packed, canonical bool, err error) {
	u, w := binary.Uvarint(buf)
	if w <= 0 || u > uint64(len(buf)-w) || u == 0 && len(buf)-w < articleIDLen/2 {
		return 0, 0, false, false, errCorruptIDs
	}
	if u == 0 {
		return w, w + articleIDLen/2, true, w == 1, nil
	}
	end = w + int(u)
	return w, end, false, w == len(binary.AppendUvarint(nil, u)) && !(u == articleIDLen && isLowerHex(string(buf[w:end]))), nil
}
