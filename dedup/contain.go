package dedup

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"
)

// Containment. Resemblance (Near) misses a copy that is a part of the
// other text: an excerpt, a syndicated copy with the intro cut, an article
// extracted with a page of other text around it. Their shingle sets
// resemble little, but the smaller is (nearly) wholly contained in the
// larger. A signature therefore also carries a consistent sample of its
// shingles: every shingle whose hash has its low sampleBits bits zero (one
// in four), at most maxSamples of them (the smallest values; a signature
// so cut says up to which value it is whole). Two samples restricted to
// the values both hold whole estimate how much of one text's shingles the
// other has (Broder 1997, "containment").
//
// The extension follows the MinHash part of a version 2 signature, which
// stays as it was: a signature stored before it has no sample, and is only
// compared by resemblance.
const (
	sampleBits = 2 // a shingle is sampled when its hash's low 2 bits are zero
	// maxSamples bounds the sample values kept, the smallest: 256 find
	// the same copies as 512 did on the evaluation pairs (TestEvalNearDup:
	// precision 1.0000, recall 0.9947 for 192, 256 and 512) in half the
	// bytes of a long article's signature, which the store keeps in every
	// article record.
	maxSamples = 256
	sampleTag  = 'C' // first byte of the extension
	sampleHead = 1 + 2 + 4

	// ContainThreshold is the share of the smaller text's shingles that
	// the larger must have for the two to be copies by containment.
	ContainThreshold = 0.8
	// minContainSamples is the smallest sample (about 4·16 shingles: a
	// paragraph) a contained text must have: shorter texts are quotes and
	// boilerplate, not articles, and their estimates too loose.
	minContainSamples = 16
	// minContainRatio bounds how much larger the containing text may be:
	// a roundup holding several whole briefs is no copy of each.
	minContainRatio = 0.2

	anchorKeys = 24 // sample values an article is indexed by
	lookupKeys = 48 // sample values an article looks others up by
)

// sampleOf returns the sample in a signature (nil without one) and the
// largest value up to which it is whole.
func (s Signature) sampleOf() (vals []byte, cutoff uint32) {
	base := headerLen + 4*numHashes
	if len(s) < base+sampleHead || s[base] != sampleTag {
		return nil, 0
	}
	n := int(binary.LittleEndian.Uint16(s[base+1:]))
	cutoff = binary.LittleEndian.Uint32(s[base+3:])
	vals = s[base+sampleHead:]
	if len(vals) != 4*n {
		return nil, 0
	}
	return vals, cutoff
}

// appendSample appends the sample extension to sig: vals sorted and
// distinct, every sampled value up to cutoff (0: all of them).
func appendSample(sig Signature, vals []uint32, cutoff uint32) Signature {
	if cutoff == 0 {
		cutoff = 0xFFFFFFFF
	}
	sig = append(sig, sampleTag, 0, 0, 0, 0, 0, 0)
	base := len(sig) - sampleHead
	binary.LittleEndian.PutUint16(sig[base+1:], uint16(len(vals)))
	binary.LittleEndian.PutUint32(sig[base+3:], cutoff)
	for _, v := range vals {
		sig = binary.LittleEndian.AppendUint32(sig, v)
	}
	return sig
}

// sampleCutoff is where to cut the sample values of a text of n tokens
// from the start, so that about 1.25·maxSamples are collected of a long
// text instead of all (values are uniform over 32 bits); 0: no cut.
func sampleCutoff(n int) uint32 {
	expect := float64(n) / (1 << sampleBits)
	if expect <= 1.25*maxSamples {
		return 0
	}
	return uint32(float64(1<<32) * 1.25 * maxSamples / expect)
}

// sampled reports whether shingle hash h is in the sample, and its value.
func sampled(h uint64) (uint32, bool) {
	return uint32(h >> 32), h&(1<<sampleBits-1) == 0
}

// sortSample sorts and deduplicates sample values.
func sortSample(v []uint32) []uint32 {
	slices.Sort(v)
	return slices.Compact(v)
}

