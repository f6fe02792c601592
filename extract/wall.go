package extract

import (
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Errors returned (wrapped, naming the URL) by Extract for pages that are
// not the article but stand in front of it. A caller reports them as such
// and stores nothing.
var (
	ErrBotWall   = errors.New("bot wall (challenge page)")
	ErrConsent   = errors.New("consent page")
	ErrJSShell   = errors.New("JavaScript-only page")
	ErrLoginWall = errors.New("login wall")
)

// Text thresholds (weight: a Han character counts double) under which a page
// is read as a wall. Only pages whose article text is this small are
// examined: a real article with a login box or a cookie banner beside it
// keeps its text and is extracted.
const (
	wallMaxBody   = 1200 // article text of a bot wall, login wall or consent page
	wallMaxPage   = 2000 // all visible text of a bot wall page
	shellMaxText  = 200  // all visible text of a JavaScript-only shell
	wallMaxSample = 8192 // bytes of visible text read for phrases
)

// wallEvidence is what one bounded walk over a small page finds.
type wallEvidence struct {
	challenge  bool // a challenge form, script or widget (captcha vendors, "cf-challenge")
	password   bool // a password field outside the page chrome
	consentEl  []*html.Node
	buttons    []*html.Node // buttons and links, for a label that accepts or agrees
	scripts    int          // executable scripts (not JSON-LD)
	noscriptJS bool         // a <noscript> asking for JavaScript
	emptyMount bool         // an application root element with no text
	nodes      int
}

// challengeMarkers are substrings of ids, classes, form actions and script
// or frame sources that challenge pages of the common bot-protection
// services and captcha widgets carry.
var challengeMarkers = []string{
	"captcha", "cf-challenge", "cf_chl", "challenge-form", "challenge-platform", "challenge-running",
	"cf-browser-verification", "_incapsula_resource", "px-block", "perimeterx", "datadome",
	"ddos-guard", "geetest", "turnstile", "bot-detect", "botdetect", "sec-cpt",
}

// challengePhrases are what challenge pages say, lower-cased.
var challengePhrases = []string{
	"checking your browser", "verify you are human", "verify that you are human", "are you a robot",
	"not a robot", "unusual traffic", "checking if the site connection is secure", "enable javascript and cookies to continue",
	"press & hold", "access denied", "安全验证", "人机验证", "访问验证", "滑动验证", "请完成验证", "拖动滑块", "异常访问", "请输入验证码",
}

// consentMarkers name consent dialogs and pages in ids, classes and form
// actions ("cmp" and "gdpr" as words).
var consentMarkers = []string{"consent", "gdpr", "cookiewall", "cookie-wall", "cookie_wall", "cookie-consent", "cookielaw", "privacy-wall"}

// acceptWords start the text of a button that accepts cookies or terms.
var acceptWords = []string{"accept", "agree", "i agree", "allow all", "allow cookies", "ok, i agree", "yes, i agree", "got it", "同意", "接受", "我同意", "我知道了"}

// loginPhrases say the text is kept behind a login or a subscription,
// lower-cased: a login box alone is page furniture.
var loginPhrases = []string{
	"to continue reading", "keep reading", "to read the full", "to read this", "read the full story", "for subscribers",
	"subscribers only", "subscriber-only", "subscriber only", "already a subscriber", "log in to read", "sign in to read",
	"log in to continue", "sign in to continue", "log in to view", "sign in to view", "members only", "for members",
	"登录后阅读", "登录后查看", "登录后继续", "登录阅读", "登录查看全文", "阅读全文请登录", "会员专享", "付费阅读", "订阅后阅读", "訂閱後閱讀", "登入後閱讀", "會員專享",
}

// mountIDs are the ids of the element a client-side application renders into.
var mountIDs = map[string]bool{"root": true, "app": true, "__next": true, "__nuxt": true, "app-root": true, "main-app": true, "application": true}

// wall reads a page whose article text weighs bodyWeight and returns the
// wall error it is, or nil. roots are the containers the text was taken from.
func (p *page) wall(bodyWeight float64, roots []*html.Node) error {
	if bodyWeight >= wallMaxBody {
		return nil
	}
	var pageWeight float64
	if b := p.find(atom.Body); b != nil {
		i := p.index[b]
		pageWeight = weight(p.blocks[i].chars, p.blocks[i].han)
	}
	var ev wallEvidence
	ev.walk(p.root, 0, false)

	switch {
	case pageWeight < wallMaxPage && (ev.challenge || (pageWeight < 500 && anyOf(p.visibleSample(), challengePhrases))):
		return ErrBotWall
	case ev.consentEl != nil && (insideAny(roots, ev.consentEl) || (ev.accepts() && p.textWeightOf(ev.consentEl) >= 0.5*pageWeight)):
		return ErrConsent
	case ev.password && bodyWeight < 600 && anyOf(p.visibleSample(), loginPhrases):
		return ErrLoginWall
	case pageWeight < shellMaxText && ev.scripts > 0 && (ev.noscriptJS || ev.emptyMount):
		return ErrJSShell
	}
	return nil
}

// textWeightOf is the weight of the visible text of the outermost of els.
func (p *page) textWeightOf(els []*html.Node) float64 {
	var w float64
	for i, e := range els {
		if insideAny([]*html.Node{e}, els[:i]) {
			continue // counted with its ancestor
		}
		w += textWeight(textOf(e), 1e9)
	}
	return w
}

// visibleSample returns the start of the page's visible text, lower-cased.
func (p *page) visibleSample() string {
	var b strings.Builder
	for _, s := range p.segs {
		if b.Len() > wallMaxSample {
			break
		}
		b.WriteString(strings.ToLower(s.text()))
		b.WriteByte(' ')
	}
	return b.String()
}

func anyOf(s string, phrases []string) bool {
	for _, ph := range phrases {
		if strings.Contains(s, ph) {
			return true
		}
	}
	return false
}

// insideAny reports whether any of roots lies inside (or is) one of els.
func insideAny(roots, els []*html.Node) bool {
	for _, r := range roots {
		for _, e := range els {
			if e == r || contains(e, r) {
				return true
			}
		}
	}
	return false
}

// walk collects the evidence, bounded like the page walk. chrome says n is
// inside the page's header, navigation, sidebar or footer.
func (ev *wallEvidence) walk(n *html.Node, depth int, chrome bool) {
	if depth > maxDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			if c.Type == html.DocumentNode {
				ev.walk(c, depth+1, chrome)
			}
			continue
		}
		if ev.nodes++; ev.nodes > maxNodes {
			return
		}
		ev.element(c, chrome)
		ch := chrome || c.DataAtom == atom.Header || c.DataAtom == atom.Nav || c.DataAtom == atom.Aside || c.DataAtom == atom.Footer
		ev.walk(c, depth+1, ch)
	}
}

