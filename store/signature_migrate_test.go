package store

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// TestMigrateSignatures opens a database written by the code of schema 10
// (testdata/schema10.db.gz, made by testdata/schema10-gen.go.txt: articles
// with signatures after bodies that would trip a careless cut, one without
// a signature, a linked copy, a copy that replaced its representative, a
// record as encoding/json wrote it) and checks that schema 11 moved each
// signature into the signatures bucket, left each record its old bytes
// without the signature member and changed nothing else: in one
// transaction, in chunks, and after a crash that left the moves half done.
// Schema 12 then rewrote each record compressed, its signature before it
// (record.go), and dropped the signatures bucket: the records decode to
// those bytes and signatures, also after a crash that left the rewrites
// half done.
func TestMigrateSignatures(t *testing.T) {
	for _, tt := range []struct {
		name    string
		chunk   int // migrateChunk
		crash   int // signatures moved before a crash (0: none)
		crash12 int // records compressed before a crash, after schema 11 (0: none)
	}{
		{"one transaction", 1 << 30, 0, 0},
		{"chunks of 2", 2, 0, 0},
		{"chunks of 1", 1, 0, 0},
		{"crash after 3 moves", 1 << 30, 3, 0},
		{"crash after 3 moves, chunks of 2", 2, 3, 0},
		{"crash after 3 compressions", 1 << 30, 0, 3},
		{"crash after 3 compressions, chunks of 2", 2, 0, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func(n int) { migrateChunk = n }(migrateChunk)
			migrateChunk = tt.chunk
			testMigrateSignatures(t, tt.crash, tt.crash12)
		})
	}
}

func testMigrateSignatures(t *testing.T, crash, crash12 int) {
	path := filepath.Join(t.TempDir(), "newsmon.db")
	gz, err := os.ReadFile("testdata/schema10.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := rawContentsTx(t, path)
	if v := decodeUint([]byte(before[string(bucketMeta)][string(keySchema)])); v != 10 {
		t.Fatalf("fixture at schema %d, want 10", v)
	}
	// What each record must become, found without the migration's code:
	// encoding/json reads the signature, and its member is cut as text.
	wantRec, wantSig := map[string]string{}, map[string][]byte{}
	for id, rec := range before[string(bucketArticles)] {
		var a newsmon.Article
		if err := json.Unmarshal([]byte(rec), &a); err != nil {
			t.Fatal(err)
		}
		wantRec[id] = rec
		if len(a.Signature) > 0 {
			member := `,"signature":"` + base64.StdEncoding.EncodeToString(a.Signature) + `"`
			if strings.Count(rec, member) != 1 {
				t.Fatalf("article %s: its signature member is not in its record once", id)
			}
			wantRec[id] = strings.Replace(rec, member, "", 1)
			wantSig[id] = a.Signature
		}
	}
	if len(wantSig) < 6 || len(wantRec) == len(wantSig) {
		t.Fatalf("fixture has %d articles, %d with a signature: not the one described", len(wantRec), len(wantSig))
	}

	if crash > 0 {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error {
			_, done, err := moveSignatures(tx, nil, crash)
			if done {
				t.Errorf("moving %d of %d signatures: done", crash, len(wantSig))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	if crash12 > 0 {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error {
			if err := migrateTo(tx, schemaCompressed-1); err != nil {
				return err
			}
			_, done, err := compressArticles(tx, nil, crash12)
			if done {
				t.Errorf("compressing %d of %d records: done", crash12, len(wantRec))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, s)
	for id, sig := range wantSig {
		a, err := s.Article(id)
		if err != nil || !bytes.Equal(a.Signature, sig) {
			t.Errorf("Article(%s).Signature = %x, %v; want %x", id, a.Signature, err, sig)
		}
		var got []byte
		if _, err := s.MatchSignature([]string{id}, func(b []byte) bool { got = bytes.Clone(b); return true }); err != nil || !bytes.Equal(got, sig) {
			t.Errorf("MatchSignature(%s) = %x, %v; want %x", id, got, err, sig)
		}
	}
	n := 0
	if err := s.RecentSignatures(100, func(id string, sig []byte) error {
		n++
		if !bytes.Equal(sig, wantSig[id]) {
			t.Errorf("RecentSignatures: %s has %x, want %x", id, sig, wantSig[id])
		}
		return nil
	}); err != nil || n != len(wantSig) {
		t.Errorf("RecentSignatures: %d signatures, %v; want %d", n, err, len(wantSig))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	after, _ := rawContentsTx(t, path)
	if v := decodeUint([]byte(after[string(bucketMeta)][string(keySchema)])); v != SchemaVersion {
		t.Errorf("schema %d after Open, want %d", v, SchemaVersion)
	}
	for id, rec := range wantRec {
		v := after[string(bucketArticles)][id]
		js, sig, err := decodeArticleValue(id, []byte(v))
		if err != nil || string(js) != rec || !bytes.Equal(sig, wantSig[id]) || v[0] != recordZstd {
			t.Errorf("article %s: record\n%s\nsignature %x, %v; want\n%s\nsignature %x, compressed", id, js, sig, err, rec, wantSig[id])
		}
	}
	if len(after[string(bucketArticles)]) != len(wantRec) {
		t.Errorf("%d article records, want %d", len(after[string(bucketArticles)]), len(wantRec))
	}
	if _, ok := after[string(bucketSignatures)]; ok {
		t.Errorf("the signatures bucket is still in the file after schema 12")
	}
	for name, recs := range before {
		switch name {
		case string(bucketArticles):
		case string(bucketMeta):
			want := maps.Clone(recs)
			want[string(keySchema)] = after[name][string(keySchema)]
			if !maps.Equal(after[name], want) {
				t.Errorf("meta changed beyond the schema: %q, was %q", after[name], recs)
			}
		default:
			if !maps.Equal(after[name], recs) {
				t.Errorf("bucket %s changed in the migration", name)
			}
		}
	}
}
