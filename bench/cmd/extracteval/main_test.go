package main

import (
	"os"
	"testing"
	"time"

	"github.com/newsmon/newsmon/internal/evaldata"
)

// The data set reader is internal/evaldata's (tested there); what is left
// here is the URL a page's truth gives the extractors.
func TestParsedURL(t *testing.T) {
	u := "https://example.com/a"
	withURL := &page{Truth: evaldata.Truth{URL: &u}}
	if got := parsedURL(withURL); got == nil || got.String() != u || pageURL(withURL) != u {
		t.Errorf("parsedURL = %v, want %s", got, u)
	}
	rel := "/a"
	for _, p := range []*page{{}, {Truth: evaldata.Truth{URL: &rel}}} {
		if got := parsedURL(p); got != nil {
			t.Errorf("parsedURL(%v) = %v, want nil", p.Truth.URL, got)
		}
	}
}

func TestAggregate(t *testing.T) {
	yes, no := true, false
	zh := &page{Lang: "zh"}
	en := &page{Lang: "en"}
	pages := []pageScore{
		{page: zh, body: evaldata.PRF{P: 1, R: 0.5, F1: 2.0 / 3}, titleOK: &yes, dateOK: &no, outcome: outcome{dur: time.Second}},
		{page: zh, body: evaldata.PRF{}, titleOK: nil, dateOK: &yes, outcome: outcome{dur: time.Second, err: os.ErrInvalid}},
		{page: en, body: evaldata.PRF{P: 1, R: 1, F1: 1}, outcome: outcome{dur: time.Second}},
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
