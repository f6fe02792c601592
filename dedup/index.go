package dedup

import (
	"hash/maphash"
	"slices"
	"sync"
)

// Index finds the stored texts that may be copies of a new one among the
// most recent texts added to it (its window), in memory: copies of a news
// story appear within days of each other, so the window, not the whole
// store, is where they are looked for (an exact copy is found at any age by
// its content hash). An article is indexed under its IndexKeys and looked
// up by LookupKeys; Candidates gives the texts to compare with Duplicate.
//
// The texts of a window are held in segments of a sixteenth of it: the
// newest as its postings in the order added while it fills (each key's
// newest found by a map), the others as sorted arrays of (key
// hash, position) pairs, 8 bytes a key, about 530 bytes an article, with a
// directory by the keys' top 16 bits (256 KB a segment); the
// oldest segment is dropped whole when the window is full, so an Index
// holds between the window and a sixteenth more. Keys are kept as 32-bit
// hashes: a collision only brings a text to compare that Duplicate then
// turns down. Beside its keys, the digest of each text (Digest, 131 bytes)
// is kept, by which Candidates passes over the texts that cannot be copies
// of the one looked up. An Index is safe for concurrent use.
type Index struct {
	mu      sync.RWMutex
	seed    maphash.Seed
	segSize int
	keep    int       // sealed segments kept
	sealed  []segment // oldest first
	// The filling segment: its postings in the order added, each key's
	// newest in head and each posting's previous one of the same key in
	// prev (-1: none), 12 bytes a key and a small map entry for each
	// distinct key, where a map of slices took about 40 (a key's slice
	// header and its array), with a map sized for a whole segment made at
	// each seal: 25 MB of the 68 MB the index held at 100,000 scalebench
	// pages (2026-12-07). Sealing sorts the postings.
	cur     []posting
	prev    []int32
	head    map[uint32]int32
	curIDs  []string
	curDigs []byte // the digests of curIDs (digests)
}

// segment is a sealed part of the window: its postings sorted by key, and
// where the keys of each value of their top dirBits bits start, so that a
// lookup reads a few postings instead of binary-searching an array of
// hundreds of thousands (a cache miss a step: at 50,000 articles the
// searches were 9 % of a crawl's CPU).
type segment struct {
	postings []posting
	dir      []int32 // len 1<<dirBits + 1: postings of top bits b are [dir[b], dir[b+1])
	ids      []string
	digests  []byte // digests of ids (digests)
}

// The digests of a segment's texts are held in one array, digestLen bytes
// a text at its position: a byte saying whether the digest is known, then
// the digest.
const digestLen = 1 + digestBytes

// appendDigest appends digest d (nil: not known) to digests.
func appendDigest(digests []byte, d Digest) []byte {
	if len(d) != digestBytes {
		return append(digests, make([]byte, digestLen)...)
	}
	return append(append(digests, 1), d...)
}

// digestAt returns the digest at position pos of digests, nil if not known.
func digestAt(digests []byte, pos int32) Digest {
	d := digests[int(pos)*digestLen : (int(pos)+1)*digestLen]
	if d[0] == 0 {
		return nil
	}
	return Digest(d[1:])
}

const dirBits = 16

// find returns the postings of key h.
func (s *segment) find(h uint32) []posting {
	b := h >> (32 - dirBits)
	ps := s.postings[s.dir[b]:s.dir[b+1]]
	lo := 0
	for lo < len(ps) && ps[lo].key < h {
		lo++
	}
	hi := lo
	for hi < len(ps) && ps[hi].key == h {
		hi++
	}
	return ps[lo:hi]
}

type posting struct {
	key uint32
	pos int32 // in segment.ids
}

// maxPerKey is how many texts a key brings at most, the newest: a key more
// texts share (a common sentence's sample value, a boilerplate block's)
// says little about which of them is a copy, and its texts would be read
// and compared for every page that has it (the store's near lists kept 64
// IDs a key for the same reason).
const maxPerKey = 64

// NewIndex returns an Index whose window is the last window texts added
// (at least 16).
func NewIndex(window int) *Index {
	window = max(window, 16)
	seg := (window + 15) / 16
	return &Index{seed: maphash.MakeSeed(), segSize: seg, keep: (window + seg - 1) / seg, head: map[uint32]int32{}}
}

// Len returns how many texts the index holds.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.sealed)*x.segSize + len(x.curIDs)
}

func (x *Index) hash(k string) uint32 { return uint32(maphash.String(x.seed, k)) }

// Add indexes the text id under keys (its IndexKeys), with digest d (its
// Digest; nil when not known).
func (x *Index) Add(id string, keys []string, d Digest) {
	x.mu.Lock()
	defer x.mu.Unlock()
	pos := int32(len(x.curIDs))
	x.curIDs = append(x.curIDs, id)
	x.curDigs = appendDigest(x.curDigs, d)
	for _, k := range keys {
		h := x.hash(k)
		last, ok := x.head[h]
		if ok && x.cur[last].pos == pos {
			continue // a key twice in one text
		}
		if !ok {
			last = -1
		}
		x.head[h] = int32(len(x.cur))
		x.cur = append(x.cur, posting{h, pos})
		x.prev = append(x.prev, last)
	}
	if len(x.curIDs) < x.segSize {
		return
	}
	var s segment
	s.ids, s.digests = x.curIDs, x.curDigs
	s.postings = slices.Clone(x.cur) // its exact size: x.cur has room to grow
	slices.SortFunc(s.postings, func(a, b posting) int {
		if a.key != b.key {
			return cmpUint32(a.key, b.key)
		}
		return int(a.pos - b.pos)
	})
	s.dir = make([]int32, 1<<dirBits+1)
	for _, p := range s.postings {
		s.dir[p.key>>(32-dirBits)+1]++
	}
	for b := 1; b < len(s.dir); b++ {
		s.dir[b] += s.dir[b-1]
	}
	x.sealed = append(x.sealed, s)
	if len(x.sealed) > x.keep {
		x.sealed[0] = segment{}
		x.sealed = x.sealed[1:]
	}
	x.cur, x.prev, x.head = x.cur[:0], x.prev[:0], map[uint32]int32{}
	x.curIDs = make([]string, 0, x.segSize)
	x.curDigs = make([]byte, 0, x.segSize*digestLen)
}

