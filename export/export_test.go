package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/newsmon/newsmon"
)

const schemaPath = "../docs/incidents.schema.json"

var (
	shanghai = time.FixedZone("CST", 8*3600)
	now      = time.Date(2020, 5, 3, 12, 0, 0, 0, time.UTC)
)

// fixture: one incident with a Chinese report (dated, with a duplicate) and
// an English report without a date.
func fixture() ([]newsmon.Incident, map[string]newsmon.Article) {
	arts := map[string]newsmon.Article{
		"a1": {
			ID: "a1", URL: "https://www.cnbeta.com.tw/articles/tech/100.htm", Source: "cnbeta", Lang: "zh",
			Title: "某手机浏览器在无痕模式下上传浏览记录", Published: time.Date(2020, 5, 1, 10, 23, 0, 0, shanghai),
			Authors: []string{"小明"}, Body: "第一段。\n\n第二段。", FetchedAt: time.Date(2020, 5, 1, 3, 0, 0, 0, time.UTC),
			Duplicates: []newsmon.Duplicate{
				{URL: "https://finance.sina.com.cn/tech/2020-05-01/doc-abc.shtml", Source: "sina-finance", Exact: true},
				{URL: "https://finance.sina.com.cn/tech/2020-05-01/doc-abc.shtml", Source: "sina-finance"},
			},
		},
		"a2": {
			ID: "a2", URL: "https://example.org/phone-browser-uploads-history", Source: "example", Lang: "en",
			Title: "Phone browser sends history home <even> in private mode", Body: "Text & more.",
			FetchedAt: time.Date(2020, 5, 2, 8, 0, 0, 0, time.UTC),
		},
	}
	incs := []newsmon.Incident{{
		ID: "inc-1", Title: "Phone browser sends history home", Summary: "A researcher found ...",
		FirstSeen: time.Date(2020, 5, 1, 2, 23, 0, 0, time.UTC), LastSeen: time.Date(2020, 5, 2, 8, 0, 0, 0, time.UTC),
		Languages: []string{"zh", "en"}, Sources: []string{"cnbeta", "example"}, ArticleIDs: []string{"a1", "a2"},
		Keywords: []string{"browser", "浏览器"}, Topics: []string{"ai-incidents"}, Score: 2.5,
	}, {
		// No stored languages, sources, topics: lists export empty, but for the
		// sources, which name the outlets of its articles and their copies.
		ID: "inc-2", Title: "Empty lists", FirstSeen: now, LastSeen: now, ArticleIDs: []string{"a2"},
	}}
	return incs, arts
}

func lookupIn(arts map[string]newsmon.Article) ArticleLookup {
	return func(id string) (newsmon.Article, error) {
		a, ok := arts[id]
		if !ok {
			return a, errNotFound
		}
		return a, nil
	}
}

var errNotFound = errors.New("not found")

// reviewed is the review state of the fixture: inc-1 confirmed and
// renamed, inc-0 merged into it.
func reviewed(id string) newsmon.IncidentReview {
	if id != "inc-1" {
		return newsmon.IncidentReview{Status: newsmon.StatusNew}
	}
	return newsmon.IncidentReview{Status: newsmon.StatusConfirmed, Reason: "two outlets, one 实验", Title: "浏览器无痕模式上传记录",
		Notes: []newsmon.ReviewNote{
			{Time: time.Date(2020, 5, 3, 12, 0, 0, 0, shanghai), Action: "status", Text: "two outlets, one 实验"},
			{Time: time.Date(2020, 5, 3, 5, 0, 0, 0, time.UTC), Action: "merge", Text: "same browser"},
		},
		MergedIDs: []string{"inc-0"}}
}

