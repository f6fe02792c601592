package charset

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

const (
	hans = "某品牌手机的浏览器被指在无痕模式下仍向服务器发送访问记录，公司表示已经修复。"
	hant = "研究人員發現，這款手機的瀏覽器在無痕模式下仍然傳送使用者的資料。"
)

func enc(t testing.TB, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func page(meta, body string) string {
	return "<html><head>" + meta + "<title>t</title></head><body><p>" + body + "</p></body></html>"
}

func TestDecode(t *testing.T) {
	gbkMeta := page(`<meta charset="gbk">`, hans)
	gbkEquiv := page(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, hans)
	big5Page := page(`<meta charset="big5">`, hant)
	plain := page("", hans)
	runDecodeCases(t, []decodeCase{
		{"utf-8 header", "text/html; charset=utf-8", []byte(plain), "utf-8", plain},
		{"utf-8 no declaration", "text/html", []byte(plain), "utf-8", plain},
		{"gbk in meta charset only", "text/html", enc(t, simplifiedchinese.GBK, gbkMeta), "gb18030", gbkMeta},
		{"gb2312 in meta http-equiv", "", enc(t, simplifiedchinese.GBK, gbkEquiv), "gb18030", gbkEquiv},
		{"gb18030 header", "text/html; charset=GB18030", enc(t, simplifiedchinese.GB18030, plain), "gb18030", plain},
		{"big5 header", "text/html; charset=big5", enc(t, traditionalchinese.Big5, page("", hant)), "big5", page("", hant)},
		{"big5 in meta", "", enc(t, traditionalchinese.Big5, big5Page), "big5", big5Page},
		{"declares gb2312, is utf-8", "text/html; charset=gb2312", []byte(plain), "utf-8", plain},
		{"meta gbk, is utf-8", "", []byte(gbkMeta), "utf-8", gbkMeta},
		{"declares utf-8, is gbk", "text/html; charset=utf-8", enc(t, simplifiedchinese.GBK, plain), "gb18030", plain},
		{"declares big5, is gbk", "text/html; charset=big5", enc(t, simplifiedchinese.GBK, plain), "gb18030", plain},
		{"undeclared gbk", "", enc(t, simplifiedchinese.GBK, plain), "gb18030", plain},
		{"undeclared big5", "", enc(t, traditionalchinese.Big5, page("", hant)), "big5", page("", hant)},
		{"utf-8 bom", "text/html; charset=gbk", append([]byte{0xEF, 0xBB, 0xBF}, plain...), "utf-8", plain},
		{"utf-16le bom", "", enc(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), plain), "utf-16le", plain},
		{"latin-1", "text/html; charset=iso-8859-1", enc(t, charmap.Windows1252, "café crème"), "windows-1252", "café crème"},
		{"undeclared latin-1", "", enc(t, charmap.Windows1252, "naïve façade"), "windows-1252", "naïve façade"},
		{"unknown label, utf-8", "text/html; charset=x-no-such", []byte(plain), "utf-8", plain},
		{"ascii keeps declared name", "text/html; charset=gbk", []byte("<p>hello</p>"), "gb18030", "<p>hello</p>"},
		{"empty", "", nil, "utf-8", ""},
	})
}

// decodeCase is one Decode input and its expected charset and text; a
// want ending in "..." is a prefix (inputs with stray bytes).
type decodeCase struct {
	name, contentType string
	raw               []byte
	wantName, want    string
}

func runDecodeCases(t *testing.T, tests []decodeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, name, err := Decode(tt.raw, tt.contentType)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if name != tt.wantName {
				t.Errorf("charset = %q, want %q", name, tt.wantName)
			}
			if prefix, ok := strings.CutSuffix(tt.want, "..."); ok {
				if !strings.HasPrefix(string(got), prefix) {
					t.Errorf("text = %.80q, want it to start %q", got, prefix)
				}
			} else if string(got) != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			if !utf8.Valid(got) {
				t.Errorf("invalid UTF-8 out")
			}
		})
	}
}

