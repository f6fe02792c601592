package extract

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/newsmon/newsmon"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxPages is the most pages one multi-page article is read from, the
// first included.
const MaxPages = 20

// maxPageNumber bounds the page numbers read from URLs.
const maxPageNumber = 9999

// Pages is where a page stands in an article split over several pages.
type Pages struct {
	// Number is the page's number: 1 for a first or only page.
	Number int
	// Next lists the pages that continue the article after this one, in
	// page order, absolute, at most MaxPages-1.
	Next []string
	// First is the URL of the article's first page when this page is a
	// later one and links back to it; "" otherwise.
	First string
}

// ExtractPaged is Extract that also reads the page's links to the other
// pages of its article: rel=next, "下一页"/"Next page" and numbered page
// links under the article, to URLs that differ from the page's own only by
// a page number (a query parameter such as ?page=2, a suffix such as
// _2.shtml or a last path segment /2/). A link to any other URL is not a
// continuation, whatever its label.
func ExtractPaged(in Input) (newsmon.Article, Pages, error) {
	return extract(in, true)
}

// pageParams are the query parameters that carry a page number.
var pageParams = []string{"page", "p", "pg", "pn", "paged", "pageno", "page_no", "pagenum", "pagenumber", "currentpage", "curpage", "pageindex", "page_index"}

// reSuffix reads a page number suffix of the last path segment: 123_2.shtml,
// story-3.html, title_2.
var reSuffix = regexp.MustCompile(`^(.+?)[_-]([1-9][0-9]{0,3})(\.[A-Za-z0-9]{2,6})?$`)

// pageLink is a link with what marks it as pagination.
type pageLink struct {
	href   string
	rel    string // lower-cased rel attribute
	label  string // normalised link text
	number int    // the link text read as a number, 0 if it is none
}

// pages finds the page's pagination links. roots are the article's
// containers: anchors count from the first of them on (pagination sits
// under the article); <link rel=next> anywhere.
func (p *page) pages(pageURL string, roots []*html.Node) Pages {
	cur, err := url.Parse(pageURL)
	if err != nil || cur.Host == "" {
		return Pages{Number: 1}
	}
	links := p.pageLinks(roots)
	found := map[int]string{}
	number := 1
	var first string
	for _, l := range links {
		u, err := url.Parse(resolve(pageURL, l.href))
		if err != nil {
			continue
		}
		u.Fragment, u.RawFragment = "", ""
		n, c, ok := pageOf(cur, u)
		if !ok {
			continue
		}
		number = max(number, c)
		next := hasToken(l.rel, "next") || nextLabel(l.label) || (l.number == n && n > c)
		prev := hasToken(l.rel, "prev") || hasToken(l.rel, "previous") || hasToken(l.rel, "first") || prevLabel(l.label) || (l.number == n && n < c)
		switch {
		case n > c && next:
			if _, dup := found[n]; !dup {
				found[n] = u.String()
			}
		case n == 1 && c > 1 && prev && (first == "" || len(u.String()) < len(first)):
			first = u.String() // the shortest spelling: without "?page=1"
		}
	}
	nums := make([]int, 0, len(found))
	for n := range found {
		if n > number {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	out := Pages{Number: number, First: first}
	if len(nums) > 0 {
		out.Next = make([]string, 0, min(len(nums), MaxPages-1))
	}
	for _, n := range nums {
		if len(out.Next) >= MaxPages-1 {
			break
		}
		out.Next = append(out.Next, found[n])
	}
	return out
}

// pageLinks collects the candidate links: <link rel=next|prev> in the
// document, and anchors from the article's first container on, outside
// comment threads (a comment list has pages of its own).
func (p *page) pageLinks(roots []*html.Node) []pageLink {
	var out []pageLink
	under := len(roots) == 0
	isRoot := func(n *html.Node) bool { return slices.Contains(roots, n) }
	nodes := 0
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > maxDepth || len(out) >= 512 {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				if c.Type == html.DocumentNode {
					walk(c, depth+1)
				}
				continue
			}
			if nodes++; nodes > maxNodes {
				return
			}
			if !under && isRoot(c) {
				under = true
			}
			switch c.DataAtom {
			case atom.Link:
				if rel := strings.ToLower(attr(c, "rel")); hasToken(rel, "next") || hasToken(rel, "prev") {
					out = append(out, pageLink{href: attr(c, "href"), rel: rel})
				}
				continue
			case atom.A:
				if !under || !hasAttr(c, "href") {
					break
				}
				rel := strings.ToLower(attr(c, "rel"))
				pagingRel := hasToken(rel, "next") || hasToken(rel, "prev") || hasToken(rel, "previous") || hasToken(rel, "first")
				var buf [64]byte
				raw, short := shortText(c, buf[:0])
				if !pagingRel && (!short || !labelLike(raw)) {
					continue
				}
				label := pageLabel(string(raw))
				n := labelNumber(label)
				if n > 0 || pagingRel || nextLabel(label) || prevLabel(label) {
					if !inCommentThread(c) {
						out = append(out, pageLink{href: attr(c, "href"), rel: rel, label: label, number: n})
					}
				}
				continue
			case atom.Script, atom.Style, atom.Template, atom.Svg:
				continue
			}
			walk(c, depth+1)
		}
	}
	walk(p.root, 0)
	return out
}

