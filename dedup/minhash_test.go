package dedup

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
)

// Our own text, written for these tests.
const (
	zhStory = `本报讯 一名安全研究人员本周发布报告称，某品牌手机自带的浏览器在无痕模式下仍会把用户访问的网址发送到远程服务器。
研究人员表示，他在检查网络流量时发现，即使用户开启了无痕浏览，浏览器依然会定期上传访问记录、搜索关键词以及设备的部分标识信息。
该公司随后回应称，上传的数据经过匿名处理，仅用于改进产品体验，并表示将在下一个版本中增加一个开关，让用户自行选择是否参与数据收集。
多位业内人士指出，无痕模式的意义在于不留下本地记录，厂商若在此模式下继续收集数据，应当事先明确告知用户，否则可能违反个人信息保护的相关规定。
目前，已有消费者组织表示将就此事件向监管部门反映情况，并呼吁其他手机厂商公开各自浏览器的数据收集范围。`
	zhOther = `本报讯 一家电商平台昨日宣布，因系统配置错误，部分用户的收货地址和电话号码在约六个小时内可以被其他用户查看。
平台表示，问题出现在一次例行的软件升级之后，技术团队在接到用户反馈后已经回滚了相关改动，并逐一通知可能受影响的用户。
据平台介绍，此次事件没有涉及支付密码和银行卡信息，但建议用户留意陌生来电和短信，谨防有人冒充客服实施诈骗。
有律师认为，即便是配置失误导致的信息外泄，企业同样需要承担相应责任，监管部门有权要求其说明情况并整改。
该平台称将邀请第三方机构对系统进行全面检查，并承诺在一个月内公布检查结果。`
	enStory = `A security researcher said this week that the built-in browser on a popular phone brand kept sending the addresses of visited pages to remote servers, even in private mode.
He found the traffic while inspecting the phone's network activity: search terms, visited pages and some device identifiers were uploaded at regular intervals.
The company replied that the data was anonymised and used only to improve the product, and promised a switch in the next release so that users can opt out.
Privacy advocates said a private mode that still reports what you read to the vendor is not private at all, and asked regulators to look into the matter.`
	enOther = `An online retailer said on Tuesday that a configuration error let some customers see other shoppers' delivery addresses and phone numbers for about six hours.
The problem followed a routine software update, and engineers rolled the change back after customers reported seeing strangers' details in their accounts.
Payment details were not exposed, the company said, but it warned customers to be wary of calls and messages from people posing as its support staff.
The retailer said an outside firm would audit its systems and that it would publish the findings within a month.`
)

func dropLine(s string, i int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(append(lines[:i:i], lines[i+1:]...), "\n")
}

func TestNear(t *testing.T) {
	s2t, err := opencc.New("s2t")
	if err != nil {
		t.Fatal(err)
	}
	zhTrad, err := s2t.Convert(zhStory)
	if err != nil {
		t.Fatal(err)
	}
	zhHeader := "首页 > 科技 > 正文\n分享到：微博 微信\n"
	zhFooter := "\n责任编辑：王某\n【免责声明】本文仅代表作者观点。\n版权所有 © 某某网"
	tests := []struct {
		name string
		a, b string
		near bool
	}{
		{"identical zh", zhStory, zhStory, true},
		{"zh other template and editor line", zhStory, zhHeader + zhStory + zhFooter, true},
		{"zh paragraph dropped", zhStory, dropLine(zhStory, 2), true},
		{"zh paragraph added", zhStory, zhStory + "\n" + strings.Split(zhOther, "\n")[0], true},
		{"zh traditional", zhStory, zhTrad, true},
		{"zh narrow punctuation", zhStory, strings.NewReplacer("，", ",", "。", ".", "、", ",").Replace(zhStory), true},
		{"zh summary on top", zhStory, "摘要：研究人员称某品牌手机浏览器在无痕模式下仍上传数据。\n" + zhStory, true},
		{"zh hard-wrapped", zhStory, strings.ReplaceAll(zhStory, "服务器", "服务\n器"), true},
		{"en identical", enStory, enStory, true},
		{"en other template", enStory, "Home > Tech\nAdvertisement\n" + enStory + "\nEditor: Jane Example\n© 2024 Example Media", true},
		{"en paragraph dropped", enStory, dropLine(enStory, 1), true},
		{"en case and punctuation", enStory, strings.ToUpper(strings.NewReplacer(",", "，", ".", "。").Replace(enStory)), true},
		{"zh different story same subject", zhStory, zhOther, false},
		{"zh different stories in one template", zhHeader + zhStory + zhFooter, zhHeader + zhOther + zhFooter, false},
		{"en different story same subject", enStory, enOther, false},
		{"en vs zh translation", enStory, zhStory, false},
		{"first paragraph only", zhStory, strings.Split(zhStory, "\n")[0], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Sign("", tt.a), Sign("", tt.b)
			sim := Similarity(a, b)
			if got := Near(a, b); got != tt.near {
				t.Errorf("Near = %v (similarity %.3f), want %v", got, sim, tt.near)
			}
			if back := Similarity(b, a); back != sim {
				t.Errorf("Similarity not symmetric: %.3f vs %.3f", sim, back)
			}
			if tt.near != shareKey(a, b) {
				t.Errorf("share an LSH key = %v, want %v (similarity %.3f)", !tt.near, tt.near, sim)
			}
		})
	}
}