func TestIncidentsJSON(t *testing.T) {
	incs, arts := fixture()
	var buf bytes.Buffer
	// inc-1 was reviewed (confirmed, renamed, an incident merged into it);
	// inc-2 was not: new, with empty review fields.
	if err := IncidentsReviewed(&buf, incs, lookupIn(arts), reviewed, "json", now); err != nil {
		t.Fatal(err)
	}
	want := `{
  "schema_version": 1,
  "generated_at": "2020-05-03T12:00:00Z",
  "incidents": [
    {
      "id": "inc-1",
      "title": "Phone browser sends history home",
      "summary": "A researcher found ...",
      "first_seen": "2020-05-01T02:23:00Z",
      "last_seen": "2020-05-02T08:00:00Z",
      "languages": ["zh", "en"],
      "sources": ["cnbeta", "example", "sina-finance"],
      "article_count": 2,
      "topics": ["ai-incidents"],
      "score": 2.5,
      "keywords": ["browser", "浏览器"],
      "articles": [
        {
          "id": "a1",
          "url": "https://www.cnbeta.com.tw/articles/tech/100.htm",
          "source": "cnbeta",
          "lang": "zh",
          "title": "某手机浏览器在无痕模式下上传浏览记录",
          "published": "2020-05-01T10:23:00+08:00",
          "duplicates": ["https://finance.sina.com.cn/tech/2020-05-01/doc-abc.shtml"]
        },
        {
          "id": "a2",
          "url": "https://example.org/phone-browser-uploads-history",
          "source": "example",
          "lang": "en",
          "title": "Phone browser sends history home <even> in private mode",
          "published": null,
          "duplicates": []
        }
      ],
      "status": "confirmed",
      "status_reason": "two outlets, one 实验",
      "reviewed_title": "浏览器无痕模式上传记录",
      "notes": [
        {"time": "2020-05-03T04:00:00Z", "action": "status", "text": "two outlets, one 实验"},
        {"time": "2020-05-03T05:00:00Z", "action": "merge", "text": "same browser"}
      ],
      "merged_ids": ["inc-0"]
    },
    {
      "id": "inc-2",
      "title": "Empty lists",
      "summary": "",
      "first_seen": "2020-05-03T12:00:00Z",
      "last_seen": "2020-05-03T12:00:00Z",
      "languages": [],
      "sources": ["example"],
      "article_count": 1,
      "topics": [],
      "score": 0,
      "keywords": [],
      "articles": [
        {
          "id": "a2",
          "url": "https://example.org/phone-browser-uploads-history",
          "source": "example",
          "lang": "en",
          "title": "Phone browser sends history home <even> in private mode",
          "published": null,
          "duplicates": []
        }
      ],
      "status": "new",
      "status_reason": "",
      "reviewed_title": "",
      "notes": [],
      "merged_ids": []
    }
  ]
}`
	if got := compact(t, buf.Bytes()); got != compact(t, []byte(want)) {
		t.Errorf("export differs:\n got %s\nwant %s", got, compact(t, []byte(want)))
	}
	if !strings.Contains(buf.String(), "<even>") {
		t.Error("HTML characters escaped in titles")
	}
	validate(t, "", buf.Bytes())
}

func TestIncidentsJSONL(t *testing.T) {
	incs, arts := fixture()
	var buf bytes.Buffer
	if err := Incidents(&buf, incs, lookupIn(arts), "jsonl", now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		var inc Incident
		if err := json.Unmarshal([]byte(line), &inc); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if inc.ID != incs[i].ID || inc.ArticleCount != len(incs[i].ArticleIDs) {
			t.Errorf("line %d = %+v", i+1, inc)
		}
		validate(t, "#/$defs/incident", []byte(line))
	}

	buf.Reset()
	if err := Incidents(&buf, nil, lookupIn(arts), "jsonl", now); err != nil || buf.Len() != 0 {
		t.Errorf("no incidents: %q, %v", buf.String(), err)
	}
	buf.Reset()
	if err := Incidents(&buf, nil, lookupIn(arts), "json", now); err != nil || !strings.Contains(buf.String(), `"incidents": []`) {
		t.Errorf("no incidents as json: %q, %v", buf.String(), err)
	}
	validate(t, "", buf.Bytes())
}

