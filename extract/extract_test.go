package extract

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

var (
	shanghai = time.FixedZone("CST", 8*3600)
	fetched  = time.Date(2020, 5, 3, 12, 0, 0, 0, shanghai)
)

// zhPage is a generic Chinese portal page (no site rules) in our own words.
const zhPage = `<!DOCTYPE html><html><head><meta charset="utf-8">
<title>示例城市开通首条无人驾驶公交线路_示例新闻网</title>
<meta name="pubdate" content="2020-05-01 09:30:00">
<meta name="description" content="示例城市开通无人驾驶公交。">
<link rel="canonical" href="/news/2020/bus.html">
</head><body>
<div class="nav"><a href="/">首页</a> <a href="/a">国内</a> <a href="/b">国际</a> <a href="/c">财经</a></div>
<div class="wrap">
 <div class="left-col">
  <h1>示例城市开通首条无人驾驶公交线路</h1>
  <div class="info">2020年05月01日 09:30 来源：示例日报</div>
  <div class="share-bar"><a href="#">微博</a> <a href="#">微信</a></div>
  <div class="article-body">
   <p>原标题：无人驾驶公交来了</p>
   <p>　　本报讯（记者 李四）五月一日上午，示例城市首条无人驾驶公交线路正式开通运营，全长十二公里，沿途设有十五个站点。</p>
   <p>　　据介绍，这条线路上的车辆配备了激光雷达、摄像头和毫米波雷达，能够识别行人、车辆和交通信号灯，并在紧急情况下自动停车。</p>
   <p class="caption">图为无人驾驶公交车在站台停靠。</p>
   <p>　　市交通局负责人表示，试运营期间每辆车上仍配有一名安全员，市民可以免费乘坐，票价将在三个月后公布。</p>
   <p>（责任编辑：王五）</p>
  </div>
  <div class="related"><h3>相关新闻</h3><ul><li><a href="/1">无人驾驶出租车上路测试，市民排队体验新鲜出行方式</a></li><li><a href="/2">新能源公交车占比超过九成，城市空气质量持续改善</a></li></ul></div>
  <div id="comments"><p>网友甲：希望早日推广到全市，每天上班都能坐上这样的车。</p></div>
 </div>
 <div class="sidebar"><h3>热门排行</h3><ol><li><a href="/3">某地发布高温预警，请市民注意防暑降温</a></li></ol></div>
</div>
<div class="footer"><p>Copyright © 2020 示例新闻网 版权所有 京ICP备00000000号</p></div>
</body></html>`

// enPage is an English page with JSON-LD in an @graph.
const enPage = `<!DOCTYPE html><html lang="en-GB"><head>
<title>Council approves new cycling bridge | Example Gazette</title>
<meta property="og:title" content="Council approves new cycling bridge">
<meta property="og:image" content="/img/bridge.jpg">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"WebSite","name":"Example Gazette"},
 {"@type":["NewsArticle"],"headline":"Council approves new cycling bridge",
  "datePublished":"2020-04-30T18:05:00+01:00","dateModified":"2020-05-01T08:00:00+01:00",
  "author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Person","name":"John Roe"}],
  "publisher":{"@type":"Organization","name":"Example Gazette"}}]}</script>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article>
 <h1>Council approves new cycling bridge</h1>
 <p class="byline">By Jane Doe and John Roe</p>
 <div class="social-share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
 <div class="article-text">
  <p>The city council voted on Thursday to build a new bridge for cyclists and pedestrians across the river, ending a debate that lasted almost four years.</p>
  <h2>Costs and timing</h2>
  <p>The bridge will cost an estimated twelve million pounds, most of it paid by a regional transport fund, and construction is due to start next spring.</p>
  <p>Local cycling groups welcomed the decision, saying the crossing would cut journeys between the two halves of the town by up to twenty minutes.</p>
  <p>Advertisement</p>
 </div>
 <aside class="related-stories"><h3>Related stories</h3><ul><li><a href="/a">Town centre parking charges to rise in the new year budget</a></li><li><a href="/b">Riverside path closed for repairs after flooding</a></li></ul></aside>
</article></main>
<footer><p>© 2020 Example Gazette. All rights reserved.</p></footer>
</body></html>`