func TestSignature(t *testing.T) {
	s := Sign("标题", zhStory)
	if len(s) < headerLen+4*numHashes+sampleHead || s[0] != sigVersion || s[headerLen+4*numHashes] != sampleTag {
		t.Fatalf("signature: %d bytes, version %d", len(s), s[0])
	}
	if old := s[:headerLen+4*numHashes]; !old.valid() || Similarity(old, s) != 1 || Duplicate(old, s) != true || Contained(old, s) {
		t.Error("a signature without a sample (stored before samples) is not read as before")
	}
	if Similarity(s, Sign("另一个标题", zhStory)) != 1 {
		t.Error("title changed the signature although the body has text")
	}
	if Similarity(Sign("Only a title here", ""), Sign("only a title, here!", " ")) != 1 {
		t.Error("an empty body should fall back to the title")
	}
	keys := s.Keys()
	if len(keys) != numBands {
		t.Fatalf("%d keys, want %d", len(keys), numBands)
	}
	seen := map[string]bool{}
	for b, k := range keys {
		if want := fmt.Sprintf("%02x%02x", sigVersion, b); len(k) != 20 || k[:4] != want {
			t.Errorf("key %d = %q, want 20 hex digits starting %q", b, k, want)
		}
		if seen[k] {
			t.Errorf("duplicate key %q", k)
		}
		seen[k] = true
	}
	again := Sign("", zhStory).Keys()
	for i := range keys {
		if keys[i] != again[i] {
			t.Fatalf("keys not deterministic: %q vs %q", keys[i], again[i])
		}
	}
	// A stored copy decodes the same.
	stored := append([]byte(nil), s...)
	if Similarity(s, Signature(stored)) != 1 {
		t.Error("copied signature differs")
	}

	empty := Sign("", " ，。 ")
	short := Sign("", "短")
	for name, bad := range map[string]Signature{
		"empty text": empty, "nil": nil, "truncated": s[:10],
		"wrong version": append(Signature{99}, s[1:]...),
	} {
		if bad.Keys() != nil {
			t.Errorf("%s: Keys() = %v, want none", name, bad.Keys())
		}
		if Near(bad, bad) || Similarity(s, bad) != 0 {
			t.Errorf("%s: compared as near", name)
		}
	}
	if !Near(short, Sign("", "短。")) {
		t.Error("a one-character text is not near itself")
	}
}

// benchText returns about n bytes of text drawn at random from the test
// stories: Han characters for zh, words for en, so that (as in a real
// article) almost every shingle is distinct.
func benchText(lang string, n int) string {
	rng := rand.New(rand.NewPCG(1, 1))
	var units []string
	sep := ""
	if lang == "zh" {
		for _, r := range zhStory + zhOther {
			units = append(units, string(r))
		}
	} else {
		units, sep = strings.Fields(enStory+" "+enOther), " "
	}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(units[rng.IntN(len(units))])
		b.WriteString(sep)
	}
	return b.String()
}

