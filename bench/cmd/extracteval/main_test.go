package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/newsmon/newsmon/bench/score"
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
			got, err := decodeAs([]byte(tt.raw), tt.cs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("decodeAs(%q) error = %v, want error %v", tt.cs, err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("decodeAs(%q) = %q, want %q", tt.cs, got, tt.want)
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

func TestLoadPages(t *testing.T) {
	dir := t.TempDir()
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("<html><title>标题</title><p>正文</p></html>")
	writeCase(t, dir, "zh-x-1", "page.html", []byte(gb),
		`{"url":null,"title":"标题","date":"2020-05-01","body":"正文","crawl_date":"2024-05-02 20:35:00.594194"}`)
	writeCase(t, dir, "en-y-1", "page.html.gz", []byte("<html><p>Body text</p></html>"),
		`{"url":"https://example.com/a","title":null,"date":null,"body":"Body text"}`)
	index := `{"id":"zh-x-1","lang":"zh","source":"x","truth_kind":"human","page_file":"page.html","charset_bytes":"gb18030"}
{"id":"en-y-1","lang":"en","source":"y","truth_kind":"fixture","page_file":"page.html.gz","charset_bytes":"utf-8"}
`
	if err := os.WriteFile(filepath.Join(dir, "index.jsonl"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	pages, err := loadPages(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 {
		t.Fatalf("loaded %d pages, want 2", len(pages))
	}
	zh, en := pages[0], pages[1]
	if !bytes.Equal(zh.Raw, []byte(gb)) {
		t.Errorf("zh raw bytes changed on load")
	}
	if want := "<html><title>标题</title><p>正文</p></html>"; string(zh.UTF8) != want {
		t.Errorf("zh decoded = %q, want %q", zh.UTF8, want)
	}
	if got, want := zh.fetchedAt(time.Time{}), time.Date(2024, 5, 2, 20, 35, 0, 594194000, time.UTC); !got.Equal(want) {
		t.Errorf("zh fetchedAt = %v, want %v", got, want)
	}
	if string(en.Raw) != "<html><p>Body text</p></html>" {
		t.Errorf("en raw = %q, want the gunzipped page", en.Raw)
	}
	fallback := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := en.fetchedAt(fallback); !got.Equal(fallback) {
		t.Errorf("en fetchedAt = %v, want the fallback %v", got, fallback)
	}
	if en.parsedURL() == nil || zh.parsedURL() != nil {
		t.Errorf("parsedURL: en %v (want set), zh %v (want nil)", en.parsedURL(), zh.parsedURL())
	}
}

func TestLoadPagesErrorsNameInput(t *testing.T) {
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
			_, err := loadPages(dir, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadPages error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	yes, no := true, false
	zh := &page{indexEntry: indexEntry{Lang: "zh"}}
	en := &page{indexEntry: indexEntry{Lang: "en"}}
	pages := []pageScore{
		{page: zh, body: score.PRF{P: 1, R: 0.5, F1: 2.0 / 3}, titleOK: &yes, dateOK: &no, outcome: outcome{dur: time.Second}},
		{page: zh, body: score.PRF{}, titleOK: nil, dateOK: &yes, outcome: outcome{dur: time.Second, err: os.ErrInvalid}},
		{page: en, body: score.PRF{P: 1, R: 1, F1: 1}, outcome: outcome{dur: time.Second}},
	}
	s := aggregate(pages, langFilter("zh"))
	if s.n != 2 || s.errs != 1 || s.titles != 1 || s.titlesOK != 1 || s.dates != 2 || s.datesOK != 1 {
		t.Errorf("zh counts = %+v", s)
	}
	if got := mean(s.f1, s.n); got != "0.333" {
		t.Errorf("zh macro F1 = %s, want 0.333", got)
	}
	if got := s.pagesPerSec(); got != "1.0" {
		t.Errorf("zh pages/s = %s, want 1.0", got)
	}
	if got := rate(s.datesOK, s.dates); got != "0.500 (2)" {
		t.Errorf("zh date rate = %s, want 0.500 (2)", got)
	}
	if all := aggregate(pages, langFilter("all")); all.n != 3 {
		t.Errorf("all n = %d, want 3", all.n)
	}
	if got := rate(0, 0); got != "-" {
		t.Errorf("rate with no truth = %q, want -", got)
	}
}