// shortText appends the text of n's subtree to buf, and reports whether it
// fits in buf's capacity: a pagination label is short.
func shortText(n *html.Node, buf []byte) ([]byte, bool) {
	var walk func(n *html.Node, depth int) bool
	walk = func(n *html.Node, depth int) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				if len(buf)+len(c.Data) > cap(buf) {
					return false
				}
				buf = append(buf, c.Data...)
			case c.Type == html.ElementNode && depth < 4 && !skipTag(c.DataAtom):
				if !walk(c, depth+1) {
					return false
				}
			}
		}
		return true
	}
	ok := walk(n, 0)
	return buf, ok
}

// labelLike is a cheap test that a link text may be a pagination label:
// it has a digit, 页 or 頁, or next, prev, first or continue in any case.
func labelLike(b []byte) bool {
	for _, c := range b {
		if c >= '0' && c <= '9' {
			return true
		}
	}
	if bytes.Contains(b, []byte("页")) || bytes.Contains(b, []byte("頁")) {
		return true
	}
	for _, w := range []string{"next", "prev", "first", "continue"} {
		if containsFoldASCII(b, w) {
			return true
		}
	}
	return false
}

// containsFoldASCII reports whether b holds the lower-case ASCII word w in
// any case.
func containsFoldASCII(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		j := 0
		for j < len(w) && b[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// labelNumber reads a label of one to four digits as a page number, 0 if
// it is none.
func labelNumber(l string) int {
	if len(l) == 0 || len(l) > 4 || l[0] == '0' {
		return 0
	}
	n := 0
	for i := 0; i < len(l); i++ {
		if l[i] < '0' || l[i] > '9' {
			return 0
		}
		n = 10*n + int(l[i]-'0')
	}
	return n
}

// pageLabel normalises a link text: lower-cased, without spaces, arrows,
// brackets and the like ("[2]", "下一页>>", "Next page »").
func pageLabel(s string) string {
	if len(s) > 64 {
		return ""
	}
	if labelNumber(strings.TrimSpace(s)) > 0 {
		return strings.TrimSpace(s)
	}
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if isSpace(r) || strings.ContainsRune("»›>→<«‹←.:：|[]()【】（）-_", r) {
			return -1
		}
		return r
	}, s)
}

var nextLabels = map[string]bool{"下一页": true, "下页": true, "下一頁": true, "下頁": true, "nextpage": true, "next": true, "continue": true, "continuereading": true}
var prevLabels = map[string]bool{"上一页": true, "上页": true, "上一頁": true, "上頁": true, "prev": true, "previous": true, "previouspage": true, "prevpage": true, "首页": true, "第一页": true, "first": true, "firstpage": true}

