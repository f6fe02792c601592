package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// TestSaveGolden guards the stored bytes: it runs a varied workload of
// batches (awkward text for JSON,
// repeated and empty terms, refused writes, duplicates, the batch's
// document frequencies, logged and compacted) and logs a digest
// of every bucket's records. It must equal storeDigest, so that what is already on
// users' disks stays valid: change storeDigest only with a schema migration.
func TestSaveGolden(t *testing.T) {
	s := openTest(t)
	rng := mrand.New(mrand.NewPCG(5, 6))
	pieces := []string{"正文", "<b>&amp;</b>", "\"quoted\"", "back\\slash", "\n", "\t", "\x00\x01\x1f\x7f", "\u2028\u2029",
		"\xff\xfe", "\xe4\xb8", "é", "😀", "\ufeff", "&<>", "Ｆｕｌｌ", " ", "/", "\r\b\f"}
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("X", -(3*3600 + 30*60))}
	n := 0
	stored := map[string]bool{} // URLs of the articles stored
	df, docs := map[string]int{}, 0
	for batch := range 12 {
		var writes []Write
		var isNew []bool // by write: an article that must be saved
		changed := map[string]bool{}
		for range 20 + batch {
			w := testArticle(n % 200) // repeats: refused as stored
			a := w.Article
			a.Title = text(5)
			a.Body = text(rng.IntN(400))
			a.Description = text(rng.IntN(3))
			a.Image = text(rng.IntN(2))
			a.SiteName = text(rng.IntN(2))
			a.CanonicalURL = text(rng.IntN(2))
			if rng.IntN(3) == 0 {
				a.Authors = []string{text(2), text(1)}
			}
			if rng.IntN(4) == 0 {
				a.ID = fmt.Sprintf("id-%d", n)
			}
			a.Published = t0.Add(time.Duration(rng.Int64N(1e15))).In(zones[rng.IntN(len(zones))])
			if rng.IntN(5) == 0 {
				a.Published = time.Time{}
			}
			a.Modified = a.Published.Add(time.Duration(rng.IntN(1e9)))
			a.FetchedAt = t0.Add(time.Duration(n) * time.Second).In(zones[rng.IntN(len(zones))])
			a.ContentHash = fmt.Sprintf("%x", rng.IntN(50))
			a.Signature = make([]byte, rng.IntN(20))
			for i := range a.Signature {
				a.Signature[i] = byte(rng.IntN(256))
			}
			if rng.IntN(4) == 0 {
				a.Duplicates = []newsmon.Duplicate{{URL: text(1), Source: "s", FetchedAt: a.FetchedAt, Exact: rng.IntN(2) == 0}}
			}
			a.IncidentID = text(rng.IntN(2))
			// The near keys of schemas up to 7, drawn still so that the
			// other records stay those of earlier schemas.
			var nearKeys []string
			for range rng.IntN(50) {
				switch rng.IntN(4) {
				case 0:
					nearKeys = append(nearKeys, fmt.Sprintf("02%02x%016x", rng.IntN(3), rng.IntN(4))) // shared: lists overflow
				case 1:
					nearKeys = append(nearKeys, fmt.Sprintf("02%02x%016x", rng.IntN(42), rng.Uint64()))
				case 2:
					nearKeys = append(nearKeys, text(1), "ff00112233445566778899"[:2+2*rng.IntN(10)])
				default:
					nearKeys = append(nearKeys, "")
				}
			}
			_ = nearKeys
			terms := map[string]bool{}
			for range rng.IntN(60) {
				if term := []string{"", text(1), fmt.Sprintf("词%d", rng.IntN(100))}[rng.IntN(3)]; term != "" {
					terms[term] = true
				}
			}
			fresh := !stored[a.URL]
			if fresh {
				stored[a.URL] = true
				for term := range terms {
					df[term]++
					changed[term] = true
				}
				if len(terms) > 0 {
					docs++
				}
			}
			if rng.IntN(2) == 0 {
				w.Incident = &newsmon.Incident{ID: fmt.Sprintf("inc-%d", rng.IntN(10)), Title: text(2), LastSeen: a.FetchedAt}
			}
			writes = append(writes, Write{Article: &w})
			isNew = append(isNew, fresh)
			if rng.IntN(5) == 0 {
				isNew = append(isNew, true)
				writes = append(writes, Write{Duplicate: &DuplicateWrite{
					ID:        ArticleID(fmt.Sprintf("https://news.example.com/a/%d.html", rng.IntN(n+1))),
					Duplicate: newsmon.Duplicate{URL: fmt.Sprintf("https://copy.example.com/%d", rng.IntN(100)), Source: text(1), FetchedAt: a.FetchedAt},
					URLs:      []string{text(1)},
				}})
			}
			n++
		}
		d := &DocFreqWrite{Docs: docs}
		for _, term := range slices.Sorted(maps.Keys(changed)) {
			d.Terms = append(d.Terms, term)
			d.Counts = append(d.Counts, df[term])
		}
		writes = append(writes, Write{DocFreq: d})
		errs, err := s.SaveBatch(writes)
		if err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			if err != nil {
				t.Logf("batch %d write %d: %v", batch, i, err)
			}
			if w := writes[i]; w.Article != nil && (err == nil) != isNew[i] {
				t.Fatalf("batch %d write %d: error %v, but the test counted the article as new: %v", batch, i, err, isNew[i])
			}
		}
		if batch == 5 { // half the counts in the docfreq bucket, half in the log
			if err := s.Compact(); err != nil {
				t.Fatal(err)
			}
		}
		var ws []string
		for _, w := range writes {
			if w.Article != nil {
				ws = append(ws, w.Article.Article.ID)
			}
		}
		t.Logf("batch %d ids %s", batch, strings.Join(ws, ","))
	}
	if got, gotDocs, err := s.DocFreq(); err != nil || gotDocs != docs || !reflect.DeepEqual(got, df) {
		t.Errorf("DocFreq: %d terms, %d docs, %v; want %d terms, %d docs", len(got), gotDocs, err, len(df), docs)
	}
	c := dump(t, s)
	// An article's value holds a zstd frame, whose bytes are the
	// compressor's choice (another version of it may choose others that
	// decode the same): the digest is of the values with the frame
	// decompressed.
	for id, v := range c[string(bucketArticles)] {
		_, rest, plain, err := splitArticle(id, []byte(v))
		js, _, derr := decodeArticleValue(id, []byte(v))
		if err != nil || derr != nil || plain {
			t.Fatalf("article %s: %v, %v, a plain record %v", id, err, derr, plain)
		}
		c[string(bucketArticles)][id] = v[:len(v)-len(rest)] + string(js)
	}
	var lines []string
	for _, name := range slices.Sorted(maps.Keys(c)) {
		for _, k := range slices.Sorted(maps.Keys(c[name])) {
			lines = append(lines, fmt.Sprintf("%s %s %s", name, hex.EncodeToString([]byte(k)), hex.EncodeToString([]byte(c[name][k]))))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	t.Logf("%d records, digest %x", len(lines), sum)

	if got := fmt.Sprintf("%x", sum); got != storeDigest {
		t.Fatalf("stored records changed: digest %s, want %s", got, storeDigest)
	}

	// Schema 12 compressed the article records and put each signature
	// before its record: taken out into the signatures bucket, the records
	// are schema 11's.
	sigs := map[string]string{}
	for id, v := range c[string(bucketArticles)] {
		sig, rest, _, _ := splitArticle(id, []byte(v))
		if len(sig) > 0 {
			sigs[id] = string(sig)
		}
		c[string(bucketArticles)][id] = string(rest)
	}
	c[string(bucketSignatures)] = sigs
	c[string(bucketMeta)][string(keySchema)] = string(binary.BigEndian.AppendUint64(nil, 11))
	if got := digest(c); got != schema11Digest {
		t.Errorf("with the signatures out of the records, digest %s, want schema 11's %s", got, schema11Digest)
	}

	// Schema 11 moved the signatures out of the article records: put back
	// as schema 10 wrote them, the records are schema 10's.
	for id, rec := range c[string(bucketArticles)] {
		sig := c[string(bucketSignatures)][id]
		if sig == "" {
			continue
		}
		at := len(rec) - 1 // where appendArticle wrote it: before the duplicates, else the incident
		if i := strings.LastIndex(rec, `,"duplicates":[`); i >= 0 {
			at = i
		} else if i := strings.LastIndex(rec, `,"incident_id":"`); i >= 0 {
			at = i
		}
		c[string(bucketArticles)][id] = rec[:at] + `,"signature":"` + base64.StdEncoding.EncodeToString([]byte(sig)) + `"` + rec[at:]
	}
	delete(c, string(bucketSignatures))
	c[string(bucketMeta)][string(keySchema)] = string(binary.BigEndian.AppendUint64(nil, 10))
	lines = lines[:0]
	for _, name := range slices.Sorted(maps.Keys(c)) {
		for _, k := range slices.Sorted(maps.Keys(c[name])) {
			lines = append(lines, fmt.Sprintf("%s %s %s", name, hex.EncodeToString([]byte(k)), hex.EncodeToString([]byte(c[name][k]))))
		}
	}
	if got := fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(lines, "\n")))); got != schema10Digest {
		t.Errorf("with the signatures back in their records, digest %s, want schema 10's %s", got, schema10Digest)
	}
}

