package pipeline

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/extract"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// multipageSite serves our own stories split over pages:
//   - /zh/story.html, ?page=2, ?page=3: a Chinese story, 下一页 and numbered links;
//   - /en/story.html, ?page=2, ?page=3: an English story, <link rel=next> and "Next page";
//   - /loop/story.html: three pages, the last linking on to ?page=4, which
//     redirects to the first page;
//   - /chain/story.html: a chain of 1,000 pages, each linking to the next and
//     to a window of page numbers.
type multipageSite struct {
	mu       sync.Mutex
	requests map[string]int // by path
}

// zhParas and enParas are our stories, two paragraphs a page.
var (
	zhParas = [][]string{
		{"五月一日上午，示例港口扩建工程正式开工，计划用三年时间新建六个深水泊位，年吞吐能力将提高一倍。", "港务局负责人介绍，工程总投资约四十亿元，其中一半来自地方政府专项债券，其余由港口集团自筹。"},
		{"附近渔民担心施工影响近海养殖，港务局表示将设立补偿基金，并在施工期间定期监测海水质量。", "环保组织则呼吁公开环境影响评价报告全文，接受社会监督，并听取沿岸居民对施工时间安排的意见。"},
		{"按照计划，首批两个泊位将于明年底投入使用，届时大型集装箱船无需再候潮进港，航运成本有望下降。", "港口集团表示，扩建期间现有码头照常作业，旅客码头的班轮时刻也不会因为施工而调整。"},
	}
	enParas = [][]string{
		{"The tram extension to the eastern suburbs opened on Friday, two years late and a fifth over budget, with free rides for the first weekend.", "Six new stops serve about forty thousand residents, who until now relied on a bus route that the council plans to cut back next year."},
		{"Shop owners along the route said trade had suffered during the works and asked for help with the rates bill for the coming year.", "The operator said trams would run every eight minutes at peak times, and every quarter of an hour in the evening and at weekends."},
		{"A second extension, to the hospital and the university campus, is due to be put to a public consultation in the autumn.", "Councillors will vote on the funding in December, after the consultation closes and the final costs are known."},
	}
)