// Containment estimates how much of the smaller text's shingles the larger
// text has, in [0, 1], and the ratio of the smaller's sample to the
// larger's. It is 0 when either signature has no sample or the smaller has
// fewer than minContainSamples sample values.
func Containment(a, b Signature) (contained, ratio float64) {
	va, ca := a.sampleOf()
	vb, cb := b.sampleOf()
	if va == nil || vb == nil || !a.valid() || !b.valid() {
		return 0, 0
	}
	cut := min(ca, cb)
	na, nb, both := 0, 0, 0
	i, j := 0, 0
	for i < len(va) || j < len(vb) {
		x, y := uint64(1)<<33, uint64(1)<<33
		if i < len(va) {
			x = uint64(binary.LittleEndian.Uint32(va[i:]))
		}
		if j < len(vb) {
			y = uint64(binary.LittleEndian.Uint32(vb[j:]))
		}
		if min(x, y) > uint64(cut) {
			break
		}
		switch {
		case x == y:
			na, nb, both = na+1, nb+1, both+1
			i, j = i+4, j+4
		case x < y:
			na++
			i += 4
		default:
			nb++
			j += 4
		}
	}
	small, large := min(na, nb), max(na, nb)
	if small < minContainSamples {
		return 0, 0
	}
	return float64(both) / float64(small), float64(small) / float64(large)
}

// Contained reports whether one of the texts behind a and b is (nearly)
// wholly contained in the other, which is at most 1/minContainRatio times
// as large: an excerpt, a copy cut short, a copy with text around it.
func Contained(a, b Signature) bool {
	if !anchorsMeet(a, b) {
		return false
	}
	c, r := Containment(a, b)
	return c >= ContainThreshold && r >= minContainRatio
}

// anchorsMeet reports whether one signature's anchors (its anchorKeys
// smallest sample values) are among the other's lookupKeys smallest, as a
// lookup in the store's index would find: a cheap test that most distinct
// pairs fail, before Containment reads the samples whole.
func anchorsMeet(a, b Signature) bool {
	va, _ := a.sampleOf()
	vb, _ := b.sampleOf()
	return meet(va, vb) || meet(vb, va)
}

// meet reports whether one of the anchorKeys first values of x is among
// the lookupKeys first values of y (both sorted sample values).
func meet(x, y []byte) bool {
	x, y = x[:min(len(x), 4*anchorKeys)], y[:min(len(y), 4*lookupKeys)]
	for i, j := 0, 0; i < len(x) && j < len(y); {
		u, v := binary.LittleEndian.Uint32(x[i:]), binary.LittleEndian.Uint32(y[j:])
		switch {
		case u == v:
			return true
		case u < v:
			i += 4
		default:
			j += 4
		}
	}
	return false
}

// Duplicate reports whether a and b are signatures of copies of one story:
// Near (they resemble each other) or Contained (one holds the other).
// Below the resemblance a pair of their sizes has when one holds the other
// (containFloor) the samples are not read.
func Duplicate(a, b Signature) bool {
	sim := Similarity(a, b)
	return sim >= NearThreshold || sim >= containFloor(a.sampleSize(), b.sampleSize()) && Contained(a, b)
}

// The resemblance of a contained pair. When the smaller text, r times the
// size of the larger, has a share c of its shingles in the larger, the
// two resemble (Jaccard) c·r / (1 + r - c·r): a pair at the limits of
// Contained (c 0.8, r 0.2) resembles 0.15, a pair of equal sizes 0.67. So
// texts of like sizes that merely share sentences (boilerplate, a quote:
// a resemblance of a few hundredths) cannot be copies by containment, and
// need not be compared by their samples, nor their signatures read from
// the store (a digest in memory tells their resemblance, MayDuplicate):
// on scalebench's pages, which share sentences drawn from one pool, 33
// candidates' signatures a page were read at 30,000 pages with a floor of
// minContainSim whatever the sizes, 4.3 with this one.
//
// containFloor is that resemblance, from the samples' estimates of the two
// sizes, with room for the estimates: c and r are taken lower than the
// limits (containSlack), and the resemblance four standard deviations of
// the MinHash estimate lower, never below minContainSim.
const (
	// minContainSim is the floor at the limits: four standard deviations
	// of the estimate below the resemblance of a pair at the limits.
	minContainSim = 0.03
	// containSlack scales c and r before the floor is worked out: a
	// sample of at least minContainSamples values estimates both within
	// about a quarter (TestEvalNearDup's syndicated copies: c 0.66-0.79
	// measured, r 0.59-0.93).
	containSlack = 0.75
)

