package store

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// refNear is the near lists as the plain rules make them, the reference
// for the store's: an ID is appended to the list of each key unless the
// list holds it, and the oldest IDs beyond MaxNearPerKey are dropped.
type refNear map[string][]string

func (r refNear) add(keys []string, id string) {
	for _, k := range keys {
		if k == "" || slices.Contains(r[k], id) {
			continue
		}
		r[k] = append(slices.Clone(r[k]), id)
		if len(r[k]) > MaxNearPerKey {
			r[k] = r[k][1:]
		}
	}
}

// candidates is NearCandidates by the plain algorithm: count each ID over
// the keys' lists (newest first), most shared first, ties in the order
// found.
func (r refNear) candidates(keys []string, limit int) []string {
	var want []string
	count := map[string]int{}
	for _, k := range uniqueNonEmpty(slices.Clone(keys)) {
		for _, id := range slices.Backward(r[k]) {
			if count[id] == 0 {
				want = append(want, id)
			}
			count[id]++
		}
	}
	slices.SortStableFunc(want, func(a, b string) int { return count[b] - count[a] })
	if limit > 0 && len(want) > limit {
		want = want[:limit]
	}
	return want
}

// checkRef fails t unless NearCandidates answers as ref for each key alone
// and for random sets of keys with and without a limit.
func checkRef(t *testing.T, s *Store, ref refNear, pool []string, rng *mrand.Rand, when string) {
	t.Helper()
	queries := [][]string{}
	for _, k := range pool {
		queries = append(queries, []string{k})
	}
	for range 20 {
		q := []string{"", "unknown"}
		for range 1 + rng.IntN(12) {
			q = append(q, pool[rng.IntN(len(pool))])
		}
		queries = append(queries, q)
	}
	for i, q := range queries {
		limit := []int{0, 3, 64}[i%3]
		got, err := s.NearCandidates(q, limit)
		if want := ref.candidates(q, limit); err != nil || !slices.Equal(got, want) {
			t.Fatalf("%s: NearCandidates(%q, %d) = %v, %v; want %v", when, q, limit, got, err, want)
		}
	}
}

// TestNearLogModel saves random batches (keys shared by many articles, so
// lists overflow; keys repeated within an article; articles refused as
// stored; IDs of both encodings; keys of both forms) with the log folded
// at its bound, by Compact and not at all, and reopens the store, checking
// NearCandidates against the plain rules throughout.
func TestNearLogModel(t *testing.T) {
	defer func(m int) { nearLogMax = m }(nearLogMax)
	rng := mrand.New(mrand.NewPCG(11, 12))
	var pool []string
	for i := range 12 {
		pool = append(pool, benchKey(i%4, uint64(i)), fmt.Sprintf("key:%d", i))
	}
	for _, bound := range []int{0, 7, 150, 1 << 30} {
		t.Run(fmt.Sprint("bound=", bound), func(t *testing.T) {
			nearLogMax = bound
			path := filepath.Join(t.TempDir(), "newsmon.db")
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { s.Close() }()
			ref := refNear{}
			n := 0
			for batch := range 60 {
				var writes []Write
				for range 1 + rng.IntN(8) {
					w := testArticle(n)
					if rng.IntN(6) == 0 && n > 0 {
						w = testArticle(rng.IntN(n)) // stored: refused
					} else {
						n++
					}
					if rng.IntN(3) == 0 {
						w.Article.ID = fmt.Sprintf("id-%s", strings.TrimPrefix(w.Article.URL, "https://news.example.com/a/"))
					}
					w.NearKeys = nil
					for range rng.IntN(10) {
						k := pool[rng.IntN(len(pool))]
						w.NearKeys = append(w.NearKeys, k, []string{"", k, pool[0]}[rng.IntN(3)])
					}
					writes = append(writes, Write{Article: &w})
				}
				errs := mustBatch(t, s, writes...)
				for i, w := range writes {
					if errs[i] == nil {
						ref.add(w.Article.NearKeys, w.Article.Article.ID)
					} else if !errors.Is(errs[i], ErrExists) {
						t.Fatal(errs[i])
					}
				}
				switch rng.IntN(10) {
				case 0:
					if err := s.Compact(); err != nil {
						t.Fatal(err)
					}
				case 1:
					s.Close()
					if s, err = Open(path); err != nil {
						t.Fatal(err)
					}
				}
				s.mu.RLock()
				logged := len(s.near.adds)
				s.mu.RUnlock()
				if logged > bound {
					t.Fatalf("batch %d: %d additions logged, bound %d", batch, logged, bound)
				}
				checkRef(t, s, ref, pool, rng, fmt.Sprintf("batch %d (%d logged)", batch, logged))
			}
			verify(t, s)
		})
	}
}

