// Package charset owns turning fetched bytes into UTF-8. It reads the
// charset a page declares (Content-Type header, byte order mark, <meta
// charset> or <meta http-equiv> in the first 4 KB), checks the declaration
// against the bytes, and decodes with golang.org/x/text. Chinese pages often
// lie: a page that declares GB2312 but is valid UTF-8 is read as UTF-8, and a
// page that declares UTF-8 (or nothing) but is not valid UTF-8 is sniffed as
// GB18030 or Big5, tolerating a few stray bytes; windows-1252 is the last
// resort. GB2312 and GBK are decoded as their superset GB18030.
package charset

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// prescanBytes is how much of a page is searched for a <meta> declaration.
const prescanBytes = 4096

var metaCharset = regexp.MustCompile(`(?i)<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)`)

// Decode returns raw as UTF-8 and the name of the charset it was decoded
// from ("utf-8", "gb18030", "big5", "windows-1252", ...). contentType is the
// HTTP Content-Type header value and may be empty. Invalid bytes become
// U+FFFD: the result is always valid UTF-8.
func Decode(raw []byte, contentType string) ([]byte, string, error) {
	if enc, name, n := bom(raw); enc != nil {
		return decode(raw[n:], enc, name)
	}
	label := declared(raw, contentType)
	enc, name := lookup(label)

	switch {
	case name == "utf-16le" || name == "utf-16be":
		return decode(raw, enc, name)
	case utf8.Valid(raw):
		// Valid UTF-8 wins over any declaration: legacy CJK or Latin
		// text with non-ASCII bytes is practically never valid UTF-8.
		if enc == nil || !ascii(raw) {
			return raw, "utf-8", nil
		}
		// Pure ASCII reads the same in every ASCII-compatible charset.
		return raw, name, nil
	case name == "gb18030" || name == "big5":
		// The declaration is checked against the bytes: GBK served as
		// Big5 (or the reverse) decodes, but into rare characters.
		if g, ok := sniffCJK(raw, name); ok {
			return decode(raw, g.enc, g.name)
		}
		return decode(raw, enc, name)
	case enc != nil && name != "utf-8":
		out, err := enc.NewDecoder().Bytes(raw)
		if err == nil && !bytes.ContainsRune(out, utf8.RuneError) {
			return out, name, nil
		}
		if g, ok := sniffCJK(raw, ""); ok {
			return decode(raw, g.enc, g.name)
		}
		return decode(raw, enc, name)
	}
	// Undeclared, or declared UTF-8 but not UTF-8: GB18030 or Big5 when
	// the bytes read as plausible Chinese text (Latin-1 bytes pair up as
	// GBK too, but into rare characters); windows-1252 as a last resort.
	if g, ok := sniffCJK(raw, ""); ok {
		return decode(raw, g.enc, g.name)
	}
	if name == "utf-8" {
		return bytes.ToValidUTF8(raw, []byte("\uFFFD")), "utf-8", nil
	}
	return decode(raw, charmap.Windows1252, "windows-1252")
}

func decode(raw []byte, enc encoding.Encoding, name string) ([]byte, string, error) {
	out, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, name, fmt.Errorf("charset: decode %s: %w", name, err)
	}
	return bytes.ToValidUTF8(out, []byte("\uFFFD")), name, nil
}

// bom reports the encoding a byte order mark announces and its length.
func bom(raw []byte) (encoding.Encoding, string, int) {
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8, "utf-8", 3
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	}
	return nil, "", 0
}

// declared returns the charset label from the Content-Type header, else
// from a <meta> tag near the start of the page, else "".
func declared(raw []byte, contentType string) string {
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
			return params["charset"]
		}
	}
	head := raw
	if len(head) > prescanBytes {
		head = head[:prescanBytes]
	}
	if m := metaCharset.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}

// lookup resolves a label to an encoding and its canonical name; GB2312 and
// GBK become GB18030. Unknown labels give (nil, "").
func lookup(label string) (encoding.Encoding, string) {
	label = strings.ToLower(strings.TrimSpace(label))
	if label == "" {
		return nil, ""
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, ""
	}
	name, err := htmlindex.Name(enc)
	if err != nil || name == "replacement" {
		return nil, ""
	}
	switch name {
	case "gbk", "gb18030":
		return simplifiedchinese.GB18030, "gb18030"
	case "big5":
		return traditionalchinese.Big5, "big5"
	}
	return enc, name
}

