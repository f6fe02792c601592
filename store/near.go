package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// MaxNearPerKey bounds how many article IDs one near-duplicate band key
// keeps; the oldest are dropped first. It bounds NearCandidates' cost.
const MaxNearPerKey = 64

// nearAdd is an article to add to the near list of a band key. It holds
// no pointers, which makes it cheap to sort.
type nearAdd struct {
	head     uint64 // keyHead(key): most comparisons need no more
	off, end uint32 // the key (encodeNearKey form) is nearKeys[off:end]
	art      uint32 // index in nearArts; in the order the articles came
}

type nearArticle struct {
	id, url string
	enc     []byte // appendIDs form of id, from the arena
}

// NearCandidates returns the IDs of the articles that share at least one of
// the band keys, those sharing the most keys first (ties: the order in which
// the keys and, within a key, the newest IDs come), without repeats and at
// most limit of them (no cap when limit <= 0). Its cost depends on
// len(keys) and MaxNearPerKey, not on how many articles are stored.
//
// A key's list is the near bucket's with the near log's additions applied
// (applyNear). The log's additions come from s.near, which must match the
// transaction's view of the log: NearCandidates holds mu's read lock from
// before its transaction begins to its end, so no commit handler changes
// s.near meanwhile, and every commit whose handler ran (every SaveBatch
// that returned) is in both the view and s.near. The writer that commits
// while the lock is held blocks in its handler, under wmu, so the view is
// at most that one commit ahead of s.near: a batch that logged additions
// (the view's log has a record s.near lacks, ignored: the list is as
// before that batch), or a compaction, which folded s.near's additions
// into the near bucket and emptied the log. The view then shows no record
// of s.near (nearLog.current) and the bucket alone is used: applying the
// additions twice would not always give the same list (an ID that was
// there, then dropped, comes back).
func (s *Store) NearCandidates(keys []string, limit int) ([]string, error) {
	return s.NearCandidatesSharing(keys, 1, limit)
}

// NearCandidatesSharing is NearCandidates of the articles that share at
// least minShared of the keys.
func (s *Store) NearCandidatesSharing(keys []string, minShared, limit int) ([]string, error) {
	var cands []nearCandidate // in the order they came
	var index map[string]int  // id -> its place in cands, once there are many
	s.mu.RLock()
	defer s.mu.RUnlock()
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketNear).Cursor() // one for all the lookups
		logged := s.near.current(tx)
		var kbuf, ibuf [64]byte
		var lbuf [(MaxNearPerKey + 1) * (1 + articleIDLen/2)]byte
		var ubuf [64]string
		for _, k := range uniqueNonEmpty(append(ubuf[:0], keys...)) {
			v, err := s.nearList(c, appendNearKey(kbuf[:0], k), logged, ibuf[:0], lbuf[:0])
			var list []string
			if err == nil {
				list, err = decodeIDs(v)
			}
			if err != nil {
				return fmt.Errorf("near key %q: %w", k, err)
			}
			for i := len(list) - 1; i >= 0; i-- {
				id := list[i]
				j, ok := 0, false
				if index != nil {
					j, ok = index[id]
				} else if j = slices.IndexFunc(cands, func(c nearCandidate) bool { return c.id == id }); j >= 0 {
					ok = true
				}
				if ok {
					cands[j].n++
					continue
				}
				cands = append(cands, nearCandidate{id, 1})
				if index == nil && len(cands) > 16 { // a set from now on
					index = make(map[string]int, 4*len(cands))
					for j, c := range cands {
						index[c.id] = j
					}
				} else if index != nil {
					index[id] = len(cands) - 1
				}
			}
		}
		return nil
	})
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	slices.SortStableFunc(cands, func(a, b nearCandidate) int { return b.n - a.n })
	if i := slices.IndexFunc(cands, func(c nearCandidate) bool { return c.n < minShared }); i >= 0 {
		cands = cands[:i]
	}
	if limit > 0 && len(cands) > limit {
		cands = cands[:limit]
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.id
	}
	return ids, nil
}