// digest is the digest TestSaveGolden takes of a database's records.
func digest(c contents) string {
	var lines []string
	for _, name := range slices.Sorted(maps.Keys(c)) {
		for _, k := range slices.Sorted(maps.Keys(c[name])) {
			lines = append(lines, fmt.Sprintf("%s %s %s", name, hex.EncodeToString([]byte(k)), hex.EncodeToString([]byte(c[name][k]))))
		}
	}
	return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(lines, "\n"))))
}

// schema11Digest is storeDigest as of schema 11.
const schema11Digest = "39779e09889c59b8cdb87cfccfd4b9e97ef793022d2d819027dbdc6c8bb54c85"

// schema10Digest is storeDigest as of schema 10.
const schema10Digest = "4fc5845fec45fc6bdadc426a020955f289b1a832fa1d7a95299d023ebe8678f3"

// storeDigest is the digest of the stored records above, as of schema 4 /
// signature v2. Schema 4 moved near-list additions to the near log: every
// bucket but near and nearlog (and meta's schema) digests as under schema
// 3, NearCandidates answers as under schema 3 for every key and set of
// keys of this run, and after Compact the near bucket equals schema 3's.
// Schema 6 adds meta's incident_max_span; the other records are as before.
// Schema 7 added the (here empty) review log: only meta's schema changed.
// Schema 8 dropped the near and nearlog buckets (the near-duplicate index
// is in memory, dedup.Index): every record of the other buckets but meta's
// schema is as under schema 7 (the same 1,038 records, digest 8149a6ba...).
// Schema 9 moved the clusterer's incident state out of the incident
// records into the incident_state bucket (empty here: these incidents have
// no state, as under schema 8 they had no centroid): only meta's schema
// changed; with it set back to 8 the records digest 60e8c40b..., schema 8's.
// Schema 10 puts each incident's FirstSeen in its incident_seen entry
// (nil before): those values and meta's schema changed, nothing else
// (with the schema set back to 9 the records digest 3eb412d9...).
// Schema 11 moved each article's signature out of its record into the
// signatures bucket: with them put back, the records are schema 10's
// (schema10Digest, checked above). Schema 12 compressed each article
// record (zstd), its signature before it, uncompressed, and dropped the
// signatures bucket: the digest is of the article values with their frame
// decompressed (the frame's bytes are the compressor's to choose), and
// with the signatures taken out of the records again the records are
// schema 11's (schema11Digest, checked above).
const storeDigest = "dcedb4dbad423343075d1a08a21f435c5ccf31272f67f1f710125e676cd8be5b"