// containFloor is the least resemblance (as Similarity estimates it) of
// two texts whose samples estimate sizes sa and sb (sampleSize) for one
// to hold the other by Contained: NearThreshold when either has no
// sample (only Near can make them copies).
func containFloor(sa, sb float32) float64 {
	if sa <= 0 || sb <= 0 {
		return NearThreshold
	}
	r := float64(min(sa, sb)/max(sa, sb)) * containSlack
	c := ContainThreshold * containSlack
	j := c * r / (1 + r - c*r)
	return min(NearThreshold, max(minContainSim, j-4*math.Sqrt(j*(1-j)/numHashes)))
}

// sampleSize is how many distinct shingles the text behind s has, as its
// sample estimates it, in units of 1<<sampleBits (0: no sample). It is a
// float32, as a Digest keeps it, so that MayDuplicate and Duplicate work
// out the same floor.
func (s Signature) sampleSize() float32 {
	vals, cutoff := s.sampleOf()
	if vals == nil || !s.valid() {
		return 0
	}
	return float32(float64(len(vals)/4) * (1 << 32) / (float64(cutoff) + 1))
}

// sampleKeys returns keys for the n smallest sample values, in the form of
// the band keys (version, 0xff for "sample", the value).
func (s Signature) sampleKeys(n int) []string {
	vals, _ := s.sampleOf()
	if vals == nil || !s.valid() || len(vals)/4 < minContainSamples {
		return nil
	}
	n = min(n, len(vals)/4)
	const keyLen = 20
	buf := make([]byte, 0, n*keyLen)
	for i := range n {
		var k [keyLen / 2]byte
		k[0], k[1] = sigVersion, 0xff
		copy(k[2:6], vals[4*i:4*i+4])
		buf = hex.AppendEncode(buf, k[:])
	}
	all := string(buf)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = all[i*keyLen : (i+1)*keyLen]
	}
	return keys
}

// IndexKeys returns the keys the store indexes an article under: the LSH
// band keys (Keys) and its anchorKeys smallest sample values, by which a
// text that holds it, or that it holds, finds it.
func (s Signature) IndexKeys() []string {
	return append(s.Keys(), s.sampleKeys(anchorKeys)...)
}

// MinSharedAnchors is how many anchors a stored text that shares no band
// key with a new text must share with the new text's lookup keys to be
// compared with it. One shared anchor is what texts that merely share a
// sentence have; a copy by containment shares about 3.8 at the limits of
// Contained and about 9 for a 40 % excerpt (LookupKeys), so two cost
// almost nothing in recall (TestEvalNearDup) and spare most of the
// comparisons, each a signature read from the store.
const MinSharedAnchors = 2

// IsAnchorKey reports whether k (of IndexKeys or LookupKeys) is a sample
// value's key rather than an LSH band's.
func IsAnchorKey(k string) bool { return len(k) >= 4 && k[2:4] == "ff" }

// LookupKeys returns the keys to find an article's possible copies by: the
// LSH band keys and its lookupKeys smallest sample values. A value among
// one text's smallest that the other text holds is among the other's
// smallest too, when one text holds the other: so a stored text wholly
// contained in this one, at least minContainRatio of its size, has about
// min(lookupKeys·r, anchorKeys)·c of its anchors among these keys (r the
// size ratio, c the containment: ≥ 7.7 at the limits, 0.2 and 0.8), and a
// stored text holding this one shares about anchorKeys·r·c (≥ 3.8) of its
// anchors with them. More lookup keys find no more copies on the
// evaluation pairs (TestEvalNearDup: the same recall from 24 to 160) but
// bring more candidates that merely share a sentence, each read from the
// store (docs/benchmarks.md, "Crawl at scale").
func (s Signature) LookupKeys() []string {
	return append(s.Keys(), s.sampleKeys(lookupKeys)...)
}
