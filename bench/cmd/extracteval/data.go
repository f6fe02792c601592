package main

import (
	"net/url"
	"regexp"

	"github.com/newsmon/newsmon/internal/evaldata"
)

// page is one evaluation case, read by the data set reader every
// evaluation shares.
type page = evaldata.Case

// loadPages reads index.jsonl under dir and every listed case whose id
// matches only (nil: all).
func loadPages(dir string, only *regexp.Regexp) ([]*page, error) {
	var keep func(string) bool
	if only != nil {
		keep = only.MatchString
	}
	return evaldata.Cases(dir, keep)
}

// pageURL is the page's URL, "" when the truth has none.
func pageURL(p *page) string {
	if p.Truth.URL == nil {
		return ""
	}
	return *p.Truth.URL
}

// parsedURL is pageURL parsed, nil when there is none.
func parsedURL(p *page) *url.URL {
	u, err := url.Parse(pageURL(p))
	if err != nil || u.Host == "" {
		return nil
	}
	return u
}
