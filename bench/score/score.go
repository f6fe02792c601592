// Package score owns the lenient comparison of an extractor's output with a
// benchmark's ground truth: bag-of-tokens precision, recall and F1 of the
// body text, title exact match after whitespace normalisation, and
// published-date agreement at day precision.
package score

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"
)

// Tokens splits text into comparison tokens. Each Han (and kana) character
// is one token; other letters, digits and marks form words, lower-cased.
// Whitespace (including the full-width space), punctuation and symbols only
// separate tokens. Full-width ASCII is folded to its narrow form first, so
// "ＡＢＣ１２" and "abc12" compare equal.
func Tokens(s string) []string {
	s = width.Fold.String(s)
	var toks []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			toks = append(toks, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
			flush()
			toks = append(toks, string(r))
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			word.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return toks
}

// PRF is precision, recall and their harmonic mean.
type PRF struct {
	P, R, F1 float64
}

// Body compares an extracted body with the truth body as bags of Tokens.
// An empty extraction scores zero against a non-empty truth; two empty
// texts agree fully.
func Body(got, want string) PRF {
	g, w := Tokens(got), Tokens(want)
	if len(g) == 0 && len(w) == 0 {
		return PRF{1, 1, 1}
	}
	if len(g) == 0 || len(w) == 0 {
		return PRF{}
	}
	bag := make(map[string]int, len(w))
	for _, t := range w {
		bag[t]++
	}
	overlap := 0
	for _, t := range g {
		if bag[t] > 0 {
			bag[t]--
			overlap++
		}
	}
	if overlap == 0 {
		return PRF{}
	}
	p := float64(overlap) / float64(len(g))
	r := float64(overlap) / float64(len(w))
	return PRF{P: p, R: r, F1: 2 * p * r / (p + r)}
}

// NormSpace trims s and collapses every run of white space, including
// full-width spaces and no-break spaces, to one ASCII space.
func NormSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u00a0' || r == '\u3000' || r == '\ufeff'
	}), " ")
}

// Title reports whether an extracted title equals the truth after NormSpace.
func Title(got, want string) bool {
	return NormSpace(got) == NormSpace(want)
}

// Day reports whether got falls on the truth's day. A truth of the form
// YYYY-MM-DD is compared with got's date in got's own zone (the page's
// local date); an RFC 3339 truth is compared in the truth's offset. A zero
// got never matches. The error names a truth that is neither form.
func Day(got time.Time, want string) (bool, error) {
	const day = "2006-01-02"
	if len(want) == len(day) {
		if _, err := time.Parse(day, want); err != nil {
			return false, fmt.Errorf("truth date %q: %w", want, err)
		}
		return !got.IsZero() && got.Format(day) == want, nil
	}
	w, err := time.Parse(time.RFC3339, want)
	if err != nil {
		return false, fmt.Errorf("truth date %q: %w", want, err)
	}
	return !got.IsZero() && got.In(w.Location()).Format(day) == w.Format(day), nil
}
