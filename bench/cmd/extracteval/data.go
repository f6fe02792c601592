package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// indexEntry is one line of the data set's index.jsonl.
type indexEntry struct {
	ID           string `json:"id"`
	Lang         string `json:"lang"`
	Source       string `json:"source"`
	TruthKind    string `json:"truth_kind"`
	PageFile     string `json:"page_file"`
	CharsetBytes string `json:"charset_bytes"`
}

// truth is the part of truth.json the evaluation scores against.
type truth struct {
	URL       *string `json:"url"`
	Title     *string `json:"title"`
	Date      *string `json:"date"`
	Body      string  `json:"body"`
	CrawlDate string  `json:"crawl_date"`
}

// page is one evaluation case with its bytes preloaded.
type page struct {
	indexEntry
	Truth truth
	Raw   []byte // the page as served (gzip removed)
	UTF8  []byte // Raw decoded with the truth's charset
}

// loadPages reads index.jsonl under dir and every listed case whose id
// matches only (nil: all).
func loadPages(dir string, only *regexp.Regexp) ([]*page, error) {
	f, err := os.Open(filepath.Join(dir, "index.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pages []*page
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e indexEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", f.Name(), n, err)
		}
		if only != nil && !only.MatchString(e.ID) {
			continue
		}
		p, err := loadPage(filepath.Join(dir, e.ID), e)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", e.ID, err)
		}
		pages = append(pages, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return pages, nil
}

func loadPage(dir string, e indexEntry) (*page, error) {
	p := &page{indexEntry: e}
	tb, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(tb, &p.Truth); err != nil {
		return nil, fmt.Errorf("truth.json: %w", err)
	}
	p.Raw, err = readPage(filepath.Join(dir, e.PageFile))
	if err != nil {
		return nil, err
	}
	p.UTF8, err = decodeAs(p.Raw, e.CharsetBytes)
	if err != nil {
		return nil, fmt.Errorf("%s as %s: %w", e.PageFile, e.CharsetBytes, err)
	}
	return p, nil
}

// readPage reads a page file, removing gzip (transport, not charset).
func readPage(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil || filepath.Ext(path) != ".gz" {
		return b, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err = io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// decodeAs converts raw to UTF-8 using the charset the data set says the
// bytes really are; invalid GB18030 sequences become U+FFFD.
func decodeAs(raw []byte, cs string) ([]byte, error) {
	switch cs {
	case "utf-8":
		return raw, nil
	case "utf-8-bom":
		return bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), nil
	case "gb18030", "gb18030-with-invalid-bytes":
		return simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
	}
	return nil, fmt.Errorf("unknown charset_bytes %q", cs)
}

// fetchedAt is the page's crawl time when the data set records it, else
// fallback.
func (p *page) fetchedAt(fallback time.Time) time.Time {
	if t, err := time.Parse("2006-01-02 15:04:05.999999", p.Truth.CrawlDate); err == nil {
		return t
	}
	return fallback
}
