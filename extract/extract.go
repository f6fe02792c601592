// Package extract turns one fetched page into a newsmon.Article: headline,
// publication time, authors, language, site name, description, image,
// canonical URL and the article text as paragraphs.
//
// Evidence is layered, best first: per-site rules (CSS selectors, shipped
// as data in sites.yaml or given by the configuration), structured metadata
// (JSON-LD, OpenGraph, the meta names Chinese portals use), and a generic
// main-text extractor that scores blocks by text, punctuation (Chinese and
// Latin) and link density, so that it works on sites never seen. The
// package is pure: no I/O, no logging; each page is parsed once and the work
// on huge or deeply nested documents is bounded.
//
// A page that stands in front of the article (a bot wall, a consent page, a
// JavaScript-only shell, a login wall) is reported as such (ErrBotWall,
// ErrConsent, ErrJSShell, ErrLoginWall; wall.go), and ExtractPaged also
// reads the links to the other pages of an article split over several
// (pages.go), for the caller to fetch.
package extract

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/newsmon/newsmon"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxHTMLBytes is the most of a page that is parsed; the rest is ignored.
const MaxHTMLBytes = 4 << 20

// Errors returned (wrapped, naming the URL) by Extract.
var (
	ErrEmpty     = errors.New("empty page")
	ErrNoArticle = errors.New("no article text found")
)

// Input is one page to extract.
type Input struct {
	URL       string         // the page's URL (final URL after redirects)
	HTML      []byte         // the page, decoded to UTF-8
	FetchedAt time.Time      // for relative dates and the future-date check
	Rules     newsmon.Rules  // the source's rules; empty: the shipped SiteRules for the host
	Location  *time.Location // for dates printed without a zone; nil: UTC
	Lang      string         // the source's language, "" to detect
}

// errorf is an error about the page, named by its URL when it has one.
func (in Input) errorf(format string, args ...any) error {
	if in.URL == "" {
		return fmt.Errorf("extract: "+format, args...)
	}
	return fmt.Errorf("extract %s: "+format, append([]any{in.URL}, args...)...)
}

// Extract reads the article in one page. When no article text is found it
// returns what it could read together with an error wrapping ErrNoArticle.
func Extract(in Input) (newsmon.Article, error) {
	art, _, err := extract(in, false)
	return art, err
}

// extract is Extract, reading the page's pagination links too when
// wantPages.
func extract(in Input, wantPages bool) (newsmon.Article, Pages, error) {
	art := newsmon.Article{URL: in.URL, FetchedAt: in.FetchedAt}
	pages := Pages{Number: 1}
	raw := in.HTML
	if len(bytes.TrimSpace(raw)) == 0 {
		return art, pages, in.errorf("%w", ErrEmpty)
	}
	if len(raw) > MaxHTMLBytes {
		raw = raw[:MaxHTMLBytes]
	}
	root, err := html.Parse(bytes.NewReader(raw))
	if err != nil {
		return art, pages, in.errorf("parse: %w", err)
	}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	rules := in.Rules
	if rules.Title == "" && rules.Published == "" && rules.Body == "" && rules.Authors == "" && len(rules.Drop) == 0 {
		if u, err := url.Parse(in.URL); err == nil {
			rules, _ = SiteRules(u.Hostname())
		}
	}
	dropNodes(root, rules.Drop)
	p := parsePage(root)
	ld, _ := jsonLD(p.jsonld)

	// Title: the rule's element, else the headline printed on the page.
	var head *html.Node
	if n := selectFirst(root, rules.Title); n != nil {
		if t := textOf(n); t != "" {
			art.Title, head = t, n
		}
	}
	// Body: the rule's containers, else the best-scoring block.
	var roots []*html.Node
	for _, n := range selectAll(root, rules.Body) {
		if i, ok := p.index[n]; ok && p.blocks[i].chars > 0 {
			roots = append(roots, n)
		}
	}
	if len(roots) == 0 {
		roots = p.mainContent()
	}
	printed := art.Title
	if art.Title == "" {
		art.Title, printed, head = p.chooseTitle([]string{p.meta["og:title"], ld.Headline, p.meta["headline"], p.meta["twitter:title"], p.title}, roots)
	}
	body, bodyScript := p.body(roots, printed)
	art.Body = body

	order := localeOrder(p.htmlLang, in.Lang)
	art.Published = p.published(rules.Published, ld, head, in, loc, order)
	if t, ok := parseDateIn(firstNonEmpty(ld.Modified, firstMeta(p.meta, modifiedMeta)), in.FetchedAt, loc, order); ok {
		art.Modified = t
	}
	art.Authors = p.authors(rules.Authors, ld)
	art.Lang = detectLang(art.Title, art.Body, &bodyScript, p.htmlLang, in.Lang)
	art.SiteName = firstNonEmpty(p.meta["og:site_name"], ld.SiteName, p.meta["application-name"])
	art.Description = collapse(firstNonEmpty(p.meta["og:description"], p.meta["description"], ld.Description, p.meta["twitter:description"]))
	art.Image = resolve(in.URL, firstNonEmpty(p.meta["og:image"], ld.Image, p.meta["twitter:image"]))
	art.CanonicalURL = resolve(in.URL, firstNonEmpty(p.canonical, p.meta["og:url"]))
	if err := p.wall(textWeight(art.Body, wallMaxBody), roots); err != nil {
		return art, pages, in.errorf("%w", err)
	}
	if wantPages {
		pages = p.pages(in.URL, roots)
	}
	if art.Body == "" {
		return art, pages, in.errorf("%w", ErrNoArticle)
	}
	return art, pages, nil
}

