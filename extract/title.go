package extract

import (
	"strings"
	"unicode"
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
	var c titleParts
	c.split(t, titleSeps)
	if c.n == 1 || c.bestLen < 2 {
		return t
	}
	return c.best
}

// titleParts finds the longest of the parts a title splits into.
type titleParts struct {
	n       int // parts seen
	best    string
	bestLen int // in runes
}

// split splits t at each separator in turn (the parts of the first, then
// each of those at the second...), without building the lists of parts.
func (c *titleParts) split(t string, seps []string) {
	if len(seps) == 0 {
		c.n++
		p := strings.TrimSpace(t)
		if n := utf8.RuneCountInString(p); n > c.bestLen {
			c.best, c.bestLen = p, n
		}
		return
	}
	for {
		i := strings.Index(t, seps[0])
		if i < 0 {
			c.split(t, seps[1:])
			return
		}
		c.split(t[:i], seps[1:])
		t = t[i+len(seps[0]):]
	}
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

// metaSpelling returns the metadata's spelling of a headline read from the
// page when the two differ in quote marks (an h1 printing ’ where og:title
// has '): publishers' metadata is the canonical text. Anything else (other
// words, spacing, full-width forms, case) keeps the page's text.
func metaSpelling(t string, refs []string) string {
	k, bare := quoteFold(t), spaceless(t)
	for _, r := range refs {
		if r = collapse(r); r == "" {
			continue
		}
		for _, c := range []string{r, cleanTitle(r)} {
			if quoteFold(c) == k && spaceless(c) != bare {
				return c
			}
		}
	}
	return t
}

// quoteFold maps curly and typographic quotes to straight ones and drops
// white space.
func quoteFold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return foldQuote(r)
	}, s)
}

// foldQuotes maps curly and typographic quotes to straight ones.
func foldQuotes(s string) string { return strings.Map(foldQuote, s) }

func foldQuote(r rune) rune {
	switch {
	case strings.ContainsRune("‘’‚‛′`´", r):
		return '\''
	case strings.ContainsRune("“”„‟″", r):
		return '"'
	}
	return r
}

func spaceless(s string) string { return strings.Join(strings.Fields(s), "") }

