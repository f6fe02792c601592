package hanzi

import (
	"testing"
	"unicode"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"traditional to simplified", "颱風襲擊臺灣", "台风袭击台湾"},
		{"simplified unchanged", "台风袭击台湾", "台风袭击台湾"},
		{"latin and punctuation unchanged", "iPhone 手機, 2024!", "iPhone 手机, 2024!"},
		{"chains followed", "薴", "苎"},
		{"outside the basic plane", "㑮", "𫝈"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FoldString(tt.in)
			if got != tt.want {
				t.Errorf("FoldString(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := FoldString(got); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
	if pairs < 4000 {
		t.Errorf("%d pairs loaded, want the whole table", pairs)
	}
}

func TestFoldIdempotentOverTable(t *testing.T) {
	for r := rune(0x3400); r < 0x30000; r++ {
		if s := Fold(r); Fold(s) != s {
			t.Fatalf("Fold(%c) = %c, which folds again to %c", r, s, Fold(s))
		}
	}
}

func TestIsHan(t *testing.T) {
	for _, r := range []rune{'a', '1', '，', 'あ', '한', '中', '㐀', '𠀀', '〇'} {
		if got, want := IsHan(r), unicode.Is(unicode.Han, r); got != want {
			t.Errorf("IsHan(%q) = %v, want %v", r, got, want)
		}
	}
}
