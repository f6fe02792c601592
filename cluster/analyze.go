package cluster

import (
	"bufio"
	"bytes"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/newsmon/newsmon/internal/hanzi"
)

// Token kinds. A term is a plain word ("earthquake"), a Han bigram ("地震"),
// or one of the translingual kinds below, which survive translation and so
// link reports of one event in different languages.
const (
	conceptPrefix = "~" // lexicon concept: "~earthquake" from "earthquake" or "地震"
	numberPrefix  = "#" // number of two or more digits: "#2022"
	namePrefix    = "^" // name-like Latin word: capitalised in Latin text, any Latin word in Han text
)

// translingual reports whether a term is evidence that survives translation.
func translingual(term string) bool {
	return term != "" && (term[0] == '~' || term[0] == '#' || term[0] == '^')
}

//go:embed data/lexicon.txt
var lexiconData []byte

// lexicon maps aliases in any language to shared concept tokens.
type lexicon struct {
	words     map[string]string // normalised word sequence -> concept token
	exact     map[string]string // exact-case word sequence (acronyms: US, WHO) -> concept token
	phrases   map[string]bool   // normalised first words of multi-word aliases
	maxWords  int
	han       map[string]string    // simplified Han string -> concept token
	hanPrefix map[uint64]uint8     // first two characters of Han aliases (bigramKey) -> longest such alias, in runes
	prefixBit [1 << 16 / 64]uint64 // hanPrefix's keys hashed to bits: most bigrams start no alias
	// wordBit has a bit set (wordHash) for the first word of every
	// alias of words, exact and phrases, in the form each is looked up
	// by: most words start no alias, and matchWords is not needed there.
	wordBit   [1 << 16 / 64]uint64
	conceptOf map[string]string // concept token -> display name
}

var loadLexicon = sync.OnceValue(func() *lexicon {
	lx := &lexicon{
		words:     map[string]string{},
		exact:     map[string]string{},
		phrases:   map[string]bool{},
		han:       map[string]string{},
		hanPrefix: map[uint64]uint8{},
		conceptOf: map[string]string{},
	}
	forLines(lexiconData, func(line string) {
		name, aliases, ok := strings.Cut(line, ":")
		if !ok {
			return
		}
		tok := conceptPrefix + strings.TrimSpace(name)
		lx.conceptOf[tok] = strings.ReplaceAll(strings.TrimSpace(name), "_", " ")
		for _, a := range strings.Split(aliases, ",") {
			lx.addAlias(strings.TrimSpace(a), tok)
		}
	})
	return lx
})

func forLines(data []byte, fn func(string)) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fn(line)
	}
}

func (lx *lexicon) addAlias(alias, tok string) {
	if alias == "" {
		return
	}
	if isHanString(alias) {
		s := hanzi.FoldString(alias)
		if n := utf8.RuneCountInString(s); n >= 2 && n <= 255 {
			lx.han[s] = tok
			r := []rune(s)
			p := bigramKey(r[0], r[1])
			lx.hanPrefix[p] = max(lx.hanPrefix[p], uint8(n))
			h := prefixHash(p)
			lx.prefixBit[h/64] |= 1 << (h % 64)
		}
		return
	}
	var ws []string
	for _, w := range splitWords(alias) {
		ws = append(ws, w.text)
	}
	if len(ws) == 0 {
		return
	}
	lx.maxWords = max(lx.maxWords, len(ws))
	lx.setWordBit(normWord(ws[0])) // phrases and words
	if len(ws) > 1 {
		lx.phrases[normWord(ws[0])] = true
	}
	if strings.ToLower(alias) != alias && strings.ToUpper(alias) == alias {
		lx.setWordBit(ws[0])
		lx.exact[strings.Join(ws, " ")] = tok
		return
	}
	for i := range ws {
		ws[i] = normWord(ws[i])
	}
	lx.words[strings.Join(ws, " ")] = tok
}

