package evaldata

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestDecodeAs(t *testing.T) {
	const text = "<p>新闻报道</p>"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, raw, cs, want string
		wantErr             bool
	}{
		{"utf-8 unchanged", text, "utf-8", text, false},
		{"bom stripped", "\xef\xbb\xbf" + text, "utf-8-bom", text, false},
		{"gb18030 decoded", gb, "gb18030", text, false},
		{"invalid gb18030 bytes replaced", gb + "\xff", "gb18030-with-invalid-bytes", text + "\ufffd", false},
		{"unknown charset", text, "koi8-r", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeAs([]byte(tt.raw), tt.cs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("DecodeAs(%q) error = %v, want error %v", tt.cs, err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("DecodeAs(%q) = %q, want %q", tt.cs, got, tt.want)
			}
		})
	}
}

// writeCase writes one case of a tiny data set in the real layout.
func writeCase(t *testing.T, dir, id, file string, page []byte, truth string) {
	t.Helper()
	cd := filepath.Join(dir, id)
	if err := os.MkdirAll(cd, 0o755); err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(file) == ".gz" {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(page)
		zw.Close()
		page = buf.Bytes()
	}
	for name, b := range map[string][]byte{file: page, "truth.json": []byte(truth)} {
		if err := os.WriteFile(filepath.Join(cd, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCases(t *testing.T) {
	dir := t.TempDir()
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("<html><title>标题</title><p>正文</p></html>")
	writeCase(t, dir, "zh-x-1", "page.html", []byte(gb),
		`{"url":null,"title":"标题","date":"2020-05-01","body":"正文","crawl_date":"2024-05-02 20:35:00.594194"}`)
	writeCase(t, dir, "en-y-1", "page.html.gz", []byte("<html><p>Body text</p></html>"),
		`{"url":"https://example.com/a","title":null,"date":null,"body":"Body text"}`)
	writeCase(t, dir, "en-z-1", "page.html", []byte("<p>skipped</p>"), `{"body":"x"}`)
	index := `{"id":"zh-x-1","lang":"zh","source":"x","truth_kind":"human","page_file":"page.html","charset_bytes":"gb18030"}
{"id":"en-y-1","lang":"en","source":"y","truth_kind":"fixture","page_file":"page.html.gz","charset_bytes":"utf-8"}

{"id":"en-z-1","lang":"en","source":"z","page_file":"page.html","charset_bytes":"utf-8"}
`
	if err := os.WriteFile(filepath.Join(dir, "index.jsonl"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	cases, err := Cases(dir, func(id string) bool { return id != "en-z-1" })
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("loaded %d cases, want 2", len(cases))
	}
	zh, en := cases[0], cases[1]
	if zh.ID != "zh-x-1" || zh.Lang != "zh" || zh.Source != "x" || zh.TruthKind != "human" || zh.Truth.ID != "zh-x-1" {
		t.Errorf("zh index fields: %+v", zh)
	}
	if !bytes.Equal(zh.Raw, []byte(gb)) {
		t.Errorf("zh raw bytes changed on load")
	}
	if want := "<html><title>标题</title><p>正文</p></html>"; string(zh.UTF8) != want {
		t.Errorf("zh decoded = %q, want %q", zh.UTF8, want)
	}
	if zh.Truth.Title == nil || *zh.Truth.Title != "标题" || zh.Truth.URL != nil || zh.Truth.Body != "正文" {
		t.Errorf("zh truth: %+v", zh.Truth)
	}
	if got, want := zh.FetchedAt(time.Time{}), time.Date(2024, 5, 2, 20, 35, 0, 594194000, time.UTC); !got.Equal(want) {
		t.Errorf("zh FetchedAt = %v, want %v", got, want)
	}
	if string(en.Raw) != "<html><p>Body text</p></html>" || en.Truth.URL == nil || *en.Truth.URL != "https://example.com/a" {
		t.Errorf("en raw = %q, url %v; want the gunzipped page and its URL", en.Raw, en.Truth.URL)
	}
	fallback := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := en.FetchedAt(fallback); !got.Equal(fallback) {
		t.Errorf("en FetchedAt = %v, want the fallback %v", got, fallback)
	}
	if all, err := Cases(dir, nil); err != nil || len(all) != 3 {
		t.Errorf("no filter: %d cases, %v; want 3", len(all), err)
	}
}

func TestCasesErrorsNameInput(t *testing.T) {
	tests := []struct{ name, index, want string }{
		{"bad json line", "\n{\"id\":", "index.jsonl line 2"},
		{"case without files", `{"id":"zh-none-1","page_file":"page.html","charset_bytes":"utf-8"}`, "case zh-none-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "index.jsonl"), []byte(tt.index), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Cases(dir, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Cases error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Cases(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "index.jsonl") {
		t.Errorf("no index: error %v, want one naming index.jsonl", err)
	}
}
