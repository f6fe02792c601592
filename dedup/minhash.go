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
// or the method changes the stored format, so bump sigVersion too.
//
// Version 2 is one-permutation MinHash (Li, Owen and Zhang 2012): each
// shingle is hashed once, the hash picks one of numHashes bins and the bin
// keeps its smallest value; a bin no shingle fell in borrows the value of a
// filled bin chosen by a fixed sequence of its own (optimal densification,
// Shrivastava 2017), so two texts borrow alike. Version 1 hashed every
// shingle numHashes times.
const (
	sigVersion = 2
	shingleLen = 4   // tokens per shingle: Han characters, or words otherwise
	numHashes  = 126 // MinHash values (bins) per signature
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
	sc := getScratch()
	defer putScratch(sc)
	sc.normalise(body, true)
	sk := sketch{samples: sc.samples[:0], cutoff: sampleCutoff(len(sc.toks))}
	sk.addTokens(sc.toks)
	if sk.shingles == 0 {
		sc.normalise(title, true)
		sk.cutoff = sampleCutoff(len(sc.toks))
		sk.addTokens(sc.toks)
	}
	sig = sk.signature()
	sc.samples = sk.samples
	return hashNormalised(sc.b), sig
}

// tokens splits normalised text into token hashes: each Han character is a
// token, and so is each run of other letters and digits.
func tokens(n string) []uint64 {
	var out []uint64
	b := []byte(n)
	for i := 0; ; {
		t, next, ok := nextToken(b, i)
		if !ok {
			return out
		}
		out, i = append(out, t), next
	}
}

// nextToken returns the hash of the first token of normalised text n at or
// after byte i (see tokens) and the byte after it; ok is false when there is
// none.
func nextToken(n []byte, i int) (t uint64, next int, ok bool) {
	for i < len(n) && n[i] == ' ' {
		i++
	}
	if i == len(n) {
		return 0, i, false
	}
	start := i
	for i < len(n) {
		c := n[i]
		if c == ' ' {
			break
		}
		size := 1
		if c >= utf8.RuneSelf {
			var r rune
			r, size = utf8.DecodeRune(n[i:])
			if isHan(r) {
				if i == start { // a Han character is a token of its own
					return fnv64(n[i : i+size]), i + size, true
				}
				break
			}
		}
		i += size
	}
	return fnv64(n[start:i]), i, true
}

// fnv64Han is fnv64 of the three bytes of a Han character.
func fnv64Han(c0, c1, c2 byte) uint64 {
	h := (14695981039346656037 ^ uint64(c0)) * 1099511628211
	h = (h ^ uint64(c1)) * 1099511628211
	return (h ^ uint64(c2)) * 1099511628211
}

func fnv64(s []byte) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// signTokens builds the one-permutation MinHash sketch over the set of
// k-token shingles of toks (see sketch).
func signTokens(toks []uint64, k int) Signature {
	var sk sketch
	sh := shingler{k: k, fn: sk.add}
	for _, t := range toks {
		sh.token(t)
	}
	sh.end()
	return sk.signature()
}

// sketch accumulates a one-permutation MinHash sketch, shingle by shingle.
type sketch struct {
	bins     [numHashes]uint64 // binFilled | bitwise NOT of the bin's smallest value; 0: empty
	shingles int               // shingles added, repeats included
	samples  []uint32          // values of the sampled shingles (containment), repeats included
	// cutoff: sample values above it are not kept; 0: all are, until a
	// prune (every value at or below it is kept: the sample stays
	// consistent, see contain.go).
	cutoff uint32
}

// binFilled marks a filled bin of a sketch.
const binFilled = 1 << 32

// addTokens adds the shingleLen-token shingles of a text's tokens toks
// (one shingle of all tokens when there are fewer), as a shingler would.
func (sk *sketch) addTokens(toks []uint64) {
	if len(toks) > 0 && len(toks) < shingleLen {
		h := uint64(shingleLen)
		for _, t := range toks {
			h = mix64(h ^ t)
		}
		sk.add(h)
		return
	}
	sk.addShingles(toks)
}

