package dedup

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestIndexCandidates(t *testing.T) {
	band := func(i int) string { return fmt.Sprintf("02%02x%016x", i%42, i) }
	anchor := func(v int) string { return fmt.Sprintf("02ff%08x00000000", v) }
	x := NewIndex(1000)
	x.Add("resembles", []string{band(1), band(2), anchor(100)}, nil)
	x.Add("one-anchor", []string{band(50), anchor(200)}, nil)
	x.Add("two-anchors", []string{band(60), anchor(200), anchor(300)}, nil)
	x.Add("three-anchors", []string{band(70), anchor(200), anchor(300), anchor(400)}, nil)
	look := []string{band(1), anchor(200), anchor(300), anchor(400), anchor(200)} // a key twice counts once
	tests := []struct {
		name       string
		keys       []string
		minAnchors int
		limit      int
		want       []string
	}{
		{"a band, or two anchors; most keys first", look, 2, 0, []string{"three-anchors", "two-anchors", "resembles"}},
		{"one anchor is enough when asked; ties newest first", look, 1, 0, []string{"three-anchors", "two-anchors", "one-anchor", "resembles"}},
		{"limit", look, 2, 2, []string{"three-anchors", "two-anchors"}},
		{"nothing shared", []string{band(99), anchor(999)}, 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x.Candidates(tt.keys, nil, tt.minAnchors, tt.limit); !slices.Equal(got, tt.want) {
				t.Errorf("Candidates = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestIndexWindow: texts are found while they are among the window's most
// recent, in the filling segment and in sealed ones, and forgotten after;
// the index never holds more than the window and one segment.
func TestIndexWindow(t *testing.T) {
	const window = 160 // segments of 10
	x := NewIndex(window)
	keys := func(i int) []string { return []string{fmt.Sprintf("02%02x%016x", i%42, i), "02ff00000001shared"} }
	for i := range 1000 {
		x.Add(fmt.Sprint(i), keys(i), nil)
		if n := x.Len(); n > window+window/16 {
			t.Fatalf("after %d texts the index holds %d, window %d", i+1, n, window)
		}
		for _, back := range []int{0, 5, 37, window - 1} {
			if j := i - back; j >= 0 {
				if got := x.Candidates(keys(j)[:1], nil, 2, 0); !slices.Equal(got, []string{fmt.Sprint(j)}) {
					t.Fatalf("after %d texts, text %d (%d back): candidates %v", i+1, j, back, got)
				}
			}
		}
		if j := i - window - window/16; j >= 0 {
			if got := x.Candidates(keys(j)[:1], nil, 2, 0); len(got) != 0 {
				t.Fatalf("after %d texts, text %d is still found: %v", i+1, j, got)
			}
		}
	}
	if got := x.Candidates([]string{"02ff00000001shared"}, nil, 1, 3); !slices.Equal(got, []string{"999", "998", "997"}) {
		t.Errorf("ties: %v, want the newest first", got)
	}
}

// TestIndexConcurrent: adds and lookups side by side (under -race); the
// window holds every text added, so each is found right after its Add.
func TestIndexConcurrent(t *testing.T) {
	x := NewIndex(4 * 500)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				k := []string{fmt.Sprintf("02%02x%016x", g, i)}
				x.Add(fmt.Sprint(g, i), k, nil)
				if got := x.Candidates(k, nil, 1, 0); !slices.Contains(got, fmt.Sprint(g, i)) {
					t.Errorf("%d %d: just added, not found: %v", g, i, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestIndexKeyBringsItsNewest: a key that many texts share brings the
// newest maxPerKey of them.
func TestIndexKeyBringsItsNewest(t *testing.T) {
	x := NewIndex(16 * 100) // segments of 100
	for i := range 1000 {
		x.Add(fmt.Sprint(i), []string{"02ff00000001common", fmt.Sprintf("02%02x%016x", i%42, i)}, nil)
	}
	got := x.Candidates([]string{"02ff00000001common"}, nil, 1, 0)
	if len(got) != maxPerKey || got[0] != "999" || got[maxPerKey-1] != fmt.Sprint(1000-maxPerKey) {
		t.Errorf("%d candidates %v ... %v, want the newest %d", len(got), got[:1], got[len(got)-1:], maxPerKey)
	}
	// A text sharing a rarer key is still found through it.
	if got := x.Candidates([]string{"02ff00000001common", fmt.Sprintf("02%02x%016x", 3%42, 3)}, nil, 1, 0); !slices.Contains(got, "3") {
		t.Errorf("rare key: %v", got)
	}
}

// BenchmarkIndexCandidates: one page's lookup (42 band keys, 48 anchors)
// in a full window of 50,000 articles of 66 index keys each.
func BenchmarkIndexCandidates(b *testing.B) {
	const window = 50000
	x := NewIndex(window)
	for i := range window {
		keys := make([]string, 0, 66)
		for k := range 42 {
			keys = append(keys, fmt.Sprintf("02%02x%016x", k, i*42+k))
		}
		for k := range 24 {
			keys = append(keys, fmt.Sprintf("02ff%08x00000000", (i*7+k*131)%200000))
		}
		x.Add(fmt.Sprint(i), keys, nil)
	}
	look := make([]string, 0, 90)
	for k := range 42 {
		look = append(look, fmt.Sprintf("02%02x%016x", k, 1<<40+k))
	}
	for k := range 48 {
		look = append(look, fmt.Sprintf("02ff%08x00000000", (k*977)%200000))
	}
	for b.Loop() {
		x.Candidates(look, nil, MinSharedAnchors, 64)
	}
}

// TestIndexCandidatesDigests: a text whose digest says it is no copy of
// the one looked up is left out, after the cap (so the first copy among
// the candidates is the one found without digests); a digest not known
// leaves a text in.
func TestIndexCandidatesDigests(t *testing.T) {
	sig := Sign("", zhStory)
	stranger := append(Signature(nil), sig...)
	for i := range numHashes {
		stranger[headerLen+4*i]++
	}
	x := NewIndex(1000)
	shared := []string{"02ff00000001aaaa", "02ff00000002bbbb", "02ff00000003cccc"}
	x.Add("stranger", shared, stranger.Digest()) // most keys, newest: first
	x.Add("copy", shared[:2], sig.Digest())
	x.Add("unknown", shared[:2], nil)
	tests := []struct {
		name  string
		d     Digest
		limit int
		want  []string
	}{
		{"digests leave out the stranger", sig.Digest(), 0, []string{"unknown", "copy"}},
		{"no digest looked up: all", nil, 0, []string{"stranger", "unknown", "copy"}},
		{"the cap comes first", sig.Digest(), 1, nil},
		{"the cap, then the digests", sig.Digest(), 2, []string{"unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x.Candidates(shared, tt.d, 1, tt.limit); !slices.Equal(got, tt.want) {
				t.Errorf("Candidates = %v, want %v", got, tt.want)
			}
		})
	}
	for range 100 { // sealed segments (of 63) keep their digests
		x.Add("filler", []string{"02ff00000009ffff"}, nil)
	}
	if got := x.Candidates(shared, sig.Digest(), 1, 0); !slices.Equal(got, []string{"unknown", "copy"}) {
		t.Errorf("sealed: Candidates = %v, want [unknown copy]", got)
	}
}

// TestIndexKeyTwiceInOneText: a text indexed under one key twice counts it
// once, while its segment fills and once sealed: one shared anchor is not
// two.
func TestIndexKeyTwiceInOneText(t *testing.T) {
	const anchor = "02ff000001f400000000"
	x := NewIndex(16) // segments of one text
	x.Add("twice", []string{anchor, anchor}, nil)
	for _, stage := range []string{"sealed", "sealed, with another filling"} {
		if got := x.Candidates([]string{anchor}, nil, 2, 0); got != nil {
			t.Errorf("%s: a key indexed twice counted as two anchors: %v", stage, got)
		}
		if got := x.Candidates([]string{anchor}, nil, 1, 0); !slices.Equal(got, []string{"twice"}) {
			t.Errorf("%s: candidates %v, want [twice]", stage, got)
		}
		x.Add("other", []string{"0201" + anchor[4:]}, nil)
	}
	y := NewIndex(1000) // the text stays in the filling segment
	y.Add("twice", []string{anchor, anchor}, nil)
	if got := y.Candidates([]string{anchor}, nil, 2, 0); got != nil {
		t.Errorf("filling: a key indexed twice counted as two anchors: %v", got)
	}
}