func nextLabel(l string) bool { return nextLabels[l] }
func prevLabel(l string) bool { return prevLabels[l] }

// hasToken reports w as one of the space-separated tokens of s.
func hasToken(s, w string) bool {
	for f := range strings.FieldsSeq(s) {
		if f == w {
			return true
		}
	}
	return false
}

// pageOf reads link u as another page of the article at cur: it returns
// u's page number and cur's under the same reading, and whether u is one.
// The two URLs must differ only by the page number, carried by a query
// parameter, a suffix of the last path segment or a last numeric segment.
func pageOf(cur, u *url.URL) (n, c int, ok bool) {
	if !strings.EqualFold(cur.Host, u.Host) || u.Opaque != "" || cur.Opaque != "" {
		return 0, 0, false
	}
	cq, uq := cur.Query(), u.Query()
	// A page parameter, on either URL (the first page may have none).
	for _, k := range pageParams {
		uv, uhas := uq[k]
		cv, chas := cq[k]
		if (!uhas && !chas) || u.Path != cur.Path || (uhas && len(uv) != 1) || (chas && len(cv) != 1) {
			continue
		}
		n, c, ok := 1, 1, true
		if uhas {
			n, ok = pageNumber(uv[0])
		}
		if chas && ok {
			c, ok = pageNumber(cv[0])
		}
		if ok && sameQueryBut(cq, uq, k) {
			return n, c, true
		}
	}
	if cur.RawQuery != u.RawQuery {
		return 0, 0, false
	}
	// A suffix of the last path segment: /a/123.shtml, /a/123_2.shtml.
	cdir, cfile := splitPath(cur.Path)
	udir, ufile := splitPath(u.Path)
	if cdir == udir && ufile != "" {
		if cm := reSuffix.FindStringSubmatch(cfile); cm != nil && cm[1]+cm[3] == ufile {
			c, _ := strconv.Atoi(cm[2])
			return 1, c, true // the first page, from a later one
		}
		if m := reSuffix.FindStringSubmatch(ufile); m != nil {
			n, _ := strconv.Atoi(m[2])
			stem := m[1] + m[3]
			if cfile == stem {
				return n, 1, true
			}
			if cm := reSuffix.FindStringSubmatch(cfile); cm != nil && cm[1]+cm[3] == stem {
				c, _ := strconv.Atoi(cm[2])
				return n, c, true
			}
		}
	}
	// A last numeric segment: /story/title/ and /story/title/2/.
	ubase, un, uok := numericSegment(u.Path)
	cbase, cn, cok := numericSegment(cur.Path)
	switch {
	case uok && cok && cbase == ubase:
		return un, cn, true
	case uok && strings.TrimSuffix(cur.Path, "/") == ubase:
		return un, 1, true
	case cok && strings.TrimSuffix(u.Path, "/") == cbase:
		return 1, cn, true
	}
	return 0, 0, false
}

func pageNumber(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= maxPageNumber
}

// sameQueryBut reports whether two queries are equal but for key k.
func sameQueryBut(a, b url.Values, k string) bool {
	a, b = cloneValues(a), cloneValues(b)
	delete(a, k)
	delete(b, k)
	return a.Encode() == b.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, x := range v {
		out[k] = x
	}
	return out
}

func splitPath(p string) (dir, file string) {
	i := strings.LastIndexByte(p, '/')
	return p[:i+1], p[i+1:]
}

// numericSegment splits a path ending in a page number segment (/2 or /2/,
// at most 999) into the path before it and the number.
func numericSegment(p string) (base string, n int, ok bool) {
	p = strings.TrimSuffix(p, "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "", 0, false
	}
	seg := p[i+1:]
	if len(seg) == 0 || len(seg) > 3 || seg[0] == '0' {
		return "", 0, false
	}
	n, err := strconv.Atoi(seg)
	if err != nil {
		return "", 0, false
	}
	return p[:i], n, true
}
