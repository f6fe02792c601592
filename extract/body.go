package extract

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Class and id words that mark boilerplate (matched as word prefixes) and
// words that mark article content.
var (
	negWords = []string{
		"comment", "share", "sharing", "social", "related", "relate", "recommend",
		"breadcrumb", "crumb", "copyright", "footer", "sidebar", "side-bar", "menu",
		"navbar", "nav", "advert", "sponsor", "banner", "popup", "modal", "cookie",
		"login", "subscribe", "newsletter", "promo", "qrcode", "pagination", "pager",
		"hotnews", "hot_news", "toolbar", "masthead", "disqus", "outbrain", "taboola",
		"rank", "widget", "signup", "corrections", "reprint", "jiucuo", "shengming",
		"more-news", "morenews", "tags", "tag-list", "keywords",
		// pinyin class names on Chinese sites: recommend, related, comment, share,
		// hot, ranking, ads, copyright, disclaimer, navigation
		"tuijian", "xiangguan", "pinglun", "fenxiang", "remen", "paihang", "guanggao",
		"banquan", "mianze", "daohang",
	}
	negExact = map[string]bool{
		"ad": true, "ads": true, "adv": true, "hot": true, "tag": true, "share": true,
		"hidden": true, "hide": true, "print": true, "bottom": true, "foot": true,
		"aside": true, "header": true,
		"bio": true, "more": true, "next": true, "prev": true, "links": true, "gg": true,
		"statement": true, "disclaimer": true, "declare": true,
	}
	posWords = []string{
		"article", "content", "entry", "post", "story", "body", "text", "main",
		"artibody", "detail", "zhengwen", "cont", "news", "txt",
	}
	// strongNeg words stay boilerplate even next to a content word.
	strongNeg = []string{"comment", "share", "sharing", "related", "relate", "recommend", "breadcrumb", "copyright", "tuijian", "xiangguan", "pinglun", "fenxiang"}
)

// negativeAttr reports whether an element's class or id marks it as
// boilerplate.
func negativeAttr(n *html.Node) bool {
	var cls, id string
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			cls = a.Val
		case "id":
			id = a.Val
		case "role":
			switch a.Val {
			case "navigation", "complementary", "contentinfo", "banner", "menu":
				return true
			}
		}
	}
	if cls == "" && id == "" {
		return false
	}
	return classify(withoutStates(strings.ToLower(cls)), withoutStates(strings.ToLower(id)))
}

