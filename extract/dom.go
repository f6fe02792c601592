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
// (Fields are ordered to pack the struct: the page holds one per block.)
type block struct {
	n          *html.Node
	firstClean string // collapse of its first own text run when that is the run trimmed, else ""

	parent   int32 // index of the enclosing block, -1 for the root
	firstSeg int32 // index in page.segs of its first own text run (usually a paragraph's whole text), -1

	chars int32 // non-space characters of text in the subtree
	links int32 // of which inside <a>
	punct int32 // sentence punctuation (，。！？、；： and , . ; ! ?)
	han   int32 // Han characters

	ownChars, ownLinks, ownPunct, ownHan int32 // inline text not inside a child block
	ownLetters                           int32 // letters (Latin, Han, kana, Hangul) of the own text outside links

	subText     int32       // characters of scored paragraphs in the subtree
	firstScript scriptCount // letters by script of the first own text run, for detectLang

	kids    bool // has child blocks
	neg     bool // boilerplate by tag or class/id
	leafish bool // paragraph-like: p, or a block without block children

	score float64
	sub   float64 // paragraph evidence in the whole subtree
}

// seg is a run of text in document order, for finding dates and
// headlines: a text node and the block it counts for.
type seg struct {
	node  *html.Node
	block int32
}

func (s seg) text() string { return s.node.Data }

// firstText is the first own text run of block b with white space
// collapsed; b.firstSeg >= 0.
func (p *page) firstText(b *block) string {
	if b.firstClean != "" {
		return b.firstClean
	}
	return collapse(p.segs[b.firstSeg].text())
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

// blockTag reports the tags of block-level elements.
func blockTag(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.P, atom.Section, atom.Article, atom.Main,
		atom.Td, atom.Th, atom.Tr, atom.Table, atom.Tbody,
		atom.Thead, atom.Tfoot, atom.Ul, atom.Ol, atom.Li,
		atom.Dl, atom.Dd, atom.Dt, atom.Blockquote, atom.Pre,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Header, atom.Footer, atom.Aside, atom.Nav, atom.Form,
		atom.Figure, atom.Figcaption, atom.Center, atom.Body,
		atom.Html, atom.Address, atom.Fieldset, atom.Details,
		atom.Summary, atom.Caption, atom.Hr:
		return true
	}
	return false
}

// skipTag reports the tags of elements that never hold article text.
func skipTag(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template,
		atom.Svg, atom.Iframe, atom.Object, atom.Embed,
		atom.Select, atom.Textarea, atom.Button, atom.Input,
		atom.Option, atom.Head, atom.Canvas, atom.Audio,
		atom.Video, atom.Map, atom.Link, atom.Meta, atom.Math:
		return true
	}
	return false
}

// negTag reports the tags of boilerplate elements.
func negTag(a atom.Atom) bool { return a == atom.Nav || a == atom.Aside || a == atom.Footer }

// capacities counts the elements with a block tag, the text nodes and the
// <meta> elements of the document outside the skipped elements (but for
// <head>), each up to limit: about the blocks, segs and meta entries one
// walk records, to size them once.
func capacities(root *html.Node, limit int) (blocks, texts, metas int) {
	for n := root.FirstChild; n != nil && blocks < limit && texts < limit; {
		switch n.Type {
		case html.TextNode:
			texts++
		case html.ElementNode:
			if blockTag(n.DataAtom) {
				blocks++
			} else if n.DataAtom == atom.Meta {
				metas++
			}
		}
		// On to the next node in document order.
		if n.FirstChild != nil && (n.Type != html.ElementNode || n.DataAtom == atom.Head || !skipTag(n.DataAtom)) {
			n = n.FirstChild
			continue
		}
		for n != root && n.NextSibling == nil {
			n = n.Parent
		}
		if n == root {
			break
		}
		n = n.NextSibling
	}
	return blocks, texts, min(metas, limit)
}

// parsePage walks the parsed document.
func parsePage(root *html.Node) *page {
	blocks, texts, metas := capacities(root, 4096)
	p := &page{
		root:   root,
		blocks: make([]block, 0, blocks),
		segs:   make([]seg, 0, texts),
		meta:   make(map[string]string, metas),
	}
	p.walk(root, -1, false, false, 0)
	p.index = make(map[*html.Node]int32, len(p.blocks))
	for i := range p.blocks {
		p.index[p.blocks[i].n] = int32(i)
	}
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
		if titleAttr(attr(c, "class")) || titleAttr(attr(c, "id")) {
			p.titleish = append(p.titleish, c)
		}
	}
	if ip := attr(c, "itemprop"); ip != "" {
		p.addItemprop(c, ip)
	}
	if skipTag(a) || inHead || hidden(c) {
		return
	}
	if blockTag(a) {
		idx := int32(len(p.blocks))
		neg := negTag(a) || (a != atom.Body && a != atom.Html && a != atom.Article && a != atom.Main && negativeAttr(c))
		p.blocks = append(p.blocks, block{n: c, parent: cur, neg: neg, firstSeg: -1})
		if cur >= 0 {
			p.blocks[cur].kids = true
		}
		p.walk(c, idx, inLink, false, depth+1)
		b := &p.blocks[idx]
		b.leafish = a == atom.P || !b.kids
		return
	}
	p.walk(c, cur, inLink || (a == atom.A && hasAttr(c, "href")), false, depth+1)
}

// titleAttr reports a class or id value naming a title or headline.
func titleAttr(v string) bool {
	v = strings.ToLower(v)
	return strings.Contains(v, "title") || strings.Contains(v, "headline")
}