// mainContent returns the best-scoring container and those of its siblings
// that carry article text too.
func (p *page) mainContent() []*html.Node {
	best := p.score()
	if best < 0 {
		if body := p.find(atom.Body); body != nil {
			return []*html.Node{body}
		}
		return nil
	}
	if first, ok := p.firstPost(best); ok {
		return []*html.Node{p.blocks[first].n}
	}
	b := &p.blocks[best]
	par := b.n.Parent
	if par == nil || b.n.DataAtom == atom.Body {
		return []*html.Node{b.n}
	}
	threshold := max(10, b.score*0.2)
	var out []*html.Node
	for c := par.FirstChild; c != nil; c = c.NextSibling {
		if c == b.n {
			out = append(out, c)
			continue
		}
		i, ok := p.index[c]
		if !ok {
			continue
		}
		s := &p.blocks[i]
		if s.neg || s.chars == 0 {
			continue
		}
		ld := float64(s.links) / float64(s.chars)
		switch {
		case s.score >= threshold && ld < 0.3:
			out = append(out, c)
		case c.DataAtom == atom.P && ld < 0.25 && weight(s.chars, s.han) >= 80:
			out = append(out, c)
		case !s.kids && s.punct > 0 && ld < 0.25 && weight(s.chars, s.han) >= 80 && !negativeAttr(c):
			out = append(out, c) // a paragraph in a div, beside the rest of the text
		case c.DataAtom == atom.P && s.links == 0 && s.punct > 0 && weight(s.chars, s.han) >= 30:
			out = append(out, c)
		case ld < 0.2 && s.punct >= 2 && weight(s.chars, s.han) >= 60 && leadClass(c):
			out = append(out, c) // a summary or standfirst beside the text
		}
	}
	return p.sameClass(best, out)
}

