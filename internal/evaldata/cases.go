package evaldata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Case is one page of the data set as index.jsonl lists it, with its truth
// and its bytes.
type Case struct {
	ID           string `json:"id"`
	Lang         string `json:"lang"`
	Source       string `json:"source"`
	TruthKind    string `json:"truth_kind"`
	PageFile     string `json:"page_file"`
	CharsetBytes string `json:"charset_bytes"` // what the bytes really are: utf-8, utf-8-bom, gb18030, ...

	Truth Truth  `json:"-"`
	Raw   []byte `json:"-"` // the page as stored, gzip removed (transport, not charset)
	UTF8  []byte `json:"-"` // Raw decoded with CharsetBytes
}

// Cases reads dir/index.jsonl and every case it lists whose id only
// accepts (nil: all), in the index's order. Errors name the index line or
// the case.
func Cases(dir string, only func(id string) bool) ([]*Case, error) {
	f, err := os.Open(filepath.Join(dir, "index.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("evaluation data: %w", err)
	}
	defer f.Close()
	var cases []*Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		c := &Case{}
		if err := json.Unmarshal(sc.Bytes(), c); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", f.Name(), n, err)
		}
		if only != nil && !only(c.ID) {
			continue
		}
		if err := c.load(filepath.Join(dir, c.ID)); err != nil {
			return nil, fmt.Errorf("case %s: %w", c.ID, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return cases, nil
}

func (c *Case) load(dir string) error {
	var err error
	if c.Truth, err = readTruth(filepath.Join(dir, "truth.json")); err != nil {
		return err
	}
	if c.Raw, err = readPage(filepath.Join(dir, c.PageFile)); err != nil {
		return err
	}
	if c.UTF8, err = DecodeAs(c.Raw, c.CharsetBytes); err != nil {
		return fmt.Errorf("%s as %s: %w", c.PageFile, c.CharsetBytes, err)
	}
	return nil
}

// FetchedAt is the page's crawl time when the data set records it, else
// fallback.
func (c *Case) FetchedAt(fallback time.Time) time.Time {
	if t, err := time.Parse("2006-01-02 15:04:05.999999", c.Truth.CrawlDate); err == nil {
		return t
	}
	return fallback
}

// readPage reads a page file, removing gzip.
func readPage(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil || filepath.Ext(path) != ".gz" {
		return b, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b, err = io.ReadAll(zr); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// DecodeAs converts raw to UTF-8 using the charset the data set says the
// bytes really are; invalid GB18030 sequences become U+FFFD.
func DecodeAs(raw []byte, cs string) ([]byte, error) {
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
