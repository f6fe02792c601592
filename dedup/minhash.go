package dedup

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"
	"unicode/utf8"
)

// Near-duplicate signature parameters. Chosen by the evaluation in
// eval_test.go (see docs/benchmarks.md, section Dedup); changing any of them
// changes the stored format, so bump sigVersion too.
const (
	sigVersion = 1
	shingleLen = 4   // tokens per shingle: Han characters, or words otherwise
	numHashes  = 126 // MinHash values per signature
	bandRows   = 3   // MinHash values per LSH band
	numBands   = numHashes / bandRows
	headerLen  = 5 // version byte + uint32 shingle count

	// NearThreshold is the estimated Jaccard resemblance of shingle sets
	// at or above which Near reports two texts as copies of one story.
	NearThreshold = 0.5
)

// Signature is a near-duplicate signature of an article's text: a MinHash
// sketch over its shingles. It is a plain byte slice so the store can keep it
// as is (newsmon.Article.Signature).
type Signature []byte

// hashParams are the multipliers and offsets of the numHashes hash functions
// h_i(x) = (a_i*x + b_i) >> 32, from a fixed seed: signatures are stored, so
// they must not change between runs.
var hashParams = func() (p [numHashes][2]uint64) {
	s := uint64(0x6e6577736d6f6e31) // "newsmon1"
	for i := range p {
		p[i][0] = splitmix(&s) | 1
		p[i][1] = splitmix(&s)
	}
	return p
}()

func splitmix(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	return mix64(*s)
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Sign returns the near-duplicate signature of an article. It is computed
// over the body; the title is used only when the body has no text, because
// outlets retitle copies freely. Text is normalised first (see Normalise), so
// width, case, punctuation and traditional/simplified script do not matter.
func Sign(title, body string) Signature {
	_, sig := Fingerprint(title, body)
	return sig
}

// Fingerprint returns both fingerprints of an article, normalising its text
// once: the exact ContentHash of its body (of its title when the body has no
// text; outlets retitle copies freely) and its near-duplicate Signature.
func Fingerprint(title, body string) (hash string, sig Signature) {
	n := Normalise(body)
	toks := tokens(n)
	if len(toks) == 0 {
		n = Normalise(title)
		toks = tokens(n)
	}
	return hashNormalised(n), signTokens(toks, shingleLen)
}

// tokens splits normalised text into token hashes: each Han character is a
// token, and so is each run of other letters and digits.
func tokens(n string) []uint64 {
	var out []uint64
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, fnv64(n[start:end]))
			start = -1
		}
	}
	for i, r := range n {
		switch {
		case r == ' ':
			flush(i)
		case isHan(r):
			flush(i)
			out = append(out, fnv64(n[i:i+utf8.RuneLen(r)]))
		case start < 0:
			start = i
		}
	}
	flush(len(n))
	return out
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// signTokens builds the MinHash sketch over the set of k-token shingles.
func signTokens(toks []uint64, k int) Signature {
	sh := shingles(toks, k)
	sig := make(Signature, headerLen+4*numHashes)
	sig[0] = sigVersion
	binary.LittleEndian.PutUint32(sig[1:], uint32(min(len(sh), math.MaxUint32)))
	for i, p := range hashParams {
		a, b, m := p[0], p[1], uint32(math.MaxUint32)
		for _, x := range sh {
			if v := uint32((a*x + b) >> 32); v < m {
				m = v
			}
		}
		binary.LittleEndian.PutUint32(sig[headerLen+4*i:], m)
	}
	return sig
}

// shingles returns the sorted, distinct hashes of the k-token shingles of
// toks (one shingle of all tokens when there are fewer than k).
func shingles(toks []uint64, k int) []uint64 {
	n := len(toks) - k + 1
	if len(toks) > 0 && n < 1 {
		n = 1
	}
	sh := make([]uint64, 0, max(n, 0))
	for i := 0; i < n; i++ {
		h := uint64(k)
		for _, t := range toks[i:min(i+k, len(toks))] {
			h = mix64(h ^ t)
		}
		sh = append(sh, h)
	}
	slices.Sort(sh)
	return slices.Compact(sh)
}

// valid reports whether s is a well-formed signature of this version with
// at least one shingle.
func (s Signature) valid() bool {
	return len(s) == headerLen+4*numHashes && s[0] == sigVersion && s.shingles() > 0
}

func (s Signature) shingles() uint32 { return binary.LittleEndian.Uint32(s[1:]) }

func (s Signature) value(i int) uint32 {
	return binary.LittleEndian.Uint32(s[headerLen+4*i:])
}

// Keys returns the LSH band keys of s for the store's near-duplicate index:
// two texts whose resemblance is at least NearThreshold share a key with high
// probability, so candidates are found by key lookups whose cost does not
// depend on how many articles are stored. An empty or malformed signature
// has no keys.
func (s Signature) Keys() []string {
	if !s.valid() {
		return nil
	}
	keys := make([]string, numBands)
	for b := range keys {
		h := uint64(b)
		for i := b * bandRows; i < (b+1)*bandRows; i++ {
			h = mix64(h ^ uint64(s.value(i)))
		}
		var k [10]byte // version, band, hash of the band's rows: 20 hex digits
		k[0], k[1] = sigVersion, byte(b)
		binary.BigEndian.PutUint64(k[2:], h)
		keys[b] = hex.EncodeToString(k[:])
	}
	return keys
}

// Similarity estimates the Jaccard resemblance of the shingle sets behind a
// and b, in [0, 1]. It is 0 when either signature is empty or malformed.
func Similarity(a, b Signature) float64 {
	if !a.valid() || !b.valid() {
		return 0
	}
	eq := 0
	for i := 0; i < numHashes; i++ {
		if a.value(i) == b.value(i) {
			eq++
		}
	}
	return float64(eq) / numHashes
}

// Near reports whether a and b are signatures of copies of one story:
// Similarity(a, b) >= NearThreshold.
func Near(a, b Signature) bool {
	return Similarity(a, b) >= NearThreshold
}