// firstPost finds a listing of posts around the best block: its text
// container (it or a block within two levels, with a class) is one of three
// or more blocks of that tag and class, one after the other, each with text
// and each but the first headed by a date of its own between it and the one
// before (a blog's page of entries, a forum thread's posts). The page's
// article is then the first post (the newest entry, the thread's opening
// post), not the longest one. Text split across repeated containers has
// no dates between its parts (sameClass).
func (p *page) firstPost(best int32) (int32, bool) {
	cands := []int32{best}
	for i := best + 1; i < int32(len(p.blocks)) && len(cands) < 16; i++ {
		par := p.blocks[i].parent
		if par == best || (par >= 0 && p.blocks[par].parent == best) {
			cands = append(cands, i)
		} else if !contains(p.blocks[best].n, p.blocks[i].n) {
			break
		}
	}
	for _, c := range cands {
		cb := &p.blocks[c]
		cls := attr(cb.n, "class")
		if cls == "" || cb.chars == 0 {
			continue
		}
		var units []int32
		for i := range p.blocks {
			o := &p.blocks[i]
			if o.n.DataAtom != cb.n.DataAtom || o.chars < 20 || attr(o.n, "class") != cls {
				continue
			}
			if len(units) > 0 && contains(p.blocks[units[len(units)-1]].n, o.n) {
				continue
			}
			units = append(units, int32(i))
		}
		if len(units) < 3 || units[0] == c || p.inComments(units[0]) {
			continue
		}
		if !p.datedApart(units) {
			continue
		}
		return units[0], true
	}
	return 0, false
}

