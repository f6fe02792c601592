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
)

//go:generate sh -c "go run gen_t2s.go -in \"$(go list -m -f '{{.Dir}}' github.com/longbridgeapp/opencc)/dictionary/TSCharacters.txt\""

// t2s folds traditional Chinese characters to simplified ones; built from the
// generated t2sPairs table (OpenCC TSCharacters, one-to-one BMP pairs).
var t2s = func() map[rune]rune {
	m := make(map[rune]rune, utf8.RuneCountInString(t2sPairs)/2)
	var from rune
	first := true
	for _, r := range t2sPairs {
		if first {
			from = r
		} else {
			m[from] = r
		}
		first = !first
	}
	return m
}()

// foldChinese maps traditional Chinese characters to their simplified form,
// character by character. It is meant for comparison, not display: a few
// characters fold the same way whatever the context (乾 → 干).
func foldChinese(r rune) rune {
	if r < 0x3400 {
		return r
	}
	if s, ok := t2s[r]; ok {
		return s
	}
	return r
}

// isHan reports whether r is a CJK ideograph (written without spaces).
func isHan(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF { // CJK Unified Ideographs, the common case
		return true
	}
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// Normalise returns text in the form used for comparison: NFKC (which also
// folds full-width and half-width forms), lower case, traditional Chinese
// folded to simplified, and every run of whitespace, punctuation and symbols
// collapsed to one space; invisible format characters (zero-width space,
// soft hyphen, BOM) are dropped. A separator next to a Han character is dropped
// (Chinese is written without spaces, and pages differ in "iPhone 手机" vs
// "iPhone手机" and in hard line wraps). The result has no leading or trailing
// space.
func Normalise(text string) string {
	text = norm.NFKC.String(text)
	var b strings.Builder
	b.Grow(len(text))
	pending := false // a separator is waiting to be written
	prevHan := false
	for _, r := range text {
		han := isHan(r)
		if !han && !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
			if r < 0xAD || !unicode.Is(unicode.Cf, r) { // Cf: zero-width space, soft hyphen, BOM
				pending = b.Len() > 0
			}
			continue
		}
		if han {
			r = foldChinese(r)
		} else {
			r = unicode.ToLower(r)
		}
		if pending && !han && !prevHan {
			b.WriteByte(' ')
		}
		pending = false
		b.WriteRune(r)
		prevHan = han
	}
	return b.String()
}

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