// TestDecodeUndeclaredCJK: pages with no charset declaration anywhere and
// bytes that are not UTF-8 are read as GB18030 or Big5 when they decode
// (nearly) cleanly into plausible Chinese text, and as windows-1252 only as
// a last resort.
func TestDecodeUndeclaredCJK(t *testing.T) {
	const (
		shortHans = "新闻"
		shortHant = "這是一則新聞。"
		hans2     = "市政府今天宣布，地铁三号线将在下个月开通，沿线居民出行会更加方便。"
	)
	gbk := func(s string) []byte { return enc(t, simplifiedchinese.GBK, s) }
	big5 := func(s string) []byte { return enc(t, traditionalchinese.Big5, s) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	runDecodeCases(t, []decodeCase{
		{"gbk page", "text/html", gbk(page("", hans2)), "gb18030", page("", hans2)},
		{"gbk, no content type", "", gbk(page("", hans+hans2)), "gb18030", page("", hans+hans2)},
		{"gbk title only", "", gbk("<title>" + shortHans + "</title>"), "gb18030", "<title>" + shortHans + "</title>"},
		{"gbk bare text", "", gbk(hans2), "gb18030", hans2},
		{"gbk with two stray bytes", "", cat(gbk(page("", hans)), []byte{0x80, 0xFF}, gbk(hans2)), "gb18030", page("", hans) + "€\uFFFD" + hans2},
		{"gbk cut inside a character", "", gbk(hans)[:len(gbk(hans))-1], "gb18030", strings.TrimSuffix(hans, "。") + "\uFFFD"},
		{"gbk stray bytes in a long page", "", cat(gbk(strings.Repeat(hans, 20)), []byte{0xFF}, gbk(strings.Repeat(hans2, 20))), "gb18030", strings.Repeat(hans, 20) + "\uFFFD" + hans2 + "..."},
		{"gb18030 four-byte sequences", "", enc(t, simplifiedchinese.GB18030, page("", hans+"€©")), "gb18030", page("", hans+"€©")},
		{"big5 page", "", big5(page("", hant)), "big5", page("", hant)},
		{"big5 short", "text/html", big5(shortHant), "big5", shortHant},
		{"big5 with a stray byte", "", cat(big5(page("", hant)), []byte{0xFF}, big5(hant)), "big5", page("", hant) + "\uFFFD" + hant},
		{"header utf-8, gbk bytes with a stray byte", "text/html; charset=utf-8", cat(gbk(hans), []byte{0xFF}, gbk(hans2)), "gb18030", hans + "\uFFFD" + hans2},
		{"latin-1 prose", "", enc(t, charmap.Windows1252, "Le café de la gare ferme à midi ; déjà vu, c’était prévu."), "windows-1252", "Le café de la gare ferme à midi ; déjà vu, c’était prévu."},
		{"latin-1 accents in pairs", "", enc(t, charmap.Windows1252, "ÀÉÈ àéè ÖÜß öüä ñÑ"), "windows-1252", "ÀÉÈ àéè ÖÜß öüä ñÑ"},
		{"random high bytes", "", []byte{0x81, 0x30, 0xFE, 0xFF, 0x80, 0xA0}, "windows-1252", "..."},
	})
}

func TestDecodeInvalidUTF8IsRepaired(t *testing.T) {
	raw := []byte("abc\xff\xfe\xfddef \x80")
	got, _, err := Decode(raw, "text/html; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(got) {
		t.Fatalf("output not valid UTF-8: %q", got)
	}
	if !bytes.HasPrefix(got, []byte("abc")) {
		t.Fatalf("lost text: %q", got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(page(`<meta charset="gbk">`, hans)), "")
	f.Add(enc(f, simplifiedchinese.GBK, hans), "text/html; charset=utf-8")
	f.Add(enc(f, traditionalchinese.Big5, hant), "text/html; charset=big5")
	f.Add([]byte{0xFF, 0xFE, 0x41}, "")
	f.Add([]byte("<meta charset=utf-16be>\x00"), "text/html; charset=\"")
	f.Fuzz(func(t *testing.T, raw []byte, contentType string) {
		got, name, err := Decode(raw, contentType)
		if err != nil {
			return
		}
		if name == "" {
			t.Fatalf("empty charset name for %q", raw)
		}
		if !utf8.Valid(got) {
			t.Fatalf("Decode(%q, %q) returned invalid UTF-8 (%s)", raw, contentType, name)
		}
	})
}
