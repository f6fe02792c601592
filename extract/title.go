package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// titleSeps separate a headline from the site name in <title>.
var titleSeps = []string{"_", "|", "｜", " - ", " – ", " — ", "--", " :: ", " » ", "»", " · ", "－", " -"}

// cleanTitle strips a site name (and section names) from a <title> or
// og:title: the parts around separators are split and the longest kept.
func cleanTitle(t string) string {
	t = collapse(t)
	parts := []string{t}
	for _, sep := range titleSeps {
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, sep)...)
		}
		parts = next
	}
	if len(parts) == 1 {
		return t
	}
	best, bestLen := "", 0
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if n := utf8.RuneCountInString(p); n > bestLen {
			best, bestLen = p, n
		}
	}
	if bestLen < 2 {
		return t
	}
	return best
}

// matchKey folds a title for comparison: no spaces, lower case, full-width
// ASCII punctuation as half-width, quotes unified.
func matchKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == ' ' || r == '\u3000' || r == '\u00a0' || r == '\n' || r == '\t' || r == '\r':
			continue
		case r >= '！' && r <= '～':
			r = r - '！' + '!'
		case r == '“' || r == '”' || r == '「' || r == '」' || r == '\'' || r == '‘' || r == '’':
			r = '"'
		case r == '…':
			b.WriteString("...")
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// title picks the headline: a heading or short text printed on the page
// that the <title>/og:title/JSON-LD headline contains, else the cleaned
// reference title.
func (p *page) chooseTitle(refs []string) (string, *html.Node) {
	var keys []string
	clean := ""
	for _, r := range refs {
		if r = collapse(r); r != "" {
			keys = append(keys, matchKey(r))
			if clean == "" {
				clean = cleanTitle(r)
			}
		}
	}
	cleanLen := utf8.RuneCountInString(matchKey(clean))
	var best *html.Node
	bestText, bestScore := "", 0
	consider := func(n *html.Node, t string, bonus int) {
		k := matchKey(t)
		kl := utf8.RuneCountInString(k)
		if kl < 4 || kl > 300 || kl*2 < cleanLen {
			return
		}
		for _, ref := range keys {
			if strings.Contains(ref, k) {
				if s := kl*4 + bonus; s > bestScore {
					best, bestText, bestScore = n, t, s
				}
				return
			}
		}
	}
	for _, h := range p.headings {
		bonus := 2
		if h.DataAtom == atom.H1 {
			bonus = 3
		}
		consider(h, textOf(h), bonus)
	}
	if best == nil && len(keys) > 0 {
		for i, s := range p.segs {
			if i > 20000 {
				break
			}
			if len(s.text) > 900 || len(s.text) < 4 {
				continue
			}
			consider(s.node, collapse(s.text), 0)
		}
	}
	if best != nil {
		return bestText, best
	}
	if clean != "" {
		return clean, nil
	}
	// No reference title: the first h1, else an element named "title".
	for _, list := range [][]*html.Node{p.headings, p.titleish} {
		for _, h := range list {
			if h.DataAtom != atom.H1 && list[0].DataAtom == atom.H1 {
				continue
			}
			if t := textOf(h); utf8.RuneCountInString(t) >= 4 && len(t) < 600 {
				return t, h
			}
		}
	}
	return "", nil
}