func (s *multipageSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()
	n := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	base := r.URL.Path
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch base {
	case "/zh/story.html":
		if n < 1 || n > 3 {
			http.NotFound(w, r)
			return
		}
		nav := ""
		for i := 1; i <= 3; i++ {
			nav += fmt.Sprintf(`<a href="%s">%d</a> `, pageHref(base, i), i)
		}
		if n < 3 {
			nav += fmt.Sprintf(`<a href="%s">下一页</a>`, pageHref(base, n+1))
		}
		fmt.Fprint(w, zhStoryPage("示例港口扩建工程启动", n, zhParas[n-1], nav, ""))
	case "/en/story.html":
		if n < 1 || n > 3 {
			http.NotFound(w, r)
			return
		}
		head, nav := "", ""
		if n < 3 {
			head = fmt.Sprintf(`<link rel="next" href="%s">`, pageHref(base, n+1))
			nav = fmt.Sprintf(`<a href="%s" rel="next">Next page</a>`, pageHref(base, n+1))
		}
		if n > 1 {
			head += fmt.Sprintf(`<link rel="prev" href="%s">`, pageHref(base, n-1))
		}
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tram line extension opens | Example Tribune</title>%s</head><body>
<header><a href="/">Example Tribune</a></header><main><article><h1>Tram line extension opens</h1><div class="body"><p>%s</p><p>%s</p></div>
<nav class="pagination">%s</nav></article></main><footer>Example Tribune</footer></body></html>`, head, html.EscapeString(enParas[n-1][0]), html.EscapeString(enParas[n-1][1]), nav)
	case "/loop/story.html":
		switch {
		case n == 4:
			http.Redirect(w, r, base, http.StatusFound)
			return
		case n < 1 || n > 4:
			http.NotFound(w, r)
			return
		}
		nav := fmt.Sprintf(`<a href="%s">下一页</a>`, pageHref(base, n+1))
		fmt.Fprint(w, zhStoryPage("示例循环链接测试报道", n, []string{fakeweb.Filler(71, n, 120), fakeweb.Filler(72, n, 120)}, nav, ""))
	case "/chain/story.html":
		if n < 1 || n > 1000 {
			http.NotFound(w, r)
			return
		}
		nav := ""
		for i := max(1, n-2); i <= min(1000, n+2); i++ {
			nav += fmt.Sprintf(`<a href="%s">%d</a> `, pageHref(base, i), i)
		}
		if n < 1000 {
			nav += fmt.Sprintf(`<a href="%s">下一页</a>`, pageHref(base, n+1))
		}
		fmt.Fprint(w, zhStoryPage("示例千页连载报道", n, []string{chainMark(n) + fakeweb.Filler(81, n, 120)}, nav, ""))
	default:
		http.NotFound(w, r)
	}
}

// chainMark starts the text of page n of the chain, to find it in a body.
func chainMark(n int) string { return fmt.Sprintf("第%d页：", n) }

func pageHref(base string, n int) string {
	if n == 1 {
		return base
	}
	return base + "?page=" + strconv.Itoa(n)
}

func zhStoryPage(title string, n int, paras []string, nav, head string) string {
	pt := ""
	if n > 1 {
		pt = fmt.Sprintf("(%d)", n)
	}
	var b strings.Builder
	for _, p := range paras {
		b.WriteString("<p>" + html.EscapeString(p) + "</p>")
	}
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + title + pt + `_示例网</title>` + head + `
<meta property="article:published_time" content="2020-05-01T10:00:00+08:00"></head><body>
<div class="top-nav"><a href="/">首页</a> <a href="/list.html">新闻</a></div>
<h1 class="main-title">` + title + `</h1><div class="date-source"><span class="date">2020年05月01日 10:00</span></div>
<div class="article" id="artibody">` + b.String() + `</div>
<div class="page-nav">` + nav + `</div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/list.html">更多新闻</a></li></ul></div>
<div class="footer">版权所有</div></body></html>`
}

func joinParas(pages [][]string) string {
	var all []string
	for _, p := range pages {
		all = append(all, p...)
	}
	return strings.Join(all, "\n\n")
}

// TestMultipageArticles crawls stories split over pages: each is stored
// once, whole and in page order, under its first page's URL; no
// continuation page is an article of its own, each resolves to the story;
// a page-link loop reads each page once; a 1,000-page chain stops at
// extract.MaxPages pages.
func TestMultipageArticles(t *testing.T) {
	site := &multipageSite{requests: map[string]int{}}
	srv := httptest.NewServer(site)
	defer srv.Close()

	p, st := newPipeline(t, localSettings)
	src := newsmon.Source{Name: "paged", Location: time.UTC, MaxPages: 100}
	for _, path := range []string{"/zh/story.html", "/en/story.html", "/loop/story.html", "/chain/story.html"} {
		src.Articles = append(src.Articles, srv.URL+path)
	}
	sum, err := p.Run(context.Background(), []newsmon.Source{src}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tot := sum.Totals(); tot.New != 4 || tot.ExtractFailed != 0 {
		t.Errorf("summary: %d new, %d extract failures; want 4 and 0 (%v)", tot.New, tot.ExtractFailed, tot.Reasons)
	}

	byURL := map[string]newsmon.Article{}
	for _, a := range storedArticles(t, st) {
		byURL[a.URL] = a
		if strings.Contains(a.URL, "page=") {
			t.Errorf("continuation page stored as an article: %s", a.URL)
		}
	}
	if len(byURL) != 4 {
		t.Errorf("%d articles stored, want 4", len(byURL))
	}
	for _, tt := range []struct {
		path  string
		pages int
		want  string
	}{
		{"/zh/story.html", 3, joinParas(zhParas)},
		{"/en/story.html", 3, joinParas(enParas)},
		{"/loop/story.html", 3, ""},
	} {
		a, ok := byURL[srv.URL+tt.path]
		if !ok {
			t.Errorf("%s not stored", tt.path)
			continue
		}
		if tt.want != "" && a.Body != tt.want {
			t.Errorf("%s body:\n%s\nwant:\n%s", tt.path, a.Body, tt.want)
		}
		if got := len(strings.Split(a.Body, "\n\n")); tt.want == "" && got != 2*tt.pages {
			t.Errorf("%s: %d paragraphs, want %d (each of %d pages once)", tt.path, got, 2*tt.pages, tt.pages)
		}
		for n := 2; n <= tt.pages; n++ {
			u := srv.URL + pageHref(tt.path, n)
			if id, ok, err := st.ArticleIDByURL(u); err != nil || !ok || id != a.ID {
				t.Errorf("continuation %s resolves to %q (%v, %v), want the story %q", u, id, ok, err, a.ID)
			}
		}
	}

	// The chain: extract.MaxPages pages read, in order, and no more fetched.
	chain := byURL[srv.URL+"/chain/story.html"]
	last := -1
	for n := 1; n <= extract.MaxPages; n++ {
		i := strings.Index(chain.Body, chainMark(n))
		if i < 0 || i < last {
			t.Fatalf("chain page %d missing or out of order in the body", n)
		}
		last = i
	}
	if strings.Contains(chain.Body, chainMark(extract.MaxPages+1)) {
		t.Errorf("chain read past %d pages", extract.MaxPages)
	}
	site.mu.Lock()
	defer site.mu.Unlock()
	if got := site.requests["/chain/story.html"]; got > extract.MaxPages {
		t.Errorf("chain: %d requests, want at most %d", got, extract.MaxPages)
	}
	for _, path := range []string{"/zh/story.html", "/en/story.html"} {
		if got := site.requests[path]; got != 3 {
			t.Errorf("%s: %d requests, want 3 (each page once)", path, got)
		}
	}

	// The next cycle knows every page: it fetches none and stores nothing.
	clear(site.requests)
	site.mu.Unlock()
	src.Articles = append(src.Articles, srv.URL+"/zh/story.html?page=2", srv.URL+"/en/story.html?page=3")
	sum, err = p.Run(context.Background(), []newsmon.Source{src}, nil)
	site.mu.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if tot := sum.Totals(); tot.New != 0 || tot.Fetched != 0 || len(site.requests) != 0 {
		t.Errorf("second cycle: %d new, %d fetched, requests %v; want none", tot.New, tot.Fetched, site.requests)
	}
}

// TestMultipageContinuationDiscovered: a continuation page discovered by
// itself, alone or beside its first page, gives the one whole story under
// the first page's URL.
func TestMultipageContinuationDiscovered(t *testing.T) {
	for _, paths := range [][]string{
		{"/zh/story.html?page=2"},
		{"/zh/story.html?page=3", "/zh/story.html", "/zh/story.html?page=2"},
	} {
		t.Run(strings.Join(paths, ","), func(t *testing.T) {
			srv := httptest.NewServer(&multipageSite{requests: map[string]int{}})
			defer srv.Close()
			p, st := newPipeline(t, localSettings)
			src := newsmon.Source{Name: "paged", Location: time.UTC}
			for _, path := range paths {
				src.Articles = append(src.Articles, srv.URL+path)
			}
			if _, err := p.Run(context.Background(), []newsmon.Source{src}, nil); err != nil {
				t.Fatal(err)
			}
			arts := storedArticles(t, st)
			if len(arts) != 1 {
				t.Fatalf("%d articles stored, want 1", len(arts))
			}
			if a := arts[0]; a.URL != srv.URL+"/zh/story.html" || a.Body != joinParas(zhParas) {
				t.Errorf("stored %s with body:\n%s\nwant the first page's URL and the whole story", a.URL, a.Body)
			}
			for n := 1; n <= 3; n++ {
				if id, ok, _ := st.ArticleIDByURL(srv.URL + pageHref("/zh/story.html", n)); !ok || id != arts[0].ID {
					t.Errorf("page %d resolves to %q, want the story", n, id)
				}
			}
		})
	}
}
