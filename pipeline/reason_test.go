package pipeline

import (
	"errors"
	"testing"

	"github.com/newsmon/newsmon/extract"
)

// Pages that give no article are counted by what extract said about them;
// a page with a title but no text is "no article text" (extract reports it
// itself, so the pipeline needs no check of its own).
func TestFailReason(t *testing.T) {
	extractErr := func(html string) error {
		_, err := extract.Extract(extract.Input{URL: "https://a.example/1.htm", HTML: []byte(html)})
		return err
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"empty page", extractErr(" \n"), "extract: empty page"},
		{"title without text", extractErr("<html><head><title>Only a title</title></head><body></body></html>"), "extract: no article text"},
		{"other", errors.New("disk full"), "other error (see the log)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("extract returned no error")
			}
			if got := failReason(tt.err); got != tt.want {
				t.Errorf("failReason(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}