func TestExtractGenericChinese(t *testing.T) {
	art, err := Extract(Input{URL: "https://news.example.cn/a/123.html", HTML: []byte(zhPage), FetchedAt: fetched, Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if want := "示例城市开通首条无人驾驶公交线路"; art.Title != want {
		t.Errorf("Title = %q, want %q", art.Title, want)
	}
	if want := time.Date(2020, 5, 1, 9, 30, 0, 0, shanghai); !art.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", art.Published, want)
	}
	if art.Lang != "zh" {
		t.Errorf("Lang = %q, want zh", art.Lang)
	}
	if want := "https://news.example.cn/news/2020/bus.html"; art.CanonicalURL != want {
		t.Errorf("CanonicalURL = %q, want %q", art.CanonicalURL, want)
	}
	if art.Description != "示例城市开通无人驾驶公交。" {
		t.Errorf("Description = %q", art.Description)
	}
	wantParas := []string{
		"本报讯（记者 李四）五月一日上午，示例城市首条无人驾驶公交线路正式开通运营，全长十二公里，沿途设有十五个站点。",
		"据介绍，这条线路上的车辆配备了激光雷达、摄像头和毫米波雷达，能够识别行人、车辆和交通信号灯，并在紧急情况下自动停车。",
		"图为无人驾驶公交车在站台停靠。",
		"市交通局负责人表示，试运营期间每辆车上仍配有一名安全员，市民可以免费乘坐，票价将在三个月后公布。",
	}
	if got := strings.Split(art.Body, "\n\n"); !reflect.DeepEqual(got, wantParas) {
		t.Errorf("Body paragraphs =\n%q\nwant\n%q", got, wantParas)
	}
}

func TestExtractGenericEnglish(t *testing.T) {
	art, err := Extract(Input{URL: "https://gazette.example.com/news/bridge", HTML: []byte(enPage), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Council approves new cycling bridge"; art.Title != want {
		t.Errorf("Title = %q, want %q", art.Title, want)
	}
	bst := time.FixedZone("", 3600)
	if want := time.Date(2020, 4, 30, 18, 5, 0, 0, bst); !art.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", art.Published, want)
	}
	if _, off := art.Published.Zone(); off != 3600 {
		t.Errorf("Published lost the page's offset: %v", art.Published)
	}
	if want := time.Date(2020, 5, 1, 8, 0, 0, 0, bst); !art.Modified.Equal(want) {
		t.Errorf("Modified = %v, want %v", art.Modified, want)
	}
	if want := []string{"Jane Doe", "John Roe"}; !reflect.DeepEqual(art.Authors, want) {
		t.Errorf("Authors = %q, want %q", art.Authors, want)
	}
	if art.SiteName != "Example Gazette" || art.Lang != "en" || art.Image != "https://gazette.example.com/img/bridge.jpg" {
		t.Errorf("SiteName, Lang, Image = %q, %q, %q", art.SiteName, art.Lang, art.Image)
	}
	for _, s := range []string{"The city council voted on Thursday", "Costs and timing", "twelve million pounds", "Local cycling groups welcomed"} {
		if !strings.Contains(art.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, art.Body)
		}
	}
	for _, s := range []string{"Share on", "Related stories", "parking charges", "Advertisement", "All rights reserved", "Home"} {
		if strings.Contains(art.Body, s) {
			t.Errorf("body has boilerplate %q:\n%s", s, art.Body)
		}
	}
}

