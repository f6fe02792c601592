// Package hanzi owns the Chinese-script helpers that dedup and cluster share:
// recognising Han characters and folding traditional characters to simplified
// ones, character by character, for comparison (not display: a few
// characters fold the same way whatever the context, 乾 → 干).
//
// The table (t2s.txt) is derived from OpenCC's TSCharacters.txt; chains such
// as 薴 → 苧 → 苎 are followed when it is loaded, so folding is idempotent.
package hanzi

import (
	"bufio"
	"bytes"
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:embed t2s.txt
var t2sData []byte

// Runes in [denseLo, denseHi) fold through a flat table, the rest through a
// map: almost every traditional character of running text is in the flat part.
const (
	denseLo = 0x3400
	denseHi = 0xA000
)

var (
	dense  [denseHi - denseLo]rune // 0: unchanged
	sparse = map[rune]rune{}
	pairs  int
)

func init() {
	m := map[rune]rune{}
	sc := bufio.NewScanner(bytes.NewReader(t2sData))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		from, n := utf8.DecodeRuneInString(line)
		to, m2 := utf8.DecodeRuneInString(line[n:])
		if n+m2 != len(line) || from == to || from == utf8.RuneError || to == utf8.RuneError {
			continue
		}
		m[from] = to
	}
	for from, to := range m {
		for range 8 { // follow chains
			next, ok := m[to]
			if !ok || next == to {
				break
			}
			to = next
		}
		if from >= denseLo && from < denseHi {
			dense[from-denseLo] = to
		} else {
			sparse[from] = to
		}
	}
	pairs = len(m)
}

// Fold returns the simplified form of a traditional Chinese character, and
// any other rune unchanged.
func Fold(r rune) rune {
	if r < denseLo {
		return r
	}
	if r < denseHi {
		if s := dense[r-denseLo]; s != 0 {
			return s
		}
		return r
	}
	if s, ok := sparse[r]; ok {
		return s
	}
	return r
}

// FoldString folds every character of s (see Fold). It returns s itself when
// nothing changes.
func FoldString(s string) string {
	for i, r := range s {
		if Fold(r) != r {
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for _, r := range s[i:] {
				b.WriteRune(Fold(r))
			}
			return b.String()
		}
	}
	return s
}

// IsHan reports whether r is a Han (CJK ideograph) character.
func IsHan(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF { // CJK Unified Ideographs, the common case
		return true
	}
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}
