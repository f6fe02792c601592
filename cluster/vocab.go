package cluster

import (
	"strings"
	"unicode/utf8"
)

// Terms are counted by a 64-bit key rather than by their text: a character
// bigram is its two runes packed (bigramKey; the two top bits are clear),
// any other term the low 62 bits of a 64-bit FNV-1a hash of its text with
// the top bit set. Two different words would share a key with a chance of
// about n²/2⁶³ for n words: none in any vocabulary newsmon will see. The
// vocabulary keeps each term's text once (vocab.texts); centroids and
// postings hold the key only.
//
// A word key also tells whether the term is translingual (crossBit, the
// second bit), so that the norms and similarities of centroids need not
// look texts up for it.
const (
	wordBit  = 1 << 63
	crossBit = 1 << 62
)

// wordKey is the key of a term that is not a bigram.
func wordKey(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h = h&^crossBit | wordBit
	if translingual(s) {
		h |= crossBit
	}
	return h
}

// crossKey reports whether key k is a translingual term's (translingual).
func crossKey(k uint64) bool { return k&(wordBit|crossBit) == wordBit|crossBit }

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
	keys []uint64 // 0: empty slot (no term has key 0)
	df   []uint32 // documents with the term; dfChanged marks a count not yet handed out
	// texts holds each term's text, made once: the centroids, postings and
	// sketches that hold a term share this string instead of each keeping
	// a copy of its own (a third of the clusterer's heap at 100,000 pages).
	texts []string
	used  int
	shift uint
	// changed lists the keys whose count changed since the last takeChanges.
	changed []uint64
}

const (
	dfChanged = 1 << 31
	maxDF     = dfChanged - 1
)

func newVocab(terms int) *vocab {
	v := &vocab{}
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
	keys, df, texts := v.keys, v.df, v.texts
	v.keys, v.df, v.texts, v.shift = make([]uint64, 1<<bits), make([]uint32, 1<<bits), make([]string, 1<<bits), 64-bits
	for i, k := range keys {
		if k != 0 {
			j, _ := v.slot(k)
			v.keys[j], v.df[j], v.texts[j] = k, df[i], texts[i]
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
			v.texts[i] = strings.Clone(s) // s may point into an article
		} else {
			v.texts[i] = string(appendBigram(nil, k))
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
	s, _, ok := v.entry(k)
	return s, ok
}

// entry returns the text and document frequency of term k with one probe
// (see text and lookup).
func (v *vocab) entry(k uint64) (text string, df int, ok bool) {
	if i, ok := v.slot(k); ok {
		return v.texts[i], int(v.df[i] & maxDF), true
	}
	if k&wordBit != 0 {
		return "", 0, false
	}
	return string(appendBigram(nil, k)), 0, true
}

// known returns the key of term s, which it adds (uncounted) if it is not
// in the vocabulary yet, so that its text can be had from its key.
func (v *vocab) known(s string) uint64 {
	k := termKey(s)
	v.insert(k, s)
	return k
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
		terms = append(terms, v.texts[i])
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
