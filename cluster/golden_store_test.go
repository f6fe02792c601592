package cluster

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/store"
)

// storeLoader is the store as the clusterer reads it (as the pipeline's).
type storeLoader struct{ st *store.Store }

func (l storeLoader) IncidentsBetween(from, to time.Time, skip func(string) bool, fn func(Snapshot) error) error {
	return l.st.IncidentsBetweenExcept(from, to, skip, func(inc newsmon.Incident, st newsmon.IncidentState) error {
		return fn(Snapshot{Incident: inc, State: st})
	})
}

// TestAddGoldenThroughStore is TestAddGolden with the clusterer's output
// persisted in a real store, as the pipeline writes it (merges, incidents
// with their states, document frequencies, one batch each), and each fresh
// clusterer restored from that store: the digest must be TestAddGolden's,
// so that what the store keeps of an incident's state (its own bucket) is
// all the clusterer needs, bit for bit.
func TestAddGoldenThroughStore(t *testing.T) {
	arts := goldenStream(t)

	st, err := store.Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opts := Options{Topics: config.Default().Topics, Store: storeLoader{st}}
	h := sha256.New()
	var c *Clusterer
	for i := 0; i < len(arts); i += 100 {
		if i%500 == 0 {
			df, docs, err := st.DocFreq()
			if err != nil {
				t.Fatal(err)
			}
			c = New(opts)
			c.Restore(df, docs)
		}
		if _, err := c.AddBatch(arts[i:min(i+100, len(arts))]); err != nil {
			t.Fatal(err)
		}
		ch := c.Changes()
		var ws []store.Write
		for _, m := range ch.Merges {
			ws = append(ws, store.Write{Merge: &store.MergeWrite{From: m.From, Into: m.Into}})
		}
		for _, sn := range ch.Incidents {
			ws = append(ws, store.Write{Incident: &sn.Incident, State: &sn.State})
			line, err := json.Marshal(sn)
			if err != nil {
				t.Fatal(err)
			}
			h.Write(line)
			h.Write([]byte{'\n'})
		}
		fmt.Fprintln(h, ch.Merges)
		terms, counts, docs := c.DocFreqChanges()
		ws = append(ws, store.Write{DocFreq: &store.DocFreqWrite{Terms: terms, Counts: counts, Docs: docs}})
		if _, err := st.SaveBatch(ws); err != nil {
			t.Fatal(err)
		}
	}
	df, _, err := st.DocFreq()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range slices.Sorted(maps.Keys(df)) {
		fmt.Fprintf(h, "%s %d\n", k, df[k])
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != addDigest {
		t.Fatalf("clustering through the store: digest %s, want TestAddGolden's %s", got, addDigest)
	}
}
