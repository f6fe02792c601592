package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits that bound the work on hostile or broken documents.
const (
	maxDepth = 300     // elements nested deeper are ignored
	maxNodes = 200_000 // elements past this are ignored
)

// block is one block-level element with the text statistics of its subtree.
type block struct {
	n      *html.Node
	parent int32 // index of the enclosing block, -1 for the root

	chars int32 // non-space characters of text in the subtree
	links int32 // of which inside <a>
	punct int32 // sentence punctuation (，。！？、；： and , . ; ! ?)
	han   int32 // Han characters
	latin int32 // Latin letters

	ownChars, ownLinks, ownPunct, ownHan int32 // inline text not inside a child block
	kids                                 int32 // child blocks
	firstSeg                             int32 // index in page.segs of its first own text, -1

	score   float64
	sub     float64 // paragraph evidence in the whole subtree
	subText int32   // characters of scored paragraphs in the subtree
	neg     bool    // boilerplate by tag or class/id
	leafish bool    // paragraph-like: p, or a block without block children
}

// seg is a run of text in document order, for finding dates and headlines.
type seg struct {
	text  string
	block int32
	node  *html.Node
}

// page is a parsed document with what one walk over it collects.
type page struct {
	root   *html.Node
	blocks []block
	index  map[*html.Node]int32
	segs   []seg

	title     string // <title>
	htmlLang  string
	meta      map[string]string // lower-cased name/property/itemprop -> first content
	jsonld    []string
	canonical string
	headings  []*html.Node // h1 to h6
	titleish  []*html.Node // elements whose class or id says "title"
	scripts   []string     // inline scripts (bounded), for dates set in JavaScript
	times     []*html.Node // <time> and elements with itemprop=datePublished
	nodes     int
}

var blockTags = map[atom.Atom]bool{
	atom.Div: true, atom.P: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Td: true, atom.Th: true, atom.Tr: true, atom.Table: true, atom.Tbody: true,
	atom.Thead: true, atom.Tfoot: true, atom.Ul: true, atom.Ol: true, atom.Li: true,
	atom.Dl: true, atom.Dd: true, atom.Dt: true, atom.Blockquote: true, atom.Pre: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Nav: true, atom.Form: true,
	atom.Figure: true, atom.Figcaption: true, atom.Center: true, atom.Body: true,
	atom.Html: true, atom.Address: true, atom.Fieldset: true, atom.Details: true,
	atom.Summary: true, atom.Caption: true, atom.Hr: true,
}

// skipTags never hold article text.
var skipTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Iframe: true, atom.Object: true, atom.Embed: true,
	atom.Select: true, atom.Textarea: true, atom.Button: true, atom.Input: true,
	atom.Option: true, atom.Head: true, atom.Canvas: true, atom.Audio: true,
	atom.Video: true, atom.Map: true, atom.Link: true, atom.Meta: true, atom.Math: true,
}

// negTags are boilerplate by their tag.
var negTags = map[atom.Atom]bool{atom.Nav: true, atom.Aside: true, atom.Footer: true}

func parsePage(root *html.Node) *page {
	p := &page{
		root:  root,
		index: make(map[*html.Node]int32, 512),
		meta:  make(map[string]string, 32),
	}
	p.blocks = make([]block, 0, 512)
	p.walk(root, -1, false, false, 0)
	// Children were appended after their parents: accumulate upwards.
	for i := len(p.blocks) - 1; i > 0; i-- {
		b := &p.blocks[i]
		if b.parent < 0 {
			continue
		}
		q := &p.blocks[b.parent]
		q.chars += b.chars
		q.links += b.links
		q.punct += b.punct
		q.han += b.han
		q.latin += b.latin
	}
	return p
}

func (p *page) walk(n *html.Node, cur int32, inLink, inHead bool, depth int) {
	if depth > maxDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if cur >= 0 && !inHead {
				p.text(c, cur, inLink)
			}
		case html.ElementNode:
			p.nodes++
			if p.nodes > maxNodes {
				return
			}
			p.element(c, cur, inLink, inHead, depth)
		case html.DocumentNode:
			p.walk(c, cur, inLink, inHead, depth+1)
		}
	}
}

func (p *page) element(c *html.Node, cur int32, inLink, inHead bool, depth int) {
	a := c.DataAtom
	switch a {
	case atom.Title:
		if p.title == "" && c.FirstChild != nil {
			p.title = textOf(c)
		}
		return
	case atom.Meta:
		p.addMeta(c)
		return
	case atom.Link:
		if p.canonical == "" && strings.EqualFold(attr(c, "rel"), "canonical") {
			p.canonical = attr(c, "href")
		}
		return
	case atom.Script:
		if c.FirstChild == nil {
			return
		}
		if strings.Contains(strings.ToLower(attr(c, "type")), "ld+json") {
			if len(p.jsonld) < 8 {
				p.jsonld = append(p.jsonld, c.FirstChild.Data)
			}
		} else if len(p.scripts) < 256 {
			p.scripts = append(p.scripts, c.FirstChild.Data)
		}
		return
	case atom.Html:
		if l := attr(c, "lang"); l != "" {
			p.htmlLang = l
		} else if l := attr(c, "xml:lang"); l != "" {
			p.htmlLang = l
		}
	case atom.Head:
		p.walk(c, cur, inLink, true, depth+1)
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if len(p.headings) < 64 {
			p.headings = append(p.headings, c)
		}
	case atom.Time:
		if len(p.times) < 32 {
			p.times = append(p.times, c)
		}
	}
	if len(p.titleish) < 16 && (a == atom.Div || a == atom.Span || a == atom.P || a == atom.Td || a == atom.Strong || a == atom.B || a == atom.Font) {
		if v := strings.ToLower(attr(c, "class") + " " + attr(c, "id")); strings.Contains(v, "title") || strings.Contains(v, "headline") {
			p.titleish = append(p.titleish, c)
		}
	}
	if ip := attr(c, "itemprop"); ip != "" {
		p.addItemprop(c, ip)
	}
	if skipTags[a] || inHead || hidden(c) {
		return
	}
	if blockTags[a] {
		idx := int32(len(p.blocks))
		neg := negTags[a] || (a != atom.Body && a != atom.Html && a != atom.Article && a != atom.Main && negativeAttr(c))
		p.blocks = append(p.blocks, block{n: c, parent: cur, neg: neg, firstSeg: -1})
		p.index[c] = idx
		if cur >= 0 {
			p.blocks[cur].kids++
		}
		p.walk(c, idx, inLink, false, depth+1)
		b := &p.blocks[idx]
		b.leafish = a == atom.P || b.kids == 0
		return
	}
	p.walk(c, cur, inLink || (a == atom.A && hasAttr(c, "href")), false, depth+1)
}

