package evaldata

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"only space and punctuation", " \t\n　，。!? ", nil},
		{"english lower-cased words", "The Quick, brown FOX.", []string{"the", "quick", "brown", "fox"}},
		{"apostrophe and hyphen split", "don't re-enter", []string{"don", "t", "re", "enter"}},
		{"han one token each", "新闻报道", []string{"新", "闻", "报", "道"}},
		{"han mixed with digits and latin", "2020年5月iPhone发布", []string{"2020", "年", "5", "月", "iphone", "发", "布"}},
		{"full-width space separates", "北京　上海", []string{"北", "京", "上", "海"}},
		{"full-width ascii folded", "ＡＢＣ１２３", []string{"abc123"}},
		{"accented letters kept in word", "Café Zürich", []string{"café", "zürich"}},
		{"combining mark composed (NFKC)", "cafe\u0301", []string{"caf\u00e9"}},
		{"kana one token each", "ニュース", []string{"ニ", "ュ", "ー", "ス"}},
		{"half-width kana folded", "ﾆｭｰｽ", []string{"ニ", "ュ", "ー", "ス"}},
		{"hangul syllables one token each", "뉴스", []string{"뉴", "스"}},
		{"compatibility ideograph folded", "\uf900", []string{"\u8c48"}},
		{"circled digit folded", "①号", []string{"1", "号"}},
		{"underscore separates", "a_b", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBody(t *testing.T) {
	tests := []struct {
		name, got, want string
		p, r, f1        float64
	}{
		{"identical", "a b c", "a b c", 1, 1, 1},
		{"whitespace and case ignored", "Hello\n\n  World", "hello world", 1, 1, 1},
		{"hard-wrapped chinese", "今天\n天气\u3000好", "今天天气好", 1, 1, 1},
		{"both empty", "", "  ", 1, 1, 1},
		{"nothing extracted", "", "a b", 0, 0, 0},
		{"empty truth", "a", "", 0, 0, 0},
		{"disjoint", "x y", "a b", 0, 0, 0},
		// got has 4 tokens, truth 2, overlap 2: P=0.5 R=1 F1=2/3.
		{"extra boilerplate lowers precision", "a b menu login", "a b", 0.5, 1, 2.0 / 3},
		// got 1 token, truth 4, overlap 1: P=1 R=0.25 F1=0.4.
		{"missing text lowers recall", "a", "a b c d", 1, 0.25, 0.4},
		// bag semantics: a repeated token counts only as often as in the truth.
		{"repeats clipped to truth count", "a a a b", "a b", 0.5, 1, 2.0 / 3},
		{"han characters as bag", "好好学习", "学习好", 0.75, 1, 6.0 / 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Body(tt.got, tt.want)
			if !near(s.P, tt.p) || !near(s.R, tt.r) || !near(s.F1, tt.f1) {
				t.Errorf("Body(%q, %q) = %+v, want P=%.4f R=%.4f F1=%.4f", tt.got, tt.want, s, tt.p, tt.r, tt.f1)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestTitle(t *testing.T) {
	tests := []struct {
		got, want string
		match     bool
	}{
		{"Hello World", "Hello World", true},
		{"  Hello \n World ", "Hello World", true},
		{"北京\u3000新闻", "北京 新闻", true},
		{"Hello\u00a0World", "Hello World", true},
		{"Hello World - Site", "Hello World", false},
		{"hello world", "Hello World", true},
		{"北京 新闻", "北京新闻", true},
		{"ＡＢＣ新闻", "abc新闻", true},
		{"", "Hello", false},
	}
	for _, tt := range tests {
		if got := Title(tt.got, tt.want); got != tt.match {
			t.Errorf("Title(%q, %q) = %v, want %v", tt.got, tt.want, got, tt.match)
		}
	}
}

func TestDay(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		got  time.Time
		want string
		ok   bool
	}{
		{"local date matches", time.Date(2020, 5, 1, 23, 30, 0, 0, shanghai), "2020-05-01", true},
		// 23:30 in Shanghai is 15:30 UTC the same day; 01:30 Shanghai is the previous day in UTC,
		// but a date-only truth is the page's local date.
		{"local date not converted", time.Date(2020, 5, 2, 1, 30, 0, 0, shanghai), "2020-05-02", true},
		{"other day", time.Date(2020, 5, 2, 0, 0, 0, 0, time.UTC), "2020-05-01", false},
		{"zero never matches", time.Time{}, "0001-01-01", false},
		{"rfc3339 compared in truth offset", time.Date(2021, 3, 1, 23, 0, 0, 0, time.UTC), "2021-03-02T08:00:00+09:00", true},
		{"rfc3339 other day in truth offset", time.Date(2021, 3, 1, 10, 0, 0, 0, time.UTC), "2021-03-02T08:00:00+09:00", false},
		{"rfc3339 Z", time.Date(2019, 1, 1, 12, 0, 0, 0, shanghai), "2019-01-01T04:00:00Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Day(tt.got, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok {
				t.Errorf("Day(%v, %q) = %v, want %v", tt.got, tt.want, ok, tt.ok)
			}
		})
	}
}

func TestDayBadTruth(t *testing.T) {
	for _, want := range []string{"", "2020-13-01", "2020/05/01", "yesterday"} {
		if _, err := Day(time.Now(), want); err == nil {
			t.Errorf("Day(now, %q): want an error naming the bad truth", want)
		}
	}
}
