package benchweb

import (
	"io"
	"net/http"
	"testing"
)

func TestServeAndColly(t *testing.T) {
	pages := [][]byte{
		[]byte(`<html><body><h1>一</h1><p>第一页</p></body></html>`),
		[]byte(`<html><body><h1>二</h1><p>第二页</p></body></html>`),
	}
	urls := Serve(t, pages)
	if len(urls) != len(pages) {
		t.Fatalf("%d URLs for %d pages", len(urls), len(pages))
	}
	for i, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != string(pages[i]) {
			t.Errorf("%s: status %d, body %q; want page %d", u, resp.StatusCode, body, i)
		}
	}
	resp, err := http.Get(urls[0] + "x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: status %d, want 404", resp.StatusCode)
	}
	Colly(t, urls) // fails the test unless both pages parse
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, html string
		ok         bool
	}{
		{"one h1", `<h1>a</h1><p>b</p>`, true},
		{"no h1", `<h2>a</h2>`, false},
		{"two h1", `<h1>a</h1><h1>b</h1>`, false},
	}
	for _, tt := range tests {
		if err := Parse([]byte(tt.html)); (err == nil) != tt.ok {
			t.Errorf("%s: Parse = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
