package dedup

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"only punctuation", " ，。！？ ... ", ""},
		{"full-width ASCII", "ＡＢＣ１２３", "abc123"},
		{"half-width katakana", "ｶﾀｶﾅ", "カタカナ"},
		{"lower case", "Xiaomi SENDS Data", "xiaomi sends data"},
		{"whitespace collapsed", "a \t\n\u3000 b", "a b"},
		{"punctuation collapsed", "hello,   world... (again)!", "hello world again"},
		{"no separator next to Han", "小米 手机，\n浏览器。iPhone 手机", "小米手机浏览器iphone手机"},
		{"full-width punctuation", "数据（隐私）：泄露！", "数据隐私泄露"},
		{"traditional folded", "隱私數據發送到遠程服務器", "隐私数据发送到远程服务器"},
		{"simplified unchanged", "隐私数据发送到远程服务器", "隐私数据发送到远程服务器"},
		{"one-to-many folds to first", "頭髮與發現", "头发与发现"},
		{"compatibility ideograph", "\uF900", "岂"},
		{"digits kept", "2020年5月1日", "2020年5月1日"},
		{"ligature", "ﬁnance", "finance"},
		{"invisible format characters dropped", "co\u00adoperate \ufeff隐\u200b私", "cooperate隐私"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalise(tt.in); got != tt.want {
				t.Errorf("Normalise(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormaliseIdempotent(t *testing.T) {
	for _, s := range []string{"Ｈｅｌｌｏ， 世界！", "隱私 數據 a-b", "ｶﾀｶﾅ ﬁ 2020年"} {
		once := Normalise(s)
		if twice := Normalise(once); twice != once {
			t.Errorf("Normalise(%q) = %q, then %q", s, once, twice)
		}
	}
}

func TestContentHash(t *testing.T) {
	base := "小米浏览器在隐身模式下仍然收集用户数据，研究人员称。"
	same := []string{
		"小米浏览器在隐身模式下仍然收集用户数据, 研究人员称.",
		"小米瀏覽器在隱身模式下仍然收集用戶數據，研究人員稱。",
		"  小米浏览器在隐身模式下\n仍然收集用户数据，\n研究人员称。  ",
	}
	different := []string{
		"小米浏览器在隐身模式下不收集用户数据，研究人员称。",
		"小米浏览器在隐身模式下仍然收集用户数据。",
	}
	h := ContentHash(base)
	if len(h) != 64 {
		t.Fatalf("ContentHash length %d, want 64 hex digits", len(h))
	}
	for _, s := range same {
		if got := ContentHash(s); got != h {
			t.Errorf("ContentHash(%q) differs from ContentHash(%q)", s, base)
		}
	}
	for _, s := range different {
		if got := ContentHash(s); got == h {
			t.Errorf("ContentHash(%q) equals ContentHash(%q)", s, base)
		}
	}
	if got := ContentHash("Hello, World"); got != ContentHash("hello world") {
		t.Errorf("English case/punctuation variants hash differently")
	}
	if got := ContentHash(" ，。 "); got != "" {
		t.Errorf("ContentHash of punctuation only = %q, want empty", got)
	}
}

func TestFingerprint(t *testing.T) {
	tests := []struct{ title, body, hashOf string }{
		{"标题甲", "正文，一样的正文。", "正文，一样的正文。"},
		{"Title", "", "Title"},
		{"", "", ""},
	}
	for _, tt := range tests {
		hash, sig := Fingerprint(tt.title, tt.body)
		if want := ContentHash(tt.hashOf); hash != want {
			t.Errorf("Fingerprint(%q, %q) hash = %q, want ContentHash(%q) = %q", tt.title, tt.body, hash, tt.hashOf, want)
		}
		if want := Sign(tt.title, tt.body); string(sig) != string(want) {
			t.Errorf("Fingerprint(%q, %q) signature differs from Sign", tt.title, tt.body)
		}
	}
	// Copies retitled by another outlet have the same exact fingerprint.
	h1, _ := Fingerprint("原标题", "同一篇文章的正文。")
	h2, _ := Fingerprint("新标题", "同一篇文章的正文。")
	if h1 != h2 {
		t.Error("retitled copy has another content hash")
	}
}

// The quick path of Normalise (no NFKC pass when every rune's NFKC form is
// known) gives exactly what NFKC followed by the rest gives. Fingerprint
// tokenises while it normalises: that gives the same tokens as splitting the
// normalised text (tokens), and the same signature as the plain shingler.
func TestNormaliseQuickPath(t *testing.T) {
	var alphabet []string
	for _, r := range "aZ09 ,.-_'\n\t中國发數隱ＡＺａ０９，。！（）：；“”‘’—…、《》「」\u3000\u00a0ｶﾞ\u0301\uF900é²½ﬁ\u200b\u00ad" +
		"①Ⅻ㈱ǅ々〇㐀Ωßİ\ufeff\U00020000" {
		alphabet = append(alphabet, string(r))
	}
	alphabet = append(alphabet, "e\u0301", "\xff", "\xe4\xb8")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		want, _, _ := normalise(nil, nil, norm.NFKC.String(s), false, false)
		n := Normalise(s)
		if n != string(want) {
			t.Fatalf("case %d: Normalise(%q) = %q, want %q", i, s, n, want)
		}
		var sc scratch
		sc.normalise(s, true)
		if string(sc.b) != n {
			t.Fatalf("case %d: %q: normalised with tokens %q, want %q", i, s, sc.b, n)
		}
		if want := tokens(n); !slices.Equal(sc.toks, want) {
			t.Fatalf("case %d: %q (normalised %q): tokens %x, want %x", i, s, n, sc.toks, want)
		}
		if got, want := Sign("", s), signTokens(tokens(n), shingleLen); string(got) != string(want) {
			t.Fatalf("case %d: %q: signature differs from the shingler's", i, s)
		}
	}
}