func (ev *wallEvidence) element(c *html.Node, chrome bool) {
	id, cls := strings.ToLower(attr(c, "id")), strings.ToLower(attr(c, "class"))
	switch c.DataAtom {
	case atom.Script:
		typ := strings.ToLower(attr(c, "type"))
		if strings.Contains(typ, "json") || strings.Contains(typ, "template") {
			return
		}
		ev.scripts++
		if anyOf(strings.ToLower(attr(c, "src")), challengeMarkers) {
			ev.challenge = true
		}
		if c.FirstChild != nil && len(c.FirstChild.Data) < 1<<16 && anyOf(strings.ToLower(c.FirstChild.Data), []string{"_cf_chl_opt", "challenge-platform", "captcha"}) {
			ev.challenge = true
		}
		return
	case atom.Iframe:
		if anyOf(strings.ToLower(attr(c, "src")), challengeMarkers) {
			ev.challenge = true
		}
		return
	case atom.Noscript:
		if c.FirstChild != nil {
			t := strings.ToLower(c.FirstChild.Data)
			ev.noscriptJS = ev.noscriptJS || strings.Contains(t, "javascript") || strings.Contains(t, "enable js") || strings.Contains(t, "启用js") || strings.Contains(t, "开启js")
		}
		return
	case atom.Input:
		switch t := strings.ToLower(attr(c, "type")); t {
		case "password":
			ev.password = ev.password || !chrome
		case "submit", "button":
			ev.buttons = appendButton(ev.buttons, c)
		}
	case atom.Button, atom.A:
		ev.buttons = appendButton(ev.buttons, c)
	case atom.Form:
		if anyOf(strings.ToLower(attr(c, "action")), challengeMarkers) && !inCommentThread(c) {
			ev.challenge = true
		}
		if len(ev.consentEl) < 8 && anyOf(strings.ToLower(attr(c, "action")), consentMarkers) {
			ev.consentEl = append(ev.consentEl, c)
		}
	case atom.Div, atom.Span, atom.P, atom.Main, atom.Section:
		if mountIDs[id] && emptyText(c) {
			ev.emptyMount = true
		}
	case atom.Body, atom.Html:
		return // the page's own classes name every feature it may show
	}
	if id == "" && cls == "" {
		return
	}
	if (anyOf(id, challengeMarkers) || anyOf(cls, challengeMarkers)) && !inCommentThread(c) {
		ev.challenge = true // a captcha on a comment form is no wall
	}
	if len(ev.consentEl) < 8 && (anyOf(id, consentMarkers) || anyOf(cls, consentMarkers)) {
		ev.consentEl = append(ev.consentEl, c)
	}
}

// appendButton keeps up to 64 buttons and links, whose labels are read
// only when the page has a consent element.
func appendButton(list []*html.Node, n *html.Node) []*html.Node {
	if len(list) < 64 {
		list = append(list, n)
	}
	return list
}

// accepts reports whether one of the buttons or links accepts or agrees.
func (ev *wallEvidence) accepts() bool {
	for _, b := range ev.buttons {
		label := attr(b, "value")
		if b.DataAtom != atom.Input {
			var buf [96]byte
			raw, ok := shortText(b, buf[:0])
			if !ok {
				continue
			}
			label = string(raw)
		}
		if acceptText(label) {
			return true
		}
	}
	return false
}

// acceptText reports a short label that accepts or agrees.
func acceptText(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || utf8.RuneCountInString(s) > 30 {
		return false
	}
	for _, w := range acceptWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// textWeight is the weight of a text: its non-space characters, a Han
// character counting double; it stops counting past limit.
func textWeight(s string, limit float64) float64 {
	var n float64
	for _, r := range s {
		switch {
		case isSpace(r):
		case isHan(r):
			n += 2
		default:
			n++
		}
		if n > limit {
			break
		}
	}
	return n
}

// emptyText reports an element with no visible text.
func emptyText(n *html.Node) bool { return textOf(n) == "" }