func BenchmarkSign(b *testing.B) {
	for _, lang := range []string{"zh", "en"} {
		text := benchText(lang, 8000) // ~3,000 Han characters or ~1,300 words
		b.Run(lang, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Sign("", text)
			}
		})
	}
}

// BenchmarkContentHash is the baseline for BenchmarkSign: the exact
// fingerprint (Normalise + SHA-256) of the same texts.
func BenchmarkContentHash(b *testing.B) {
	for _, lang := range []string{"zh", "en"} {
		text := benchText(lang, 8000)
		b.Run(lang, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				ContentHash(text)
			}
		})
	}
}

func BenchmarkKeys(b *testing.B) {
	s := Sign("", zhStory)
	for b.Loop() {
		s.Keys()
	}
}

func BenchmarkSimilarity(b *testing.B) {
	x, y := Sign("", zhStory), Sign("", zhOther)
	for b.Loop() {
		Similarity(x, y)
	}
}

// BenchmarkFingerprint times the pipeline's dedup step on a 20 KB Chinese
// body: normalisation, the content hash and the signature.
func BenchmarkFingerprint(b *testing.B) {
	text := benchText("zh", 20000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Fingerprint("标题", text)
	}
}

// TestMayDuplicate: digests turn down exactly the pairs with too few equal
// bytes for the resemblance texts of their sizes need to be copies
// (containFloor), never a pair Duplicate accepts, and leave unknown digests
// to the signatures.
func TestMayDuplicate(t *testing.T) {
	base := Sign("", zhStory)
	// with returns a copy of base whose first eq MinHash values are base's
	// and whose others differ from base's in their low byte: a text of
	// base's size.
	with := func(eq int) Signature {
		s := append(Signature(nil), base...)
		for i := eq; i < numHashes; i++ {
			s[headerLen+4*i]++ // the low byte (little-endian)
		}
		return s
	}
	floor := containFloor(base.sampleSize(), base.sampleSize())
	least := int(math.Ceil(floor * numHashes))
	for _, eq := range []int{0, 1, 4, least - 1, least, least + 1, numHashes / 2, numHashes} {
		s := with(eq)
		if got := MayDuplicate(base.Digest(), s.Digest()); got != (eq >= least) {
			t.Errorf("%d equal values of texts of one size: MayDuplicate = %v, want it from %d", eq, got, least)
		}
		if Duplicate(base, s) && !MayDuplicate(base.Digest(), s.Digest()) {
			t.Errorf("%d equal values: Duplicate accepts what the digests turn down", eq)
		}
	}
	if !MayDuplicate(nil, base.Digest()) || !MayDuplicate(base.Digest(), nil) || Signature(nil).Digest() != nil {
		t.Error("an unknown digest must leave the pair to the signatures")
	}

	// Texts that are copies (cut, excerpted, held in a longer text) and
	// texts that share some of their words.
	texts := map[string]string{
		"zh": zhStory, "zh cut": dropLine(dropLine(zhStory, 4), 0), "zh excerpt": strings.Split(zhStory, "\n")[1],
		"zh in roundup": zhOther + "\n" + zhStory, "zh other": zhOther,
		"en": enStory, "en cut": dropLine(enStory, 3), "en in roundup": enOther + "\n" + enStory, "en other": enOther,
		"zh random": benchText("zh", 3000), "en random": benchText("en", 3000),
	}
	dups, refused := 0, 0
	for na, a := range texts {
		for nb, b := range texts {
			sa, sb := Sign("", a), Sign("", b)
			may := MayDuplicate(sa.Digest(), sb.Digest())
			if Duplicate(sa, sb) {
				dups++
				if !may {
					t.Errorf("%s / %s: copies turned down by their digests", na, nb)
				}
			}
			if !may {
				refused++
			}
		}
	}
	if dups <= len(texts) || refused == 0 {
		t.Errorf("%d pairs of copies, %d turned down by digests: the test texts do not test both ways", dups, refused)
	}
}
