// Package dedup owns "one story, one record": URL canonicalisation, the exact
// content fingerprint over normalised text, and the near-duplicate signature
// (MinHash over shingles, with LSH band keys for the store's index).
//
// Everything here is pure: no I/O, no logging, no global state beyond
// read-only tables and a pool of scratch buffers.
package dedup

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
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
	sc := getScratch()
	defer putScratch(sc)
	sc.normalise(text, false)
	return string(sc.b)
}

// scratch holds a text's normalised form and, when asked for, the hashes of
// its tokens (see tokens), reused from text to text.
type scratch struct {
	b       []byte
	toks    []uint64
	samples []uint32 // a sketch's sample values (contain.go)
}

// normalise sets sc.b to Normalise(text) and, if tokenise is set, sc.toks
// to tokens(Normalise(text)).
func (sc *scratch) normalise(text string, tokenise bool) {
	var ok bool
	if sc.b, sc.toks, ok = normalise(sc.b[:0], sc.toks[:0], text, true, tokenise); !ok {
		sc.b, sc.toks, _ = normalise(sc.b[:0], sc.toks[:0], norm.NFKC.String(text), false, tokenise)
	}
}

// normalise appends Normalise(text) to b, given that text is in NFKC
// already. With quick set it assumes text may not be in NFKC yet and gives
// up (false) at the first rune whose NFKC form it does not know: most text
// is ASCII, Han ideographs, full-width forms and common punctuation, for
// which NFKC is a rune-by-rune mapping. With tokenise set it also appends
// the hashes of the tokens of what it appends to toks, as tokens would.
func normalise(b []byte, toks []uint64, text string, quick, tokenise bool) ([]byte, []uint64, bool) {
	start := len(b)
	pending := false // a separator is waiting to be written
	prevHan := false
	run := -1 // where in b the token being written (not Han) starts; -1: none
	for i := 0; i < len(text); {
		// The common cases first, alike in both modes: ASCII and the CJK
		// Unified Ideographs U+4E00-U+9FFF (3-byte lead E4-E9).
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			if l := asciiLower[c]; l != 0 {
				if pending && !prevHan {
					if run >= 0 {
						toks, run = endRun(b, toks, run, tokenise)
					}
					b = append(b, ' ')
				}
				if run < 0 {
					run = len(b)
				}
				pending, prevHan = false, false
				b = append(b, l)
			} else {
				pending = len(b) > start
			}
			continue
		}
		if c >= 0xE4 && c <= 0xE9 && i+3 <= len(text) {
			c1, c2 := text[i+1], text[i+2]
			if r := rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F); c1&0xC0 == 0x80 && c2&0xC0 == 0x80 && r >= 0x4E00 {
				f := hanzi.Fold(r)
				if f == r || isHan(f) { // a token of its own
					if run >= 0 {
						toks, run = endRun(b, toks, run, tokenise)
					}
				} else if run < 0 {
					run = len(b)
				}
				if f == r {
					b = append(b, c, c1, c2)
					if tokenise {
						toks = append(toks, fnv64Han(c, c1, c2))
					}
				} else {
					w := len(b)
					b = utf8.AppendRune(b, f)
					if run < 0 && tokenise {
						toks = append(toks, fnv64(b[w:]))
					}
				}
				pending, prevHan = false, true
				i += 3
				continue
			}
		}

		r, size := utf8.DecodeRuneInString(text[i:])
		orig := r
		if quick {
			switch {
			case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
				r -= 0xFF01 - '!'
			case r >= nfkcStableLo && r < nfkcStableHi && nfkcStable[r-nfkcStableLo]:
			case r >= 0x4E00 && r <= 0x9FFF:
			default:
				return b, toks, false
			}
		}
		i += size
		han := isHan(r)
		if !han && !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
			if r < 0xAD || !unicode.Is(unicode.Cf, r) { // Cf: zero-width space, soft hyphen, BOM
				pending = len(b) > start
			}
			continue
		}
		if han {
			r = hanzi.Fold(r)
		} else {
			r = unicode.ToLower(r)
		}
		if pending && !han && !prevHan {
			if run >= 0 {
				toks, run = endRun(b, toks, run, tokenise)
			}
			b = append(b, ' ')
		}
		pending = false
		prevHan = han
		if isHan(r) { // a token of its own
			if run >= 0 {
				toks, run = endRun(b, toks, run, tokenise)
			}
		} else if run < 0 {
			run = len(b)
		}
		w := len(b)
		if r == orig {
			b = append(b, text[i-size:i-size+utf8.RuneLen(r)]...) // copied, not encoded again
		} else {
			b = utf8.AppendRune(b, r)
		}
		if run < 0 && tokenise {
			toks = append(toks, fnv64(b[w:]))
		}
	}
	if run >= 0 {
		toks, _ = endRun(b, toks, run, tokenise)
	}
	return b, toks, true
}

// endRun ends the token that starts at b[run:] (a run of letters other than
// Han), appending its hash to toks if tokenise is set.
func endRun(b []byte, toks []uint64, run int, tokenise bool) ([]uint64, int) {
	if tokenise {
		toks = append(toks, fnv64(b[run:]))
	}
	return toks, -1
}

// asciiLower maps an ASCII letter or digit to its lower case, anything else
// to 0 (a separator).
var asciiLower = func() (t [utf8.RuneSelf]byte) {
	for c := range rune(utf8.RuneSelf) {
		if unicode.IsLetter(c) || unicode.IsNumber(c) || unicode.IsMark(c) {
			t[c] = byte(unicode.ToLower(c))
		}
	}
	return t
}()

// scratchPool holds scratch space for Normalise, ContentHash and
// Fingerprint, which only hash the normalised text.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// putScratch returns sc to the pool unless it grew too large to keep.
func putScratch(sc *scratch) {
	if cap(sc.b) <= 1<<20 {
		scratchPool.Put(sc)
	}
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
	sc := getScratch()
	defer putScratch(sc)
	sc.normalise(text, false)
	return hashNormalised(sc.b)
}

func hashNormalised(n []byte) string {
	if len(n) == 0 {
		return ""
	}
	sum := sha256.Sum256(n)
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}