func TestExtractRulesWin(t *testing.T) {
	page := `<html><head><title>Wrong title - Site</title><meta property="article:published_time" content="2020-01-01T00:00:00Z"></head><body>
<div class="hd"><span class="t">Rule title</span><em class="when">2020年04月30日 08:00</em><span class="by">Ann Author</span></div>
<div class="main"><p>Generic extraction would choose this much longer block of text, with commas, many commas, and more words than the other block has, by far.</p><p>Another paragraph, here, with commas, to make it win the generic scoring contest easily.</p></div>
<div class="story"><p>The rule body.</p><div class="ad">Buy now</div></div>
</body></html>`
	rules := newsmon.Rules{Title: ".hd .t", Published: ".when", Authors: ".by", Body: ".story", Drop: []string{".ad"}}
	art, err := Extract(Input{URL: "https://x.example/a", HTML: []byte(page), FetchedAt: fetched, Location: shanghai, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if art.Title != "Rule title" || art.Body != "The rule body." || !reflect.DeepEqual(art.Authors, []string{"Ann Author"}) {
		t.Errorf("Title, Body, Authors = %q, %q, %q", art.Title, art.Body, art.Authors)
	}
	if want := time.Date(2020, 4, 30, 8, 0, 0, 0, shanghai); !art.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", art.Published, want)
	}
	// A rule that matches nothing falls back to generic extraction.
	art, err = Extract(Input{HTML: []byte(page), Rules: newsmon.Rules{Body: "#missing", Title: "h6"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(art.Body, "Generic extraction would choose") || art.Title != "Wrong title" {
		t.Errorf("fallback: Title %q Body %q", art.Title, art.Body)
	}
}

func TestExtractDates(t *testing.T) {
	tests := []struct {
		name, url, page string
		want            time.Time
	}{
		{"printed under the headline", "https://e.example/x",
			`<title>头条新闻标题在这里_示例网</title><h1>头条新闻标题在这里</h1><div>发布时间：2020年04月29日 21:10</div><div><p>正文第一段内容，包含逗号，句号。正文继续写下去，说明事情的经过和结果。</p></div>`,
			time.Date(2020, 4, 29, 21, 10, 0, 0, shanghai)},
		{"relative", "https://e.example/x",
			`<title>头条新闻标题在这里</title><h1>头条新闻标题在这里</h1><span>3小时前</span><p>正文第一段内容，包含逗号，句号。正文继续写下去，说明事情的经过和结果。</p>`,
			fetched.Add(-3 * time.Hour)},
		{"from the URL", "https://e.example/news/2020-04-28/doc-1.shtml",
			`<title>头条新闻标题在这里</title><h1>头条新闻标题在这里</h1><p>正文第一段内容，包含逗号，句号。正文继续写下去，说明事情的经过和结果。</p>`,
			time.Date(2020, 4, 28, 0, 0, 0, 0, shanghai)},
		{"set in JavaScript", "https://e.example/x",
			`<script>var msg = {"pubtime": "2020-04-27 07:00:00"};</script><title>T</title><p>正文第一段内容，包含逗号，句号。正文继续写下去，说明事情的经过和结果。</p>`,
			time.Date(2020, 4, 27, 7, 0, 0, 0, shanghai)},
		{"future meta ignored, copyright ignored", "https://e.example/x",
			`<meta name="publishdate" content="2030-01-01"><title>T</title><p>正文第一段内容，包含逗号，句号。正文继续写下去，说明事情的经过和结果。</p><div>Copyright © 2020</div>`,
			time.Time{}},
		// A <time> in the comment thread is a reader's, not the article's.
		{"comment <time> skipped", "https://e.example/x",
			`<title>Allotment waiting list halves</title><h1>Allotment waiting list halves</h1><p class="meta">Saturday, April 25th, 2020</p>
<div class="entry"><p>The waiting list for allotments in the borough has halved since the council opened two new sites by the railway.</p>
<p>Plot holders said the new sites had good soil, although the water supply was still being connected.</p></div>
<div id="comments"><div class="comment"><time datetime="2020-04-29T08:00:00Z">29 April</time><p>Great news for our street.</p></div></div>`,
			time.Date(2020, 4, 25, 0, 0, 0, 0, shanghai)},
		// A blog printing its date above the title, a "today" banner further
		// up, and a reply list right after the short post.
		{"date above title beats banner and replies", "https://e.example/x",
			`<title>Notes from the reading room</title><div class="top">2020年5月3日（北京时间）</div>
<div class="nav"><a href="/">Home</a> <a href="/archive">Archive</a></div>
<p>Saturday, April 25th, 2020 10:56 am</p><p><font size="5">Notes from the reading room</font></p>
<div class="post"><p>The reading room reopened this week with new lamps, longer hours and a quiet corner for people working on laptops.</p></div>
<ol class="commentlist"><li class="reply"><small>April 28th, 2020 at 7:32 pm</small><p>Lovely to have it back.</p></li></ol>`,
			time.Date(2020, 4, 25, 10, 56, 0, 0, shanghai)},
		// Year-last numeric dates: the page's language decides day or month.
		{"month first on en-US", "https://e.example/x",
			`<html lang="en-US"><title>Library hours extended</title><h1>Library hours extended</h1><p class="meta">Posted 03/04/2020 10:15 AM</p>
<div class="entry"><p>The central library will open until nine in the evening on weekdays from next month, the council said.</p></div>`,
			time.Date(2020, 3, 4, 10, 15, 0, 0, shanghai)},
		{"day first on en-GB", "https://e.example/x",
			`<html lang="en-GB"><title>Library hours extended</title><h1>Library hours extended</h1><p class="meta">Posted 03/04/2020 10:15</p>
<div class="entry"><p>The central library will open until nine in the evening on weekdays from next month, the council said.</p></div>`,
			time.Date(2020, 4, 3, 10, 15, 0, 0, shanghai)},
		{"ambiguous without a hint", "https://e.example/x",
			`<html lang="en"><title>Library hours extended</title><h1>Library hours extended</h1><p class="meta">Posted 03/04/2020 10:15</p>
<div class="entry"><p>The central library will open until nine in the evening on weekdays from next month, the council said.</p></div>`,
			time.Time{}},
		{"unambiguous .NET style", "https://e.example/x",
			`<title>图书馆延长开放时间</title><div><b>图书馆延长开放时间</b></div><div>发布日期： 4/17/2020 5:54:13 PM</div>
<div class="content"><p>市图书馆宣布，从下个月起工作日晚间开放至九点，周末开放时间不变，读者可以在网上预约座位。</p></div>`,
			time.Date(2020, 4, 17, 17, 54, 13, 0, shanghai)},
	}
	for _, tt := range tests {
		art, err := Extract(Input{URL: tt.url, HTML: []byte(tt.page), FetchedAt: fetched, Location: shanghai})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !art.Published.Equal(tt.want) {
			t.Errorf("%s: Published = %v, want %v", tt.name, art.Published, tt.want)
		}
	}
}

func TestCleanTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"示例公司回应争议_新浪财经_新浪网", "示例公司回应争议"},
		{"手机被曝上传浏览记录 - cnBeta.COM", "手机被曝上传浏览记录"},
		{"Council approves new cycling bridge | Example Gazette", "Council approves new cycling bridge"},
		{"Example Gazette | Council approves new cycling bridge", "Council approves new cycling bridge"},
		{"News – Politics – Council approves new cycling bridge", "Council approves new cycling bridge"},
		{"  A   plain   title ", "A plain title"},
		{"Well-known self-driving buses", "Well-known self-driving buses"},
	}
	for _, tt := range tests {
		if got := cleanTitle(tt.in); got != tt.want {
			t.Errorf("cleanTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTitlePrefersHeadline(t *testing.T) {
	// The headline contains a separator that a suffix stripper would cut.
	page := `<title>专题|数据业大整顿：爬虫与现金贷_示例网</title><h1 class="t">专题|数据业大整顿：爬虫与现金贷</h1><p>正文第一段内容，包含逗号，句号。正文继续写下去，说明事情的经过和结果。</p>`
	art, err := Extract(Input{HTML: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	if want := "专题|数据业大整顿：爬虫与现金贷"; art.Title != want {
		t.Errorf("Title = %q, want %q", art.Title, want)
	}
}

// titleCase is a page's head (and what opens its body) and the title
// wanted, for checkTitles.
type titleCase struct{ name, head, want string }

// checkTitles extracts each case's page, its head followed by a short
// story, and checks the title.
func checkTitles(t *testing.T, tests []titleCase) {
	t.Helper()
	const body = `<div class="story"><p>The reading room reopened this week with new lamps, longer hours and a quiet corner for people working on laptops.</p>
<p>Staff said the number of visitors on the first day was twice that of an ordinary weekday before the closure.</p></div>`
	for _, tt := range tests {
		page := "<html><head>" + tt.head + body + "</body></html>"
		art, err := Extract(Input{URL: "https://post.example.org/a", HTML: []byte(page), FetchedAt: fetched})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if art.Title != tt.want {
			t.Errorf("%s: Title = %q, want %q", tt.name, art.Title, tt.want)
		}
	}
}

func TestTitleSpelling(t *testing.T) {
	tests := []titleCase{
		// The same headline with typographic quotes: the metadata's spelling.
		{"curly h1, straight og:title",
			`<meta property="og:title" content="Reader's corner: the 'quiet room' is back"><title>Reader's corner: the 'quiet room' is back | Example Post</title></head><body><h1>Reader’s corner: the ‘quiet room’ is back</h1>`,
			"Reader's corner: the 'quiet room' is back"},
		{"escaped JSON-LD headline",
			`<script type="application/ld+json">{"@type":"NewsArticle","headline":"Reader&#8217;s corner reopens"}</script><title>Reader&#8217;s corner reopens - Example Post</title></head><body><h1>Reader's   corner reopens</h1>`,
			"Reader’s corner reopens"},
		// Other words, or full-width forms: the page's own text.
		{"different words keep the h1",
			`<meta property="og:title" content="Reader's corner: the 'quiet room' is back at last"><title>Example Post</title></head><body><h1>Reader’s corner: the ‘quiet room’ is back</h1>`,
			"Reader’s corner: the ‘quiet room’ is back"},
		{"spacing keeps the h1",
			`<meta property="og:title" content="阅览室重新开放新增安静区"><title>阅览室重新开放新增安静区_示例网</title></head><body><h1>阅览室重新开放 新增安静区</h1>`,
			"阅览室重新开放 新增安静区"},
		{"full-width punctuation keeps the h1",
			`<meta property="og:title" content="阅览室重新开放:新增安静区"><title>阅览室重新开放:新增安静区_示例网</title></head><body><h1>阅览室重新开放：新增安静区</h1>`,
			"阅览室重新开放：新增安静区"},
	}
	checkTitles(t, tests)
}

func TestDetectLang(t *testing.T) {
	tests := []struct{ text, htmlLang, src, want string }{
		{"示例城市开通首条无人驾驶公交线路，市民可以免费乘坐。", "", "", "zh"},
		{"這是一個關於電動車與網路發展的報導，記者們說這個問題會越來越重要。", "", "zh", "zh-Hant"},
		{"The council voted on Thursday to build a new bridge for cyclists and walkers.", "", "", "en"},
		{"Der Rat hat am Donnerstag beschlossen, eine neue Brücke zu bauen.", "de", "", "de"},
		{"Der Rat hat am Donnerstag beschlossen, eine neue Brücke zu bauen.", "", "de", "de"},
		{"東京で新しい橋の建設が決まりました。市民は喜んでいます。", "", "", "ja"},
		{"서울시는 새로운 다리를 건설하기로 결정했습니다.", "", "", "ko"},
		{"iPhone 11 Pro", "zh-CN", "zh", "zh"},
		{"", "", "zh", "zh"},
	}
	for _, tt := range tests {
		if got := detectLang("", tt.text, nil, tt.htmlLang, tt.src); got != tt.want {
			t.Errorf("detectLang(%q, %q, %q) = %q, want %q", tt.text, tt.htmlLang, tt.src, got, tt.want)
		}
	}
}

func TestExtractErrors(t *testing.T) {
	if _, err := Extract(Input{URL: "https://e.example/empty", HTML: []byte("  \n")}); !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), "https://e.example/empty") {
		t.Errorf("empty page: err = %v, want ErrEmpty naming the URL", err)
	}
	if _, err := Extract(Input{HTML: []byte("  \n")}); err == nil || err.Error() != "extract: empty page" {
		t.Errorf("empty page without a URL: err = %v, want \"extract: empty page\" (no empty name)", err)
	}
	art, err := Extract(Input{URL: "https://e.example/video", HTML: []byte(`<title>Only a video</title><video src="v.mp4"></video>`)})
	if !errors.Is(err, ErrNoArticle) {
		t.Errorf("page without text: err = %v, want ErrNoArticle", err)
	}
	if art.Title != "Only a video" {
		t.Errorf("page without text: Title = %q, want what could be read", art.Title)
	}
}

// TestExtractBounded feeds documents built to be expensive: very deep
// nesting, many siblings, unclosed formatting elements. Each must return.
func TestExtractBounded(t *testing.T) {
	pages := map[string]string{
		"deep divs":   strings.Repeat("<div>", 100000) + "文本，内容。",
		"deep tables": strings.Repeat("<table><tr><td>", 20000) + "text, text.",
		"unclosed a":  strings.Repeat("<a href=x>", 20000) + "text, text.",
		"formatting":  strings.Repeat("<b><i><u>", 30000) + "text, text.",
		"many p":      strings.Repeat("<p>一段，文字。", 50000),
		"over limit":  "<p>" + strings.Repeat("长文本，", MaxHTMLBytes/8) + "</p>",
	}
	for name, page := range pages {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = Extract(Input{HTML: []byte(page), FetchedAt: fetched})
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("%s: Extract did not return", name)
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte(zhPage))
	f.Add([]byte(enPage))
	f.Add([]byte(`<script type="application/ld+json">[{"@graph":[{"@type":"NewsArticle","author":{"name":["x"]}}]}]</script>`))
	f.Add([]byte(`<a name=x><p>文本<br>2020年5月1日<table><td>，。`))
	f.Add([]byte(`<div id="app"></div><noscript>enable JavaScript</noscript><script src=a.js></script>`))
	f.Add([]byte(`<p>第一段。</p><div class=nav><a href="doc_2.shtml">2</a><a href="?page=3">下一页</a></div>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		art, pages, err := ExtractPaged(Input{URL: "https://finance.sina.com.cn/2020-05-01/doc.shtml", HTML: page, FetchedAt: fetched, Location: shanghai})
		if err == nil && art.Body == "" {
			t.Fatal("no error but empty body")
		}
		if len(pages.Next) > MaxPages-1 || pages.Number < 1 {
			t.Fatalf("pages %+v", pages)
		}
		if art.Published.After(fetched.Add(futureSlack)) {
			t.Fatalf("Published %v after the fetch time", art.Published)
		}
	})
}

func TestTitleCondensed(t *testing.T) {
	const h1 = `<h1>City library reopens its historic reading room after a long two-year restoration</h1>`
	tests := []titleCase{
		// The metadata's condensed form of the printed headline.
		{"og:title leaves words out",
			`<meta property="og:title" content="City library reopens reading room after restoration"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens reading room after restoration"},
		{"og:title leaves the closing words out",
			`<meta property="og:title" content="City library reopens its historic reading room"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its historic reading room"},
		{"JSON-LD headline, one word changed where words were cut",
			`<meta property="og:title" content="City library reopens its historic reading room after a long two-year restoration"><script type="application/ld+json">{"@type":"NewsArticle","headline":"City library reopens its reading room after lengthy restoration"}</script><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its reading room after lengthy restoration"},
		{"the longest condensed form",
			`<meta property="og:title" content="City library reopens reading room"><meta name="twitter:title" content="City library reopens its reading room after restoration"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its reading room after restoration"},
		// Anything else: the printed headline.
		{"a kicker dropped is another headline",
			`<meta property="og:title" content="Library reopens its historic reading room after a long restoration"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its historic reading room after a long two-year restoration"},
		{"the <title> does not count",
			`<title>City library reopens reading room after restoration</title></head><body>` + h1,
			"City library reopens its historic reading room after a long two-year restoration"},
		{"words of its own",
			`<meta property="og:title" content="City library reopens its reading room after restoration, with lamps"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its historic reading room after a long two-year restoration"},
		{"two words changed",
			`<meta property="og:title" content="City library opens its reading room after an overhaul"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its historic reading room after a long two-year restoration"},
		{"a word changed with nothing cut beside it",
			`<meta property="og:title" content="City library opens its historic reading room after restoration"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its historic reading room after a long two-year restoration"},
		{"less than half the words kept",
			`<meta property="og:title" content="City library reopens"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its historic reading room after a long two-year restoration"},
		{"fewer than four words kept",
			`<meta property="og:title" content="Library reopens"><title>Library reopens after repairs | Example Post</title></head><body><h1>Library reopens after repairs</h1>`,
			"Library reopens after repairs"},
		{"cut short with an ellipsis",
			`<meta property="og:title" content="City library reopens its historic reading room after a long…"><title>City library reopens its historic reading room after a long two-year restoration | Example Post</title></head><body>` + h1,
			"City library reopens its historic reading room after a long two-year restoration"},
	}
	checkTitles(t, tests)
}

func TestCondensedHeadlineLeavesTheBody(t *testing.T) {
	// The printed headline opens the article container; the title is the
	// og:title's condensed form, and the body still starts with the text.
	page := `<html><head><meta property="og:title" content="City library reopens reading room"><title>City library reopens its historic reading room - Example Post</title></head><body>
<div class="story"><h1>City library reopens its historic reading room</h1>
<p>The reading room reopened this week with new lamps, longer hours and a quiet corner for people working on laptops.</p>
<p>Staff said the number of visitors on the first day was twice that of an ordinary weekday before the closure.</p></div></body></html>`
	art, err := Extract(Input{URL: "https://post.example.org/a", HTML: []byte(page), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	if want := "City library reopens reading room"; art.Title != want {
		t.Errorf("Title = %q, want %q", art.Title, want)
	}
	if !strings.HasPrefix(art.Body, "The reading room reopened") {
		t.Errorf("body does not start with the text:\n%s", art.Body)
	}
}

func TestTitleNearestH1(t *testing.T) {
	// The printed h1 matches no metadata title: of those that differ, the
	// one sharing most words with it.
	tests := []titleCase{
		{"JSON-LD headline nearer the h1",
			`<meta property="og:title" content="Readers return to the city library as its doors open again"><script type="application/ld+json">{"@type":"NewsArticle","headline":"Reading room back: city library reopens after restoration"}</script><title>Example Post</title></head><body><h1>City library reopens its reading room after restoration work</h1>`,
			"Reading room back: city library reopens after restoration"},
		{"og:title nearer the h1",
			`<meta property="og:title" content="Reading room back: city library reopens after restoration"><script type="application/ld+json">{"@type":"NewsArticle","headline":"Readers return to the city library as its doors open again"}</script><title>Example Post</title></head><body><h1>City library reopens its reading room after restoration work</h1>`,
			"Reading room back: city library reopens after restoration"},
		{"no h1: the first metadata title",
			`<meta property="og:title" content="Readers return to the city library as its doors open again"><script type="application/ld+json">{"@type":"NewsArticle","headline":"Reading room back: city library reopens after restoration"}</script><title>Example Post</title></head><body>`,
			"Readers return to the city library as its doors open again"},
	}
	checkTitles(t, tests)
}

func TestCondenses(t *testing.T) {
	w := strings.Fields
	tests := []struct {
		long, short string
		want        bool
	}{
		{"a b c d e", "a b d", true},
		{"a b c d e", "a b c", true},    // trailing words cut
		{"a b c d e", "a x d e", true},  // b replaced, c cut after it
		{"a b c d e", "a b x e", true},  // c cut, d replaced after the cut
		{"a b c d e", "a b x", true},    // c replaced, d e cut after it
		{"a b c d e", "a x c d", false}, // b replaced, e cut: not next to it
		{"a b c d e", "a x y e", false}, // two replaced
		{"a b c d e", "a b d c", false}, // reordered
		{"a b c d e", "a b c d e f", false},
		{"a b c d e", "a b c d x", false}, // replaced, nothing cut beside it
	}
	for _, tt := range tests {
		if got := condenses(w(tt.long), w(tt.short)); got != tt.want {
			t.Errorf("condenses(%q, %q) = %v, want %v", tt.long, tt.short, got, tt.want)
		}
	}
}

func TestTitleFromHeadingAboveText(t *testing.T) {
	// <title> names only the section and site; the headline is an h5 just
	// above the text.
	page := `<title>新闻动态--示例学会官网</title>
<div class="menu"><a href="/">首页</a> <a href="/n">新闻动态</a></div>
<div class="news"><h5>示例学会年会在示例大学成功举行</h5><div class="ly">发布时间：2020-04-18</div>
<div class="detail"><p>四月十日至十二日，示例学会年会在示例大学举行，来自全国各地的六百余名专家学者参加了会议。</p>
<p>会议围绕学科创新与区域发展的主题，开展了学术报告、学术对话和实践考察等一系列活动。</p></div></div>`
	art, err := Extract(Input{HTML: []byte(page), FetchedAt: fetched, Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if want := "示例学会年会在示例大学成功举行"; art.Title != want {
		t.Errorf("Title = %q, want %q", art.Title, want)
	}
	if want := time.Date(2020, 4, 18, 0, 0, 0, 0, shanghai); !art.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", art.Published, want)
	}
}

// TestExtractDeterministic runs Extract many times on a page whose
// headline candidates tie (an element named "title" wrapping a heading and
// a kicker: both start at the same text run) and whose <title> is only the
// site name: every run must give the same article, with the inner heading
// as the title.
func TestExtractDeterministic(t *testing.T) {
	page := `<html><head><title>Example Harbour News</title></head><body>
<div class="menu"><a href="/">Home</a> <a href="/local">Local</a></div>
<div class="story">
<div class="story-title"><h2>Harbour ferry returns after winter repairs</h2><span class="kicker">Local transport</span></div>
<div class="story-body">
<p>The harbour ferry went back into service on Monday morning after eleven weeks in dry dock, where its engines and hull were overhauled.</p>
<p>The operator said the first crossings ran on time and that a new timetable with earlier departures would start at the end of the month.</p>
<p>Passengers waiting on the quay said the long detour by road during the repairs had added almost an hour to their daily journeys.</p>
</div></div></body></html>`
	in := Input{URL: "https://harbour.example.org/ferry", HTML: []byte(page), FetchedAt: fetched, Location: shanghai}
	first, err := Extract(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Harbour ferry returns after winter repairs"; first.Title != want {
		t.Errorf("Title = %q, want %q", first.Title, want)
	}
	for i := 0; i < 100; i++ {
		art, err := Extract(in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(art, first) {
			t.Fatalf("run %d differs from the first:\n%+v\n%+v", i, art, first)
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	pages := [][]byte{[]byte(zhPage), []byte(enPage)}
	var n int64
	for _, p := range pages {
		n += int64(len(p))
	}
	b.SetBytes(n)
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			if _, err := Extract(Input{HTML: p, FetchedAt: fetched, Location: shanghai}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestBoilerplateInsideContainer(t *testing.T) {
	// An old portal page: the article is one cell with <br> breaks, then a
	// related list and page navigation in the same cell, without classes.
	page := `<title>示例标题</title><table><tr><td>
2005-04-05 06:40更新 来源：转载文章<br>
　　第一段正文，讲述事情的起因，以及各方的反应，内容较长一些。<br>
　　第二段正文，讲述事情的经过，并且引用了当事人的说法，内容也较长。<br>
第1页/共1页 &lt;&lt; 上一页 | 下一页 &gt;&gt;<br>
相关报道：<br>
·<a href="/1">另一条新闻的标题（2005-04-03 17:19）</a><br>
·<a href="/2">再一条新闻的标题（2005-04-01 16:19）</a><br>
</td></tr></table>`
	art, err := Extract(Input{HTML: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	want := "第一段正文，讲述事情的起因，以及各方的反应，内容较长一些。\n\n第二段正文，讲述事情的经过，并且引用了当事人的说法，内容也较长。"
	if art.Body != want {
		t.Errorf("Body =\n%q\nwant\n%q", art.Body, want)
	}
}

func TestLineFilters(t *testing.T) {
	tests := []struct {
		line string
		drop bool
	}{
		{"（责任编辑：王五）", true},
		{"原标题：无人驾驶公交来了", true},
		{"来源：示例日报", true},
		{"文章纠错", true},
		{"免责声明：本文仅代表作者观点。", true},
		{"Copyright © 2020 Example", true},
		{"Sign up to our free breaking news emails", true},
		{"2005-04-05 06:40更新 来源：转载文章", true},
		{"第1页/共2页 上一页 | 下一页", true},
		{"新华社北京5月1日电（记者 张三）今天上午，示例会议在北京开幕，来自各地的代表参加。", false},
		{"来自各地的代表参加了会议，来源广泛。", false},
		{"The council voted on Thursday.", false},
		{"2023-02-08T01:27:02Z", true},
		{"2020年5月1日 10:23", true},
		{"2020-05-01 10:23 UTC", true},
		{"2020年5月1日，示例会议开幕。", false},
		{"1,200", false},
		{"2020", false},
		// picture credits and captions, contact notes, live-blog labels
		{"Photo: Jane Doe, AP", true},
		{"Image: Getty Images/Cultura RF)", true},
		{"Jane Doe | Bloomberg | Getty Images", true},
		{"Fireworks over the castle (Image: Getty Images)", true},
		{"(Robert F. Bukaty / AP)", true},
		{"Liverpool Echo)", true},
		{"The minister listens during a news conference on Jan. 27, 2023. (AP Photo/Jane Doe)", true},
		{"Email Jane Doe at jdoe@example.com or follow her @janedoe.", true},
		{"Write to Jane Doe at jane.doe@example.com", true},
		{"21:00Jane Doe", true},
		{"19:11 KEY EVENT", true},
		{"Police said the photo, taken at 21:00, showed the suspect.", false},
		{"The speed limit is 30 (km/h).", false},
		{"Prices rose 3% (see chart).", false},
		{"Her handle on the site is @janedoe, she said.", false},
		{"21:00 Police arrived at the scene and closed the road.", false},
	}
	for _, tt := range tests {
		if got := boilerLine(tt.line) || metaLine(tt.line) || dateLine(tt.line); got != tt.drop {
			t.Errorf("drop(%q) = %v, want %v", tt.line, got, tt.drop)
		}
	}
	for s, want := range map[string]bool{"3 of 12": true, "1 of 12 |": true, "3/12": true, "12 / 12": true,
		"3 of us went": false, "2020/5": true, "Chapter 3 of 12 begins": false, "a/b": false} {
		if got := galleryCounter(s); got != want {
			t.Errorf("galleryCounter(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"相关报道：": true, "Related stories": true, "Read more": true, "相关报道显示，事情正在好转。": false} {
		if got := relatedHeader(s); got != want {
			t.Errorf("relatedHeader(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestListingLinesAreNotText: a forum thread's post sits above a long list
// of replies, each a link with its author, time and size beside it. The
// list has more text but no paragraph: the post is the article.
func TestListingLinesAreNotText(t *testing.T) {
	post := "导游的收入很大一部分来自购物的回扣，这是业内的行规，境内游境外游都是这样的。所以，一定要看清楚合同，不要听导游的。"
	var replies strings.Builder
	for i := range 40 {
		fmt.Fprintf(&replies, `<li><a href="/t/%d">回复的标题，第%d条，说说自己的经历</a>【<a href="/u/%d">网友%d</a>】08-11 16:%02d 138字 [140/0]</li>`, i, i, i, i, i)
	}
	page := `<title>论坛</title><table><tr><td><p class="large">` + post + `</p></td></tr></table><ul>` + replies.String() + `</ul>`
	art, err := Extract(Input{HTML: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	if art.Body != post {
		t.Errorf("Body =\n%q\nwant\n%q", art.Body, post)
	}
}

// TestStateClassIsNotBoilerplate: a class saying that comments are
// switched on ("comments-enabled") does not make the article a comment
// thread, so its text split over repeated containers is still joined.
func TestStateClassIsNotBoilerplate(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want string
	}{
		{"none comments-enabled", "none"},
		{"has-comments article", "article"},
		{"no-related story", "story"},
		{"comments", "comments"},
		{"comment-list", "comment-list"},
	} {
		if got := withoutStates(tt.v); got != tt.want {
			t.Errorf("withoutStates(%q) = %q, want %q", tt.v, got, tt.want)
		}
	}
	part := func(s string) string {
		return `<div class="widget-text"><div class="text"><p>` + s + `</p></div></div><div class="widget-related"><a href="/x">Another story</a></div>`
	}
	page := `<title>Harbour reopens</title><div id="article" class="none comments-enabled"><h1>Harbour reopens</h1>` +
		part("The harbour reopened on Monday, three months after a winter storm tore away part of the sea wall, and the first boats returned.") +
		part("Engineers rebuilt the damaged section with heavier stone, and the council says the new wall should withstand storms for fifty years, maybe more.") +
		`</div>`
	art, err := Extract(Input{HTML: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"The harbour reopened", "Engineers rebuilt"} {
		if !strings.Contains(art.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, art.Body)
		}
	}
}

// TestParagraphDivsBesideTheText: the first paragraphs are divs beside the
// container that holds the rest (a "read all" wrapper), and count as text.
func TestParagraphDivsBesideTheText(t *testing.T) {
	para := func(s string) string { return `<div class="body__paragraph">` + s + `</div>` }
	page := `<title>Harbour reopens</title><h1>Harbour reopens</h1><div class="container">` +
		para("The harbour reopened on Monday, three months after a winter storm tore away part of the sea wall, and the first boats returned.") +
		para("Traders, who lost most of their spring income, welcomed the reopening, though several said they still await promised compensation.") +
		`<div class="read-more"><a href="#">Read More</a></div><div class="read-all">` +
		para("Engineers rebuilt the damaged section with heavier stone, and the council says the new wall should withstand storms for fifty years.") +
		para("The work cost more than planned, the council said, because the stone had to be brought by sea from a quarry on the far coast.") +
		para("A second phase, which will raise the quay by half a metre, is due to start next spring, once the fishing season is over, officials said.") +
		para("Residents said they were relieved, although some still worry about the next storm, which forecasters say could come as early as October.") +
		para("The harbour master said bookings for berths were already back to where they had been before the storm, and rising.") +
		para("Insurers, who paid for part of the repairs, said they would review the cover they offer to harbours along the coast next year.") +
		`</div><ul class="links">` + strings.Repeat(`<li><a href="/more">Another story from the coast, with a long headline to read</a></li>`, 12) + `</ul></div>`
	art, err := Extract(Input{HTML: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"The harbour reopened", "Traders, who lost", "Engineers rebuilt", "Residents said"} {
		if !strings.Contains(art.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, art.Body)
		}
	}
	if strings.Contains(art.Body, "Read More") {
		t.Errorf("body has the button label:\n%s", art.Body)
	}
}

// TestBlogPageOfPosts: a blog's page lists several entries, each headed by
// its title and date; the longest is not the page's article, the first
// (newest) one is.
func TestBlogPageOfPosts(t *testing.T) {
	post := func(title, date, text string) string {
		return `<table><tr><td class="post-title">` + title + `</td><td class="post-title">` + date + `</td></tr>` +
			`<tr><td class="post-body">` + text + `</td></tr><tr><td class="post-footer">张贴 @ ` + date + `</td></tr></table>`
	}
	first := "昨天去金矿玩，那里是当年发现第一块天然黄金的地方，现在是最受游客欢迎的观光城市，保留着很多华丽的建筑和典雅的花园。"
	long := strings.Repeat("头发留得很长很长了，每天总是花很多时间去梳头、去洗头，后来觉得烦了，就去剪了。", 12)
	page := `<title>blog.example.com</title><div class="txtlarge">` +
		post("昨天去金矿玩", "2005-03-21 01:20:44", first) +
		post("长发剪了", "2005-03-18 01:58:01", long) +
		post("元宵节", "2005-02-20 10:12:00", "以下是我做的元宵节的内容，大家好，本周六是个中国的传统节日，也是一年中的第一个月圆之夜。") +
		`</div>`
	art, err := Extract(Input{HTML: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	if art.Body != first {
		t.Errorf("Body =\n%q\nwant\n%q", art.Body, first)
	}
}

func TestTextSplitAcrossRepeatedContainers(t *testing.T) {
	part := func(s string) string {
		return `<div class="grid__wrap"><div class="story__text"><p>` + s + `</p></div></div><div class="ad-slot"><a href="/ad">Advert</a></div>`
	}
	page := `<title>Harbour reopens after storm repairs</title><h1>Harbour reopens after storm repairs</h1><div class="grid">` +
		part("The harbour reopened on Monday, three months after a winter storm tore away part of the sea wall, and the first fishing boats returned at dawn.") +
		part("Engineers rebuilt the damaged section with heavier stone, and the town council says the new wall should withstand storms for fifty years.") +
		part("Harbour traders, who lost most of their spring income, welcomed the reopening, though several said they still await promised compensation.") +
		`</div><div class="comments"><div class="story__text"><p>Great news, finally, after all this time waiting, and waiting, and waiting for the council to act.</p></div></div>`
	art, err := Extract(Input{HTML: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"The harbour reopened on Monday", "Engineers rebuilt", "Harbour traders"} {
		if !strings.Contains(art.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, art.Body)
		}
	}
	for _, s := range []string{"Advert", "Great news"} {
		if strings.Contains(art.Body, s) {
			t.Errorf("body has %q:\n%s", s, art.Body)
		}
	}
}

func TestCollapse(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"trimmed", "  a b  ", "a b"},
		{"runs of white space", "a \t\n\u3000\u00a0 b", "a b"},
		{"han kept", "小米 手机\n\n浏览器", "小米 手机 浏览器"},
		{"invisible characters dropped", "a\u200bb \ufeffc", "ab c"},
		{"invalid byte becomes U+FFFD", "a\xffb \xfe", "a\ufffdb \ufffd"},
		{"unchanged", "plain text", "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collapse(tt.in); got != tt.want {
				t.Errorf("collapse(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
