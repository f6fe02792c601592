package cluster

import (
	"strings"
	"unicode/utf8"
)

// Terms are counted by a 64-bit key rather than by their text: a character
// bigram is its two runes packed (bigramKey; the top bit is clear), any
// other term a 64-bit FNV-1a hash of its text with the top bit set. Two
// different words would share a key with a chance of about n²/2⁶⁴ for n
// words: none in any vocabulary newsmon will see. The text of a bigram
// follows from its key; the text of a word is kept beside it.
const wordBit = 1 << 63

// wordKey is the key of a term that is not a bigram.
func wordKey(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h | wordBit
}

// termKey is the key of any term, bigram or not.
func termKey(s string) uint64 {
	if k, ok := isBigram(s); ok {
		return k
	}
	return wordKey(s)
}

// slotOf spreads keys over a table of 1<<(64-shift) slots (Fibonacci
// hashing: bigram keys are far from random).
func slotOf(k uint64, shift uint) int { return int(k * 0x9e3779b97f4a7c15 >> shift) }

// vocab holds the document frequency of every term seen: an open-addressing
// table from key to count. A bigram costs 12 bytes a slot instead of a Go
// map entry and a separate count, and is found with one multiplication and
// (mostly) one probe.
type vocab struct {
	keys  []uint64 // 0: empty slot (no term has key 0)
	df    []uint32 // documents with the term; dfChanged marks a count not yet handed out
	used  int
	shift uint
	words map[uint64]string // the text of word keys
	// changed lists the keys whose count changed since the last takeChanges.
	changed []uint64
}

const (
	dfChanged = 1 << 31
	maxDF     = dfChanged - 1
)

func newVocab(terms int) *vocab {
	v := &vocab{words: map[uint64]string{}}
	v.resize(max(terms*2, 1<<12))
	return v
}

// resize makes a table of at least n slots (a power of two) and moves the
// terms into it.
func (v *vocab) resize(n int) {
	bits := uint(12)
	for 1<<bits < n {
		bits++
	}
	keys, df := v.keys, v.df
	v.keys, v.df, v.shift = make([]uint64, 1<<bits), make([]uint32, 1<<bits), 64-bits
	for i, k := range keys {
		if k != 0 {
			j, _ := v.slot(k)
			v.keys[j], v.df[j] = k, df[i]
		}
	}
}

// slot returns the slot of key k, or the empty slot where it would go.
func (v *vocab) slot(k uint64) (int, bool) {
	mask := len(v.keys) - 1
	for i := slotOf(k, v.shift); ; i = (i + 1) & mask {
		switch v.keys[i] {
		case k:
			return i, true
		case 0:
			return i, false
		}
	}
}

// insert returns the slot of k, adding k (with text s when it is a word)
// if it is new.
func (v *vocab) insert(k uint64, s string) int {
	if v.used >= len(v.keys)/4*3 {
		v.resize(2 * len(v.keys))
	}
	i, ok := v.slot(k)
	if !ok {
		v.keys[i] = k
		v.used++
		if k&wordBit != 0 {
			v.words[k] = strings.Clone(s) // s may point into an article
		}
	}
	return i
}

// count adds one document to term k (text s for a word) and returns its
// document frequency.
func (v *vocab) count(k uint64, s string) int {
	i := v.insert(k, s)
	d := v.df[i]
	if d&dfChanged == 0 {
		v.changed = append(v.changed, k)
	}
	if d&maxDF < maxDF {
		d++
	}
	v.df[i] = d | dfChanged
	return int(d & maxDF)
}

// lookup returns the document frequency of term k (0: unknown).
func (v *vocab) lookup(k uint64) int {
	i, ok := v.slot(k)
	if !ok {
		return 0
	}
	return int(v.df[i] & maxDF)
}

// set gives term s its document frequency n, as restored.
func (v *vocab) set(s string, n int) {
	k := termKey(s)
	v.df[v.insert(k, s)] = uint32(min(max(n, 0), maxDF))
}