// nearList returns the near list of key (encodeNearKey form) that a read
// transaction sees: the near bucket's, read through c, with the log's
// additions applied when logged (nearLog.current). ibuf and lbuf are
// scratch space.
func (s *Store) nearList(c *bolt.Cursor, key []byte, logged bool, ibuf, lbuf []byte) ([]byte, error) {
	v := get(c, key)
	if !logged {
		return v, nil
	}
	ids := s.near.ids(key, ibuf)
	if len(ids) == 0 {
		return v, nil
	}
	v, _, err := applyNear(lbuf, v, ids)
	return v, err
}

// nearCandidate is an article NearCandidates found and how many of the
// keys it shares.
type nearCandidate struct {
	id string
	n  int
}

// addNear queues id for the near lists of keys (a key repeated or empty
// adds nothing), to be written by writeNear when the transaction's articles
// are saved.
func (w *writer) addNear(keys []string, id, url string) {
	art := len(w.nearArts)
	for _, k := range keys {
		if k == "" {
			continue
		}
		if art == len(w.nearArts) {
			w.key = appendIDs(w.key[:0], id)
			enc := w.arena.alloc(len(w.key))
			copy(enc, w.key)
			w.nearArts = append(w.nearArts, nearArticle{id: id, url: url, enc: enc})
		}
		off := len(w.nearKeys)
		w.nearKeys = appendNearKey(w.nearKeys, k)
		w.near = append(w.near, nearAdd{head: keyHead(w.nearKeys[off:]), off: uint32(off), end: uint32(len(w.nearKeys)), art: uint32(art)})
	}
}

// nearKeyTag starts the stored form of a near key that is not kept as raw
// bytes (see encodeNearKey).
const nearKeyTag = 0xff

// encodeNearKey returns the near bucket key for band key k. A dedup band key
// (20 lowercase hex digits) is stored as its 10 bytes: half the size, so
// more keys per page, fewer pages and cache lines touched per lookup. Any
// other key, and one whose first byte would be nearKeyTag, is stored as
// nearKeyTag followed by k, so the two forms never collide.
func encodeNearKey(k string) []byte { return appendNearKey(nil, k) }

// appendNearKey appends the encodeNearKey form of k to dst.
func appendNearKey(dst []byte, k string) []byte {
	const n = 10
	if len(k) == 2*n && isLowerHex(k) {
		if raw, err := hex.AppendDecode(dst, []byte(k)); err == nil && raw[len(dst)] != nearKeyTag {
			return raw
		}
	}
	dst = append(dst, nearKeyTag)
	return append(dst, k...)
}

// isLowerHex reports whether s is made of 0-9 and a-f only, so that hex
// decoding and encoding it gives s back.
func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

var errCorruptIDs = errors.New("corrupt id list")

// articleIDLen is the length of an ArticleID; such IDs are stored as their
// 8 bytes in near lists.
const articleIDLen = 16

// encodeIDs writes each ID as a uvarint length and its bytes, except that
// an ArticleID-shaped ID (16 lowercase hex digits) is a zero length and its
// 8 bytes (an empty ID is never stored, so a zero length is free).
func encodeIDs(ids []string) []byte {
	return appendIDs(make([]byte, 0, len(ids)*(1+articleIDLen/2)), ids...)
}

// appendIDs appends the encodeIDs form of ids to buf.
func appendIDs(buf []byte, ids ...string) []byte {
	for _, id := range ids {
		if len(id) == articleIDLen && isLowerHex(id) {
			buf = append(buf, 0)
			buf, _ = hex.AppendDecode(buf, []byte(id))
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(id)))
		buf = append(buf, id...)
	}
	return buf
}

func decodeIDs(buf []byte) ([]string, error) {
	var ids []string
	for len(buf) > 0 {
		start, end, packed, _, err := idSpan(buf)
		if err != nil {
			return nil, err
		}
		if packed {
			ids = append(ids, hex.EncodeToString(buf[start:end]))
		} else {
			ids = append(ids, string(buf[start:end]))
		}
		buf = buf[end:]
	}
	return ids, nil
}
