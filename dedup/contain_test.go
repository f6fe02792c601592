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
