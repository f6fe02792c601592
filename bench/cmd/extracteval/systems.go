package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"

	"github.com/newsmon/newsmon/charset"
	"github.com/newsmon/newsmon/extract"
)

// result is what one system extracted from one page.
type result struct {
	Title     string
	Body      string
	Published time.Time
}

// system is one extractor fed one kind of input. run is the timed call.
type system struct {
	Name  string // newsmon, go-trafilatura, go-readability
	Input string // raw: bytes as served; decoded: UTF-8 decoded with the truth charset
	run   func(p *page) (result, error)
}

// systems lists every extractor on raw bytes, then on correctly decoded
// pages. fetched is the fetch time for pages whose data carries none.
func systems(fetched time.Time) []system {
	return []system{
		{"newsmon", "raw", func(p *page) (result, error) { return newsmonRaw(p, fetched) }},
		{"go-trafilatura", "raw", func(p *page) (result, error) { return trafilaturaRun(p, false, true) }},
		{"go-trafilatura-nofallback", "raw", func(p *page) (result, error) { return trafilaturaRun(p, false, false) }},
		{"go-readability", "raw", func(p *page) (result, error) { return readabilityRun(p, false) }},
		{"newsmon", "decoded", func(p *page) (result, error) { return newsmonExtract(p, p.UTF8, fetched) }},
		{"go-trafilatura", "decoded", func(p *page) (result, error) { return trafilaturaRun(p, true, true) }},
		{"go-trafilatura-nofallback", "decoded", func(p *page) (result, error) { return trafilaturaRun(p, true, false) }},
		{"go-readability", "decoded", func(p *page) (result, error) { return readabilityRun(p, true) }},
	}
}

// zones are the time zones newsmon's sources would configure per language.
var zones = map[string]*time.Location{
	"zh": mustZone("Asia/Shanghai"),
	"en": time.UTC,
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked in
	}
	return loc
}

// newsmonRaw is newsmon's path from served bytes: charset.Decode, then
// extract.Extract. The data set has no HTTP headers, so no Content-Type.
func newsmonRaw(p *page, fetched time.Time) (result, error) {
	b, _, err := charset.Decode(p.Raw, "")
	if err != nil {
		return result{}, err
	}
	return newsmonExtract(p, b, fetched)
}

// newsmonExtract runs extract.Extract as a source configured with the
// page's language and that language's zone would, without site rules.
func newsmonExtract(p *page, b []byte, fetched time.Time) (result, error) {
	a, err := extract.Extract(extract.Input{
		URL:       pageURL(p),
		HTML:      b,
		FetchedAt: p.FetchedAt(fetched),
		Location:  zones[p.Lang],
		Lang:      p.Lang,
	})
	return result{Title: a.Title, Body: a.Body, Published: a.Published}, err
}

// trafilaturaRun runs go-trafilatura, with its fallback extractors
// (readability, dom-distiller: its most accurate mode) or without (its
// fastest). On raw bytes it detects the charset itself; decoded pages are
// parsed as UTF-8 so a lying <meta> cannot undo the decoding.
func trafilaturaRun(p *page, decoded, fallback bool) (result, error) {
	opts := trafilatura.Options{OriginalURL: parsedURL(p), EnableFallback: fallback, ExcludeComments: true}
	var r *trafilatura.ExtractResult
	var err error
	if decoded {
		var doc *html.Node
		if doc, err = html.Parse(bytes.NewReader(p.UTF8)); err == nil {
			r, err = trafilatura.ExtractDocument(doc, opts)
		}
	} else {
		r, err = trafilatura.Extract(bytes.NewReader(p.Raw), opts)
	}
	if err != nil {
		return result{}, err
	}
	return result{Title: r.Metadata.Title, Body: r.ContentText, Published: r.Metadata.Date}, nil
}

// readabilityRun runs go-readability; as for go-trafilatura, raw bytes go
// through its own charset detection, decoded pages are parsed as UTF-8.
func readabilityRun(p *page, decoded bool) (result, error) {
	var a readability.Article
	var err error
	if decoded {
		var doc *html.Node
		if doc, err = html.Parse(bytes.NewReader(p.UTF8)); err == nil {
			parser := readability.NewParser()
			a, err = parser.ParseAndMutate(doc, parsedURL(p))
		}
	} else {
		a, err = readability.FromReader(bytes.NewReader(p.Raw), parsedURL(p))
	}
	if err != nil {
		return result{}, err
	}
	var body strings.Builder
	if err := a.RenderText(&body); err != nil {
		return result{}, fmt.Errorf("render text: %w", err)
	}
	published, _ := a.PublishedTime() // missing or unparsable: zero
	return result{Title: a.Title(), Body: body.String(), Published: published}, nil
}
