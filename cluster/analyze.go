package cluster

import (
	"bufio"
	"bytes"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
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

//go:embed data/t2s.txt
var t2sData []byte

// lexicon maps aliases in any language to shared concept tokens.
type lexicon struct {
	words     map[string]string // normalised word sequence -> concept token
	exact     map[string]string // exact-case word sequence (acronyms: US, WHO) -> concept token
	phrases   map[string]bool   // normalised first words of multi-word aliases
	maxWords  int
	han       map[string]string // simplified Han string -> concept token
	maxHan    int               // in runes
	t2s       map[rune]rune
	conceptOf map[string]string // concept token -> display name
}

var loadLexicon = sync.OnceValue(func() *lexicon {
	lx := &lexicon{
		words:     map[string]string{},
		exact:     map[string]string{},
		phrases:   map[string]bool{},
		han:       map[string]string{},
		t2s:       map[rune]rune{},
		conceptOf: map[string]string{},
	}
	forLines(t2sData, func(line string) {
		r := []rune(line)
		if len(r) == 2 {
			lx.t2s[r[0]] = r[1]
		}
	})
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
		s := lx.simplify(alias)
		if n := utf8.RuneCountInString(s); n >= 2 {
			lx.han[s] = tok
			lx.maxHan = max(lx.maxHan, n)
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
	if len(ws) > 1 {
		lx.phrases[normWord(ws[0])] = true
	}
	if strings.ToLower(alias) != alias && strings.ToUpper(alias) == alias {
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
		tok, ok := lx.han[lx.simplify(s)]
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
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func (lx *lexicon) simplify(s string) string {
	return strings.Map(func(r rune) rune {
		if t, ok := lx.t2s[r]; ok {
			return t
		}
		return r
	}, s)
}

// word is one alphabetic or numeric token of Latin-like text, original case.
type word struct{ text string }

// splitWords cuts text (no Han) into words: letters and digits, with dotted
// acronyms such as "U.S." kept together as "U.S".
func splitWords(s string) []word {
	var out []word
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
	if r < 0x0e00 { // below Thai
		return false
	}
	return unicode.In(r, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar,
		unicode.Hiragana, unicode.Katakana, unicode.Tibetan)
}

// bag collects weighted term frequencies of one article.
type bag map[string]float64

// analyze adds the terms of text to b with weight w. hanDoc says whether the
// article is written mainly in Han script, where any Latin word is a name.
func (lx *lexicon) analyze(b bag, text string, w float64, hanDoc bool) {
	var run []rune // current Han or bigram-script run
	runHan := false
	flushRun := func() {
		if len(run) > 0 {
			lx.analyzeRun(b, run, runHan, w)
			run = run[:0]
		}
	}
	other := strings.Builder{} // current stretch of non-Han text
	flushOther := func() {
		if other.Len() > 0 {
			lx.analyzeWords(b, other.String(), w, hanDoc)
			other.Reset()
		}
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushOther()
			if len(run) > 0 && !runHan {
				flushRun()
			}
			runHan = true
			if t, ok := lx.t2s[r]; ok {
				r = t
			}
			run = append(run, r)
		case bigramScript(r):
			flushOther()
			if len(run) > 0 && runHan {
				flushRun()
			}
			runHan = false
			run = append(run, r)
		default:
			flushRun()
			other.WriteRune(r)
		}
	}
	flushRun()
	flushOther()
}

// analyzeRun indexes a run of Han (already simplified) or other unspaced
// script as character bigrams, and Han runs also through the lexicon.
func (lx *lexicon) analyzeRun(b bag, run []rune, han bool, w float64) {
	if len(run) == 1 {
		if !han || !hanStop[run[0]] {
			b[string(run)] += w
		}
		return
	}
	for i := 0; i+1 < len(run); i++ {
		b[string(run[i:i+2])] += w
	}
	if !han {
		return
	}
	for i := 0; i < len(run); {
		n := min(lx.maxHan, len(run)-i)
		for ; n >= 2; n-- {
			if tok, ok := lx.han[string(run[i:i+n])]; ok {
				b[tok] += w
				break
			}
		}
		if n >= 2 {
			i += n
		} else {
			i++
		}
	}
}

// analyzeWords indexes spaced text: words without stop words, numbers, names
// and lexicon concepts.
func (lx *lexicon) analyzeWords(b bag, s string, w float64, hanDoc bool) {
	ws := splitWords(s)
	norm := make([]string, len(ws))
	for i, x := range ws {
		norm[i] = normWord(x.text)
	}
	covered := make([]bool, len(ws))
	for i := 0; i < len(ws); {
		tok, n := lx.matchWords(ws, norm, i)
		if n == 0 {
			i++
			continue
		}
		b[tok] += w
		for k := i; k < i+n; k++ {
			covered[k] = true
		}
		i += n
	}
	for i, x := range ws {
		t := norm[i]
		if isDigits(t) {
			if len(t) >= 2 {
				b[numberPrefix+strings.TrimLeft(t, "0")] += w
			}
			continue
		}
		if utf8.RuneCountInString(t) < 2 || stopWords[t] {
			continue
		}
		b[t] += w
		if covered[i] {
			continue
		}
		first, _ := utf8.DecodeRuneInString(x.text)
		if hanDoc || unicode.IsUpper(first) {
			b[namePrefix+t] += w
		}
	}
}

// matchWords returns the length of the longest lexicon alias starting at
// word i (0 if none) and its concept token.
func (lx *lexicon) matchWords(ws []word, norm []string, i int) (string, int) {
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

// isHanDoc reports whether Han characters outnumber other letters.
func isHanDoc(s string) bool {
	han, other := 0, 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r):
			other++
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