func (p *page) text(c *html.Node, cur int32, inLink bool) {
	s := c.Data
	var chars, punct, han, latin int32
	for i := 0; i < len(s); {
		r := rune(s[i])
		size := 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case r < utf8.RuneSelf:
			switch {
			case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f':
				continue
			case r == ',' || r == ';' || r == '!' || r == '?':
				punct++
			case r == '.':
				if i >= len(s) || s[i] == ' ' || s[i] == '\n' {
					punct++
				}
			case (r|0x20) >= 'a' && (r|0x20) <= 'z':
				latin++
			}
			chars++
		case r == '\u00a0' || r == '\u3000' || unicode.IsSpace(r):
			continue
		case isCJKPunct(r):
			punct++
			chars++
		case isHan(r):
			han++
			chars++
		default:
			if unicode.IsLetter(r) {
				latin++
			}
			chars++
		}
	}
	if chars == 0 {
		return
	}
	b := &p.blocks[cur]
	b.ownChars += chars
	b.ownPunct += punct
	b.ownHan += han
	b.chars += chars
	b.punct += punct
	b.han += han
	b.latin += latin
	if inLink {
		b.ownLinks += chars
		b.links += chars
	}
	if len(p.segs) < maxNodes {
		if b.firstSeg < 0 {
			b.firstSeg = int32(len(p.segs))
		}
		p.segs = append(p.segs, seg{text: s, block: cur, node: c})
	}
}

func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0xF900 && r <= 0xFAFF) || (r >= 0x20000 && r <= 0x2FA1F)
}

func isCJKPunct(r rune) bool {
	switch r {
	case '，', '。', '！', '？', '、', '；', '：':
		return true
	}
	return false
}

func (p *page) addMeta(c *html.Node) {
	content := attr(c, "content")
	if cs := attr(c, "charset"); cs != "" && content == "" {
		return
	}
	for _, k := range []string{"property", "name", "itemprop", "http-equiv"} {
		key := attr(c, k)
		if key == "" {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if _, ok := p.meta[key]; !ok && strings.TrimSpace(content) != "" && len(p.meta) < 256 {
			p.meta[key] = strings.TrimSpace(content)
		}
	}
}

func (p *page) addItemprop(c *html.Node, ip string) {
	ip = strings.ToLower(ip)
	switch ip {
	case "datepublished", "datemodified", "datecreated":
		v := attr(c, "content")
		if v == "" {
			v = attr(c, "datetime")
		}
		if v == "" {
			v = textOf(c)
		}
		if _, ok := p.meta[ip]; !ok && v != "" {
			p.meta[ip] = v
		}
	case "headline":
		if _, ok := p.meta[ip]; !ok {
			if v := textOf(c); v != "" {
				p.meta[ip] = v
			} else if v := attr(c, "content"); v != "" {
				p.meta[ip] = v
			}
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			if strings.Contains(a.Val, "none") {
				v := strings.ToLower(strings.ReplaceAll(a.Val, " ", ""))
				if strings.Contains(v, "display:none") || strings.Contains(v, "visibility:hidden") {
					return true
				}
			}
		case "aria-hidden":
			if a.Val == "true" && n.DataAtom != atom.Span && n.DataAtom != atom.I {
				return true
			}
		}
	}
	return false
}

// textOf is the text of a subtree with whitespace collapsed, skipping
// scripts and styles; it stops after a bounded amount of text.
func textOf(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node, int)
	f = func(n *html.Node, depth int) {
		if depth > maxDepth || b.Len() > 1<<16 {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				if skipTags[c.DataAtom] && c.DataAtom != atom.Head {
					continue
				}
				if c.DataAtom == atom.Br || blockTags[c.DataAtom] {
					b.WriteByte(' ')
				}
				f(c, depth+1)
			}
		}
	}
	if n.Type == html.TextNode {
		return collapse(n.Data)
	}
	f(n, 0)
	return collapse(b.String())
}

// collapse trims s and turns every run of white space into one space.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	start := -1 // kept text from here on is not written yet
	flush := func(end int) {
		if start >= 0 {
			b.WriteString(s[start:end])
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\u00a0' || r == '\u3000' || (r > 0x7f && unicode.IsSpace(r)):
			flush(i)
			space = b.Len() > 0
		case r == '\u200b' || r == '\ufeff':
			flush(i)
		case start < 0 || r == utf8.RuneError:
			flush(i)
			if space {
				b.WriteByte(' ')
				space = false
			}
			if r == utf8.RuneError {
				b.WriteRune(r) // an invalid byte becomes U+FFFD
			} else {
				start = i
			}
		}
	}
	flush(len(s))
	return b.String()
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
