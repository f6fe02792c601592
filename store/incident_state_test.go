package store

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// stored is an incident and its state as a test expects them.
type stored struct {
	Incident newsmon.Incident
	State    newsmon.IncidentState
}

// jsonOf is v's JSON, to compare values holding times (whose locations
// differ as pointers when decoded twice).
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readAll returns the stored incidents with their states, by the three
// readers: Incidents with IncidentState, and IncidentsBetween.
func readAll(t *testing.T, s *Store) []stored {
	t.Helper()
	var out []stored
	if err := s.Incidents(func(inc newsmon.Incident) error {
		st, err := s.IncidentState(inc.ID)
		out = append(out, stored{inc, st})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var between []stored
	if err := s.IncidentsBetween(time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), func(inc newsmon.Incident, st newsmon.IncidentState) error {
		between = append(between, stored{inc, st})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(between, func(a, b stored) int { return strings.Compare(a.Incident.ID, b.Incident.ID) })
	if got, want := jsonOf(t, between), jsonOf(t, out); got != want {
		t.Errorf("IncidentsBetween differs from Incidents with IncidentState:\n got %s\nwant %s", got, want)
	}
	return out
}

// rawContents is every bucket's records of the bbolt file at path.
func rawContents(t *testing.T, path string) contents {
	c, _ := rawContentsTx(t, path)
	return c
}

// rawContentsTx is rawContents and the id of the last transaction written.
func rawContentsTx(t *testing.T, path string) (contents, int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := contents{}
	txid := 0
	if err := db.View(func(tx *bolt.Tx) error {
		txid = tx.ID()
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			m := map[string]string{}
			c[string(name)] = m
			return b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		})
	}); err != nil {
		t.Fatal(err)
	}
	return c, txid
}

// TestMigrateIncidentState opens a database written by newsmon at schema 8
// (testdata/schema8.db.gz, written by testdata/schema8-gen.go.txt with the
// code of commit 1dc65cd: the clusterer's state folded into each incident
// record's centroid; incidents clustered in three batches, one written
// without a centroid, one with a reserved key that layout did not know, a
// reviewer's move and merge) and checks that schema 9 gives the same
// incidents and the same states as that code read them
// (testdata/schema8.json), that the incident records are their old bytes
// without the centroid member, and that nothing else changed. The moves
// run two incidents to a transaction, as a large database's run
// migrateChunk.
func TestMigrateIncidentState(t *testing.T) {
	defer func(n int) { migrateChunk = n }(migrateChunk)
	migrateChunk = 2
	path := filepath.Join(t.TempDir(), "newsmon.db")
	gz, err := os.ReadFile("testdata/schema8.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var db bytes.Buffer
	if _, err := db.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, db.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var want []stored
	data, err := os.ReadFile("testdata/schema8.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	before, txBefore := rawContentsTx(t, path)
	if v := decodeUint([]byte(before[string(bucketMeta)][string(keySchema)])); v != 8 {
		t.Fatalf("fixture at schema %d, want 8", v)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, s)
	got := readAll(t, s)
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Errorf("migrated incidents and states differ from schema 8's:\n got %s\nwant %s", g, w)
	}
	withState := 0
	for _, w := range want {
		if w.State.Terms != nil {
			withState++
		}
	}
	if withState != 5 || len(want) != 6 {
		t.Fatalf("fixture has %d incidents, %d with a state: not the one described", len(want), withState)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	after, txAfter := rawContentsTx(t, path)
	// 5 centroids moved 2 at a time and schema 9; schema 10; the signatures'
	// moves (none in this fixture: one transaction finds none) and schema
	// 11; the article records compressed 2 at a time and schema 12; open's
	// own migration, left with nothing to do.
	articles := len(before[string(bucketArticles)])
	if n, want := txAfter-txBefore, 8+max(1, (articles+1)/2)+1; n != want {
		t.Errorf("migrated in %d transactions, want %d: 3 moving centroids, schemas 9 and 10, 1 moving no signatures, schema 11, %d compressing %d articles, schema 12, open's",
			n, want, want-9, articles)
	}
	if v := decodeUint([]byte(after[string(bucketMeta)][string(keySchema)])); v != SchemaVersion {
		t.Errorf("schema %d after Open, want %d", v, SchemaVersion)
	}
	for name, recs := range before {
		switch name {
		case string(bucketIncidents):
			for id, old := range recs {
				rec := after[name][id]
				i, j, ok := centroidSpan([]byte(old))
				if ok {
					old = old[:i] + old[j:]
				}
				if rec != old {
					t.Errorf("incident %s: record %s, want its old bytes without the centroid %s", id, rec, old)
				}
				inc, err := decodeJSON[newsmon.Incident]("incident", id, []byte(rec))
				if err != nil {
					t.Fatal(err)
				}
				if enc, _ := appendIncident(nil, &inc, nil); string(enc) != rec {
					t.Errorf("incident %s: record %s, but appendIncident writes %s", id, rec, enc)
				}
				if _, has := after[string(bucketIncidentState)][id]; has != ok {
					t.Errorf("incident %s: a state record %v, want one exactly when it had a centroid (%v)", id, has, ok)
				}
			}
			if len(after[name]) != len(recs) {
				t.Errorf("%d incident records, want %d", len(after[name]), len(recs))
			}
		case string(bucketMeta):
			want := maps.Clone(recs)
			want[string(keySchema)] = after[name][string(keySchema)]
			if !maps.Equal(after[name], want) {
				t.Errorf("meta changed beyond the schema: %q, was %q", after[name], recs)
			}
		case string(bucketArticles): // schema 12: compressed, the same JSON (these have no signature)
			for id, old := range recs {
				js, sig, err := decodeArticleValue(id, []byte(after[name][id]))
				if err != nil || string(js) != old || sig != nil || after[name][id][0] != recordZstd {
					t.Errorf("article %s: record %q, signature %x, %v; want its old bytes %s compressed", id, js, sig, err, old)
				}
			}
			if len(after[name]) != len(recs) {
				t.Errorf("%d article records, want %d", len(after[name]), len(recs))
			}
		case string(bucketIncidentSeen): // schema 10: each entry holds its incident's first time
			if !slices.Equal(slices.Sorted(maps.Keys(after[name])), slices.Sorted(maps.Keys(recs))) {
				t.Errorf("the incident_seen keys changed in the migration")
			}
			for k, v := range after[name] {
				inc, err := decodeJSON[newsmon.Incident]("incident", k[timeKeyLen:], []byte(after[string(bucketIncidents)][k[timeKeyLen:]]))
				if err != nil || v != string(timeKey(inc.FirstSeen)) {
					t.Errorf("incident_seen %x = %x, want its incident's first time (%v)", k, v, err)
				}
			}
		default:
			if !maps.Equal(after[name], recs) {
				t.Errorf("bucket %s changed in the migration", name)
			}
		}
	}

	// Merged ids answer with the survivor, state included; a second open
	// changes nothing.
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	merged := 0
	for from := range before[string(bucketIncidentAlias)] {
		inc, err := s.Incident(from)
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.IncidentState(from)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if w.Incident.ID == inc.ID {
				merged++
				if jsonOf(t, st) != jsonOf(t, w.State) {
					t.Errorf("IncidentState(%s) = %+v, want %s's %+v", from, st, inc.ID, w.State)
				}
			}
		}
	}
	if merged == 0 {
		t.Error("the fixture has no merged incident")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if again := rawContents(t, path); !maps.EqualFunc(again, after, maps.Equal) {
		t.Error("a second open changed the database")
	}
}

// legacyIncident is newsmon.Incident of schema 8, centroid included, whose
// JSON was the incident record.
type legacyIncident struct {
	ID           string             `json:"id"`
	Title        string             `json:"title"`
	Summary      string             `json:"summary"`
	FirstSeen    time.Time          `json:"first_seen"`
	LastSeen     time.Time          `json:"last_seen"`
	Languages    []string           `json:"languages"`
	Sources      []string           `json:"sources"`
	ArticleIDs   []string           `json:"article_ids"`
	Keywords     []string           `json:"keywords"`
	Topics       []string           `json:"topics"`
	Score        float64            `json:"score"`
	Centroid     map[string]float64 `json:"centroid,omitempty"`
	CentralTitle string             `json:"central_title,omitempty"`
}

// TestMigrateIncidentStateRecords migrates schema-8 records whose text
// would trip a careless cut of the centroid (quotes, backslashes, braces,
// the centroid key itself in titles and terms), and records without a
// centroid: in one transaction, in chunks, and after a crash that left the
// moves half done.
func TestMigrateIncidentStateRecords(t *testing.T) {
	for _, tt := range []struct {
		name         string
		chunk, crash int // migrateChunk; incidents moved before a crash (0: none)
	}{
		{"one transaction", 1 << 30, 0},
		{"chunks of 3", 3, 0},
		{"chunks of 1", 1, 0},
		{"crash after 4 moves", 1 << 30, 4},
		{"crash after 4 moves, chunks of 3", 3, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func(n int) { migrateChunk = n }(migrateChunk)
			migrateChunk = tt.chunk
			testMigrateRecords(t, tt.crash)
		})
	}
}

func testMigrateRecords(t *testing.T, crash int) {
	path := filepath.Join(t.TempDir(), "newsmon.db")
	day := time.Date(2024, 3, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	tricky := []string{`plain`, `quote " and ,"centroid":{"x":1}`, `back\slash\`, `brace } { ]`, "中文标题 <b>&amp;</b>", `\",\"centroid\":{`, ``, `none`}
	var want []stored
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		for _, m := range migrations[:8] {
			if err := m(tx); err != nil {
				return err
			}
		}
		for i, title := range tricky {
			c := map[string]float64{"a": 1, title + "}": 2, `"q"`: 3, "=n:zh": 1, "=n:en": 2, "=tl:zh": 1, "=c": 0.75,
				"=e:ai-incidents:h:隐私": 1, "=e:ai-incidents:t:~ai": 1, "=future": 4}
			st := newsmon.IncidentState{Terms: map[string]float64{"a": 1, title + "}": 2, `"q"`: 3}, Langs: map[string]int{"zh": 1, "en": 2},
				TitleLang: "zh", Central: 0.75, Evidence: []string{"ai-incidents:h:隐私", "ai-incidents:t:~ai"}}
			if title == "none" { // written without a centroid: no state
				c, st = nil, newsmon.IncidentState{}
			}
			if title == "" { // a centroid of terms alone
				c = map[string]float64{"only": 1}
				st = newsmon.IncidentState{Terms: map[string]float64{"only": 1}, Langs: map[string]int{}}
			}
			old := legacyIncident{ID: fmt.Sprintf("inc-%d", i), Title: title, Summary: title, FirstSeen: day, LastSeen: day.Add(time.Duration(i) * time.Hour),
				ArticleIDs: []string{"a"}, Keywords: []string{title}, Score: 1.5, Centroid: c, CentralTitle: title}
			rec, err := json.Marshal(old)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketIncidents).Put([]byte(old.ID), rec); err != nil {
				return err
			}
			if err := tx.Bucket(bucketIncidentSeen).Put(timeIDKey(old.LastSeen, old.ID), nil); err != nil {
				return err
			}
			old.Centroid = nil
			var inc newsmon.Incident
			if rec, err = json.Marshal(old); err != nil {
				return err
			}
			if err := json.Unmarshal(rec, &inc); err != nil {
				return err
			}
			want = append(want, stored{inc, st})
		}
		meta := tx.Bucket(bucketMeta)
		if err := putUint(meta, keyIncidents, uint64(len(tricky))); err != nil {
			return err
		}
		if err := putUint(meta, keyMaxSpan, uint64(len(tricky))*3600); err != nil {
			return err
		}
		return putUint(meta, keySchema, 8)
	})
	if err != nil {
		t.Fatal(err)
	}
	if crash > 0 {
		err := db.Update(func(tx *bolt.Tx) error {
			_, done, err := moveIncidentStates(tx, nil, crash)
			if done {
				t.Errorf("moving %d of %d incidents: done", crash, len(tricky))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	verify(t, s)
	slices.SortFunc(want, func(a, b stored) int { return strings.Compare(a.Incident.ID, b.Incident.ID) })
	if got := readAll(t, s); jsonOf(t, got) != jsonOf(t, want) {
		t.Errorf("migrated:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
	}
	for _, v := range []string{`{"id":"x","centroid":{"a":1`, `{"id":"x","centroid":{"a":{"b":1}}}`, `{"id":"x"}`} {
		if _, _, ok := centroidSpan([]byte(v)); ok {
			t.Errorf("centroidSpan(%s) found a centroid", v)
		}
	}
}

// TestIncidentStateWrites: a state is written with its incident and read
// back under its id (a merged id: the survivor's); an incident written
// without a state keeps the stored one; a merge deletes the merged-away
// incident's state; a state without its incident fails the batch.
func TestIncidentStateWrites(t *testing.T) {
	s := openTest(t)
	day := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	inc := func(id string) *newsmon.Incident {
		return &newsmon.Incident{ID: id, Title: id, FirstSeen: day, LastSeen: day}
	}
	state := func(term string) *newsmon.IncidentState {
		return &newsmon.IncidentState{Terms: map[string]float64{term: 1}, Langs: map[string]int{"en": 1}, TitleLang: "en", Central: 0.5,
			Evidence: []string{"ai-incidents:t:" + term}}
	}
	mustBatch(t, s, Write{Incident: inc("inc-a"), State: state("a")}, Write{Incident: inc("inc-b"), State: state("b")},
		Write{Incident: inc("inc-plain")})
	check := func(when, id string, want *newsmon.IncidentState) {
		t.Helper()
		st, err := s.IncidentState(id)
		if err != nil {
			t.Fatalf("%s: IncidentState(%s): %v", when, id, err)
		}
		if w := (newsmon.IncidentState{}); want == nil {
			want = &w
		}
		if jsonOf(t, st) != jsonOf(t, *want) {
			t.Errorf("%s: IncidentState(%s) = %+v, want %+v", when, id, st, *want)
		}
	}
	check("written", "inc-a", state("a"))
	check("written", "inc-b", state("b"))
	check("written", "inc-plain", nil)
	verify(t, s)

	// A new version of the incident alone leaves its state; with a state,
	// replaces it.
	mustBatch(t, s, Write{Incident: &newsmon.Incident{ID: "inc-a", Title: "renamed", FirstSeen: day, LastSeen: day.Add(time.Hour)}})
	check("incident rewritten", "inc-a", state("a"))
	mustBatch(t, s, Write{Incident: inc("inc-b"), State: state("b2")})
	check("state rewritten", "inc-b", state("b2"))

	// A merge deletes the merged-away state; the merged id answers with
	// the survivor's, which the clusterer writes in the same batch.
	mustBatch(t, s, Write{Merge: &MergeWrite{From: "inc-b", Into: "inc-a"}}, Write{Incident: inc("inc-a"), State: state("ab")})
	check("merged", "inc-b", state("ab"))
	check("merged", "inc-a", state("ab"))
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIncidentState).Get([]byte("inc-b")) != nil {
			t.Error("the merged-away incident's state is still stored")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	verify(t, s)

	before := dump(t, s)
	if _, err := s.SaveBatch([]Write{{Incident: inc("inc-c"), State: state("c")}, {State: state("x")}}); err == nil || !strings.Contains(err.Error(), "write 1") {
		t.Errorf("a state without its incident: %v, want the batch refused naming write 1", err)
	}
	if after := dump(t, s); !maps.EqualFunc(after, before, maps.Equal) {
		t.Error("a refused batch changed the store")
	}
	if _, err := s.IncidentState("inc-c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("IncidentState of an incident never written: %v, want ErrNotFound", err)
	}
}