// withoutStates drops the class names that state a feature of the element
// rather than name what it is ("comments-enabled", "has-share-bar",
// "no-related"): an article whose comments are switched on is not a
// comment thread. v is lower-cased.
func withoutStates(v string) string {
	if !strings.ContainsAny(v, "-_") {
		return v
	}
	var b strings.Builder
	for _, tok := range strings.Fields(v) {
		if stateToken(tok) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// stateToken reports a class name of the form has-X, no-X, with-X, is-X,
// X-enabled, X-disabled, X-open, X-closed, X-allowed.
func stateToken(tok string) bool {
	i := strings.IndexAny(tok, "-_")
	if i < 0 {
		return false
	}
	switch tok[:i] {
	case "has", "no", "with", "is", "enable", "enabled", "allow":
		return true
	}
	j := strings.LastIndexAny(tok, "-_")
	switch tok[j+1:] {
	case "enabled", "disabled", "open", "closed", "allowed", "on", "off":
		return true
	}
	return false
}

// classify reads the words of a lower-cased class and id.
func classify(cls, id string) bool {
	neg, pos, strong := false, false, false
	for _, rest := range [2]string{cls, id} {
		for rest != "" {
			w := rest
			if i := strings.IndexAny(rest, " \t-_"); i >= 0 {
				w, rest = rest[:i], rest[i+1:]
			} else {
				rest = ""
			}
			if w == "" {
				continue
			}
			neg = neg || negExact[w] || negPrefixes.match(w)
			strong = strong || strongPrefixes.match(w)
			pos = pos || posPrefixes.match(w)
		}
	}
	if strong || hiddenClass(cls) || hiddenClass(id) {
		return true
	}
	// "content-main-side" etc: a content word wins over weak negatives.
	return neg && !pos
}

// prefixSet holds prefixes by their first byte, for matching many words
// against many prefixes.
type prefixSet [256][]string

func newPrefixSet(list []string) *prefixSet {
	var t prefixSet
	for _, p := range list {
		t[p[0]] = append(t[p[0]], p)
	}
	return &t
}

// match reports whether w starts with one of the prefixes.
func (t *prefixSet) match(w string) bool {
	if w == "" {
		return false
	}
	for _, p := range t[w[0]] {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

var (
	negPrefixes    = newPrefixSet(negWords)
	strongPrefixes = newPrefixSet(strongNeg)
	posPrefixes    = newPrefixSet(posWords)
	creditSet      = newPrefixSet(creditPrefixes)
)

// hiddenClass reports a class that hides an element (display: none).
func hiddenClass(s string) bool {
	for w := range strings.FieldsSeq(s) {
		switch w {
		case "hidden", "hide", "d-none", "is-hidden", "visually-hidden", "sr-only", "display-none":
			return true
		}
	}
	return false
}

// inComments reports whether block i lies inside comments, a share bar,
// related or recommended articles (the strong boilerplate words).
func (p *page) inComments(i int32) bool {
	for j := i; j >= 0; j = p.blocks[j].parent {
		v := withoutStates(strings.ToLower(attr(p.blocks[j].n, "class") + " " + attr(p.blocks[j].n, "id")))
		for _, w := range strongNeg {
			if strings.Contains(v, w) {
				return true
			}
		}
	}
	return false
}

// inNeg reports whether block i or an ancestor is boilerplate.
func (p *page) inNeg(i int32) bool {
	for j := i; j >= 0; j = p.blocks[j].parent {
		if p.blocks[j].neg {
			return true
		}
	}
	return false
}

// weight is the length of a text run, a Han character counting double.
func weight(chars, han int32) float64 { return float64(chars + han) }

// score gives each paragraph's evidence to its container and their
// ancestors (readability's scheme, with Chinese punctuation counted as
// commas) and returns the best container, or -1.
func (p *page) score() int32 {
	bl := p.blocks
	for i := range bl {
		b := &bl[i]
		if b.ownChars == 0 || b.n.DataAtom == atom.Body || b.n.DataAtom == atom.Html {
			continue
		}
		w := weight(b.ownChars-b.ownLinks, b.ownHan)
		if w < 20 {
			continue
		}
		ld := float64(b.ownLinks) / float64(b.ownChars)
		if ld > 0.5 || (b.firstSeg >= 0 && b.ownChars < 150 && boilerLine(p.firstText(b))) {
			continue
		}
		if b.ownLinks > 0 && b.ownLetters < 4 {
			// A link with nothing but numbers and marks beside it (a date,
			// a count: "Title【author】08-11 16:58 138字 [140/0]") is an
			// item of a listing, not a paragraph.
			continue
		}
		s := 1 + float64(b.ownPunct) + math.Min(w/100, 3)
		if p.inNeg(int32(i)) {
			s *= 0.2
		}
		if b.ownHan > 0 && b.ownPunct == 0 && w < 60 {
			s *= 0.3 // a Chinese line without a single comma is rarely article text
		}
		s *= 1 - ld
		b.sub += s
		if !p.inNeg(int32(i)) {
			b.subText += b.ownChars - b.ownLinks
		}
		start := int32(i)
		if b.leafish {
			start = b.parent
			b.score += s * 0.2 // a lone paragraph is itself a weak candidate
		}
		for lvl, j := 0, start; j >= 0 && lvl < 4; lvl, j = lvl+1, bl[j].parent {
			div := 1.0
			switch {
			case lvl == 1:
				div = 2
			case lvl > 1:
				div = float64(lvl) * 3
			}
			bl[j].score += s / div
		}
	}
	for i := len(bl) - 1; i > 0; i-- {
		if par := bl[i].parent; par >= 0 {
			bl[par].sub += bl[i].sub
			bl[par].subText += bl[i].subText
		}
	}
	best, bestScore := int32(-1), 0.0
	for i := range bl {
		b := &bl[i]
		if b.score == 0 || b.chars == 0 {
			continue
		}
		ld := float64(b.links) / float64(b.chars)
		final := b.score * (1 - ld)
		if b.neg {
			final *= 0.3
		}
		if final > bestScore {
			best, bestScore = int32(i), final
		}
	}
	if best < 0 {
		return -1
	}
	// Climb while an ancestor scores better, or holds clearly more
	// paragraph evidence (the text is split across sibling containers) and
	// is mostly paragraph text itself; wrappers in between are skipped.
	for climbed := true; climbed; {
		climbed = false
		cb := &bl[best]
		for lvl, par := 0, cb.parent; par >= 0 && lvl < 5; lvl, par = lvl+1, bl[par].parent {
			pb := &bl[par]
			a := pb.n.DataAtom
			pld := float64(pb.links) / float64(max(pb.chars, 1))
			if a == atom.Body || a == atom.Html || pb.neg || pld > 0.35 {
				break
			}
			if pb.score*(1-pld) >= bestScore ||
				(pb.sub >= cb.sub*1.3 && float64(pb.subText) >= 0.6*float64(pb.chars) && pld < 0.25) {
				best, bestScore = par, max(bestScore, pb.score*(1-pld))
				climbed = true
				break
			}
		}
	}
	return best
}

// body renders the text of the chosen containers as paragraphs separated by
// blank lines, leaving out boilerplate inside them.
func (p *page) body(roots []*html.Node, title string) (string, scriptCount) {
	w := &textWriter{p: p, title: normKey(title)}
	for _, r := range roots {
		w.root = p.index[r]
		w.block = -1
		if i, ok := p.index[r]; ok {
			w.rootChars = p.blocks[i].chars
			w.block = i
		} else {
			w.rootChars = 0
		}
		w.node(r, 0)
		w.flush()
	}
	if len(w.paras) == 0 && w.head != "" {
		// A brief whose whole text is its headline: the headline is the text.
		w.script.add(w.head)
		return w.head, w.script
	}
	return strings.Join(w.paras, "\n\n"), w.script
}

type textWriter struct {
	p         *page
	title     string
	root      int32
	block     int32 // the block being written, -1 if none
	rootChars int32
	one       string      // the paragraph being written while it is one text run
	oneFirst  int32       // the block one is the first text run of if known, else -1
	script    scriptCount // of paras
	buf       []byte      // the paragraph being written once it is more; reused
	paras     []string
	keys      []string // normKey of each of paras, "" when it has Han characters (not computed)
	total     int
	inLink    int    // depth of <a href> around the text being written
	linkBytes int    // bytes of link text in the paragraph being written
	related   bool   // after a "related articles" header
	gallery   bool   // after a slide counter ("3 of 12")
	head      string // the headline, when it was left out as the body's first line
}

// uiWords are paragraphs that are only a widget's label.
var uiWords = map[string]bool{
	"caption": true, "close": true, "advertisement": true, "share": true, "image": true,
	"photo": true, "video": true, "enlarge": true, "expand": true, "loading": true,
	"loading...": true, "play": true, "pause": true, "next": true, "previous": true,
	"hidecaption": true, "toggle caption": true, "分享": true, "广告": true, "返回顶部": true,
	"展开全文": true, "打开app": true, "点击查看大图": true, "advert": true, "comments": true,
	"email": true, "keyevent": true,
}

func (w *textWriter) node(n *html.Node, depth int) {
	if depth > maxDepth || w.total > 1<<20 {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			w.write(c.Data, w.first(c))
			if w.inLink > 0 {
				w.linkBytes += len(strings.TrimSpace(c.Data))
			}
		case html.ElementNode:
			a := c.DataAtom
			if skipTag(a) || hidden(c) {
				continue
			}
			if a == atom.Br || a == atom.Hr {
				w.flush()
				continue
			}
			if a == atom.Img {
				continue
			}
			idx, isBlock := w.p.index[c]
			if isBlock && w.boiler(idx) {
				continue
			}
			link := a == atom.A && hasAttr(c, "href")
			if link {
				w.inLink++
			}
			if blockTag(a) {
				w.flush()
				outer := w.block
				if isBlock {
					w.block = idx
				}
				w.node(c, depth+1)
				w.block = outer
				w.flush()
			} else {
				w.node(c, depth+1)
			}
			if link {
				w.inLink--
			}
		}
	}
}

// boiler reports whether a block inside the article container is
// boilerplate: navigation, share bars, lists of links.
func (w *textWriter) boiler(i int32) bool {
	b := &w.p.blocks[i]
	if b.chars == 0 {
		return true
	}
	if b.neg && b.chars*2 < w.rootChars {
		return true
	}
	ld := float64(b.links) / float64(b.chars)
	switch b.n.DataAtom {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Figcaption, atom.Blockquote, atom.Pre:
		return ld > 0.8 && b.chars < 200
	}
	return ld > 0.5 && b.chars*2 < w.rootChars
}

// first returns the block being written if text node c is its first text
// run, as a paragraph's text usually is; else -1.
func (w *textWriter) first(c *html.Node) int32 {
	if w.block < 0 {
		return -1
	}
	if i := w.p.blocks[w.block].firstSeg; i >= 0 && w.p.segs[i].node == c {
		return w.block
	}
	return -1
}

// write adds a text run to the paragraph being written, first the block
// whose first text run it is, or -1. A paragraph of one run, the common
// case, is kept as that string and never copied.
func (w *textWriter) write(t string, first int32) {
	switch {
	case t == "":
	case w.one == "" && len(w.buf) == 0:
		w.one, w.oneFirst = t, first
	default:
		if w.one != "" {
			w.buf = append(w.buf, w.one...)
			w.one = ""
		}
		w.buf = append(w.buf, t...)
	}
}

func (w *textWriter) flush() {
	raw := w.one
	if len(w.buf) > 0 {
		raw = string(w.buf)
	}
	if raw == "" {
		return
	}
	var s string
	fb := int32(-1) // the block whose first text run is the paragraph, if known
	if len(w.buf) == 0 {
		fb = w.oneFirst
	}
	if fb >= 0 {
		s = w.p.blocks[fb].firstClean
	}
	if s == "" {
		s = collapse(raw)
	}
	w.one, w.buf = "", w.buf[:0]
	linkBytes := w.linkBytes
	w.linkBytes = 0
	if s == "" || boilerLine(s) || metaLine(s) || dateLine(s) {
		return
	}
	// A line that is all link text is navigation or a list of related
	// articles, unless it is long.
	if linkBytes*10 > len(strings.TrimSpace(raw))*7 && len(s) < 300 {
		return
	}
	if galleryCounter(s) {
		w.gallery = true // the slide's caption follows
		return
	}
	if w.gallery {
		w.gallery = false
		if len(s) < 600 {
			return
		}
	}
	if relatedHeader(s) {
		w.related = true
		return
	}
	if w.related {
		if len(s) < 100 || (len(s) < 100*utf8.UTFMax && utf8.RuneCountInString(s) < 100) {
			return // an item of a related-articles list
		}
		w.related = false
	}
	// normKey(s) only when it is needed: of s, collapsed, it keeps more
	// than half of the bytes and every Han character.
	k := ""
	if (len(w.paras) == 0 && w.title != "") || len(s) <= 2*maxUIWord || !hasHan(s) {
		k = normKey(s)
	}
	if len(w.paras) == 0 && w.title != "" && k == w.title {
		w.head = s
		return // the headline repeated at the top of the body
	}
	if uiWords[k] {
		return // a button label
	}
	if len(k) >= 20 && !hasHan(k) { // Chinese pages repeat lines on purpose (poems, code, slogans)
		for i := len(w.paras) - 1; i >= 0 && i >= len(w.paras)-4; i-- {
			if w.keys[i] == k {
				return // a caption repeated by a gallery
			}
		}
	}
	w.total += len(s)
	if fb >= 0 {
		w.script = w.script.plus(w.p.blocks[fb].firstScript) // collapse keeps every letter
	} else {
		w.script.add(s)
	}
	w.paras = append(w.paras, s)
	w.keys = append(w.keys, k)
}

// maxUIWord is the length of the longest of uiWords.
var maxUIWord = func() int {
	n := 0
	for k := range uiWords {
		n = max(n, len(k))
	}
	return n
}()

// creditPrefixes start lines that credit editors and sources or carry legal
// and service notices rather than article text.
var creditPrefixes = []string{
	"责任编辑", "責任編輯", "编辑：", "编辑:", "原标题", "原標題", "来源：", "来源:", "來源：",
	"本文来源", "文章来源", "文章纠错", "免责声明", "声明：", "版权声明", "版权所有",
	"copyright", "©", "(c)", "all rights reserved", "分享到", "扫一扫", "扫描二维码",
	"关注我们", "点击进入", "相关阅读", "相关新闻", "相关文章", "推荐阅读", "延伸阅读",
	"【纠错】", "打印本页", "关闭窗口", "返回首页", "上一篇", "下一篇", "advertisement",
	"share this", "read more:", "related:", "sign up for", "follow us", "click here",
	"sign up to", "subscribe to", "subscribe now", "i would like to be emailed",
	"for free real time", "we want to hear from you", "download the app", "get the app",
	"this article was originally published", "listen to this article", "watch:", "watch now",
	// photo captions' credits
	"photo:", "photos:", "photograph:", "image:", "images:", "picture:", "pictured:", "credit:", "photo credit",
}

// relatedHeaders open a list of links to other articles.
var relatedHeaders = map[string]bool{
	"相关报道": true, "相关新闻": true, "相关阅读": true, "相关文章": true, "相关链接": true,
	"延伸阅读": true, "推荐阅读": true, "热点推荐": true, "猜你喜欢": true, "相關新聞": true,
	"relatedarticles": true, "relatedstories": true, "related": true, "readmore": true,
	"moreonthisstory": true, "morefromthisauthor": true, "recommended": true, "youmightalsolike": true,
	"youmayalsolike": true, "relatedcontent": true, "relatedposts": true, "youmayalsobeinterestedin": true,
}

// galleryCounter reports a slideshow's position label: "3 of 12",
// "3 / 12", "3/12 |".
func galleryCounter(s string) bool {
	if len(s) > 20 {
		return false
	}
	f := strings.Fields(strings.Trim(s, " |"))
	isNum := func(x string) bool { return x != "" && strings.Trim(x, "0123456789") == "" }
	switch len(f) {
	case 1:
		a, b, ok := strings.Cut(f[0], "/")
		return ok && isNum(a) && isNum(b)
	case 3:
		return isNum(f[0]) && (f[1] == "of" || f[1] == "/") && isNum(f[2])
	}
	return false
}

func relatedHeader(s string) bool {
	if len(s) > 40 {
		return false
	}
	k := strings.TrimRight(normKey(s), ":：")
	return relatedHeaders[k]
}

// metaLine reports a short line of article metadata: a date with a
// source, editor or view count ("2005-04-05 06:40 更新 来源：…"), or
// page navigation ("第1页/共1页 上一页 | 下一页").
func metaLine(s string) bool {
	if len(s) > 60*utf8.UTFMax || utf8.RuneCountInString(s) > 60 {
		return false
	}
	if strings.Contains(s, "上一页") || strings.Contains(s, "下一页") {
		return true
	}
	has := false
	for _, k := range []string{"来源", "來源", "更新", "发布", "編輯", "编辑", "作者", "浏览", "阅读", "点击", "字号"} {
		if strings.Contains(s, k) {
			has = true
			break
		}
	}
	if !has {
		return false
	}
	_, ok := parseNumeric(normalizeDigits(s), time.UTC)
	return ok
}

// dateLine reports a line that is nothing but a date or time, as a byline's
// <time> element prints it ("2023-02-08T01:27:02Z", "2020年5月1日 10:23"):
// metadata, not article text.
func dateLine(s string) bool {
	if len(s) > 40*utf8.UTFMax || utf8.RuneCountInString(s) > 40 {
		return false
	}
	n := normalizeDigits(s)
	rest := strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || strings.ContainsRune(" -/:.,+TZ年月日时時分秒", r) {
			return -1
		}
		return r
	}, zoneNames.Replace(n))
	if rest != "" {
		return false
	}
	_, ok := parseNumeric(n, time.UTC)
	return ok
}

var zoneNames = strings.NewReplacer("UTC", "", "GMT", "")

func boilerLine(s string) bool {
	l := s
	if len(l) > 48 {
		l = truncateUTF8(l, 48)
	}
	if creditSet.matchFold(strings.TrimLeft(l, " (（【[「")) {
		return len(s) < 400
	}
	if len(s) < 120 && (strings.Contains(s, "责任编辑") || strings.Contains(s, "責任編輯")) {
		return true
	}
	return agencyCredit(s) || contactLine(s) || creditTail(s) || timeLabel(s)
}

// creditTail reports a picture's credit: a short line closing a
// parenthesis it did not open ("Liverpool Echo)", what is left of
// "(Image: Liverpool Echo)"), wholly in parentheses with a slash
// ("(Robert F. Bukaty / AP)"), or a caption ending with "(AP Photo/…)".
func creditTail(s string) bool {
	if !strings.HasSuffix(s, ")") || len(s) > 400 {
		return false
	}
	open := strings.LastIndexByte(s, '(')
	if open < 0 {
		return len(s) < 60 && !strings.ContainsAny(s, ",;!?")
	}
	inner := strings.ToLower(s[open+1 : len(s)-1])
	if len(inner) > 60 {
		return false
	}
	if open == 0 && strings.Contains(inner, " / ") {
		return true
	}
	return strings.Contains(inner, "photo/") || strings.Contains(inner, "photo /")
}

// timeLabel reports a live blog's entry label: a clock time with a name or
// a tag after it ("21:00Jane Doe", "19:11 KEY EVENT"), and nothing else.
func timeLabel(s string) bool {
	if len(s) < 5 || len(s) > 60 {
		return false
	}
	i := 0
	for i < len(s) && i < 2 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i+3 > len(s) || s[i] != ':' || s[i+1] < '0' || s[i+1] > '5' || s[i+2] < '0' || s[i+2] > '9' {
		return false
	}
	rest := s[i+3:]
	if rest == "" || (rest[0] >= '0' && rest[0] <= '9') || rest[0] == ':' {
		return false
	}
	return !strings.ContainsAny(rest, ".,;:!?\"'’“”")
}

// photoAgencies end a photo's credit line ("Jane Doe | Bloomberg | Getty
// Images", "… (Image: Getty Images)").
var photoAgencies = []string{"getty images", "shutterstock", "istock", "istockphoto"}

// agencyCredit reports a short line ending with a photo agency's name: a
// picture's caption or credit.
func agencyCredit(s string) bool {
	if len(s) > 200 {
		return false
	}
	t := strings.ToLower(strings.TrimRight(s, " )）]"))
	for _, a := range photoAgencies {
		if strings.HasSuffix(t, a) {
			return true
		}
	}
	return false
}

// contactWords, with an e-mail address, make a line the author's contact
// note ("Email Jane at jane@example.com or follow her @jane").
var contactWords = []string{"follow", "reached at", "email", "e-mail", "write to", "contact"}

// contactLine reports a short line giving an e-mail address to write to.
func contactLine(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || len(s) > 300 || !strings.Contains(s[at:], ".") || s[at-1] == ' ' {
		return false
	}
	l := strings.ToLower(s)
	for _, w := range contactWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// matchFold is match(strings.ToLower(w)) for lower-case prefixes, without
// building the lower-cased string: only ASCII letters are folded, unless w
// has one of the two non-ASCII letters that lower-case to ASCII (İ and K).
// Where the two foldings differ otherwise (other letters, invalid bytes)
// no prefix of ASCII, CJK and symbols matches either way.
func (t *prefixSet) matchFold(w string) bool {
	if strings.Contains(w, "\u0130") || strings.Contains(w, "\u212a") {
		return t.match(strings.ToLower(w))
	}
	if w == "" {
		return false
	}
	for _, p := range t[lowerASCII(w[0])] {
		if len(w) < len(p) {
			continue
		}
		i := 0
		for i < len(p) && lowerASCII(w[i]) == p[i] {
			i++
		}
		if i == len(p) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// normKey is s without spaces and case, for comparing titles and lines.
func normKey(s string) string {
	if !foldable(s) {
		return s // nothing to drop or fold, as in most Chinese paragraphs
	}
	var b strings.Builder
	b.Grow(len(s))
	if !utf8.ValidString(s) {
		for i, r := range s {
			switch {
			case r == ' ' || r == '\u3000' || r == '\u00a0' || r == '\n' || r == '\t':
			case r >= 'A' && r <= 'Z':
				b.WriteByte(byte(r) + 'a' - 'A')
			default:
				writeRuneAt(&b, s, i, r)
			}
		}
		return b.String()
	}
	// Valid UTF-8: byte by byte, as a leading byte is never a continuation.
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\n' || c == '\t':
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c == 0xC2 && strings.HasPrefix(s[i:], "\u00a0"):
			i++
		case c == 0xE3 && strings.HasPrefix(s[i:], "\u3000"):
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// foldable reports whether s has a character that normKey drops or folds.
func foldable(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\n' || c == '\t' || ('A' <= c && c <= 'Z'):
			return true
		case c == 0xC2 && strings.HasPrefix(s[i:], "\u00a0"), c == 0xE3 && strings.HasPrefix(s[i:], "\u3000"):
			return true
		}
	}
	return false
}

// writeRuneAt writes r, which starts at s[i], copying its bytes rather than
// encoding it again (an invalid byte is written as U+FFFD, as WriteRune does).
func writeRuneAt(b *strings.Builder, s string, i int, r rune) {
	switch {
	case r < utf8.RuneSelf:
		b.WriteByte(byte(r))
	case r == utf8.RuneError:
		b.WriteRune(r)
	default:
		b.WriteString(s[i : i+utf8.RuneLen(r)])
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}
