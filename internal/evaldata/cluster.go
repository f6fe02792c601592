package evaldata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// ClusterEnv names the environment variable that holds the cluster data's
// path: the articles.jsonl file or the directory holding it.
const ClusterEnv = "NEWSMON_CLUSTER_DATA"

// Item is one labelled article of the cluster evaluation data
// (../shared/data/cluster/articles.jsonl: BASIL and ITN events).
type Item struct {
	ID      string  `json:"id"`
	Source  string  `json:"source"`
	Lang    string  `json:"lang"`
	Title   string  `json:"title"`
	Date    *string `json:"date"`
	Body    string  `json:"body"`
	Event   string  `json:"event"`   // gold label: scoring only
	Dataset string  `json:"dataset"` // "basil" or "itn": scoring only
}

// ReadCluster reads the cluster data at path (the file, or the directory holding
// articles.jsonl). Rows without text (link-only rows) are left out.
func ReadCluster(path string) ([]Item, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "articles.jsonl")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cluster eval data %s: %w", path, err)
	}
	defer f.Close()
	var items []Item
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var it Item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return nil, fmt.Errorf("cluster eval data %s line %d: %w", path, n, err)
		}
		if it.Title == "" && it.Body == "" {
			continue
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cluster eval data %s: %w", path, err)
	}
	return items, nil
}

// Published is the item's date, zero when it has none.
func (it Item) Published() time.Time {
	if it.Date == nil {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, *it.Date); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Article is what a clusterer sees of the item: no label, no dataset.
func (it Item) Article() newsmon.Article {
	return newsmon.Article{ID: it.ID, Source: it.Source, Lang: it.Lang, Title: it.Title, Body: it.Body, Published: it.Published()}
}

// Select returns the items of the dataset, in the languages given (all when
// none are).
func Select(items []Item, dataset string, langs ...string) []Item {
	var out []Item
	for _, it := range items {
		if it.Dataset != dataset {
			continue
		}
		if len(langs) > 0 && !contains(langs, it.Lang) {
			continue
		}
		out = append(out, it)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ClusterForTest reads the cluster data at $NEWSMON_CLUSTER_DATA, skipping
// the test when it is not set and failing it when the data cannot be read.
func ClusterForTest(tb testing.TB) []Item {
	tb.Helper()
	path := os.Getenv(ClusterEnv)
	if path == "" {
		tb.Skip(ClusterEnv + " not set")
	}
	items, err := ReadCluster(path)
	if err != nil {
		tb.Fatal(err)
	}
	return items
}