// sniffBytes is how much of a page sniffCJK reads.
const sniffBytes = 1 << 20

// guess is one candidate decoding of a page's first sniffBytes.
type guess struct {
	name        string
	enc         encoding.Encoding
	nonASCII    int // decoded runes outside ASCII, invalid sequences excluded
	common, bad int // frequent Chinese characters; invalid sequences
}

// plausible reports whether a decoding reads as Chinese text: at least a
// quarter of its non-ASCII characters are frequent Chinese characters or
// full-width punctuation (a real page scores 0.6 to 0.85; GBK read as Big5,
// Big5 read as GBK and Latin-1 read as either score under 0.1), with at most
// a few invalid sequences (real pages have stray bytes, and a sample may end
// inside a character).
func (g guess) plausible() bool {
	return g.common > 0 && g.common*4 >= g.nonASCII && g.bad <= 1+g.nonASCII/50
}

// sniffCJK decodes the start of raw as GB18030 and as Big5 and returns the
// plausible decoding with the most frequent Chinese characters; ties go to
// prefer, then to GB18030.
func sniffCJK(raw []byte, prefer string) (guess, bool) {
	sample := raw[:min(len(raw), sniffBytes)]
	cands := []guess{{name: "gb18030", enc: simplifiedchinese.GB18030}, {name: "big5", enc: traditionalchinese.Big5}}
	if prefer == "big5" {
		cands[0], cands[1] = cands[1], cands[0]
	}
	var best guess
	found := false
	for _, g := range cands {
		out, err := g.enc.NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		for _, r := range string(out) {
			switch {
			case r == utf8.RuneError:
				g.bad++
			case r >= utf8.RuneSelf:
				g.nonASCII++
				if common[r] {
					g.common++
				}
			}
		}
		if g.plausible() && (!found || g.common > best.common) {
			best, found = g, true
		}
	}
	return best, found
}

// common holds frequent Chinese characters (simplified and traditional
// forms) and full-width punctuation. A wrong decoding of GBK as Big5 (or the
// reverse) produces valid but rare characters, so it scores low.
var common = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "的一是在不了有和人这這中大为為上个個国國我以要他时時来來用们們生到作地于於出就分对對成会會可主发發年动動同工也能下过過子说說产產种種面而方后後多定行学學法所民得经經十三之进進着著等部度家电電力里裡如水化高自二理起小物现現实實加量都两兩体體制机機当當使点點从從业業本去把性好应應开開它合还還因由其些然前外天政四日那社义義事平形相全表间間样樣与與关關各重新线線内內数數正心反你明看原又么麼利比或但质質气氣第向道命此变變条條只没沒结結解问問意建月公无無系军軍很情者最立代想已通并提直题題程展五果料象员員革位入常文总總次品式活设設及管特件长長求老头頭基资資边邊流路级級少图圖山统統接知较較将將组組见見计計别別她手角期根论論运運农農指几幾九区區强強放决決西被干做必战戰先回则則任取据據处處队隊南给給色光门門即保治北造百规規热熱领領七海口东東导導器压壓志世金增争爭济濟阶階油思术術极極交受联聯什认認六共权權收证證改清己美再采转轉更单單风風切打白教速花带帶安场場身车車例真务務具万萬每目至达達走积積示议議声聲报報斗完类類八离離华華名确確才科张張信马馬节節话話米整空元况況今集温溫传傳土许許步群广廣石记記需段研界拉林律叫且究观觀越织織装裝影算低持音众眾书書布复復容儿兒须須际際商非验驗连連断斷深难難近矿礦千周委素技备備半办辦青省列习習响響约約支般史感劳勞便团團往历歷市克何除消构構府称稱太准準精值号號率族维維划劃选選标標写寫存候毛亲親快效斯院查江型眼王按格养養易置派层層片始却卻专專状狀育厂廠京识識适適属屬圆圓包火住调調满滿县縣局照参參红紅细細引听聽该該铁鐵价價严嚴，。、：；「」（）《》“”？！" {
		m[r] = true
	}
	return m
}()

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
