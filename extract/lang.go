package extract

import "strings"

// tradOnly and simpOnly are common characters written differently in
// traditional and simplified Chinese (same positions pair up).
const (
	tradOnly = "這們來時會說對為與發經過關於問當還後將動學國際區實現點業開華電長體網資訊機產務報導從話頭們讓見並給進應種還愛"
	simpOnly = "这们来时会说对为与发经过关于问当还后将动学国际区实现点业开华电长体网资讯机产务报导从话头们让见并给进应种还爱"
)

// scriptMark marks, for each CJK Unified Ideograph, whether it is one of
// tradOnly (markTrad) or simpOnly (markSimp): a flat table, as detectLang
// looks up every character of the text.
const (
	markTrad = 1
	markSimp = 2
)

var scriptMark = func() (t [0xA000 - 0x4E00]uint8) {
	for _, r := range simpOnly {
		t[r-0x4E00] = markSimp
	}
	for _, r := range tradOnly {
		t[r-0x4E00] = markTrad
	}
	return t
}()

// detectLang names the language of an article from its text: "zh" or
// "zh-Hant" when Han characters dominate, "ja" or "ko" by their scripts;
// for Latin text it keeps the page's or source's declaration, else "en"
// when English function words are common. "" when it cannot tell.
func detectLang(text, htmlLang, srcLang string) string {
	if len(text) > 1<<16 {
		text = truncateUTF8(text, 1<<16)
	}
	var han, kana, hangul, latin, trad, simp int
	for _, r := range text {
		switch {
		case isHan(r):
			han++
			if r >= 0x4E00 && r < 0xA000 {
				switch scriptMark[r-0x4E00] {
				case markTrad:
					trad++
				case markSimp:
					simp++
				}
			}
		case r >= 0x3040 && r <= 0x30FF:
			kana++
		case r >= 0xAC00 && r <= 0xD7AF:
			hangul++
		case r < 0x250 && ((r|0x20) >= 'a' && (r|0x20) <= 'z' || r >= 0xC0):
			latin++
		}
	}
	declared := primaryLang(htmlLang)
	if declared == "" {
		declared = primaryLang(srcLang)
	}
	switch {
	case kana > 0 && kana*10 > han && kana+han > latin/3:
		return "ja"
	case hangul > 0 && hangul > han && hangul > latin/3:
		return "ko"
	case han > 0 && han*2 > latin/3:
		if trad > simp && trad >= 3 {
			return "zh-Hant"
		}
		if l := strings.ToLower(htmlLang); simp == 0 && trad == 0 && (l == "zh-tw" || l == "zh-hk" || l == "zh-hant") {
			return "zh-Hant"
		}
		return "zh"
	case latin > 0:
		if declared != "" && declared != "zh" && declared != "ja" && declared != "ko" {
			return declared
		}
		if englishLike(text) {
			return "en"
		}
		return declared
	}
	return declared
}

func primaryLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	if len(l) < 2 || len(l) > 3 {
		return ""
	}
	return l
}

var englishWords = map[string]bool{"the": true, "and": true, "of": true, "to": true, "in": true, "is": true, "that": true, "for": true, "with": true, "was": true, "on": true, "it": true}

func englishLike(text string) bool {
	n, hit := 0, 0
	for _, w := range strings.Fields(text) {
		if n > 400 {
			break
		}
		n++
		if englishWords[strings.ToLower(w)] {
			hit++
		}
	}
	return n > 0 && hit*10 >= n
}