// addShingles adds the hash of each run of shingleLen tokens in toks (as
// shingler.hash).
func (sk *sketch) addShingles(toks []uint64) {
	s := 0
	// Four shingles at a time: their hash chains are independent, and
	// interleaved the processor works on them together.
	for ; s+3+shingleLen <= len(toks); s += 4 {
		w := toks[s : s+3+shingleLen]
		h0, h1, h2, h3 := uint64(shingleLen), uint64(shingleLen), uint64(shingleLen), uint64(shingleLen)
		for j := range shingleLen {
			h0 = mix64(h0 ^ w[j])
			h1 = mix64(h1 ^ w[j+1])
			h2 = mix64(h2 ^ w[j+2])
			h3 = mix64(h3 ^ w[j+3])
		}
		sk.put(h0)
		sk.put(h1)
		sk.put(h2)
		sk.put(h3)
	}
	for ; s+shingleLen <= len(toks); s++ {
		h := uint64(shingleLen)
		for _, t := range toks[s : s+shingleLen] {
			h = mix64(h ^ t)
		}
		sk.put(h)
	}
	sk.shingles += max(len(toks)-(shingleLen-1), 0)
}

// add adds the shingle hash h.
func (sk *sketch) add(h uint64) {
	sk.put(h)
	sk.shingles++
}

// put keeps h in its bin if it is the bin's smallest: the high half picks
// the bin, the low half is the value.
func (sk *sketch) put(h uint64) {
	i := (h >> 32) * numHashes >> 32
	sk.bins[i] = max(sk.bins[i], binFilled|uint64(^uint32(h)))
	if v, ok := sampled(h); ok && (sk.cutoff == 0 || v <= sk.cutoff) {
		sk.samples = append(sk.samples, v)
		if len(sk.samples) >= 4*maxSamples {
			sk.prune()
		}
	}
}

// prune sorts the sample values and keeps the smallest maxSamples
// distinct ones.
func (sk *sketch) prune() {
	sk.samples = sortSample(sk.samples)
	if len(sk.samples) > maxSamples {
		sk.samples = sk.samples[:maxSamples]
		sk.cutoff = sk.samples[maxSamples-1]
	}
}

// signature returns the sketch as a Signature; the header counts shingles,
// repeats included.
func (sk *sketch) signature() Signature {
	sk.prune()
	sig := make(Signature, headerLen+4*numHashes, headerLen+4*numHashes+sampleHead+4*len(sk.samples))
	sig[0] = sigVersion
	binary.LittleEndian.PutUint32(sig[1:], uint32(min(sk.shingles, math.MaxUint32)))
	if sk.shingles == 0 {
		return sig
	}
	var filled [2]uint64 // bit i: bin i has a value of its own
	for i, b := range sk.bins {
		if b != 0 {
			filled[i/64] |= 1 << (i % 64)
		}
	}
	for i := range uint64(numHashes) {
		b := sk.bins[i]
		if b == 0 {
			// Densify: borrow from the bin's own sequence.
			b = sk.bins[donor(i, &filled)]
		}
		v := ^uint32(b)
		binary.LittleEndian.PutUint32(sig[headerLen+4*i:], v)
	}
	return appendSample(sig, sk.samples, sk.cutoff)
}

// donor is the bin an empty bin i borrows from: the first filled bin in a
// pseudo-random sequence that depends only on i (after 4·numHashes tries, the
// next filled bin after i; some bin is filled).
func donor(i uint64, filled *[2]uint64) uint64 {
	has := func(j uint64) bool { return filled[j/64]&(1<<(j%64)) != 0 }
	for try := uint64(1); try <= 4*numHashes; try++ {
		if j := (mix64(i<<32|try) >> 32) * numHashes >> 32; has(j) {
			return j
		}
	}
	for j := (i + 1) % numHashes; ; j = (j + 1) % numHashes {
		if has(j) {
			return j
		}
	}
}

// shingler turns a stream of token hashes into the hashes of its k-token
// shingles, passed to fn; with fewer than k tokens, end passes one shingle
// of them all.
type shingler struct {
	k    int // at most len(last)
	fn   func(uint64)
	last [8]uint64 // the last k tokens, a ring
	n    int       // tokens seen
}