// alias returns the concept token of s when all of s is a lexicon alias.
func (lx *lexicon) alias(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if isHanString(s) {
		tok, ok := lx.han[hanzi.FoldString(s)]
		return tok, ok
	}
	ws := splitWords(s)
	if len(ws) == 0 || len(ws) > lx.maxWords {
		return "", false
	}
	norm := make([]string, len(ws))
	for i, w := range ws {
		norm[i] = normWord(w.text)
	}
	tok, n := lx.matchWords(ws, norm, 0)
	return tok, n == len(ws)
}

func isHanString(s string) bool {
	for _, r := range s {
		if hanzi.IsHan(r) {
			return true
		}
	}
	return false
}

// word is one alphabetic or numeric token of Latin-like text, original case.
type word struct{ text string }

// splitWords cuts text (no Han) into words: letters and digits, with dotted
// acronyms such as "U.S." kept together as "U.S".
func splitWords(s string) []word { return appendWords(nil, s) }

// appendWords appends the words of s to out (see splitWords).
func appendWords(out []word, s string) []word {
	start := -1
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		if r == '.' && start >= 0 && i+1 < len(s) {
			// Keep "U.S" together: a single letter, a dot, a letter.
			seg := s[start:i]
			if k := strings.LastIndexByte(seg, '.'); k >= 0 {
				seg = seg[k+1:]
			}
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if utf8.RuneCountInString(seg) == 1 && unicode.IsLetter(next) {
				inWord = true
			}
		}
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, word{s[start:i]})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, word{s[start:]})
	}
	return out
}

// normWord lower-cases a word and folds English plurals.
func normWord(w string) string {
	w = strings.ToLower(w)
	n := len(w)
	if n > 4 && strings.HasSuffix(w, "ies") {
		return w[:n-3] + "y"
	}
	if n > 3 && w[n-1] == 's' && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is") {
		return w[:n-1]
	}
	return w
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// bigramScript reports scripts written without spaces between words (other
// than Han), which are indexed as character bigrams.
func bigramScript(r rune) bool {
	switch {
	case r < 0x0e00, // below Thai
		r >= 0x2000 && r < 0x3040, // punctuation and symbols, CJK punctuation: before Hiragana
		r >= 0xff00 && r < 0xff66: // full-width forms: before half-width Katakana
		return false
	}
	return unicode.In(r, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar,
		unicode.Hiragana, unicode.Katakana, unicode.Tibetan)
}

// bag collects weighted term frequencies of one article. Its keys may be
// substrings of the analysed text: clone them before keeping them.
type bag map[string]float64

// bigramKey packs a character bigram into a map key cheaper to hash than
// its string.
func bigramKey(a, b rune) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

func prefixHash(k uint64) uint64 { return k * 0x9e3779b97f4a7c15 >> 48 }

// longestAlias returns the length in runes of the longest Han alias that
// starts with bigram k, 0 if none.
func (lx *lexicon) longestAlias(k uint64) int {
	if h := prefixHash(k); lx.prefixBit[h/64]&(1<<(h%64)) == 0 {
		return 0 // most bigrams start no alias
	}
	return int(lx.hanPrefix[k])
}

// appendBigram appends the term of bigram key k to buf.
func appendBigram(buf []byte, k uint64) []byte {
	return utf8.AppendRune(utf8.AppendRune(buf, rune(k>>32)), rune(uint32(k)))
}

// isBigram reports whether term is a character bigram, which analyze counts
// by bigramKey when it counts into a termAcc.
func isBigram(term string) (uint64, bool) {
	a, n := utf8.DecodeRuneInString(term)
	if n == len(term) || a == utf8.RuneError || !(hanzi.IsHan(a) || bigramScript(a)) {
		return 0, false
	}
	b, m := utf8.DecodeRuneInString(term[n:])
	if n+m != len(term) || !(hanzi.IsHan(b) || bigramScript(b)) {
		return 0, false
	}
	return bigramKey(a, b), true
}

// analyzer holds the scratch buffers of analyze, reused from one text to the
// next. With acc set, terms are counted there, by key, instead of in the
// bag.
type analyzer struct {
	lx      *lexicon
	acc     *termAcc
	buf     []byte // the current run, folded, when folding changed it
	runes   []rune // the runes of the current run
	ws      []word
	norm    []string
	covered []bool
}

