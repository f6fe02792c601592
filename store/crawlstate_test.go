package store

import (
	"testing"
)

func TestCrawlState(t *testing.T) {
	s := openTest(t)
	const feed = "https://news.example.com/rss"
	steps := []struct {
		name       string
		etag, lm   string // set, then expect back
		wantE, wLM string
	}{
		{"both", `"abc"`, "Fri, 01 May 2020 02:23:00 GMT", `"abc"`, "Fri, 01 May 2020 02:23:00 GMT"},
		{"etag only", `W/"x"`, "", `W/"x"`, ""},
		{"forget", "", "", "", ""},
	}
	if e, lm, err := s.Validators(feed); e != "" || lm != "" || err != nil {
		t.Errorf("unknown URL: %q %q %v", e, lm, err)
	}
	for _, st := range steps {
		if err := s.SetValidators(feed, st.etag, st.lm); err != nil {
			t.Fatal(err)
		}
		if e, lm, err := s.Validators(feed); e != st.wantE || lm != st.wLM || err != nil {
			t.Errorf("%s: Validators = %q %q %v", st.name, e, lm, err)
		}
	}

	if due, err := s.NextDue("cnbeta"); !due.IsZero() || err != nil {
		t.Errorf("never scheduled: %v %v, want zero time", due, err)
	}
	if err := s.SetNextDue("cnbeta", t0); err != nil {
		t.Fatal(err)
	}
	due, err := s.NextDue("cnbeta")
	if err != nil || !due.Equal(t0) {
		t.Errorf("NextDue = %v %v, want %v", due, err, t0)
	}
	if _, off := due.Zone(); off != 8*3600 {
		t.Errorf("NextDue lost the offset: %v", due)
	}
}
