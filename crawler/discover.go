package crawler

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"
	"github.com/mmcdole/gofeed"
	xcharset "golang.org/x/net/html/charset"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/charset"
)

const (
	maxLinks        = 50000 // links taken from one listing (the sitemap protocol's limit)
	maxSitemapDepth = 3     // sitemap index nesting
)

var decode = charset.Decode

// discover parses a listing and visits what it lists.
func (cr *crawl) discover(j *job, r *colly.Response) {
	body := r.Body
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		var err error
		if body, err = gunzip(body, cr.set.MaxBodyBytes); err != nil {
			cr.fail(j, r.StatusCode, "parse", fmt.Errorf("%s: %w", j.url, err))
			return
		}
	}
	base := r.Request.URL
	var links []link
	var err error
	switch j.typ {
	case kindFeed:
		links, err = feedLinks(body)
	case kindSitemap:
		links, err = sitemapLinks(body)
	case kindJSON:
		links, err = jsonLinks(body, j.path)
	case kindList:
		links, err = cr.listLinks(j, body, r.Headers.Get("Content-Type"), base)
	}
	if err != nil {
		cr.fail(j, r.StatusCode, "parse", fmt.Errorf("%s: %w", j.url, err))
		return
	}
	cr.count(j, func(s *Stats) { s.Listings++ })
	cr.read(j)
	cr.emit(j, "fetched", r.StatusCode, len(r.Body), nil)

	parents := j.parents
	if etag, lm := r.Headers.Get("ETag"), r.Headers.Get("Last-Modified"); etag != "" || lm != "" {
		l := &listing{url: j.url, etag: etag, lastModified: lm}
		cr.mu.Lock()
		cr.pending = append(cr.pending, l)
		cr.mu.Unlock()
		parents = append(append([]*listing(nil), j.parents...), l)
	}
	// The listing's links are queued together, in the order listed, once
	// all are visited: listings fetched side by side (the sitemaps of an
	// index) would otherwise interleave their links in the frontier, and a
	// sitemap usually lists a stretch of time, so the articles fetched
	// together, which the pipeline stores and clusters in batches, would
	// span every stretch at once (docs/benchmarks.md, "2026-12-04 (night)").
	var queued []*job
	defer func() { cr.front.pushAll(queued) }()
	for i, l := range links {
		if i == maxLinks {
			cr.count(j, func(s *Stats) { s.Reasons["too many links"]++ })
			break
		}
		u, err := base.Parse(strings.TrimSpace(l.url))
		if err != nil {
			continue
		}
		child := &job{src: j.src, typ: l.typ, url: u.String(), depth: j.depth + 1, parents: parents}
		switch {
		case l.typ == kindSitemap && child.depth > maxSitemapDepth:
			continue
		case j.typ == kindSitemap && l.typ == kindArticle && !matches(j.src, child.url):
			continue
		}
		if !cr.visit(child, &queued) {
			break // page budget spent
		}
	}
}

// link is a URL found in a listing and what it points at.
type link struct {
	url string
	typ kind
}

func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("gunzipped %w", ErrTooLarge)
	}
	return out, nil
}

func feedLinks(body []byte) ([]link, error) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	var links []link
	for _, it := range feed.Items {
		u := it.Link
		if u == "" && len(it.Links) > 0 {
			u = it.Links[0]
		}
		if u != "" {
			links = append(links, link{u, kindArticle})
		}
	}
	return links, nil
}

// sitemapLinks reads a sitemap or sitemap index (news sitemaps included:
// their extra elements are ignored), up to one link past maxLinks.
func sitemapLinks(body []byte) ([]link, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = xcharset.NewReaderLabel
	d.Strict = false
	var links []link
	var inIndexEntry, inLoc bool
	var loc strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(links) > 0 {
				return links, nil // keep what a truncated sitemap listed
			}
			return nil, fmt.Errorf("sitemap: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sitemap":
				inIndexEntry = true
			case "loc":
				inLoc = true
				loc.Reset()
			}
		case xml.CharData:
			if inLoc {
				loc.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "sitemap":
				inIndexEntry = false
			case "loc":
				inLoc = false
				if u := strings.TrimSpace(loc.String()); u != "" && t.Name.Space != "http://www.google.com/schemas/sitemap-image/1.1" {
					typ := kindArticle
					if inIndexEntry {
						typ = kindSitemap
					}
					links = append(links, link{u, typ})
					if len(links) > maxLinks {
						return links, nil // discover stops at maxLinks; read no further
					}
				}
			}
		}
	}
	return links, nil
}

// jsonLinks collects the strings at a dotted path such as
// "result.data.url"; arrays on the way are traversed.
func jsonLinks(body []byte, path string) ([]link, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("json list: %w", err)
	}
	var links []link
	var walk func(v any, keys []string)
	walk = func(v any, keys []string) {
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				walk(e, keys)
			}
		case map[string]any:
			if len(keys) > 0 {
				walk(t[keys[0]], keys[1:])
			}
		case string:
			if t = strings.TrimSpace(t); len(keys) == 0 && t != "" {
				links = append(links, link{t, kindArticle})
			}
		}
	}
	walk(v, strings.Split(path, "."))
	if len(links) == 0 {
		return nil, fmt.Errorf("json list: no links at %q", path)
	}
	return links, nil
}

// listLinks returns a list page's article links and, while within the
// source's max_depth, its other same-host links as further list pages.
func (cr *crawl) listLinks(j *job, body []byte, contentType string, base *url.URL) ([]link, error) {
	text, _, err := decode(body, contentType)
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("list page: %w", err)
	}
	if href, ok := doc.Find("base[href]").Attr("href"); ok {
		if b, err := base.Parse(href); err == nil {
			base = b
		}
	}
	maxDepth := max(j.src.MaxDepth, 1)
	var links []link
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		u, err := base.Parse(strings.TrimSpace(href))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		u.Fragment = ""
		switch {
		case len(j.src.ArticleURLs) > 0 && matches(j.src, u.String()):
			links = append(links, link{u.String(), kindArticle})
		case len(j.src.ArticleURLs) == 0 && u.Host == base.Host:
			links = append(links, link{u.String(), kindArticle})
		case u.Host == base.Host && j.depth+1 < maxDepth:
			links = append(links, link{u.String(), kindList})
		}
	})
	return links, nil
}

// matches reports whether u is an article URL of src (any URL when the
// source has no article_urls patterns).
func matches(src *newsmon.Source, u string) bool {
	if len(src.ArticleURLs) == 0 {
		return true
	}
	for _, re := range src.ArticleURLs {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}
