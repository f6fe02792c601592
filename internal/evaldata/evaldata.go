// Package evaldata reads the evaluation data that lives outside the
// repository, for every test and evaluation that uses it: the extraction
// pages (../shared/data/extract: index.jsonl, and one directory per page
// with the page and its truth.json; Cases, Truths) with the one scorer of
// an extraction against them (Body, Title, Day), so that their figures
// agree, and the labelled cluster articles (ReadCluster). It never copies
// the data anywhere.
package evaldata

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Truth is what truth.json holds about one page (the fields the evaluations use).
type Truth struct {
	ID        string  `json:"-"` // the page's directory name
	URL       *string `json:"url"`
	Lang      string  `json:"lang"`
	Site      *string `json:"site"`
	Title     *string `json:"title"`
	Date      *string `json:"date"` // RFC 3339 or YYYY-MM-DD
	Body      string  `json:"body"`
	CrawlDate string  `json:"crawl_date"` // "2006-01-02 15:04:05.999999", when known
}

// Truths reads dir/*/truth.json in the order of the directory names. It
// returns no truths and no error when dir holds none.
func Truths(dir string) ([]Truth, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "truth.json"))
	if err != nil {
		return nil, fmt.Errorf("evaluation data %s: %w", dir, err)
	}
	sort.Strings(files)
	var out []Truth
	for _, f := range files {
		tr, err := readTruth(f)
		if err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	return out, nil
}

// readTruth reads one case's truth.json; its ID is the case's directory
// name. Errors name the file.
func readTruth(path string) (Truth, error) {
	var tr Truth
	data, err := os.ReadFile(path)
	if err != nil {
		return tr, err
	}
	if err := json.Unmarshal(data, &tr); err != nil {
		return tr, fmt.Errorf("%s: %w", path, err)
	}
	tr.ID = filepath.Base(filepath.Dir(path))
	return tr, nil
}