// TestApplyNear checks the rule on lists with repeated IDs, IDs dropped
// and added again, and IDs of both encodings, against the plain rules.
func TestApplyNear(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	id := func() string {
		if i := rng.IntN(90); i < 80 {
			return ArticleID(fmt.Sprint(i))
		} else {
			return fmt.Sprintf("id-%d", i)
		}
	}
	for range 500 {
		var old []string
		for range rng.IntN(MaxNearPerKey + 1) {
			ref := refNear{"k": old}
			ref.add([]string{"k"}, id())
			old = ref["k"]
		}
		var adds []string
		for range rng.IntN(2 * MaxNearPerKey) {
			adds = append(adds, id())
		}
		ref := refNear{"k": old}
		for _, a := range adds {
			ref.add([]string{"k"}, a)
		}
		enc := encodeIDs(old)
		got, added, err := applyNear(nil, enc, encodeIDs(adds))
		if err != nil || !slices.Equal(mustDecodeIDs(t, got), ref["k"]) || added != !slices.Equal(old, ref["k"]) {
			t.Fatalf("applyNear(%q, %q) = %q, %v, %v; want %q", old, adds, mustDecodeIDs(t, got), added, err, ref["k"])
		}
	}
	// A list not in encodeIDs form (an ArticleID kept as text) is written
	// in it when an ID is added, left alone otherwise.
	a, b := ArticleID("a"), ArticleID("b")
	loose := append([]byte{articleIDLen}, a...)
	if got, added, err := applyNear(nil, loose, encodeIDs([]string{a})); err != nil || added || string(got) != string(loose) {
		t.Errorf("found in a loose list: %x, %v, %v", got, added, err)
	}
	if got, added, err := applyNear(nil, loose, encodeIDs([]string{b})); err != nil || !added || string(got) != string(encodeIDs([]string{a, b})) {
		t.Errorf("added to a loose list: %x, %v, %v", got, added, err)
	}
	for _, bad := range [][2][]byte{{{5, 'x'}, nil}, {nil, {5, 'x'}}} {
		if _, _, err := applyNear(nil, bad[0], bad[1]); !errors.Is(err, errCorruptIDs) {
			t.Errorf("applyNear(%x, %x): err %v, want errCorruptIDs", bad[0], bad[1], err)
		}
	}
}

func mustDecodeIDs(t *testing.T, b []byte) []string {
	t.Helper()
	ids, err := decodeIDs(b)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestNearLogConcurrent runs lookups while batches commit and the log is
// folded, at its bound and by Compact: a lookup must always find an
// article whose SaveBatch returned before it started. Run it with -race.
func TestNearLogConcurrent(t *testing.T) {
	defer func(m int) { nearLogMax = m }(nearLogMax)
	nearLogMax = 42 * 10
	s := openTest(t)
	var stored atomic.Int64 // articles 0..stored-1 are saved
	var wg sync.WaitGroup
	done := make(chan struct{})
	const batches = 150
	wg.Go(func() {
		defer close(done)
		for b := range batches {
			var writes []Write
			for j := range 4 {
				w := testArticle(b*4 + j)
				w.NearKeys = articleKeys(uint64(b*4 + j))
				copy(w.NearKeys, articleKeys(uint64(b))[:3]) // keys shared with other articles
				writes = append(writes, Write{Article: &w})
			}
			mustBatch(t, s, writes...)
			stored.Store(int64(b*4 + 4))
			if b%7 == 0 {
				if err := s.Compact(); err != nil {
					t.Error(err)
				}
			}
		}
	})
	lookups := atomic.Int64{}
	for r := range 2 {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(r), 9))
			for {
				select {
				case <-done:
					return
				default:
				}
				n := stored.Load()
				if n == 0 {
					continue
				}
				a := rng.IntN(int(n))
				want := ArticleID(testArticle(a).Article.URL)
				got, err := s.NearCandidates(articleKeys(uint64(a)), 0)
				if err != nil || !slices.Contains(got, want) {
					t.Errorf("article %d stored before the lookup: not among %d candidates (%v)", a, len(got), err)
					return
				}
				lookups.Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("%d lookups during %d batches", lookups.Load(), batches)
	verify(t, s)
}

// TestNearLogCorrupt checks that a garbled near log record makes Open
// fail naming it, rather than lose additions.
func TestNearLogCorrupt(t *testing.T) {
	s := openTest(t)
	path := s.path
	mustSave(t, s, testArticle(1))
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNearLog).Put([]byte{0, 0, 0, 0, 0, 0, 0, 9}, []byte{nearRecordV1, 0})
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	const key = "near log record 0000000000000009"
	if s, err := Open(path); err == nil || !strings.Contains(err.Error(), key) {
		closeIf(s)
		t.Errorf("Open error %v, want one naming %q", err, key)
	}
}

// checkNearLog checks that s.near indexes the near log as stored, and that
// the log's IDs are stored articles.
func checkNearLog(t testing.TB, s *Store, articles map[string]string) {
	t.Helper()
	var fresh nearLog
	var missing []string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketNearLog).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			err := decodeNearRecord(v, func(id, _ []byte) {
				if ids, _ := decodeIDs(id); articles[ids[0]] == "" {
					missing = append(missing, ids[0])
				}
			})
			if err != nil {
				return err
			}
		}
		return fresh.load(tx)
	})
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err != nil || len(missing) > 0 || !reflect.DeepEqual(fresh, s.near) {
		t.Errorf("inconsistent store: near log: %v; missing articles %q; index as loaded %v", err, missing, reflect.DeepEqual(fresh, s.near))
	}
}
