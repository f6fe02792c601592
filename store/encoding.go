package store

import (
	"encoding/binary"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keyHead returns the first 8 bytes of k (zeros after its end) as a
// big-endian number: x < y if keyHead(x) < keyHead(y).
func keyHead[K string | []byte](k K) uint64 {
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

func getUint(b *bolt.Bucket, key []byte) uint64 { return decodeUint(b.Get(key)) }

func decodeUint(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint(b *bolt.Bucket, key []byte, n uint64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(nil, n))
}

func addUint(b *bolt.Bucket, key []byte, n uint64) error {
	return putUint(b, key, getUint(b, key)+n)
}

// timeKeyLen is the length of a timeKey: seconds (sign bit flipped, so that
// times before 1970 sort first) and nanoseconds, big-endian.
const timeKeyLen = 12

func timeKey(t time.Time) []byte { return appendTimeIDKey(make([]byte, 0, timeKeyLen), t, "") }

func timeIDKey(t time.Time, id string) []byte { return appendTimeIDKey(nil, t, id) }

func appendTimeIDKey(dst []byte, t time.Time, id string) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.Unix())^(1<<63))
	dst = binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()))
	return append(dst, id...)
}

// timeIDKeyID is the ID in a key of appendTimeIDKey.
func timeIDKeyID(k []byte) string { return string(k[min(len(k), timeKeyLen):]) }

// uniqueNonEmpty keeps the non-empty strings of in, first occurrences only,
// in order, in place: it returns in[:n] holding them.
func uniqueNonEmpty(in []string) []string {
	const small = 16 // fewer: compare with those kept; more: a set
	out := in[:0]
	var seen map[string]bool
	if len(in) > small {
		seen = make(map[string]bool, len(in))
	}
	for _, s := range in {
		if s == "" {
			continue
		}
		if seen == nil {
			if slices.Contains(out, s) {
				continue
			}
		} else if seen[s] {
			continue
		} else {
			seen[s] = true
		}
		out = append(out, s)
	}
	return out
}