// title picks the headline: a heading or short text printed on the page
// that the <title>/og:title/JSON-LD headline contains, else the cleaned
// reference title. refs are the metadata titles, the page's <title> last.
// printed is the headline as the page prints it, which the body may
// repeat above the text: the title itself unless a condensed metadata
// form was taken.
func (p *page) chooseTitle(refs []string, content []*html.Node) (title, printed string, head *html.Node) {
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
	cleanLen, fullLen := utf8.RuneCountInString(matchKey(clean)), 0
	for _, k := range keys {
		fullLen = max(fullLen, utf8.RuneCountInString(k))
	}
	var best *html.Node
	bestText, bestScore := "", 0
	// minPct: how much of the cleaned title a match must cover, in percent;
	// more for a bare text run than for a heading element.
	consider := func(n *html.Node, t string, bonus, minPct int) {
		k := matchKey(t)
		kl := utf8.RuneCountInString(k)
		if kl < 4 || kl > 300 || kl*100 < cleanLen*minPct {
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
		consider(h, textOf(h), bonus, 50)
	}
	if best == nil && len(keys) > 0 {
		for i, s := range p.segs {
			if i > 20000 {
				break
			}
			if len(s.text()) > 900 || len(s.text()) < 4 {
				continue
			}
			consider(s.node, collapse(s.text()), 0, 50)
		}
	}
	// A match covering little of the <title> may be a menu item naming the
	// section; and a <title> may name only the site or section. Then the
	// heading printed just above the article text, when clearly longer, is
	// the headline.
	if best == nil || 2*bestScore/4 < fullLen {
		short := utf8.RuneCountInString(clean)
		if best != nil {
			short = utf8.RuneCountInString(bestText)
		}
		if h, t := p.headingBefore(content); h != nil && h != best && 2*utf8.RuneCountInString(t) >= 3*short {
			return t, t, h
		}
	}
	if best != nil {
		t := metaSpelling(bestText, refs)
		// refs end with <title>, the document's title for browsers and
		// search engines, which is often rewritten rather than condensed
		// ("Aaron Bushnell Had Grown ..." for "Aaron Bushnell, Who
		// Self-Immolated for Palestine, Had Grown ..."): only the
		// metadata naming the article's headline counts.
		if c := condensed(t, refs[:len(refs)-1]); c != "" {
			return c, bestText, best
		}
		return t, t, best
	}
	if clean != "" {
		t := p.nearestH1(clean, refs)
		return t, t, nil
	}
	// No reference title: the first h1, else an element named "title".
	for _, list := range [][]*html.Node{p.headings, p.titleish} {
		for _, h := range list {
			if h.DataAtom != atom.H1 && list[0].DataAtom == atom.H1 {
				continue
			}
			if t := textOf(h); utf8.RuneCountInString(t) >= 4 && len(t) < 600 {
				return t, t, h
			}
		}
	}
	return "", "", nil
}

// headingBefore returns the last heading (h1-h6 or an element named
// "title") shortly before the article text starts, or opening its
// container. Candidates are visited in a fixed order and ties (an element
// named "title" wrapping a heading: both start at the same text run) go to
// the inner element, so the choice never depends on map order.
func (p *page) headingBefore(content []*html.Node) (*html.Node, string) {
	if len(content) == 0 {
		return nil, ""
	}
	cands := make([]*html.Node, 0, len(p.headings)+len(p.titleish))
	cands = append(append(cands, p.headings...), p.titleish...)
	first := make(map[*html.Node]int, len(cands)+1) // first text run inside each node of interest
	for _, n := range cands {
		first[n] = -1
	}
	first[content[0]] = -1
	for i, s := range p.segs {
		for n, d := s.node.Parent, 0; n != nil && d < maxDepth; n, d = n.Parent, d+1 {
			if v, ok := first[n]; ok && v < 0 {
				first[n] = i
			}
		}
		if first[content[0]] >= 0 {
			break
		}
	}
	start := first[content[0]]
	var best *html.Node
	bestAt := -1
	for _, n := range cands {
		at := first[n]
		if n == content[0] || at < 0 || at < bestAt || contains(n, content[0]) {
			continue
		}
		if at == bestAt && !contains(best, n) {
			continue // same text run: keep the inner element
		}
		// above the text, or the first thing inside its container
		if !(at < start && start-at <= 30) && !(at <= start+2 && contains(content[0], n)) {
			continue
		}
		best, bestAt = n, at
	}
	if best == nil {
		return nil, ""
	}
	t := textOf(best)
	if l := utf8.RuneCountInString(t); l < 6 || l > 200 {
		return nil, ""
	}
	return best, t
}

// condensed returns the metadata title (og:title, JSON-LD headline,
// twitter:title... as given, not cut at separators) that is the printed
// headline t condensed: words left out, nothing added or reordered, the
// same first word, at least half of t's words and at least four kept
// (not a one- or two-word label), and at most one word
// changed where words were cut (the article or verb a cut forces: "for an
// intense sprint" -> "for a sprint"). Publishers condense the printed
// headline for feeds and shares ("... could save you thousands" without
// "Walt", "... how to check" without the closing clause); that is the
// same headline without its elaboration, the one a reader of the feed
// knows. A metadata title that drops the headline's opening (a kicker or
// label: "BUDGET 3.0 | ...", "'Ends recession debate': ...") or has words
// of its own is another headline, and the printed one stays. Of several,
// the longest wins. Words compare case- and quote-insensitively, without
// the commas, colons and quotes around them. A title ending in an
// ellipsis was cut short, not condensed.
func condensed(t string, refs []string) string {
	long := titleWords(t)
	if len(long) > maxTitleWords {
		return ""
	}
	best, bestN := "", 0
	for _, r := range refs {
		r = collapse(r)
		if strings.HasSuffix(r, "…") || strings.HasSuffix(r, "...") {
			continue // cut short, not condensed
		}
		short := titleWords(r)
		if len(short) <= max(bestN, 3) || len(short) >= len(long) || 2*len(short) < len(long) || short[0] != long[0] {
			continue
		}
		if condenses(long, short) {
			best, bestN = r, len(short)
		}
	}
	return best
}

// maxTitleWords bounds the headlines compared word by word (and so the
// alignment's work); a headline is far shorter.
const maxTitleWords = 80

// condenses reports whether short is long with words deleted and at most
// one word replaced next to a deletion. The alignment is a walk over
// (position in long, position in short, replacement used, state of the
// last step), memoised: at most 81*81*2*3 states.
func condenses(long, short []string) bool {
	const (
		kept    = 0 // the last step kept or matched a word
		cut     = 1 // the last step deleted a word
		changed = 2 // the last step replaced a word not after a deletion: the next must delete
	)
	type state struct{ i, j, used, last int }
	seen := map[state]bool{}
	var walk func(s state) bool
	walk = func(s state) bool {
		if s.j == len(short) {
			return s.last != changed || s.i < len(long) // trailing words are cut
		}
		if s.i == len(long) || len(long)-s.i < len(short)-s.j {
			return false
		}
		if v, ok := seen[s]; ok {
			return v
		}
		seen[s] = false
		ok := false
		if long[s.i] == short[s.j] && s.last != changed {
			ok = walk(state{s.i + 1, s.j + 1, s.used, kept})
		}
		if !ok {
			ok = walk(state{s.i + 1, s.j, s.used, cut}) // long[i] cut
		}
		if !ok && s.used == 0 && s.last != changed && long[s.i] != short[s.j] {
			next := changed
			if s.last == cut {
				next = kept
			}
			ok = walk(state{s.i + 1, s.j + 1, 1, next}) // long[i] replaced by short[j]
		}
		seen[s] = ok
		return ok
	}
	return walk(state{})
}

// titleWords splits a title into words folded for comparing headlines:
// lower case, quotes unified, the commas, colons, quotes and brackets
// around a word and dashes or bars standing alone dropped.
func titleWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(foldQuotes(s))) {
		w = strings.Trim(w, ",;:!?\"'()[]")
		if w == "" || w == "-" || w == "–" || w == "—" || w == "|" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// nearestH1 chooses among the cleaned reference titles when none is
// printed on the page: the one sharing most words with the page's first
// h1 (Dice overlap of the word sets), the printed headline being the
// evidence which of differing metadata titles is the article's. Without
// an h1, or when no other title is nearer it than clean (the first
// reference), clean stays.
func (p *page) nearestH1(clean string, refs []string) string {
	var h1 []string
	for _, h := range p.headings {
		if h.DataAtom == atom.H1 {
			h1 = titleWords(textOf(h))
			break
		}
	}
	if len(h1) < 4 || len(h1) > maxTitleWords {
		return clean
	}
	set := make(map[string]bool, len(h1))
	for _, w := range h1 {
		set[w] = true
	}
	dice := func(t string) float64 {
		ws := titleWords(t)
		seen := make(map[string]bool, len(ws))
		common := 0
		for _, w := range ws {
			if set[w] && !seen[w] {
				common++
			}
			seen[w] = true
		}
		return 2 * float64(common) / float64(len(seen)+len(set))
	}
	best, bestScore := clean, dice(clean)
	for _, r := range refs {
		if r = collapse(r); r == "" {
			continue
		}
		c := cleanTitle(r)
		if s := dice(c); s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}
