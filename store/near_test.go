package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

func TestEncodeNearKey(t *testing.T) {
	tests := []struct {
		key  string
		want []byte
	}{
		{"0105000102030405060708", append([]byte{nearKeyTag}, "0105000102030405060708"...)}, // 22 digits
		{"01050001020304050607", []byte{1, 5, 0, 1, 2, 3, 4, 5, 6, 7}},                      // dedup's shape
		{"0105000102030405060A", append([]byte{nearKeyTag}, "0105000102030405060A"...)},     // upper case
		{"ff050001020304050607", append([]byte{nearKeyTag}, "ff050001020304050607"...)},     // would look tagged
		{"b0:17", append([]byte{nearKeyTag}, "b0:17"...)},
		{"\x01\x05\x00\x01\x02\x03\x04\x05\x06\x07", append([]byte{nearKeyTag}, 1, 5, 0, 1, 2, 3, 4, 5, 6, 7)},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := encodeNearKey(tt.key)
		if !bytes.Equal(got, tt.want) {
			t.Errorf("encodeNearKey(%q) = %x, want %x", tt.key, got, tt.want)
		}
		if prev, ok := seen[string(got)]; ok {
			t.Errorf("encodeNearKey(%q) = encodeNearKey(%q)", tt.key, prev)
		}
		seen[string(got)] = tt.key
	}
}

func TestEncodeIDs(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
		size int // encoded bytes
	}{
		{"article IDs, 9 bytes each", []string{"0123456789abcdef", ArticleID("https://a.example/")}, 18},
		{"other IDs as given", []string{"crowd001", "0123456789ABCDEF", "0123456789abcde"}, 9 + 17 + 16},
		{"mixed", []string{"a", "fedcba9876543210", "b"}, 2 + 9 + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := encodeIDs(tt.ids)
			if len(buf) != tt.size {
				t.Errorf("%d bytes, want %d", len(buf), tt.size)
			}
			got, err := decodeIDs(buf)
			if err != nil || !slices.Equal(got, tt.ids) {
				t.Errorf("decodeIDs = %q, %v; want %q", got, err, tt.ids)
			}
		})
	}
	for _, bad := range [][]byte{{0, 1, 2, 3}, {5, 'a', 'b'}, {0x80}} {
		if ids, err := decodeIDs(bad); err == nil {
			t.Errorf("decodeIDs(%x) = %q, want an error", bad, ids)
		}
	}
}

// TestNearCandidatesDedupKeys runs the lookup on the compact forms: dedup's
// hex band keys and ArticleIDs.
func TestNearCandidatesDedupKeys(t *testing.T) {
	s := openTest(t)
	var ids []string
	for a := range 3 {
		w := testArticle(a)
		w.NearKeys = articleKeys(uint64(a))
		if a == 2 { // shares bands 0-9 with article 0
			copy(w.NearKeys, articleKeys(0)[:10])
		}
		ids = append(ids, mustSave(t, s, w))
	}
	got, err := s.NearCandidates(articleKeys(0), 0)
	if want := []string{ids[0], ids[2]}; err != nil || !slices.Equal(got, want) {
		t.Errorf("NearCandidates = %v, %v; want %v", got, err, want)
	}
	got, err = s.NearCandidates(articleKeys(99), 0)
	if err != nil || len(got) != 0 {
		t.Errorf("NearCandidates(unstored) = %v, %v", got, err)
	}
	verify(t, s)
}

// TestMigrateNearCompact opens a schema 1 database, whose near bucket keeps
// keys and IDs as given, and finds its near-duplicates after the migration.
func TestMigrateNearCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newsmon.db")
	old, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	hexKey, otherKey := articleKeys(7)[3], "b0:7"
	a := mustSave(t, old, ArticleWrite{Article: &newsmon.Article{URL: "https://a.example/1"}})
	b := mustSave(t, old, ArticleWrite{Article: &newsmon.Article{ID: "legacy-id", URL: "https://a.example/legacy"}})
	// Schema 1's encodeIDs: a uvarint length and the bytes of each ID.
	oldIDs := func(ids ...string) []byte {
		var buf []byte
		for _, id := range ids {
			buf = binary.AppendUvarint(buf, uint64(len(id)))
			buf = append(buf, id...)
		}
		return buf
	}
	err = old.db.Update(func(tx *bolt.Tx) error {
		near := tx.Bucket(bucketNear)
		if err := near.Put([]byte(hexKey), oldIDs(a, b)); err != nil {
			return err
		}
		if err := near.Put([]byte(otherKey), oldIDs(b)); err != nil {
			return err
		}
		return putUint(tx.Bucket(bucketMeta), keySchema, 1)
	})
	old.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		key  string
		want []string
	}{
		{hexKey, []string{b, a}},
		{otherKey, []string{b}},
	}
	for _, tt := range tests {
		if got, err := s.NearCandidates([]string{tt.key}, 0); err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("NearCandidates(%q) = %v, %v; want %v", tt.key, got, err, tt.want)
		}
	}
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketNear).Get(encodeNearKey(hexKey)); !bytes.Equal(v, encodeIDs([]string{a, b})) {
			t.Errorf("migrated value %x, want the compact form", v)
		}
		return nil
	})
	verify(t, s)
	// Saving after the migration keeps to the compact form.
	w := ArticleWrite{Article: &newsmon.Article{URL: "https://a.example/2"}, NearKeys: []string{hexKey}}
	id := mustSave(t, s, w)
	if got, _ := s.NearCandidates([]string{hexKey}, 0); !slices.Equal(got, []string{id, b, a}) {
		t.Errorf("after save: %v", got)
	}
}

