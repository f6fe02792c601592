package dedup

import (
	"strings"
	"testing"
)

// TestContained: excerpts, copies with the intro cut and copies inside a
// page of other text are duplicates by containment, in both directions and
// found through the index and lookup keys; articles that share a paragraph
// or only boilerplate are not.
func TestContained(t *testing.T) {
	half := func(s string) string { // the middle lines, about half
		ls := strings.Split(s, "\n")
		return strings.Join(ls[1:len(ls)-2], "\n")
	}
	boiler := "首页 > 科技频道 > 正文\n分享到：微博 微信 QQ空间\n【免责声明】本文仅代表作者本人观点，与本网站无关，本网站对文中陈述、观点判断保持中立，不对所包含内容的准确性、可靠性或完整性提供任何明示或暗示的保证。请读者仅作参考，并请自行承担全部责任。\nCopyright © 2020 某某资讯网 版权所有"
	zhLines := strings.Split(zhStory, "\n")
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"zh excerpt", zhStory, half(zhStory), true},
		{"zh intro cut", zhStory, strings.Join(zhLines[2:], "\n"), true},
		{"zh inside a page", zhStory, zhOther + "\n" + zhStory + "\n" + zhOther[:len(zhOther)/2], true},
		{"en excerpt", enStory, strings.Join(strings.Split(enStory, "\n")[1:], "\n"), true},
		{"en inside a page", enStory, enOther + "\n" + enStory, true},
		{"zh shares a paragraph", zhStory, zhOther + "\n" + zhLines[1], false},
		{"zh shares boilerplate", boiler + "\n" + zhStory, boiler + "\n" + zhOther, false},
		{"en different", enStory, enOther, false},
		{"a line is no article", zhStory, zhLines[3], false},
		{"en two lines are too short to call", enStory, half(enStory + "\n"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Sign("", tt.a), Sign("", tt.b)
			c, r := Containment(a, b)
			if got := Duplicate(a, b); got != tt.want {
				t.Errorf("Duplicate = %v (similarity %.3f, containment %.3f, ratio %.3f), want %v", got, Similarity(a, b), c, r, tt.want)
			}
			if Duplicate(b, a) != Duplicate(a, b) {
				t.Error("Duplicate is not symmetric")
			}
			if tt.want && (!sharesAny(a.IndexKeys(), b.LookupKeys()) || !sharesAny(b.IndexKeys(), a.LookupKeys())) {
				t.Error("the copy is not found through the keys in both orders")
			}
		})
	}
}

// TestContainFloor: the resemblance Duplicate asks of a pair before it
// compares their samples is minContainSim for sizes at the limits of
// Contained, rises with the smaller's share of the larger's size, stays
// below what a pair at the limits of Contained resembles at that share,
// and is NearThreshold when a sample is missing.
func TestContainFloor(t *testing.T) {
	limit := func(r float64) float64 { // a pair at the limits: c = ContainThreshold
		c := ContainThreshold
		return c * r / (1 + r - c*r)
	}
	tests := []struct {
		name   string
		sa, sb float32
		lo, hi float64
	}{
		{"no sample", 0, 500, NearThreshold, NearThreshold},
		{"no samples", 0, 0, NearThreshold, NearThreshold},
		{"the limits of Contained", 100, 500, minContainSim, minContainSim},
		{"a third", 100, 300, minContainSim, limit(1.0 / 3)},
		{"a half", 500, 250, 0.04, limit(0.5)},
		{"like sizes", 480, 500, 0.15, limit(0.96)},
		{"one size", 500, 500, 0.15, limit(1)},
	}
	prev := 0.0
	for _, tt := range tests {
		got := containFloor(tt.sa, tt.sb)
		if got < tt.lo || got > tt.hi {
			t.Errorf("%s (%g, %g): floor %.3f, want %.3f to %.3f", tt.name, tt.sa, tt.sb, got, tt.lo, tt.hi)
		}
		if got != containFloor(tt.sb, tt.sa) {
			t.Errorf("%s: the floor depends on the order of the pair", tt.name)
		}
		if tt.sa > 0 && tt.sb > 0 {
			if got < prev {
				t.Errorf("%s: floor %.3f below the smaller share's %.3f", tt.name, got, prev)
			}
			prev = got
		}
	}
}

// TestDuplicateLikeSizesSharingSentences: two texts of like size that share
// a few sentences are no copies, and their digests say so (their
// signatures need not be read); an excerpt of under a third of one, which
// resembles it little more, is a copy, and its digest leaves it to the
// signatures.
func TestDuplicateLikeSizesSharingSentences(t *testing.T) {
	words := strings.Fields(benchText("en", 200000))
	text := func(from, n int) string { // sentences from..from+n-1 of 12 words
		return strings.Join(words[12*from:12*(from+n)], " ")
	}
	shared := text(0, 6)
	a := Sign("", shared+". "+text(100, 60))
	b := Sign("", text(200, 60)+". "+shared)
	if Duplicate(a, b) || MayDuplicate(a.Digest(), b.Digest()) {
		t.Errorf("texts of like size sharing 6 of 66 sentences: Duplicate %v, MayDuplicate %v (similarity %.3f, floor %.3f)",
			Duplicate(a, b), MayDuplicate(a.Digest(), b.Digest()), Similarity(a, b), containFloor(a.sampleSize(), b.sampleSize()))
	}
	excerpt := Sign("", text(100, 20))
	if !Duplicate(a, excerpt) || !MayDuplicate(a.Digest(), excerpt.Digest()) {
		t.Errorf("an excerpt of under a third: Duplicate %v, MayDuplicate %v (similarity %.3f, floor %.3f)",
			Duplicate(a, excerpt), MayDuplicate(a.Digest(), excerpt.Digest()), Similarity(a, excerpt), containFloor(a.sampleSize(), excerpt.sampleSize()))
	}
}