// analyze adds the terms of text to b with weight w. hanDoc says whether the
// article is written mainly in Han script, where any Latin word is a name.
func (lx *lexicon) analyze(b bag, text string, w float64, hanDoc bool) {
	a := analyzer{lx: lx}
	a.analyze(b, text, w, hanDoc)
}

func (a *analyzer) analyze(b bag, text string, w float64, hanDoc bool) {
	runStart, otherStart := -1, -1 // current Han or bigram-script run; current other text
	runHan, folded := false, false
	flushRun := func(end int) {
		s := text[runStart:end]
		if folded {
			s = string(a.buf)
		}
		a.run(b, s, runHan, w)
		runStart = -1
	}
	for i, r := range text {
		han := hanzi.IsHan(r)
		if !han && !bigramScript(r) {
			if runStart >= 0 {
				flushRun(i)
			}
			if otherStart < 0 {
				otherStart = i
			}
			continue
		}
		if otherStart >= 0 {
			a.words(b, text[otherStart:i], w, hanDoc)
			otherStart = -1
		}
		if runStart >= 0 && runHan != han {
			flushRun(i)
		}
		if runStart < 0 {
			runStart, runHan, folded = i, han, false
			a.runes = a.runes[:0]
		}
		if han {
			if f := hanzi.Fold(r); f != r {
				if !folded { // the run so far, unchanged
					a.buf, folded = append(a.buf[:0], text[runStart:i]...), true
				}
				r = f
			}
		}
		a.runes = append(a.runes, r)
		if folded {
			a.buf = utf8.AppendRune(a.buf, r)
		}
	}
	if runStart >= 0 {
		flushRun(len(text))
	}
	if otherStart >= 0 {
		a.words(b, text[otherStart:], w, hanDoc)
	}
}

// run indexes a run of Han (already simplified) or other unspaced script as
// character bigrams, and Han runs also through the lexicon. a.runes holds the
// runes of s (each as long in s as utf8.RuneLen says: s is valid UTF-8).
func (a *analyzer) run(b bag, s string, han bool, w float64) {
	rs := a.runes
	n := len(rs)
	if n == 1 {
		if r, _ := utf8.DecodeRuneInString(s); !han || !hanStop[r] {
			a.add(b, s, w)
		}
		return
	}
	if a.acc != nil {
		for i := 0; i+1 < n; i++ {
			a.acc.add(bigramKey(rs[i], rs[i+1]), "", w)
		}
	} else {
		for i, off := 0, 0; i+1 < n; i++ {
			size := utf8.RuneLen(rs[i])
			b[s[off:off+size+utf8.RuneLen(rs[i+1])]] += w
			off += size
		}
	}
	if !han {
		return
	}
	lx := a.lx
	for i, off := 0, 0; i+1 < n; { // off: where rune i starts in s
		k := 0
		if longest := lx.longestAlias(bigramKey(rs[i], rs[i+1])); longest > 0 {
			k = min(longest, n-i)
			end := off
			for _, r := range rs[i : i+k] {
				end += utf8.RuneLen(r)
			}
			for ; k >= 2; k-- {
				if tok, ok := lx.han[s[off:end]]; ok {
					a.add(b, tok, w)
					break
				}
				end -= utf8.RuneLen(rs[i+k-1])
			}
		}
		if k < 2 {
			k = 1
		}
		for _, r := range rs[i : i+k] {
			off += utf8.RuneLen(r)
		}
		i += k
	}
}

// words indexes spaced text: words without stop words, numbers, names and
// lexicon concepts.
func (a *analyzer) words(b bag, s string, w float64, hanDoc bool) {
	lx := a.lx
	ws := appendWords(a.ws[:0], s)
	norm, covered := a.norm[:0], a.covered[:0]
	for _, x := range ws {
		norm = append(norm, normWord(x.text))
		covered = append(covered, false)
	}
	a.ws, a.norm, a.covered = ws, norm, covered
	for i := 0; i < len(ws); {
		tok, n := lx.matchWords(ws, norm, i)
		if n == 0 {
			i++
			continue
		}
		a.add(b, tok, w)
		for k := i; k < i+n; k++ {
			covered[k] = true
		}
		i += n
	}
	for i, x := range ws {
		t := norm[i]
		if isDigits(t) {
			if len(t) >= 2 {
				a.add(b, numberPrefix+strings.TrimLeft(t, "0"), w)
			}
			continue
		}
		if utf8.RuneCountInString(t) < 2 || stopWords[t] {
			continue
		}
		a.add(b, t, w)
		if covered[i] {
			continue
		}
		first, _ := utf8.DecodeRuneInString(x.text)
		if hanDoc || unicode.IsUpper(first) {
			a.add(b, namePrefix+t, w)
		}
	}
}