// text returns the text of term k; false when k is a word not counted.
func (v *vocab) text(k uint64) (string, bool) {
	if k&wordBit != 0 {
		s, ok := v.words[k]
		return s, ok
	}
	return string(appendBigram(nil, k)), true
}

// takeChanges returns the terms whose document frequency changed since the
// last call, with their frequencies now.
func (v *vocab) takeChanges() (terms []string, counts []int) {
	terms, counts = make([]string, 0, len(v.changed)), make([]int, 0, len(v.changed))
	for _, k := range v.changed {
		i, ok := v.slot(k)
		if !ok {
			continue
		}
		v.df[i] &^= dfChanged
		text, _ := v.text(k) // a counted word's text is kept
		terms = append(terms, text)
		counts = append(counts, int(v.df[i]))
	}
	v.changed = v.changed[:0]
	return terms, counts
}

// termAcc gathers the weighted frequencies of one article's terms by key,
// in the order they are first seen: a small open-addressing table that is
// emptied for each article.
type termAcc struct {
	index []int32 // 1 + position in keys; 0: empty slot
	shift uint
	keys  []uint64
	tf    []float64
	words []string // the text of word terms (may point into the article), "" for bigrams
}

func (t *termAcc) reset() {
	if t.index == nil {
		t.index, t.shift = make([]int32, 1<<11), 64-11
	}
	clear(t.index)
	clear(t.words) // do not keep the last article alive
	t.keys, t.tf, t.words = t.keys[:0], t.tf[:0], t.words[:0]
}

// add adds w to the frequency of term k (text s for a word).
func (t *termAcc) add(k uint64, s string, w float64) {
	if len(t.keys) >= len(t.index)/4*3 {
		t.grow()
	}
	mask := len(t.index) - 1
	for i := slotOf(k, t.shift); ; i = (i + 1) & mask {
		p := t.index[i]
		if p == 0 {
			t.index[i] = int32(len(t.keys) + 1)
			t.keys = append(t.keys, k)
			t.tf = append(t.tf, w)
			t.words = append(t.words, s)
			return
		}
		if t.keys[p-1] == k {
			t.tf[p-1] += w
			return
		}
	}
}

func (t *termAcc) grow() {
	t.index = make([]int32, 2*len(t.index))
	t.shift--
	mask := len(t.index) - 1
	for p, k := range t.keys {
		i := slotOf(k, t.shift)
		for t.index[i] != 0 {
			i = (i + 1) & mask
		}
		t.index[i] = int32(p + 1)
	}
}

// has reports whether the article has term k.
func (t *termAcc) has(k uint64) bool {
	mask := len(t.index) - 1
	for i := slotOf(k, t.shift); ; i = (i + 1) & mask {
		p := t.index[i]
		if p == 0 {
			return false
		}
		if t.keys[p-1] == k {
			return true
		}
	}
}

// text returns the text of term p.
func (t *termAcc) text(p int32) string {
	if t.keys[p]&wordBit != 0 {
		return t.words[p]
	}
	return string(appendBigram(nil, t.keys[p]))
}

// ownText is text(p) in a string of its own, not part of the article.
func (t *termAcc) ownText(p int32) string {
	if t.keys[p]&wordBit != 0 {
		return strings.Clone(t.words[p])
	}
	return t.text(p)
}

// head is the first 8 bytes of term p's text, big-endian and zero-padded:
// comparing heads orders terms as their texts do, except that equal heads
// need the texts to decide. A bigram's text fits its head whole.
func (t *termAcc) head(p int32) uint64 {
	var buf [8]byte
	var b []byte
	if k := t.keys[p]; k&wordBit != 0 {
		b = buf[:copy(buf[:], t.words[p])]
	} else {
		b = utf8.AppendRune(utf8.AppendRune(buf[:0], rune(k>>32)), rune(uint32(k)))
	}
	var h uint64
	for i := range 8 {
		h <<= 8
		if i < len(b) {
			h |= uint64(b[i])
		}
	}
	return h
}
