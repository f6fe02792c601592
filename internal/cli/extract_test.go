package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsmon/newsmon/crawler"
)

const manifestPage = `<html lang="zh"><head><meta charset="utf-8"><title>示例标题_示例网</title></head><body>
<h1>示例标题</h1><div class="content"><p>这是第一段正文，用来检查批量提取是否按顺序输出每一行结果。</p>
<p>这是第二段正文，内容同样是我们自己写的测试文字，没有任何实际意义。</p></div></body></html>`

// manifestOut is one output line of extract --manifest.
type manifestOut struct {
	ID    string `json:"id"`
	Line  int    `json:"line"`
	Title string `json:"title"`
	Body  string `json:"body"`
	Error string `json:"error"`
}

func TestExtractManifest(t *testing.T) {
	// The manifest and its pages live in their own directory; newsmon runs
	// elsewhere, so relative paths must be taken from the manifest's.
	dir := filepath.Join(t.TempDir(), "cases")
	os.MkdirAll(filepath.Join(dir, "pages"), 0o755)
	os.WriteFile(filepath.Join(dir, "pages", "a.html"), []byte(manifestPage), 0o644)
	os.WriteFile(filepath.Join(dir, "pages", "empty.html"), []byte{}, 0o644)
	abs := filepath.Join(dir, "pages", "a.html")
	good := strings.Join([]string{
		`{"id":"one","url":"https://example.com/a","path":"pages/a.html"}`,
		`{"id":"abs","url":"https://example.com/c","path":"` + abs + `"}`,
	}, "\n")
	bad := strings.Join([]string{
		`{"id":"one","url":"https://example.com/a","path":"pages/a.html"}`,
		`{"id":"missing","url":"https://example.com/b","path":"pages/nope.html"}`,
		``,
		`not json`,
		`{"id":"empty","path":"pages/empty.html"}`,
		`{"id":"nopath","url":"https://example.com/d"}`,
		`{"id":"three","url":"https://example.com/c","path":"pages/a.html"}`,
	}, "\n")
	os.WriteFile(filepath.Join(dir, "good.jsonl"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte(bad), 0o644)
	t.Chdir(t.TempDir())

	parse := func(t *testing.T, out string) []manifestOut {
		t.Helper()
		var got []manifestOut
		for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var o manifestOut
			if err := json.Unmarshal([]byte(line), &o); err != nil {
				t.Fatalf("output line %d %q: %v", i+1, line, err)
			}
			got = append(got, o)
		}
		return got
	}
	checkArticle := func(t *testing.T, o manifestOut) {
		t.Helper()
		if o.Error != "" || o.Title != "示例标题" || !strings.Contains(o.Body, "第二段正文") {
			t.Errorf("%s: title %q body %q error %q", o.ID, o.Title, o.Body, o.Error)
		}
	}

	t.Run("all lines succeed", func(t *testing.T) {
		out, errOut, code := run(t, "extract", "--manifest", filepath.Join(dir, "good.jsonl"))
		if code != 0 {
			t.Fatalf("status %d: %s", code, errOut)
		}
		got := parse(t, out)
		if len(got) != 2 || got[0].ID != "one" || got[1].ID != "abs" {
			t.Fatalf("output %+v", got)
		}
		for _, o := range got {
			checkArticle(t, o)
		}
	})

	t.Run("standard input", func(t *testing.T) {
		// From standard input, relative paths are the working directory's.
		in := strings.ReplaceAll(good, `"pages/a.html"`, `"`+filepath.Join(dir, "pages", "a.html")+`"`)
		var stdout, stderr bytes.Buffer
		code := Main([]string{"extract", "--manifest", "-"}, strings.NewReader(in), &stdout, &stderr)
		if code != 0 {
			t.Fatalf("status %d: %s", code, stderr.String())
		}
		got := parse(t, stdout.String())
		if len(got) != 2 || got[0].ID != "one" {
			t.Fatalf("output %+v", got)
		}
		checkArticle(t, got[0])
	})

	t.Run("failing lines", func(t *testing.T) {
		out, errOut, code := run(t, "extract", "--manifest", filepath.Join(dir, "bad.jsonl"))
		if code != 1 {
			t.Errorf("status %d, want 1 when lines fail", code)
		}
		if !strings.Contains(errOut, "4 of 6 lines failed") {
			t.Errorf("stderr %q does not count the failed lines", errOut)
		}
		got := parse(t, out)
		want := []struct {
			id   string
			line int
			err  string // "" for an article
		}{
			{"one", 0, ""},
			{"missing", 2, "pages/nope.html: no such file"},
			{"", 4, "bad.jsonl:4: not a JSON object"},
			{"empty", 5, "pages/empty.html: extract: empty page"},
			{"nopath", 6, `no "path"`},
			{"three", 0, ""},
		}
		if len(got) != len(want) {
			t.Fatalf("%d output lines, want %d:\n%s", len(got), len(want), out)
		}
		for i, w := range want {
			o := got[i]
			if o.ID != w.id {
				t.Errorf("line %d: id %q, want %q", i+1, o.ID, w.id)
			}
			if w.err == "" {
				checkArticle(t, o)
				continue
			}
			if o.Line != w.line || !strings.Contains(o.Error, w.err) {
				t.Errorf("%q: line %d error %q, want line %d and an error containing %q", o.ID, o.Line, o.Error, w.line, w.err)
			}
			if strings.Contains(o.Error, "map[") || strings.Contains(o.Error, " : ") || strings.Contains(o.Error, "extract :") {
				t.Errorf("%q: unreadable error %q", o.ID, o.Error)
			}
		}
	})

	t.Run("missing manifest", func(t *testing.T) {
		if _, errOut, code := run(t, "extract", "--manifest", filepath.Join(dir, "nope.jsonl")); code != 2 || !strings.Contains(errOut, "nope.jsonl") {
			t.Errorf("status %d, message %q; want 2 naming the manifest", code, errOut)
		}
	})
}

// A URL the crawler refuses gives its reason in words, not a Go map.
func TestExtractURLNotFetched(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("private address was fetched: %s", r.URL)
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "newsmon.yaml")
	os.WriteFile(cfg, []byte("sources: []\ncrawl: {retries: 0}\n"), 0o644)
	_, errOut, code := run(t, "extract", "--config", cfg, srv.URL+"/a.html")
	if code != 1 || !strings.Contains(errOut, "not fetched: private network") || strings.Contains(errOut, "map[") {
		t.Errorf("status %d, message %q; want 1 and \"not fetched: private network\"", code, errOut)
	}
}

func TestNotFetched(t *testing.T) {
	tests := []struct {
		st   *crawler.Stats
		want string
	}{
		{nil, "not fetched"},
		{&crawler.Stats{}, "not fetched"},
		{&crawler.Stats{Reasons: map[string]int{"private network": 1}}, "not fetched: private network"},
		{&crawler.Stats{Reasons: map[string]int{"timeout": 2, "http 404": 1}}, "not fetched: http 404, timeout (2)"},
	}
	for _, tt := range tests {
		if got := notFetched(tt.st); got != tt.want {
			t.Errorf("notFetched(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
}