func TestIncidentsErrors(t *testing.T) {
	incs, arts := fixture()
	delete(arts, "a2")
	err := Incidents(&bytes.Buffer{}, incs, lookupIn(arts), "json", now)
	if !errors.Is(err, errNotFound) || !strings.Contains(err.Error(), "incident inc-1: article a2") {
		t.Errorf("missing article: %v", err)
	}
	for _, f := range []string{"", "xml", "JSON"} {
		if err := Incidents(&bytes.Buffer{}, incs, lookupIn(arts), f, now); err == nil || !strings.Contains(err.Error(), "unknown export format") {
			t.Errorf("format %q: %v", f, err)
		}
		if err := Articles(&bytes.Buffer{}, nil, f); err == nil {
			t.Errorf("Articles format %q accepted", f)
		}
	}
	if err := Incidents(failWriter{}, incs[1:], lookupIn(fixtureArticles()), "json", now); err == nil {
		t.Error("write error not reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func fixtureArticles() map[string]newsmon.Article { _, a := fixture(); return a }

func TestArticles(t *testing.T) {
	arts := fixtureArticles()
	list := []newsmon.Article{arts["a1"], arts["a2"]}
	var buf bytes.Buffer
	if err := Articles(&buf, list, "jsonl"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	wantKeys := []string{"authors", "body", "duplicates", "fetched_at", "id", "lang", "published", "source", "title", "url"}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !reflect.DeepEqual(keys, wantKeys) {
			t.Errorf("line %d keys = %v, want %v", i+1, keys, wantKeys)
		}
	}
	var a1, a2 map[string]any
	json.Unmarshal([]byte(lines[0]), &a1)
	json.Unmarshal([]byte(lines[1]), &a2)
	if a1["published"] != "2020-05-01T10:23:00+08:00" || a1["body"] != "第一段。\n\n第二段。" || a1["fetched_at"] != "2020-05-01T03:00:00Z" {
		t.Errorf("a1 = %v", a1)
	}
	if !reflect.DeepEqual(a1["authors"], []any{"小明"}) || !reflect.DeepEqual(a1["duplicates"], []any{"https://finance.sina.com.cn/tech/2020-05-01/doc-abc.shtml"}) {
		t.Errorf("a1 authors %v duplicates %v", a1["authors"], a1["duplicates"])
	}
	if a2["published"] != nil || !reflect.DeepEqual(a2["authors"], []any{}) || !reflect.DeepEqual(a2["duplicates"], []any{}) {
		t.Errorf("a2 = %v", a2)
	}

	buf.Reset()
	if err := Articles(&buf, list, "json"); err != nil {
		t.Fatal(err)
	}
	var doc ArticlesDocument
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.SchemaVersion != 1 || len(doc.Articles) != 2 || doc.Articles[0].Body != arts["a1"].Body {
		t.Errorf("json articles: %v %+v", err, doc)
	}
	// The offset survives a round trip through the exported form.
	if _, off := doc.Articles[0].Published.Zone(); off != 8*3600 {
		t.Errorf("published offset = %d", off)
	}
}

// encodeWhole is what the export wrote before it streamed: the whole
// document encoded at once (json), or the items one a line (jsonl).
func encodeWhole[T any](t *testing.T, format string, doc any, items []T) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if format == JSON {
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestArticleWriterAsOneDocument checks that articles written one at a time
// are the bytes of the whole document encoded at once, for none, one and
// several articles, with text an HTML-escaping encoder would change.
func TestArticleWriterAsOneDocument(t *testing.T) {
	arts := fixtureArticles()
	odd := arts["a2"]
	odd.Title, odd.Body = `<b>"Q&A"</b> \ 标题 []`, "line\n\tindented </script>"
	for _, list := range [][]newsmon.Article{nil, {arts["a1"]}, {arts["a1"], arts["a2"], odd}} {
		out := make([]Article, len(list))
		for i, a := range list {
			out[i] = NewArticle(a)
		}
		for _, format := range []string{JSON, JSONL} {
			want := encodeWhole(t, format, ArticlesDocument{SchemaVersion: SchemaVersion, Articles: out}, out)
			var got bytes.Buffer
			aw, err := NewArticleWriter(&got, format)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				if err := aw.Write(a); err != nil {
					t.Fatal(err)
				}
			}
			if err := aw.Close(); err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("%s, %d articles:\n got %q\nwant %q", format, len(list), got.String(), want)
			}
		}
	}
	if _, err := NewArticleWriter(io.Discard, "xml"); err == nil {
		t.Error("format xml accepted")
	}
}

// TestIncidentsAsOneDocument checks that incidents written as they are
// converted are the bytes of the whole document encoded at once.
func TestIncidentsAsOneDocument(t *testing.T) {
	incs, arts := fixture()
	odd := incs[1]
	odd.ID, odd.Title, odd.Summary = "inc-3", `"[]" <i>&</i>`, "a\nb"
	for _, list := range [][]newsmon.Incident{nil, incs[:1], {incs[0], incs[1], odd}} {
		out := []Incident{}
		for _, inc := range list {
			x, err := NewIncident(inc, lookupIn(arts))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		for _, format := range []string{JSON, JSONL} {
			want := encodeWhole(t, format, Document{SchemaVersion: SchemaVersion, GeneratedAt: now.UTC().Format(time.RFC3339), Incidents: out}, out)
			var got bytes.Buffer
			if err := Incidents(&got, list, lookupIn(arts), format, now); err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("%s, %d incidents:\n got %q\nwant %q", format, len(list), got.String(), want)
			}
		}
	}
}

// TestRefKeepsNoArticle checks that an incident's entry for an article
// does not keep the article alive: an export of all incidents looks up
// every article, and entries that pointed into them held all the bodies
// (155 MB of heap at 25,000 of 30,000 scalebench articles, 19 MB without).
func TestRefKeepsNoArticle(t *testing.T) {
	const n, body = 64, 1 << 20
	refs := make([]Ref, 0, n)
	for i := range n {
		a := newsmon.Article{ID: fmt.Sprint(i), Title: "t", Published: time.Date(2020, 5, 1, 10, 0, 0, 0, time.UTC), Body: strings.Repeat("x", body)}
		refs = append(refs, NewRef(a))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > n*body/4 {
		t.Errorf("%d MB of heap in use for %d entries of articles of 1 MB bodies: the entries keep their articles", ms.HeapAlloc>>20, n)
	}
	runtime.KeepAlive(refs)
	if refs[0].Published == nil || !refs[0].Published.Equal(time.Date(2020, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("published %v", refs[0].Published)
	}
}

func TestRank(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2020, 5, d, 0, 0, 0, 0, time.UTC) }
	inc := func(id string, score float64, last time.Time, n int, topics ...string) newsmon.Incident {
		return newsmon.Incident{ID: id, Score: score, LastSeen: last, ArticleIDs: make([]string, n), Topics: topics}
	}
	incs := []newsmon.Incident{
		inc("low", 0.5, day(9), 3, "ai-incidents"),
		inc("old-high", 2, day(1), 2, "ai-incidents"),
		inc("new-high", 2, day(5), 1, "recalls"),
		inc("b-tie", 1, day(4), 2, "ai-incidents", "recalls"),
		inc("a-tie", 1, day(4), 2),
	}
	ids := func(list []newsmon.Incident) []string {
		out := []string{}
		for _, x := range list {
			out = append(out, x.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		topic string
		min   int
		since time.Time
		want  []string
	}{
		{"all by score then recency then id", "", 0, time.Time{}, []string{"new-high", "old-high", "a-tie", "b-tie", "low"}},
		{"topic", "ai-incidents", 0, time.Time{}, []string{"old-high", "b-tie", "low"}},
		{"min articles", "", 2, time.Time{}, []string{"old-high", "a-tie", "b-tie", "low"}},
		{"since", "", 0, day(4), []string{"new-high", "a-tie", "b-tie", "low"}},
		{"all filters", "recalls", 2, day(2), []string{"b-tie"}},
		{"unknown topic", "nope", 0, time.Time{}, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(Rank(incs, tt.topic, tt.min, tt.since)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Rank = %v, want %v", got, tt.want)
			}
		})
	}
	if incs[0].ID != "low" {
		t.Error("Rank reordered its input")
	}
}

func TestParseSince(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"24h", now.Add(-24 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"2020-05-01", time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC)},
		{"2020-05-01T10:00:00+08:00", time.Date(2020, 5, 1, 2, 0, 0, 0, time.UTC)},
		{"2020-05-01T10:00:00", time.Date(2020, 5, 1, 10, 0, 0, 0, time.UTC)},
	} {
		got, err := ParseSince(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "-1h", "2020-13-01", "7 d", "99999999d", strings.Repeat("1", 100) + "h", "1e400h"} {
		if _, err := ParseSince(bad, now); !errors.Is(err, ErrSince) {
			t.Errorf("ParseSince(%q) error = %v, want ErrSince", bad, err)
		}
	}
}

// TestSchemaRejects makes sure the schema is not vacuous.
func TestSchemaRejects(t *testing.T) {
	incs, arts := fixture()
	var buf bytes.Buffer
	if err := Incidents(&buf, incs[:1], lookupIn(arts), "json", now); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	sch := compile(t, "")
	for name, edit := range map[string][2]string{
		"missing field":     {`"summary": "A researcher found ...",`, ""},
		"unknown field":     {`"summary":`, `"extra": 1, "summary":`},
		"bad time":          {`"2020-05-01T02:23:00Z"`, `"1 May 2020"`},
		"string published":  {`"published": null`, `"published": "unknown"`},
		"wrong version":     {`"schema_version": 1`, `"schema_version": 2`},
		"null list":         {`"topics": [`, `"topics": null, "x": [`},
		"negative count":    {`"article_count": 2`, `"article_count": -1`},
		"article sans url":  {`"url": "https://example.org/phone-browser-uploads-history",`, ""},
		"languages not set": {`"languages": [`, `"languages": "zh", "y": [`},
		"unknown status":    {`"status": "new"`, `"status": "maybe"`},
		"note sans text":    {`"notes": []`, `"notes": [{"time": "2020-05-03T04:00:00Z", "action": "note"}]`},
		"merged id empty":   {`"merged_ids": []`, `"merged_ids": [""]`},
	} {
		bad := strings.Replace(good, edit[0], edit[1], 1)
		if bad == good {
			t.Fatalf("%s: edit did not apply", name)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s: schema accepts %s", name, bad)
		}
	}
}

func compile(t *testing.T, fragment string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(schemaPath + fragment)
	if err != nil {
		t.Fatalf("compile %s%s: %v", schemaPath, fragment, err)
	}
	return sch
}

// validate checks data against the schema file (or one of its $defs).
func validate(t *testing.T, fragment string, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := compile(t, fragment).Validate(inst); err != nil {
		t.Errorf("export does not validate against %s%s: %v\n%s", schemaPath, fragment, err, data)
	}
}

func compact(t *testing.T, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return buf.String()
}

func Example() {
	incs := []newsmon.Incident{{ID: "i1", Title: "t", FirstSeen: now, LastSeen: now, Score: 1}}
	_ = Incidents(os.Stdout, Rank(incs, "", 0, time.Time{}), func(string) (newsmon.Article, error) {
		return newsmon.Article{}, nil
	}, "jsonl", now)
	// Output:
	// {"id":"i1","title":"t","summary":"","first_seen":"2020-05-03T12:00:00Z","last_seen":"2020-05-03T12:00:00Z","languages":[],"sources":[],"article_count":0,"topics":[],"score":1,"keywords":[],"articles":[],"status":"new","status_reason":"","reviewed_title":"","notes":[],"merged_ids":[]}
}