// A text of Candidates is its segment's number (len(sealed) for the
// filling one) and its position in it; count is how many of its band and
// anchor keys it shares with the text looked up.
type (
	text  struct{ seg, pos int32 }
	count struct{ bands, anchors int32 }
)

// tally counts, for a Candidates lookup, the keys each text shares with
// the text looked up, in an array by the text's place in the window (its
// segment's number times the segment size, plus its position), with the
// places counted listed to be read and cleared without a pass over the
// array: up to maxPerKey texts for each of a hundred keys a page, which a
// map counted and was read for in 4 % of a crawl's CPU (2026-12-07,
// 100,000 scalebench pages). The candidates are sorted in a slice kept
// with it: hundreds a page there, 4 % of the crawl's allocation when made
// for each.
type tally struct {
	counts []count
	seen   []int32
	cands  []cand // the texts counted that are candidates, to be sorted
}

// cand is a candidate text of Candidates and how many keys it shares.
type cand struct {
	t text
	n int
}

var tallyPool = sync.Pool{New: func() any { return new(tally) }}

func cmpUint32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Candidates returns the texts to compare with a new one whose LookupKeys
// are keys: those sharing a band key with it, and those sharing at least
// minAnchors of its anchor keys (IsAnchorKey), counting the newest
// maxPerKey texts of each key; the texts sharing the most keys first (ties:
// the newest first), at most limit of them (no cap when limit <= 0), less
// those whose digests say they are no copies of a text of digest d
// (MayDuplicate; d nil: none left out). The texts left out are those the
// cap would have given and Duplicate turned down, so the first copy among
// the candidates is the same with or without the digests: on scalebench's
// pages, which share sentences, all but 4.3 a page at 30,000 pages (33
// until the digests held the texts' sizes, containFloor; about twice that
// without digests).
func (x *Index) Candidates(keys []string, d Digest, minAnchors, limit int) []string {
	type lookup struct {
		h      uint32
		anchor bool
	}
	look := make([]lookup, 0, len(keys))
	for _, k := range keys {
		l := lookup{x.hash(k), IsAnchorKey(k)}
		if !slices.Contains(look, l) {
			look = append(look, l)
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	tl := tallyPool.Get().(*tally)
	if n := (len(x.sealed) + 1) * x.segSize; len(tl.counts) < n {
		tl.counts = make([]count, n)
	}
	defer func() {
		for _, p := range tl.seen {
			tl.counts[p] = count{}
		}
		tl.seen, tl.cands = tl.seen[:0], tl.cands[:0]
		tallyPool.Put(tl)
	}()
	seg := int32(x.segSize)
	hit := func(t text, anchor bool) {
		p := t.seg*seg + t.pos
		c := &tl.counts[p]
		if *c == (count{}) {
			tl.seen = append(tl.seen, p)
		}
		if anchor {
			c.anchors++
		} else {
			c.bands++
		}
	}
	for _, l := range look {
		// The newest maxPerKey texts of the key, newest first.
		n := 0
		i, ok := x.head[l.h]
		for ; ok && i >= 0 && n < maxPerKey; i = x.prev[i] {
			hit(text{int32(len(x.sealed)), x.cur[i].pos}, l.anchor)
			n++
		}
		for si := len(x.sealed) - 1; si >= 0 && n < maxPerKey; si-- {
			ps := x.sealed[si].find(l.h)
			for i := len(ps) - 1; i >= 0 && n < maxPerKey; i-- {
				hit(text{int32(si), ps[i].pos}, l.anchor)
				n++
			}
		}
	}
	for _, p := range tl.seen {
		if c := tl.counts[p]; c.bands > 0 || int(c.anchors) >= minAnchors {
			tl.cands = append(tl.cands, cand{text{p / seg, p % seg}, int(c.bands + c.anchors)})
		}
	}
	cands := tl.cands
	slices.SortFunc(cands, func(a, b cand) int {
		switch {
		case a.n != b.n:
			return b.n - a.n
		case a.t.seg != b.t.seg:
			return int(b.t.seg - a.t.seg)
		}
		return int(b.t.pos - a.t.pos)
	})
	if limit > 0 && len(cands) > limit {
		cands = cands[:limit]
	}
	ids := make([]string, 0, len(cands))
	for _, c := range cands {
		ss, digests := x.curIDs, x.curDigs
		if int(c.t.seg) < len(x.sealed) {
			ss, digests = x.sealed[c.t.seg].ids, x.sealed[c.t.seg].digests
		}
		if MayDuplicate(d, digestAt(digests, c.t.pos)) {
			ids = append(ids, ss[c.t.pos])
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return ids
}