// add adds w to the frequency of term s (not a bigram): in a.acc when set,
// else in b.
func (a *analyzer) add(b bag, s string, w float64) {
	if a.acc != nil {
		a.acc.add(wordKey(s), s, w)
		return
	}
	b[s] += w
}

// wordHash hashes a word to 16 bits (FNV-1a), for wordBit.
func wordHash(w string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint32(w[i])) * 16777619
	}
	return h>>16 ^ h&0xffff
}

func (lx *lexicon) setWordBit(w string) {
	h := wordHash(w)
	lx.wordBit[h/64] |= 1 << (h % 64)
}

// mayStartAlias reports whether an alias may start with the word of text
// exact and normalised form norm: false means none does.
func (lx *lexicon) mayStartAlias(exact, norm string) bool {
	h, g := wordHash(norm), wordHash(exact)
	return lx.wordBit[h/64]&(1<<(h%64)) != 0 || lx.wordBit[g/64]&(1<<(g%64)) != 0
}

// matchWords returns the length of the longest lexicon alias starting at
// word i (0 if none) and its concept token.
func (lx *lexicon) matchWords(ws []word, norm []string, i int) (string, int) {
	if !lx.mayStartAlias(ws[i].text, norm[i]) {
		return "", 0
	}
	longest := 1
	if lx.phrases[norm[i]] {
		longest = min(lx.maxWords, len(ws)-i)
	}
	for n := longest; n >= 1; n-- {
		exact, folded := ws[i].text, norm[i]
		if n > 1 {
			var e, f strings.Builder
			for k := i; k < i+n; k++ {
				if k > i {
					e.WriteByte(' ')
					f.WriteByte(' ')
				}
				e.WriteString(ws[k].text)
				f.WriteString(norm[k])
			}
			exact, folded = e.String(), f.String()
		}
		if tok, ok := lx.exact[exact]; ok {
			return tok, n
		}
		if tok, ok := lx.words[folded]; ok {
			return tok, n
		}
	}
	return "", 0
}

// isHanDoc reports whether Han characters outnumber other letters in the
// texts together.
func isHanDoc(texts ...string) bool {
	han, other := 0, 0
	for _, s := range texts {
		for _, r := range s {
			switch {
			case r < utf8.RuneSelf:
				if (r|0x20) >= 'a' && (r|0x20) <= 'z' {
					other++
				}
			case hanzi.IsHan(r):
				han++
			case unicode.IsLetter(r):
				other++
			}
		}
	}
	return han > 0 && han*2 >= other
}

var hanStop = map[rune]bool{'图': true, '的': true, '了': true, '和': true, '与': true, '在': true, '是': true, '及': true}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are aren as at be
	because been before being below between both but by can cannot could couldn did didn do does doesn doing don
	down during each few for from further had hadn has hasn have haven having he her here hers herself him himself
	his how i if in into is isn it its itself just let me more most mustn my myself no nor not now of off on once
	only or other ought our ours ourselves out over own same shan she should shouldn so some such than that the
	their theirs them themselves then there these they this those through to too under until up upon very was wasn
	we were weren what when where which while who whom why will with won would wouldn you your yours yourself
	yourselves s t ll re ve d m o y mr mrs ms dr said say says saying told according via per amid among across
	within without around toward towards since however though although whether yet still even ever every many much
	may might must shall would new one two three first last year years day days week weeks month months today
	yesterday tomorrow time times monday tuesday wednesday thursday friday saturday sunday people pictured including
	include includes included like get got make made take taken back well way use used using another least`) {
		m[w] = true
	}
	return m
}()