// text counts the characters of a text run for its block and records it
// as a seg. In the same pass it finds whether collapse would only trim it:
// no white space inside but single spaces, no zero-width characters, no
// invalid bytes.
func (p *page) text(c *html.Node, cur int32, inLink bool) {
	s := c.Data
	var chars, punct, han int32
	var sc scriptCount
	clean := true
	from, to := -1, 0 // the text from the first to the last non-space character
	gap := 0          // white space since the last non-space character: 1 a space, 2 more or other
	for i := 0; i < len(s); {
		if s[i]-0xE4 <= 0xE9-0xE4 {
			// Fast path: a run of U+4000 to U+9FFF, Han but for U+4DC0 to U+4DFF.
			j := i
			for j+2 < len(s) {
				c0, c1, c2 := s[j], s[j+1], s[j+2]
				if c0-0xE4 > 0xE9-0xE4 || c1&0xC0 != 0x80 || c2&0xC0 != 0x80 || (c0 == 0xE4 && c1 == 0xB7) {
					break
				}
				sc.addHan(rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F))
				j += 3
			}
			if j > i {
				n := int32(j-i) / 3
				han += n
				chars += n
				if from < 0 {
					from = i
				} else if gap > 1 {
					clean = false
				}
				i = j
				to, gap = i, 0
				continue
			}
		}
		r := rune(s[i])
		at, size := i, 1
		if r >= utf8.RuneSelf {
			if r, size = decodeCJK(s[i:]), 3; r < 0 {
				r, size = utf8.DecodeRuneInString(s[i:])
			}
		}
		i += size
		switch {
		case r < utf8.RuneSelf:
			switch {
			case r == ' ':
				gap++
				continue
			case r == '\n' || r == '\t' || r == '\r' || r == '\f':
				gap = 2
				continue
			case r == ',' || r == ';' || r == '!' || r == '?':
				punct++
			case r == '.':
				if i >= len(s) || s[i] == ' ' || s[i] == '\n' {
					punct++
				}
			case (r|0x20) >= 'a' && (r|0x20) <= 'z':
				sc.latin++
			}
			chars++
		case isHan(r):
			han++
			chars++
			sc.addHan(r)
		case isCJKPunct(r):
			punct++
			chars++
		case isSpace(r):
			gap = 2
			continue
		default:
			sc.addOther(r)
			if r == '\u200b' || r == '\ufeff' || (r == utf8.RuneError && size == 1) {
				clean = false
			}
			chars++
		}
		if from < 0 {
			from = at
		} else if gap > 1 {
			clean = false
		}
		to, gap = i, 0
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
	if inLink {
		b.ownLinks += chars
		b.links += chars
	} else {
		b.ownLetters += sc.latin + sc.han + sc.kana + sc.hangul
	}
	if len(p.segs) < maxNodes {
		if b.firstSeg < 0 {
			b.firstSeg = int32(len(p.segs))
			b.firstScript = sc
			if clean {
				b.firstClean = s[from:to]
			}
		}
		p.segs = append(p.segs, seg{node: c, block: cur})
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
				if skipTag(c.DataAtom) && c.DataAtom != atom.Head {
					continue
				}
				if c.DataAtom == atom.Br || blockTag(c.DataAtom) {
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

// collapse trims s and turns every run of white space into one space;
// zero-width characters are dropped and invalid bytes become U+FFFD.
func collapse(s string) string {
	if s = strings.TrimFunc(s, isSpace); collapsed(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is due before the next kept character
	start := -1    // kept text from here on is not written yet
	for i := 0; i < len(s); {
		c, size := s[i], 1
		gap, drop, bad := false, false, false
		switch {
		case c < utf8.RuneSelf:
			gap = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'
		case decodeCJK(s[i:]) >= 0:
			size = 3
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			gap = isSpace(r)
			drop = r == '\u200b' || r == '\ufeff'
			bad = r == utf8.RuneError && size == 1
		}
		if (gap || drop || bad) && start >= 0 { // the run of kept text ends
			b.WriteString(s[start:i])
			start = -1
		}
		switch {
		case gap:
			space = b.Len() > 0
		case drop:
		case bad || start < 0:
			if space {
				b.WriteByte(' ')
				space = false
			}
			if bad {
				b.WriteString("\uFFFD") // an invalid byte
			} else {
				start = i
			}
		}
		i += size
	}
	if start >= 0 {
		b.WriteString(s[start:])
	}
	return b.String()
}

// collapsed reports whether collapse would return s unchanged: valid
// UTF-8 without zero-width characters, no white space at either end and
// only single spaces between words. Most text runs are, and then collapse
// copies nothing.
func collapsed(s string) bool {
	space := true // at the start a space is one too many
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case ' ':
				if space {
					return false
				}
				space = true
			case '\n', '\t', '\r', '\f':
				return false
			default:
				space = false
			}
			i++
			continue
		}
		space = false
		if decodeCJK(s[i:]) >= 0 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || isSpace(r) || r == '\u200b' || r == '\ufeff' {
			return false
		}
		i += size
	}
	return !space || s == ""
}

// decodeCJK decodes the three-byte UTF-8 sequence s starts with when it
// encodes U+4000 to U+CFFF (most Han characters, Hangul), else returns
// -1: a fast path, inlined, before utf8.DecodeRuneInString.
func decodeCJK(s string) rune {
	if len(s) > 2 && s[0]-0xE4 <= 0xEC-0xE4 && s[1]&0xC0 == 0x80 && s[2]&0xC0 == 0x80 {
		return rune(s[0]&0x0F)<<12 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F)
	}
	return -1
}

// isSpace reports the white space that collapse folds: unicode.IsSpace
// but for the vertical tab, with the common cases decided first.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f'
	}
	if r < 0x1680 {
		return r == '\u0085' || r == '\u00a0'
	}
	return r <= 0x3000 && unicode.IsSpace(r)
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
