// Package dedup owns "one story, one record": URL canonicalisation, the exact
// content fingerprint over normalised text, and the near-duplicate signature
// (MinHash over shingles, with LSH band keys for the store's index).
//
// Everything here is pure: no I/O, no logging, no global state beyond
// read-only tables.
package dedup

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/newsmon/newsmon/internal/hanzi"
)

// isHan reports whether r is a CJK ideograph (written without spaces).
func isHan(r rune) bool { return hanzi.IsHan(r) }

// Normalise returns text in the form used for comparison: NFKC (which also
// folds full-width and half-width forms), lower case, traditional Chinese
// folded to simplified, and every run of whitespace, punctuation and symbols
// collapsed to one space; invisible format characters (zero-width space,
// soft hyphen, BOM) are dropped. A separator next to a Han character is dropped
// (Chinese is written without spaces, and pages differ in "iPhone 手机" vs
// "iPhone手机" and in hard line wraps). The result has no leading or trailing
// space.
func Normalise(text string) string {
	if n, ok := normalise(text, true); ok {
		return n
	}
	n, _ := normalise(norm.NFKC.String(text), false)
	return n
}

// normalise is Normalise after NFKC. With quick set it assumes text may not
// be in NFKC yet and gives up (false) at the first rune whose NFKC form it
// does not know: most text is ASCII, Han ideographs, full-width forms and
// common punctuation, for which NFKC is a rune-by-rune mapping.
func normalise(text string, quick bool) (string, bool) {
	var b strings.Builder
	b.Grow(len(text))
	pending := false // a separator is waiting to be written
	prevHan := false
	for i, r := range text {
		orig := r
		if quick {
			switch {
			case r < utf8.RuneSelf, r >= 0x4E00 && r <= 0x9FFF:
			case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
				r -= 0xFF01 - '!'
			case r >= nfkcStableLo && r < nfkcStableHi && nfkcStable[r-nfkcStableLo]:
			default:
				return "", false
			}
		}
		han := isHan(r)
		if !han && !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
			if r < 0xAD || !unicode.Is(unicode.Cf, r) { // Cf: zero-width space, soft hyphen, BOM
				pending = b.Len() > 0
			}
			continue
		}
		if han {
			r = hanzi.Fold(r)
		} else {
			r = unicode.ToLower(r)
		}
		if pending && !han && !prevHan {
			b.WriteByte(' ')
		}
		pending = false
		if r == orig {
			b.WriteString(text[i : i+utf8.RuneLen(r)]) // copied, not encoded again
		} else {
			b.WriteRune(r)
		}
		prevHan = han
	}
	return b.String(), true
}

// nfkcStable marks the punctuation in [nfkcStableLo, nfkcStableHi) (general
// and CJK punctuation) that NFKC leaves alone and that never combines with
// its neighbours, so normalise may take it as it is.
const (
	nfkcStableLo = 0x2000
	nfkcStableHi = 0x3040
)

var nfkcStable = func() (t [nfkcStableHi - nfkcStableLo]bool) {
	for r := rune(nfkcStableLo); r < nfkcStableHi; r++ {
		s := string(r)
		p := norm.NFKC.PropertiesString(s)
		t[r-nfkcStableLo] = norm.NFKC.String(s) == s && p.CCC() == 0 && p.BoundaryBefore() && p.BoundaryAfter()
	}
	return t
}()

// ContentHash is the exact fingerprint of text: the hex SHA-256 of
// Normalise(text), so copies that differ only in width, case, spacing,
// punctuation or traditional/simplified script hash the same. Text with no
// letters or digits hashes to the empty string (nothing to compare).
func ContentHash(text string) string {
	return hashNormalised(Normalise(text))
}

func hashNormalised(n string) string {
	if n == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(n))
	return hex.EncodeToString(sum[:])
}
