package extract

import (
	"strings"
	"unicode/utf8"
)

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

// detectLang names the language of an article from its headline and text
// (the first 64 KiB of the two, read as one): "zh" or "zh-Hant" when Han
// characters dominate, "ja" or "ko" by their scripts; for Latin text it
// keeps the page's or source's declaration, else "en" when English
// function words are common. "" when it cannot tell. bodyCount, when not
// nil, has the letters of body counted already.
func detectLang(title, body string, bodyCount *scriptCount, htmlLang, srcLang string) string {
	const limit = 1 << 16
	var c scriptCount
	switch {
	case len(title) >= limit:
		title, body = truncateUTF8(title, limit), ""
		c.add(title)
	case len(title)+1+len(body) > limit:
		body = truncateUTF8(body, limit-len(title)-1)
		c.add(title)
		c.add(body)
	case bodyCount != nil:
		c = *bodyCount
		c.add(title)
	default:
		c.add(title)
		c.add(body)
	}
	declared := primaryLang(htmlLang)
	if declared == "" {
		declared = primaryLang(srcLang)
	}
	switch {
	case c.kana > 0 && c.kana*10 > c.han && c.kana+c.han > c.latin/3:
		return "ja"
	case c.hangul > 0 && c.hangul > c.han && c.hangul > c.latin/3:
		return "ko"
	case c.han > 0 && c.han*2 > c.latin/3:
		if c.trad > c.simp && c.trad >= 3 {
			return "zh-Hant"
		}
		if l := strings.ToLower(htmlLang); c.simp == 0 && c.trad == 0 && (l == "zh-tw" || l == "zh-hk" || l == "zh-hant") {
			return "zh-Hant"
		}
		return "zh"
	case c.latin > 0:
		if declared != "" && declared != "zh" && declared != "ja" && declared != "ko" {
			return declared
		}
		if englishLike(title + "\n" + body) {
			return "en"
		}
		return declared
	}
	return declared
}

// scriptCount counts the letters of each script in a text.
type scriptCount struct {
	han, kana, hangul, latin int32
	trad, simp               int32 // Han characters written only in traditional, simplified Chinese
}

func (c *scriptCount) add(text string) {
	for i := 0; i < len(text); {
		if b := text[i]; b < utf8.RuneSelf {
			if (b|0x20) >= 'a' && (b|0x20) <= 'z' {
				c.latin++
			}
			i++
			continue
		}
		r, size := decodeCJK(text[i:]), 3
		if r < 0 {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		i += size
		if isHan(r) {
			c.addHan(r)
		} else {
			c.addOther(r)
		}
	}
}

// plus returns the sum of two counts.
func (c scriptCount) plus(o scriptCount) scriptCount {
	return scriptCount{c.han + o.han, c.kana + o.kana, c.hangul + o.hangul, c.latin + o.latin, c.trad + o.trad, c.simp + o.simp}
}

// addHan counts Han character r.
func (c *scriptCount) addHan(r rune) {
	c.han++
	if r >= 0x4E00 && r < 0xA000 {
		m := scriptMark[r-0x4E00] // without branches: most characters are neither
		c.trad += int32(m & markTrad)
		c.simp += int32(m / markSimp)
	}
}

// addOther counts non-ASCII character r, not Han.
func (c *scriptCount) addOther(r rune) {
	switch {
	case r >= 0x3040 && r <= 0x30FF:
		c.kana++
	case r >= 0xAC00 && r <= 0xD7AF:
		c.hangul++
	case r >= 0xC0 && r < 0x250:
		c.latin++
	}
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
	for w := range strings.FieldsSeq(text) {
		if n > 400 {
			break
		}
		n++
		// Lower-casing shortens a word by at most half (İ to i), and the
		// function words have at most four letters.
		if len(w) <= 8 && englishWords[strings.ToLower(w)] {
			hit++
		}
	}
	return n > 0 && hit*10 >= n
}
