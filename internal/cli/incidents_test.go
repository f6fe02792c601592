package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

func TestExportIncidentsGroupsReportsAcrossLanguages(t *testing.T) {
	exportReportsInOrder(t, nil)
}

// TestExportIncidentsEveryCrawlOrder crawls the same reports in eight
// shuffled orders (the sources' article lists shuffled, so pages arrive in
// that order), each into a new database: the same two incidents each time.
func TestExportIncidentsEveryCrawlOrder(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			order := make([]int, len(fakeweb.Reports))
			for i := range order {
				order[i] = i
			}
			rand.New(rand.NewPCG(seed, 11)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			exportReportsInOrder(t, order)
		})
	}
}

// exportReportsInOrder serves fakeweb.Reports (two AI incidents reported in
// Chinese and English, and unrelated news), crawls them in the order given
// (nil: as listed) and checks that export groups each incident's reports,
// and nothing else, under the topic.
func exportReportsInOrder(t *testing.T, order []int) {
	web := fakeweb.New(t)
	day := time.Date(2026, 5, 6, 8, 0, 0, 0, fakeweb.CST)
	byIncident := map[string][]string{}
	var urls []string
	for i, r := range fakeweb.Reports {
		a := web.News.AddArticle(t, fakeweb.ArticleSpec{
			Path: r.Path, Title: r.Title, Published: day.Add(time.Duration(i) * time.Hour),
			Paragraphs: r.Paragraphs, Unlisted: true,
		})
		urls = append(urls, a.URL)
		if r.Incident != "" {
			byIncident[r.Incident] = append(byIncident[r.Incident], a.URL)
		}
	}
	if order != nil {
		shuffled := make([]string, len(urls))
		for i, k := range order {
			shuffled[i] = urls[k]
		}
		urls = shuffled
	}
	src := web.Sources()[0]
	src.Feeds, src.StartURLs, src.Articles = nil, nil, urls
	cfg := writeConfig(t, t.TempDir(), []newsmon.Source{src}, 10*time.Millisecond)

	crawlOut, crawlErr, code := run(t, "crawl", "--config", cfg)
	if code != 0 {
		t.Fatalf("crawl: status %d\n%s\n%s", code, crawlOut, crawlErr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("crawl:\n%s\n%s", crawlOut, crawlErr)
		}
	})
	out, errOut, code := run(t, "export", "incidents", "--topic", "ai-incidents", "--config", cfg)
	if code != 0 {
		t.Fatalf("export: status %d: %s", code, errOut)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Incidents     []struct {
			Title     string   `json:"title"`
			Languages []string `json:"languages"`
			Topics    []string `json:"topics"`
			Score     float64  `json:"score"`
			Articles  []struct {
				URL  string `json:"url"`
				Lang string `json:"lang"`
			} `json:"articles"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if doc.SchemaVersion != 1 {
		t.Errorf("schema_version %d, want 1", doc.SchemaVersion)
	}
	if len(doc.Incidents) != 2 {
		t.Fatalf("%d incidents under ai-incidents, want 2:\n%s", len(doc.Incidents), out)
	}
	var got [][]string
	for _, inc := range doc.Incidents {
		var u []string
		for _, a := range inc.Articles {
			u = append(u, a.URL)
		}
		sort.Strings(u)
		got = append(got, u)
		langs := slices.Sorted(slices.Values(inc.Languages))
		if !slices.Equal(langs, []string{"en", "zh"}) {
			t.Errorf("incident %q: languages %v, want en and zh", inc.Title, inc.Languages)
		}
		if inc.Score <= 0 || !slices.Contains(inc.Topics, "ai-incidents") {
			t.Errorf("incident %q: score %v topics %v", inc.Title, inc.Score, inc.Topics)
		}
	}
	for name, want := range byIncident {
		sort.Strings(want)
		if !slices.ContainsFunc(got, func(g []string) bool { return slices.Equal(g, want) }) {
			t.Errorf("no incident holds exactly the %s reports %v; got %v", name, want, got)
		}
	}
}
