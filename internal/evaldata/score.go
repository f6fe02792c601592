package evaldata

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The scorer is the one every evaluation uses (extract's TestEvalShared,
// bench's extracteval) and folds text as the shared tools' score.py does,
// so their figures agree: NFKC, then lower case; each CJK character (kana,
// Han and Hangul syllables) is one token; other runs of letters and
// digits are words; everything else only separates tokens.

// isCJK reports whether r is one of score.py's one-character tokens.
func isCJK(r rune) bool {
	return r >= 0x3040 && r <= 0x30ff || // Hiragana, Katakana
		r >= 0x3400 && r <= 0x4dbf || // CJK Extension A
		r >= 0x4e00 && r <= 0x9fff || // CJK Unified Ideographs
		r >= 0xf900 && r <= 0xfaff || // CJK Compatibility Ideographs
		r >= 0xac00 && r <= 0xd7af // Hangul syllables
}

// Tokens splits text into comparison tokens (see above): "ＡＢＣ１２" and
// "abc12" are one token, "新闻" two.
func Tokens(s string) []string {
	s = strings.ToLower(norm.NFKC.String(s))
	var toks []string
	start := -1 // of the word being read
	for i, r := range s {
		word := !isCJK(r) && (unicode.IsLetter(r) || unicode.IsNumber(r))
		if word {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
		if isCJK(r) {
			toks = append(toks, string(r))
		}
	}
	if start >= 0 {
		toks = append(toks, s[start:])
	}
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

// normTitle is a title as compared: NFKC, lower case, no white space at all
// (spaces inside Chinese headlines are layout, not words).
func normTitle(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\ufeff' {
			return -1
		}
		return r
	}, strings.ToLower(norm.NFKC.String(s)))
}

// Title reports whether an extracted title equals the truth after NFKC,
// lower-casing and removing white space.
func Title(got, want string) bool {
	return normTitle(got) == normTitle(want)
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