// TestSaveBatchNearOrder checks that near lists, written in key order at the
// end of a batch, hold each key's articles in the order the batch gave them,
// and that a corrupt list found then rolls the whole batch back.
func TestSaveBatchNearOrder(t *testing.T) {
	s := openTest(t)
	var writes []Write
	for n := range 4 {
		w := testArticle(n)
		// Article n has keys "k9" down to "k<n>": the batch's key order is
		// not its article order.
		w.NearKeys = nil
		for k := 9; k >= n; k-- {
			w.NearKeys = append(w.NearKeys, string(rune('a'+k)), "", string(rune('a'+k)))
		}
		writes = append(writes, Write{Article: &w})
	}
	if _, err := s.SaveBatch(writes); err != nil {
		t.Fatal(err)
	}
	for k := range 10 {
		var want []string
		for n := range min(k+1, 4) {
			want = append(want, writes[n].Article.Article.ID)
		}
		var got []string
		err := s.db.View(func(tx *bolt.Tx) error {
			v, err := s.nearList(tx.Bucket(bucketNear).Cursor(), encodeNearKey(string(rune('a'+k))), s.near.current(tx), nil, nil)
			if err == nil {
				got, err = decodeIDs(v)
			}
			return err
		})
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("key %c: ids %v, %v; want %v", 'a'+k, got, err, want)
		}
	}

	// A corrupt list is found when read and when the log is folded into
	// it, which rolls the whole batch back.
	s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNear).Put(encodeNearKey("bad"), []byte{0x05, 'x'}) // length past the end
	})
	fresh, spoiled := testArticle(10), testArticle(11)
	spoiled.NearKeys = append(spoiled.NearKeys, "bad")
	mustBatch(t, s, Write{Article: &spoiled})
	if _, err := s.NearCandidates([]string{"b", "bad"}, 0); !errors.Is(err, errCorruptIDs) || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("NearCandidates of a corrupt list: err %v, want %v naming the key", err, errCorruptIDs)
	}
	defer func(m int) { nearLogMax = m }(nearLogMax)
	nearLogMax = 0
	if _, err := s.SaveBatch([]Write{{Article: &fresh}}); !errors.Is(err, errCorruptIDs) {
		t.Fatalf("batch folding into a corrupt near list: err %v, want %v", err, errCorruptIDs)
	}
	if id, ok, _ := s.ArticleIDByURL(fresh.Article.URL); ok {
		t.Errorf("article %s of the failed batch stored as %s", fresh.Article.URL, id)
	}
	if err := s.Compact(); !errors.Is(err, errCorruptIDs) {
		t.Errorf("Compact with a corrupt near list: err %v, want %v", err, errCorruptIDs)
	}
	if got, err := s.NearCandidates([]string{"a"}, 0); err != nil || !slices.Equal(got, []string{writes[0].Article.Article.ID}) {
		t.Errorf("after the failed folds: NearCandidates = %v, %v", got, err)
	}
}

// TestNearCandidatesMany checks the ranking against the plain algorithm
// (count each ID over the keys' decoded lists, most shared first, ties in
// the order found) when many articles share keys, so that the lookup's
// set of candidates outgrows its linear search.
func TestNearCandidatesMany(t *testing.T) {
	s := openTest(t)
	rng := mrand.New(mrand.NewPCG(3, 4))
	key := func() string { return benchKey(rng.IntN(3), uint64(rng.IntN(6))) }
	ref := refNear{}
	for n := range 150 {
		w := testArticle(n)
		w.NearKeys = nil
		for range 1 + rng.IntN(6) {
			w.NearKeys = append(w.NearKeys, key())
		}
		ref.add(w.NearKeys, mustSave(t, s, w))
	}
	for q := range 50 {
		keys := []string{"", "not stored"}
		for range 1 + rng.IntN(10) {
			keys = append(keys, key())
		}
		limit := []int{0, 5, 64}[q%3]
		want := ref.candidates(keys, limit)
		got, err := s.NearCandidates(keys, limit)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("query %d: got %v, %v; want %v", q, got, err, want)
		}
	}
}
