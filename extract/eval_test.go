package extract

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/newsmon/newsmon/charset"
)

// TestEvalShared scores Extract on the shared evaluation pages named by
// NEWSMON_EXTRACT_DATA (skipped when unset). It prints per language and
// per source: body precision/recall/F1 over a bag of tokens (each Han
// character one token, other text lower-cased words), title exact match
// after whitespace normalisation, publication day accuracy, pages/s.
// NEWSMON_EXTRACT_VERBOSE=1 also lists each page's scores.
func TestEvalShared(t *testing.T) {
	dir := os.Getenv("NEWSMON_EXTRACT_DATA")
	if dir == "" {
		t.Skip("NEWSMON_EXTRACT_DATA not set")
	}
	if _, err := os.Stat(filepath.Join(dir, "index.jsonl")); err != nil {
		t.Skipf("no evaluation data: %v", err)
	}
	cases := loadEvalCases(t, dir)
	verbose := os.Getenv("NEWSMON_EXTRACT_VERBOSE") != ""
	shanghai := time.FixedZone("CST", 8*3600)
	type agg struct {
		n, titleN, titleOK, dateN, dateOK int
		p, r, f                           float64
	}
	groups := map[string]*agg{}
	add := func(key string) *agg {
		if groups[key] == nil {
			groups[key] = &agg{}
		}
		return groups[key]
	}
	var elapsed time.Duration
	for _, c := range cases {
		loc := time.UTC
		if c.Lang == "zh" {
			loc = shanghai
		}
		start := time.Now()
		art, err := Extract(Input{URL: c.URL, HTML: c.HTML, FetchedAt: c.fetched, Location: loc})
		elapsed += time.Since(start)
		if wallErr(err) {
			// Every evaluation page is an article: a wall is a false alarm.
			t.Errorf("%s: article read as a wall: %v", c.ID, err)
		}
		p, r, f := bagPRF(art.Body, c.Body)
		for _, key := range []string{c.Lang, c.Lang + "/" + c.Source} {
			g := add(key)
			g.n++
			g.p += p
			g.r += r
			g.f += f
			if c.Title != nil {
				g.titleN++
				if wsNorm(art.Title) == wsNorm(*c.Title) {
					g.titleOK++
				}
			}
			if c.Date != nil {
				g.dateN++
				if sameDay(art.Published, *c.Date) {
					g.dateOK++
				}
			}
		}
		if verbose {
			tt, dd := "", ""
			if c.Title != nil && wsNorm(art.Title) != wsNorm(*c.Title) {
				tt = fmt.Sprintf(" TITLE got %q want %q", art.Title, *c.Title)
			}
			if c.Date != nil && !sameDay(art.Published, *c.Date) {
				dd = fmt.Sprintf(" DATE got %s want %s", art.Published.Format(time.RFC3339), *c.Date)
			}
			t.Logf("%-34s P%.2f R%.2f F%.2f%s%s", c.ID, p, r, f, tt, dd)
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %5s %6s %6s %6s %12s %12s\n", "group", "pages", "P", "R", "F1", "title", "date")
	for _, k := range keys {
		g := groups[k]
		n := float64(g.n)
		fmt.Fprintf(&b, "%-16s %5d %6.3f %6.3f %6.3f %5.3f (%3d) %5.3f (%3d)\n", k, g.n, g.p/n, g.r/n, g.f/n,
			ratio(g.titleOK, g.titleN), g.titleN, ratio(g.dateOK, g.dateN), g.dateN)
	}
	fmt.Fprintf(&b, "%d pages in %v: %.0f pages/s single-threaded\n", len(cases), elapsed.Round(time.Millisecond), float64(len(cases))/elapsed.Seconds())
	t.Log("\n" + b.String())

	// Floors: issue 3's acceptance for Chinese pages, and the English body
	// F1 of the best peer measured (bench/, go-trafilatura: 0.961). A
	// change that falls below one fails here, and in CI, which has the data.
	for _, fl := range []struct {
		group, what string
		got, floor  float64
	}{
		{"zh", "body F1", groups["zh"].f / float64(groups["zh"].n), 0.95},
		{"zh", "title exact", ratio(groups["zh"].titleOK, groups["zh"].titleN), 0.95},
		{"zh", "date", ratio(groups["zh"].dateOK, groups["zh"].dateN), 0.95},
		{"en", "body F1", groups["en"].f / float64(groups["en"].n), 0.961},
	} {
		if fl.got < fl.floor {
			t.Errorf("%s %s %.3f below %.3f", fl.group, fl.what, fl.got, fl.floor)
		}
	}
}

type evalCase struct {
	ID, Lang, Source string
	URL              string
	Title, Date      *string
	Body             string
	HTML             []byte
	fetched          time.Time
}

func loadEvalCases(t *testing.T, dir string) []evalCase {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "index.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []evalCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var idx struct {
			ID, Lang, Source string
			PageFile         string `json:"page_file"`
		}
		if err := json.Unmarshal(sc.Bytes(), &idx); err != nil {
			t.Fatalf("index.jsonl: %v", err)
		}
		var truth struct {
			URL       *string `json:"url"`
			Title     *string `json:"title"`
			Date      *string `json:"date"`
			Body      string  `json:"body"`
			CrawlDate string  `json:"crawl_date"`
		}
		tb, err := os.ReadFile(filepath.Join(dir, idx.ID, "truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(tb, &truth); err != nil {
			t.Fatalf("%s: %v", idx.ID, err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, idx.ID, idx.PageFile))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(idx.PageFile, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", idx.ID, err)
			}
			if raw, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", idx.ID, err)
			}
		}
		c := evalCase{ID: idx.ID, Lang: idx.Lang, Source: idx.Source, Title: truth.Title, Date: truth.Date,
			Body: truth.Body, HTML: decodeForEval(raw), fetched: time.Now()}
		if truth.URL != nil {
			c.URL = *truth.URL
		}
		cases = append(cases, c)
	}
	return cases
}

// decodeForEval decodes the raw bytes as the crawler does, with package
// charset (no Content-Type header: offline copies).
func decodeForEval(raw []byte) []byte {
	out, _, err := charset.Decode(raw, "")
	if err != nil {
		return bytes.ToValidUTF8(raw, []byte("\uFFFD"))
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func wsNorm(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

func sameDay(got time.Time, want string) bool {
	if got.IsZero() {
		return false
	}
	if len(want) > 10 {
		w, err := time.Parse(time.RFC3339, want)
		if err != nil {
			return false
		}
		return got.In(w.Location()).Format("2006-01-02") == w.Format("2006-01-02")
	}
	return got.Format("2006-01-02") == want
}

// tokens splits text into a bag: each Han character one token, other runs
// of letters and digits lower-cased words.
func tokens(s string) map[string]int {
	m := map[string]int{}
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			m[w.String()]++
			w.Reset()
		}
	}
	for _, r := range s {
		switch {
		case isHan(r):
			flush()
			m[string(r)]++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return m
}

func bagPRF(got, want string) (p, r, f float64) {
	g, w := tokens(got), tokens(want)
	var ng, nw, common int
	for k, v := range g {
		ng += v
		common += min(v, w[k])
	}
	for _, v := range w {
		nw += v
	}
	if ng == 0 || nw == 0 {
		if ng == nw {
			return 1, 1, 1
		}
		return 0, 0, 0
	}
	p, r = float64(common)/float64(ng), float64(common)/float64(nw)
	if p+r == 0 {
		return 0, 0, 0
	}
	return p, r, 2 * p * r / (p + r)
}