// datedApart reports whether a date is printed between each two
// consecutive blocks of units (in document order), outside the first, for
// the first few: the last text runs before the next post are its header.
// The work is bounded: three gaps, 50 text runs each.
func (p *page) datedApart(units []int32) bool {
	for k := 0; k+1 < len(units) && k < 3; k++ {
		a, b := &p.blocks[units[k]], &p.blocks[units[k+1]]
		if a.firstSeg < 0 || b.firstSeg < 0 {
			return false
		}
		found := false
		for i, n := b.firstSeg-1, 0; i > a.firstSeg && n < 50 && !found; i, n = i-1, n+1 {
			sg := p.segs[i]
			if contains(a.n, sg.node) {
				break // back inside the post before
			}
			if len(sg.text()) <= 200 {
				_, found = absDate(sg.text(), time.Time{}, time.UTC, orderUnknown)
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameClass adds the blocks elsewhere on the page that share the best
// block's tag and class and carry paragraph text too: an article whose
// text is split across repeated containers ("article__content" ×3).
func (p *page) sameClass(best int32, out []*html.Node) []*html.Node {
	b := &p.blocks[best]
	cls := attr(b.n, "class")
	if cls == "" || b.sub <= 0 {
		return out
	}
	var extra []*html.Node
	for i := range p.blocks {
		o := &p.blocks[i]
		if int32(i) == best || o.n.DataAtom != b.n.DataAtom || o.sub < 0.3*b.sub || o.chars == 0 || attr(o.n, "class") != cls {
			continue
		}
		if float64(o.links) > 0.3*float64(o.chars) || contains(b.n, o.n) || contains(o.n, b.n) || contains(b.n.Parent, o.n) || p.inComments(int32(i)) {
			continue
		}
		extra = append(extra, o.n)
	}
	if len(extra) == 0 {
		return out
	}
	// Document order: blocks were recorded in it.
	all := append(out, extra...)
	sort.Slice(all, func(i, j int) bool { return p.index[all[i]] < p.index[all[j]] })
	return all
}

// leadClass reports a class or id naming a summary or standfirst.
func leadClass(n *html.Node) bool {
	v := strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
	for _, k := range []string{"summary", "summ", "lead", "intro", "standfirst", "abstract", "excerpt", "dek", "zhaiyao", "digest"} {
		if strings.Contains(v, k) {
			return true
		}
	}
	return false
}

func (p *page) find(a atom.Atom) *html.Node {
	for i := range p.blocks {
		if p.blocks[i].n.DataAtom == a {
			return p.blocks[i].n
		}
	}
	return nil
}

// published finds the publication time: the rule's element, structured
// metadata, a date printed near the headline, the URL, any date printed on
// the page, in that order. Dates inside comment threads are the readers',
// not the article's. order reads year-last numeric dates (locale hint).
func (p *page) published(rule string, ld ldArticle, head *html.Node, in Input, loc *time.Location, order dateOrder) time.Time {
	now := in.FetchedAt
	if n := selectFirst(p.root, rule); n != nil {
		if t, ok := parseDateIn(dateText(n), now, loc, order); ok {
			return t
		}
	}
	for _, s := range []string{ld.Published, firstMeta(p.meta, publishedMeta)} {
		if t, ok := parseDateIn(s, now, loc, order); ok {
			return t
		}
	}
	for _, n := range p.times {
		if v := attr(n, "datetime"); v != "" && !inCommentThread(n) {
			if t, ok := parseDateIn(v, now, loc, order); ok {
				return t
			}
		}
	}
	if t, ok := p.dateNear(head, now, loc, order); ok {
		return t
	}
	if t, ok := p.scriptDate(now, loc); ok {
		return t
	}
	if t, ok := DateFromURL(in.URL, now, loc); ok {
		return t
	}
	// Any date printed on the page: first one after a label such as
	// 发表于 or "Posted", else the first at all, outside boilerplate.
	for _, labelled := range []bool{true, false} {
		for i, s := range p.segs {
			if i > 5000 {
				break
			}
			if len(s.text()) > 200 || p.inNeg(s.block) || (labelled && !dateLabel(s.text())) {
				continue
			}
			if t, ok := findDate(s.text(), time.Time{}, loc, order); ok && plausible(t, now) && !inCommentThread(s.node) {
				return t
			}
		}
	}
	return time.Time{}
}

var dateLabels = []string{"发表", "发布", "時間", "时间", "日期", "發表", "發佈", "posted", "published", "updated"}

func dateLabel(s string) bool {
	l := strings.ToLower(s)
	for _, k := range dateLabels {
		if strings.Contains(l, k) {
			return true
		}
	}
	return false
}

// reScriptDate finds publication times that pages set in JavaScript, such
// as "pubtime": "2020-05-01 10:23:45" or var ct = "1588300000".
var reScriptDate = regexp.MustCompile(`(?i)\b(pub_?time|publish_?time|publish_?date|pub_?date|ptime|date_?published|first_?publish_?time|ct)["']?\s*[:=]\s*["']([^"'\n]{6,40})["']`)

// scriptDateHint is a cheap test for the keys reScriptDate looks for.
func scriptDateHint(s string) bool {
	for _, k := range []string{"ime", "ate", "ct =", "ct=", "TIME", "DATE"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

func (p *page) scriptDate(now time.Time, loc *time.Location) (time.Time, bool) {
	budget := 4 << 20
	for _, s := range p.scripts {
		if budget -= len(s); budget < 0 {
			break
		}
		if !scriptDateHint(s) {
			continue
		}
		for _, m := range reScriptDate.FindAllStringSubmatch(s, 4) {
			if strings.EqualFold(m[1], "ct") && len(m[2]) != 10 {
				continue // "ct" is only trusted as Unix seconds
			}
			if t, ok := parseDateIn(m[2], now, loc, orderUnknown); ok {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// dateText is the date an element carries: its content or datetime
// attribute, else its text.
func dateText(n *html.Node) string {
	for _, k := range []string{"content", "datetime", "data-time", "title"} {
		if v := attr(n, k); v != "" && (k != "title" || strings.ContainsAny(v, "0123456789")) {
			return v
		}
	}
	return textOf(n)
}

// dateNear looks for a date printed just after the headline (or shortly
// before it), where news pages print the time and source line.
func (p *page) dateNear(head *html.Node, now time.Time, loc *time.Location, order dateOrder) (time.Time, bool) {
	if head == nil {
		return time.Time{}, false
	}
	at := -1
	for i, s := range p.segs {
		if s.node == head || contains(head, s.node) {
			at = i
			break
		}
	}
	if at < 0 {
		return time.Time{}, false
	}
	// The short runs in [from, to): a date inside a paragraph is article
	// text, and none comes from a comment thread.
	text := func(from, to int) string {
		var buf strings.Builder
		for i := max(from, 0); i < min(to, len(p.segs)) && buf.Len() < 1500; i++ {
			if t := p.segs[i].text(); len(t) <= 160 && !inCommentThread(p.segs[i].node) {
				buf.WriteString(t)
				buf.WriteByte(' ')
			} else {
				buf.WriteString(" | ")
			}
		}
		return buf.String()
	}
	relative := func(from, to int) (time.Time, bool) {
		for i := max(from, 0); i < min(to, len(p.segs)); i++ {
			if t, ok := relativeDate(p.segs[i].text(), now, loc); ok && !inCommentThread(p.segs[i].node) {
				return t, true
			}
		}
		return time.Time{}, false
	}
	// After the headline: the first date.
	if t, ok := findDate(text(at+1, at+41), now, loc, order); ok {
		return t, true
	}
	if t, ok := relative(at+1, at+41); ok {
		return t, true
	}
	// Before it: the nearest, the window growing back from the headline
	// (a page's "today" banner may sit further up).
	for from := at - 1; from >= max(at-12, 0); from-- {
		if t, ok := absDate(text(from, at), now, loc, order); ok {
			return t, true
		}
	}
	return relative(at-12, at)
}

// findDate reads the first full date in running text: numeric or English
// with a year, or a relative time; never a bare year or month-day.
func findDate(s string, now time.Time, loc *time.Location, order dateOrder) (time.Time, bool) {
	if t, ok := absDate(s, now, loc, order); ok {
		return t, true
	}
	return relativeDate(s, now, loc)
}

// absDate reads the first full date in running text, numeric or English,
// with a year.
func absDate(s string, now time.Time, loc *time.Location, order dateOrder) (time.Time, bool) {
	s = normalizeDigits(s)
	if t, ok := parseNumeric(s, loc); ok && plausible(t, now) {
		return t, true
	}
	if t, ok := parseYearLast(s, loc, order); ok && plausible(t, now) {
		return t, true
	}
	if t, ok := parseEnglish(s, loc); ok && plausible(t, now) {
		return t, true
	}
	return time.Time{}, false
}

// commentWords mark, as a prefix of a class or id word, a comment thread
// or reply form ("comment-list", "replies", WordPress' id="respond").
var commentWords = []string{"comment", "reply", "replies", "respond", "disqus", "pinglun"}

// inCommentThread reports whether n lies inside a comment thread or reply
// form. "commentary" is an article genre, not a thread.
func inCommentThread(n *html.Node) bool {
	for d := 0; n != nil && d < maxDepth; n, d = n.Parent, d+1 {
		if n.Type != html.ElementNode || len(n.Attr) == 0 {
			continue
		}
		if commentAttr(attr(n, "class")) || commentAttr(attr(n, "id")) {
			return true
		}
	}
	return false
}

// commentAttr reports a class or id value with a word of commentWords.
func commentAttr(v string) bool {
	for w := range strings.FieldsFuncSeq(strings.ToLower(v), func(r rune) bool { return r < 'a' || r > 'z' }) {
		if w == "commentary" {
			continue
		}
		for _, c := range commentWords {
			if strings.HasPrefix(w, c) {
				return true
			}
		}
	}
	return false
}

// relativeDate reads a relative time printed in a short run of its own
// ("3小时前", "昨天 10:23"): in running text "今天" or "昨天" is no date.
func relativeDate(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if now.IsZero() || len(s) > 60 {
		return time.Time{}, false
	}
	if m := reRelDay.FindStringSubmatch(s); m != nil && m[2] == "" && reRelZh.FindString(s) == "" && reRelEn.FindString(s) == "" {
		return time.Time{}, false
	}
	if t, ok := parseRelative(normalizeDigits(s), now, loc); ok && plausible(t, now) {
		return t, true
	}
	return time.Time{}, false
}

func (p *page) authors(rule string, ld ldArticle) []string {
	if rule != "" {
		var out []string
		for _, n := range selectAll(p.root, rule) {
			if t := textOf(n); t != "" && len(t) < 120 {
				out = append(out, t)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	if len(ld.Authors) > 0 {
		return ld.Authors
	}
	return metaAuthors(p.meta)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// resolve makes ref absolute against base; "" when ref is empty or bad.
func resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil || base == "" {
		return r.String()
	}
	return b.ResolveReference(r).String()
}