func (s *shingler) token(t uint64) {
	s.last[s.n%s.k] = t
	s.n++
	if s.n >= s.k {
		s.fn(s.hash(s.n-s.k, s.n))
	}
}

func (s *shingler) end() {
	if s.n > 0 && s.n < s.k {
		s.fn(s.hash(0, s.n))
	}
}

// hash is the shingle of tokens from..to-1 (within the last k).
func (s *shingler) hash(from, to int) uint64 {
	h := uint64(s.k)
	for j := from; j < to; j++ {
		h = mix64(h ^ s.last[j%s.k])
	}
	return h
}

// shingles returns the sorted, distinct hashes of the k-token shingles of
// toks (the evaluation compares other sketches over them).
func shingles(toks []uint64, k int) []uint64 {
	var out []uint64
	sh := shingler{k: k, fn: func(h uint64) { out = append(out, h) }}
	for _, t := range toks {
		sh.token(t)
	}
	sh.end()
	slices.Sort(out)
	return slices.Compact(out)
}

// valid reports whether s is a well-formed signature of this version with
// at least one shingle: the MinHash part, then a containment sample or
// nothing (a signature stored before samples were added).
func (s Signature) valid() bool {
	const base = headerLen + 4*numHashes
	return (len(s) == base || len(s) >= base+sampleHead && s[base] == sampleTag) && s[0] == sigVersion && s.shingles() > 0
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
	const keyLen = 20 // hex digits of version, band, hash of the band's rows
	buf := make([]byte, 0, numBands*keyLen)
	for b := range numBands {
		h := uint64(b)
		for i := b * bandRows; i < (b+1)*bandRows; i++ {
			h = mix64(h ^ uint64(s.value(i)))
		}
		var k [keyLen / 2]byte
		k[0], k[1] = sigVersion, byte(b)
		binary.BigEndian.PutUint64(k[2:], h)
		buf = hex.AppendEncode(buf, k[:])
	}
	all := string(buf) // one allocation for all the keys
	keys := make([]string, numBands)
	for b := range keys {
		keys[b] = all[b*keyLen : (b+1)*keyLen]
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

// Digest is a signature's MinHash values cut to their low byte, then the
// size its sample estimates (sampleSize, a float32): 130 bytes a text that
// a near-duplicate Index keeps in memory for each text of its window, by
// which it passes over texts that cannot be copies of the one looked up
// (MayDuplicate) without reading their signatures from the store. Nil is a
// digest not known.
type Digest []byte

const digestBytes = numHashes + 4

// Digest returns s's digest, nil for an empty or malformed signature.
func (s Signature) Digest() Digest {
	if !s.valid() {
		return nil
	}
	d := make(Digest, numHashes, digestBytes)
	for i := range d {
		d[i] = byte(s.value(i))
	}
	return binary.LittleEndian.AppendUint32(d, math.Float32bits(s.sampleSize()))
}

// MayDuplicate reports whether texts with digests a and b may be copies by
// Duplicate. Values equal in full are equal in their low byte, so digests
// with too few equal bytes for the resemblance Duplicate asks of texts of
// their sizes (containFloor) are of signatures Duplicate turns down: false
// is certain, true only possible (two unrelated texts' bytes agree on one
// value in 256). A digest not known may be anything.
func MayDuplicate(a, b Digest) bool {
	if len(a) != digestBytes || len(b) != digestBytes {
		return true
	}
	eq := 0
	for i := range numHashes {
		if a[i] == b[i] {
			eq++
		}
	}
	sa := math.Float32frombits(binary.LittleEndian.Uint32(a[numHashes:]))
	sb := math.Float32frombits(binary.LittleEndian.Uint32(b[numHashes:]))
	return float64(eq)/numHashes >= containFloor(sa, sb) // as Duplicate's Similarity, at most NearThreshold
}

// Near reports whether a and b are signatures of copies of one story:
// Similarity(a, b) >= NearThreshold.
func Near(a, b Signature) bool {
	return Similarity(a, b) >= NearThreshold
}
