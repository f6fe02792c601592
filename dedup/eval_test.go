package dedup

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"

	"github.com/newsmon/newsmon/internal/evaldata"
)

// The near-duplicate evaluation (issue 4, acceptance 1). It reads the truth
// bodies of the real pages in $NEWSMON_EXTRACT_DATA (*/truth.json), builds
// near-duplicate pairs by editing one copy the way syndication does, and
// distinct pairs from different articles (also wrapped in the same site's
// boilerplate), then reports precision and recall of Near and a threshold
// sweep. With $NEWSMON_CLUSTER_DATA set it adds the BASIL articles (one
// event reported by three outlets in their own words) as hard distinct pairs.
// Run:
//
//	NEWSMON_EXTRACT_DATA=/work/shared/data/extract NEWSMON_CLUSTER_DATA=/work/shared/data/cluster \
//	  go test -run TestEvalNearDup -v ./dedup/

type evalDoc struct {
	id, lang, group, body string
	event                 string // BASIL event label: same event, different text
}

func loadEvalDocs(t *testing.T) []evalDoc {
	t.Helper()
	dir := os.Getenv("NEWSMON_EXTRACT_DATA")
	if dir == "" {
		t.Skip("NEWSMON_EXTRACT_DATA not set")
	}
	truths, err := evaldata.Truths(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(truths) == 0 {
		t.Skipf("no */truth.json under %s", dir)
	}
	var docs []evalDoc
	for _, tr := range truths {
		if strings.TrimSpace(tr.Body) == "" {
			continue
		}
		group := strings.Join(strings.SplitN(tr.ID, "-", 3)[:2], "-") // lang-source
		if tr.Site != nil {
			group += "-" + *tr.Site
		}
		docs = append(docs, evalDoc{id: tr.ID, lang: tr.Lang, group: group, body: tr.Body})
	}
	return append(docs, loadBASIL(t)...)
}

// loadBASIL reads the BASIL articles of $NEWSMON_CLUSTER_DATA (a directory
// holding articles.jsonl, or the file), if set: three outlets' own reports of
// one event, the hardest distinct pairs (same subject, different text).
func loadBASIL(t *testing.T) []evalDoc {
	t.Helper()
	path := os.Getenv(evaldata.ClusterEnv)
	if path == "" {
		return nil
	}
	items, err := evaldata.ReadCluster(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []evalDoc
	for _, a := range evaldata.Select(items, "basil") {
		if strings.TrimSpace(a.Body) != "" {
			docs = append(docs, evalDoc{id: a.ID, lang: a.Lang, group: "en-basil-" + a.Source, body: a.Body, event: a.Event})
		}
	}
	return docs
}

// Boilerplate of invented sites (our own text): a header and a footer each.
var evalTemplates = map[string][][2]string{
	"zh": {
		{"首页 > 科技频道 > 正文\n字号：大 中 小　打印本页　关闭窗口\n分享到：微博 微信 QQ空间",
			"【免责声明】本文仅代表作者本人观点，与本网站无关。\n扫描二维码，关注我们的微信公众号\n相关阅读：\n热门推荐\nCopyright © 2020 某某资讯网 版权所有"},
		{"您当前的位置：新闻中心 > 国内新闻\n来源：某某晚报　作者：记者 王某　发布时间：2020年05月01日 10:23",
			"（本文来源：某某晚报）\n点击进入专题：今日要闻\n举报 收藏 评论\n京ICP证000000号 互联网新闻信息服务许可证"},
	},
	"en": {
		{"Home > News > World\nShare this article: Facebook Twitter Email\nAdvertisement",
			"Sign up for our daily newsletter to get the top stories in your inbox.\nRelated stories\nMost read\n© 2024 Example Media Ltd. All rights reserved."},
		{"Skip to main content\nSubscribe now | Log in\nBy Staff Reporter | Updated 3 hours ago",
			"This article originally appeared on an example wire service and is republished with permission.\nComments are closed.\nTerms of Service | Privacy Policy | Contact us"},
	},
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n") {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// firstSentence returns the text up to the first sentence end (at most max runes).
func firstSentence(s string, max int) string {
	s = strings.TrimSpace(s)
	n := 0
	for i, r := range s {
		n++
		if strings.ContainsRune("。！？.!?", r) && n > 10 || n >= max {
			return s[:i+utf8.RuneLen(r)]
		}
	}
	return s
}

var (
	toWide   = strings.NewReplacer(",", "，", ".", "。", ":", "：", ";", "；", "!", "！", "?", "？", "(", "（", ")", "）", "\"", "＂")
	toNarrow = strings.NewReplacer("，", ",", "。", ".", "：", ":", "；", ";", "！", "!", "？", "?", "（", "(", "）", ")", "“", "\"", "”", "\"", "、", ",")
)

// evalVariants are the edits that turn a body into a near-duplicate copy.
// other is a paragraph of a different article in the same language.
func evalVariants(t *testing.T, d evalDoc, other string, s2t *opencc.OpenCC, rng *rand.Rand) map[string]string {
	t.Helper()
	tpl := evalTemplates[d.lang][rng.IntN(2)]
	ps := paragraphs(d.body)
	v := map[string]string{}
	v["rewrap"] = tpl[0] + "\n" + d.body + "\n" + tpl[1]
	if len(ps) > 1 {
		i := rng.IntN(len(ps))
		v["drop-paragraph"] = strings.Join(append(clone(ps[:i]), ps[i+1:]...), "\n")
	} else {
		v["drop-paragraph"] = strings.TrimSuffix(d.body, firstSentenceFromEnd(d.body))
	}
	at := rng.IntN(len(ps) + 1)
	added := append(clone(ps[:at]), append([]string{other}, ps[at:]...)...)
	v["add-paragraph"] = strings.Join(added, "\n")
	editor := "责任编辑：李某"
	summary := "摘要：" + firstSentence(d.body, 120)
	if d.lang == "en" {
		editor = "Editor: Jane Example"
		summary = "Summary: " + firstSentence(d.body, 200)
	}
	v["editor-line"] = d.body + "\n" + editor
	v["summary-on-top"] = summary + "\n" + d.body
	if d.lang == "zh" {
		tr, err := s2t.Convert(d.body)
		if err != nil {
			t.Fatalf("%s: s2t: %v", d.id, err)
		}
		v["traditional"] = tr
		v["punct-width"] = toNarrow.Replace(d.body)
	} else {
		v["punct-width"] = toWide.Replace(d.body)
	}
	// Syndicated: another template, a dropped paragraph, an editor line,
	// other punctuation width, and lines re-wrapped.
	base := v["drop-paragraph"]
	if d.lang == "zh" {
		base = toNarrow.Replace(base)
	} else {
		base = toWide.Replace(base)
	}
	v["syndicated"] = tpl[0] + "\n" + rewrap(base, 30) + "\n" + editor + "\n" + tpl[1]
	return v
}

// containVariants are the copies that hold only part of a body, or hold it
// with other text around: excerpts of 40 % and 60 % of it, the intro cut
// (the first third), and the body inside a page of other text (around: text
// of other articles) about one and a half times its length.
func containVariants(d evalDoc, around string, rng *rand.Rand) map[string]string {
	rs := []rune(d.body)
	n := len(rs)
	v := map[string]string{}
	for _, frac := range []float64{0.4, 0.6} {
		k := int(frac*float64(n)) + 1
		at := rng.IntN(n - min(k, n) + 1)
		v[fmt.Sprintf("excerpt-%.0f", 100*frac)] = string(rs[at:min(at+k, n)])
	}
	v["intro-cut"] = string(rs[n/3:])
	ar := []rune(around)
	half := min(len(ar)/2, 3*n/4)
	v["inside-page"] = string(ar[:half]) + "\n" + d.body + "\n" + string(ar[len(ar)-half:])
	return v
}

func clone(s []string) []string { return append([]string(nil), s...) }

func firstSentenceFromEnd(s string) string {
	rs := []rune(strings.TrimSpace(s))
	for i := len(rs) - 2; i > 0; i-- {
		if strings.ContainsRune("。！？.!?", rs[i]) {
			return string(rs[i+1:])
		}
	}
	return ""
}

// rewrap hard-wraps every paragraph at about n runes, as old portal pages
// did: at the last space when the line has one, else anywhere (Chinese).
func rewrap(s string, n int) string {
	var b strings.Builder
	for _, p := range paragraphs(s) {
		rs := []rune(p)
		for len(rs) > n {
			cut := n
			for i := n; i > 0; i-- {
				if rs[i] == ' ' {
					cut = i
					break
				}
			}
			b.WriteString(string(rs[:cut]) + "\n")
			rs = rs[cut:]
		}
		b.WriteString(string(rs) + "\n\n")
	}
	return b.String()
}

// evalPair is a pair of texts (indexes into the text list) to compare.
type evalPair struct {
	kind string // variant name for near pairs; "distinct", "distinct-same-group", "distinct-boilerplate", "distinct-same-event"
	near bool
	a, b int
}

// evalMethod scores a pair of texts; higher is more similar, in [0, 1].
type evalMethod struct {
	name string
	sim  func(a, b int) float64
}

func TestEvalNearDup(t *testing.T) {
	docs := loadEvalDocs(t)
	s2t, err := opencc.New("s2t")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// The containment kinds draw from a stream of their own, so the other
	// kinds' pairs stay those of earlier runs.
	crng := rand.New(rand.NewPCG(5, 6))
	byLang := map[string][]int{}
	for i, d := range docs {
		byLang[d.lang] = append(byLang[d.lang], i)
	}
	var texts []string
	add := func(s string) int { texts = append(texts, s); return len(texts) - 1 }
	orig := make([]int, len(docs))
	wrap := make([]int, len(docs))
	var pairs []evalPair
	for i, d := range docs {
		same := byLang[d.lang]
		j := same[rng.IntN(len(same))]
		for j == i {
			j = same[rng.IntN(len(same))]
		}
		op := paragraphs(docs[j].body)
		other := firstSentence(op[rng.IntN(len(op))], 200)
		orig[i] = add(d.body)
		tpl := evalTemplates[d.lang][0]
		wrap[i] = add(tpl[0] + "\n" + d.body + "\n" + tpl[1])
		vs := evalVariants(t, d, other, s2t, rng)
		// Text around a copy: other articles of the language, whole.
		var around strings.Builder
		for around.Len() < 4*len(d.body) {
			k := same[crng.IntN(len(same))]
			if k != i {
				around.WriteString(docs[k].body + "\n")
			}
		}
		for name, text := range containVariants(d, around.String(), crng) {
			vs[name] = text
		}
		names := make([]string, 0, len(vs))
		for name := range vs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			pairs = append(pairs, evalPair{kind: name, near: true, a: orig[i], b: add(vs[name])})
		}
	}
	// Articles that merely share a paragraph: another article of the
	// language with one paragraph of this one (of three or more) inside.
	for i, d := range docs {
		ps := paragraphs(d.body)
		if len(ps) < 3 {
			continue
		}
		same := byLang[d.lang]
		j := same[crng.IntN(len(same))]
		if j == i {
			continue
		}
		qs := paragraphs(docs[j].body)
		at := crng.IntN(len(qs) + 1)
		mixed := append(clone(qs[:at]), append([]string{ps[crng.IntN(len(ps))]}, qs[at:]...)...)
		pairs = append(pairs, evalPair{kind: "distinct-shared-paragraph", a: orig[i], b: add(strings.Join(mixed, "\n"))})
	}
	for i := range docs {
		for j := i + 1; j < len(docs); j++ {
			kind := "distinct"
			switch {
			case docs[i].event != "" && docs[i].event == docs[j].event:
				kind = "distinct-same-event"
			case docs[i].group == docs[j].group:
				kind = "distinct-same-group"
			}
			pairs = append(pairs, evalPair{kind: kind, a: orig[i], b: orig[j]})
			if docs[i].lang == docs[j].lang {
				pairs = append(pairs, evalPair{kind: "distinct-boilerplate", a: wrap[i], b: wrap[j]})
			}
		}
	}
	t.Logf("%d documents, %d texts, %d pairs (%d near)", len(docs), len(texts), len(pairs), countNear(pairs))

	toks := make([][]uint64, len(texts))
	for i, s := range texts {
		toks[i] = tokens(Normalise(s))
	}
	sigs := func(k int) []Signature {
		out := make([]Signature, len(texts))
		for i := range texts {
			out[i] = signTokens(toks[i], k)
		}
		return out
	}
	chosen := make([]Signature, len(texts))
	for i := range texts {
		_, chosen[i] = Fingerprint("", texts[i])
	}
	keys := make([][]string, len(texts))
	index := make([][]string, len(texts))
	lookup := make([][]string, len(texts))
	for i, s := range chosen {
		keys[i], index[i], lookup[i] = s.Keys(), s.IndexKeys(), s.LookupKeys()
	}
	var methods []evalMethod
	for _, k := range []int{3, 5} {
		s := sigs(k)
		methods = append(methods, evalMethod{fmt.Sprintf("MinHash k=%d", k), func(a, b int) float64 { return Similarity(s[a], s[b]) }})
	}
	sim64 := make([]uint64, len(texts))
	for i := range texts {
		sim64[i] = simHash(shingles(toks[i], shingleLen))
	}
	methods = append(methods, evalMethod{fmt.Sprintf("SimHash-64 k=%d (1 - Hamming/64)", shingleLen), func(a, b int) float64 {
		return 1 - float64(bits.OnesCount64(sim64[a]^sim64[b]))/64
	}})

	mine := evalMethod{fmt.Sprintf("MinHash k=%d (chosen)", shingleLen), func(a, b int) float64 { return Similarity(chosen[a], chosen[b]) }}
	sweep(t, mine, pairs)
	perKind(t, pairs, chosen, keys)
	// End to end, resemblance only: a shared band key, then Near.
	tp, fp, fn := confusion(pairs, func(i int) bool {
		x := pairs[i]
		return sharedKey(keys[x.a], keys[x.b]) && Near(chosen[x.a], chosen[x.b])
	})
	p, r := float64(tp)/float64(max(tp+fp, 1)), float64(tp)/float64(tp+fn)
	t.Logf("end to end, resemblance only (shared LSH key and Near at %.2f): precision %.4f recall %.4f (tp %d, fp %d, fn %d)",
		NearThreshold, p, r, tp, fp, fn)
	// End to end as the pipeline finds copies: the stored text's index
	// keys meet the new text's lookup keys, then Duplicate. A copy counts
	// as found when it is found whichever of the two came first; a
	// distinct pair as linked when it is linked in either order.
	found := func(a, b int) bool {
		return candidate(index[a], lookup[b]) && Duplicate(chosen[a], chosen[b])
	}
	tp, fp, fn = confusion(pairs, func(i int) bool {
		x := pairs[i]
		if x.near {
			return found(x.a, x.b) && found(x.b, x.a)
		}
		return found(x.a, x.b) || found(x.b, x.a)
	})
	p, r = float64(tp)/float64(max(tp+fp, 1)), float64(tp)/float64(tp+fn)
	t.Logf("end to end (index and lookup keys, Near at %.2f or Contained at %.2f): precision %.4f recall %.4f (tp %d, fp %d, fn %d)",
		NearThreshold, ContainThreshold, p, r, tp, fp, fn)
	if p < 0.999 || r < 0.99 {
		t.Errorf("precision %.4f recall %.4f, want >= 0.999 and >= 0.99", p, r)
	}
	var worst float64 // the highest containment of a distinct pair, at a ratio Contained takes
	for _, x := range pairs {
		if c, ratio := Containment(chosen[x.a], chosen[x.b]); !x.near && ratio >= minContainRatio {
			worst = max(worst, c)
		}
	}
	t.Logf("highest containment of a distinct pair: %.3f (threshold %.2f)", worst, ContainThreshold)
	if testing.Verbose() {
		for i, x := range pairs {
			if got := x.near && !(found(x.a, x.b) && found(x.b, x.a)) || !x.near && (found(x.a, x.b) || found(x.b, x.a)); got {
				c, ratio := Containment(chosen[x.a], chosen[x.b])
				t.Logf("miss: pair %d %s near=%v sim %.3f containment %.3f ratio %.3f", i, x.kind, x.near, Similarity(chosen[x.a], chosen[x.b]), c, ratio)
			}
		}
	}
	if testing.Verbose() {
		for _, m := range methods {
			sweep(t, m, pairs)
		}
	}
}

// confusion counts true positives, false positives and false negatives of
// found (called with a pair's index) over pairs.
func confusion(pairs []evalPair, found func(int) bool) (tp, fp, fn int) {
	for i, x := range pairs {
		got := found(i)
		switch {
		case got && x.near:
			tp++
		case got:
			fp++
		case x.near:
			fn++
		}
	}
	return tp, fp, fn
}

func countNear(pairs []evalPair) (n int) {
	for _, p := range pairs {
		if p.near {
			n++
		}
	}
	return n
}

// simHash is a 64-bit SimHash over shingle hashes (each weighted 1), for
// comparison with MinHash in the evaluation.
func simHash(sh []uint64) uint64 {
	var v [64]int
	for _, x := range sh {
		x = mix64(x)
		for i := range v {
			if x>>i&1 == 1 {
				v[i]++
			} else {
				v[i]--
			}
		}
	}
	var out uint64
	for i, c := range v {
		if c > 0 {
			out |= 1 << i
		}
	}
	return out
}

// sweep logs precision and recall of m over a range of thresholds, as
// markdown table rows.
func sweep(t *testing.T, m evalMethod, pairs []evalPair) {
	t.Helper()
	sims := make([]float64, len(pairs))
	var distinctMax float64
	for i, x := range pairs {
		sims[i] = m.sim(x.a, x.b)
		if !x.near {
			distinctMax = max(distinctMax, sims[i])
		}
	}
	t.Logf("%s: highest similarity of a distinct pair %.3f", m.name, distinctMax)
	t.Logf("| threshold | precision | recall | false pos | false neg |")
	t.Logf("|---|---|---|---|---|")
	for th := 0.25; th <= 0.951; th += 0.05 {
		tp, fp, fn := confusion(pairs, func(i int) bool { return sims[i] >= th })
		t.Logf("| %.2f | %.4f | %.4f | %d | %d |", th, float64(tp)/float64(max(tp+fp, 1)), float64(tp)/float64(tp+fn), fp, fn)
	}
}

// perKind logs, per pair kind, how many pairs Near reports at NearThreshold,
// the similarity range, and how many share an LSH band key.
func perKind(t *testing.T, pairs []evalPair, sigs []Signature, keys [][]string) {
	t.Helper()
	type stat struct {
		n, hit, dup    int
		cand           int
		minSim, maxSim float64
	}
	stats := map[string]*stat{}
	for _, x := range pairs {
		s := stats[x.kind]
		if s == nil {
			s = &stat{minSim: 1}
			stats[x.kind] = s
		}
		a, b := sigs[x.a], sigs[x.b]
		sim := Similarity(a, b)
		s.n++
		if Near(a, b) {
			s.hit++
		}
		if Duplicate(a, b) {
			s.dup++
			if !MayDuplicate(a.Digest(), b.Digest()) {
				t.Errorf("%s pair %d/%d: copies turned down by their digests", x.kind, x.a, x.b)
			}
		}
		if sharedKey(keys[x.a], keys[x.b]) {
			s.cand++
		}
		s.minSim, s.maxSim = min(s.minSim, sim), max(s.maxSim, sim)
	}
	kinds := make([]string, 0, len(stats))
	for k := range stats {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("| pair kind | pairs | Near at %.2f | Duplicate | min sim | max sim | share an LSH key |", NearThreshold)
	t.Logf("|---|---|---|---|---|---|---|")
	for _, k := range kinds {
		s := stats[k]
		t.Logf("| %s | %d | %d (%.1f%%) | %d (%.1f%%) | %.3f | %.3f | %.1f%% (%d) |", k, s.n, s.hit,
			100*float64(s.hit)/float64(s.n), s.dup, 100*float64(s.dup)/float64(s.n), s.minSim, s.maxSim, 100*float64(s.cand)/float64(s.n), s.cand)
	}
}

// shareKey reports whether a and b share an LSH band key. Key i names
// band i, so only keys at the same position can be equal.
func shareKey(a, b Signature) bool {
	return sharedKey(a.Keys(), b.Keys())
}

// candidate reports whether a stored text with index keys idx is compared
// with a new one with lookup keys look, as the pipeline does: they share
// a band key or MinSharedAnchors anchors.
func candidate(idx, look []string) bool {
	set := make(map[string]bool, len(idx))
	for _, k := range idx {
		set[k] = true
	}
	anchors := 0
	for _, k := range look {
		if !set[k] {
			continue
		}
		if !IsAnchorKey(k) {
			return true
		}
		anchors++
	}
	return anchors >= MinSharedAnchors
}

// sharesAny reports whether the key lists have a key in common.
func sharesAny(ka, kb []string) bool {
	set := make(map[string]bool, len(ka))
	for _, k := range ka {
		set[k] = true
	}
	for _, k := range kb {
		if set[k] {
			return true
		}
	}
	return false
}

func sharedKey(ka, kb []string) bool {
	for i := range min(len(ka), len(kb)) {
		if ka[i] == kb[i] {
			return true
		}
	}
	return false
}
