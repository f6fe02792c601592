package extract

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// pagedZh is a Chinese story page in our own words with nav as its
// pagination block under the text.
func pagedZh(head, nav string) string {
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例港口扩建工程启动_示例网</title>` + head + `</head><body>
<div class="top-nav"><a href="/">首页</a> <a href="/list.html?page=2">2</a></div>
<h1>示例港口扩建工程启动</h1><div class="date">2020年05月01日 10:00</div>
<div class="article" id="artibody">
<p>五月一日上午，示例港口扩建工程正式开工，计划用三年时间新建六个深水泊位，年吞吐能力将提高一倍。</p>
<p>港务局负责人介绍，工程总投资约四十亿元，其中一半来自地方政府专项债券，其余由港口集团自筹。</p>
<p>附近渔民担心施工影响近海养殖，港务局表示将设立补偿基金，并在施工期间定期监测海水质量。</p>
</div>
<div class="page-nav">` + nav + `</div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/b/2.html">2</a></li></ul></div>
<div id="comments"><div class="comment-pages"><a href="/a/k.html?page=9">9</a> <a href="/a/k.html?cpage=2">下一页</a></div></div>
</body></html>`
}

func pagedEn(head, nav string) string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tram line extension opens | Example Tribune</title>` + head + `</head><body>
<header><a href="/">Example Tribune</a></header>
<main><article><h1>Tram line extension opens</h1>
<div class="body"><p>The tram extension to the eastern suburbs opened on Friday, two years late and a fifth over budget, with free rides for the first weekend.</p>
<p>Six new stops serve about forty thousand residents, who until now relied on a bus route that the council plans to cut back next year.</p>
<p>Shop owners along the route said trade had suffered during the works and asked for help with the rates bill for the coming year.</p></div>
<nav class="pagination">` + nav + `</nav></article></main>
<footer>Example Tribune</footer></body></html>`
}

func TestPages(t *testing.T) {
	nums := func(base string, pages ...string) string {
		var b strings.Builder
		for i, p := range pages {
			fmt.Fprintf(&b, `<a href="%s">%d</a> `, p, i+1)
		}
		return b.String()
	}
	tests := []struct {
		name, url, html string
		want            Pages
	}{
		{"zh 下一页 and numbered ?page=N", "https://news.example.cn/a/k.html",
			pagedZh("", nums("", "/a/k.html", "/a/k.html?page=2", "/a/k.html?page=3")+`<a href="/a/k.html?page=2">下一页</a>`),
			Pages{Number: 1, Next: []string{"https://news.example.cn/a/k.html?page=2", "https://news.example.cn/a/k.html?page=3"}}},
		{"zh second page links on and back", "https://news.example.cn/a/k.html?page=2",
			pagedZh("", `<a href="/a/k.html?page=1">上一页</a> `+nums("", "/a/k.html", "/a/k.html?page=2", "/a/k.html?page=3")+`<a href="/a/k.html?page=3">下一页</a>`),
			Pages{Number: 2, Next: []string{"https://news.example.cn/a/k.html?page=3"}, First: "https://news.example.cn/a/k.html"}},
		{"zh suffix _N.shtml", "https://news.example.cn/2020/05/01/123456.shtml",
			pagedZh("", nums("", "123456.shtml", "123456_2.shtml", "123456_3.shtml")+`<a href="123456_2.shtml">下页</a>`),
			Pages{Number: 1, Next: []string{"https://news.example.cn/2020/05/01/123456_2.shtml", "https://news.example.cn/2020/05/01/123456_3.shtml"}}},
		{"zh last page", "https://news.example.cn/2020/05/01/123456_3.shtml",
			pagedZh("", nums("", "123456.shtml", "123456_2.shtml", "123456_3.shtml")),
			Pages{Number: 3, First: "https://news.example.cn/2020/05/01/123456.shtml"}},
		{"en rel=next link and anchor", "https://tribune.example.com/news/tram.html",
			pagedEn(`<link rel="next" href="/news/tram.html?page=2">`, `<a href="/news/tram.html?page=2" rel="next">Next page</a>`),
			Pages{Number: 1, Next: []string{"https://tribune.example.com/news/tram.html?page=2"}}},
		{"en /2/ segment", "https://tribune.example.com/2020/05/tram-line-extension/",
			pagedEn("", `<a href="/2020/05/tram-line-extension/2/">Next »</a>`),
			Pages{Number: 1, Next: []string{"https://tribune.example.com/2020/05/tram-line-extension/2/"}}},
		{"rel=next to another article is no page", "https://tribune.example.com/news/tram.html",
			pagedEn(`<link rel="next" href="/news/bridge.html">`, `<a href="/news/bridge.html" rel="next">Next</a> <a href="https://other.example.com/news/tram.html?page=2">Next page</a>`),
			Pages{Number: 1}},
		{"a page number without a link label is no page", "https://tribune.example.com/news/tram.html",
			pagedEn("", `<a href="/news/tram.html?page=2">Read the council report</a>`),
			Pages{Number: 1}},
		{"loop back to itself", "https://news.example.cn/a/k.html?page=3",
			pagedZh("", nums("", "/a/k.html", "/a/k.html?page=2", "/a/k.html?page=3")+`<a href="/a/k.html?page=1">下一页</a>`),
			Pages{Number: 3, First: "https://news.example.cn/a/k.html"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := ExtractPaged(Input{URL: tt.url, HTML: []byte(tt.html), FetchedAt: fetched})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestPagesBounded: a page linking a thousand pages yields at most
// MaxPages-1 continuations, in order.
func TestPagesBounded(t *testing.T) {
	var nav strings.Builder
	for i := 1000; i >= 2; i-- {
		fmt.Fprintf(&nav, `<a href="/a/k.html?page=%d">%d</a> `, i, i)
	}
	_, got, err := ExtractPaged(Input{URL: "https://news.example.cn/a/k.html", HTML: []byte(pagedZh("", nav.String())), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Next) != MaxPages-1 {
		t.Fatalf("%d continuations, want %d", len(got.Next), MaxPages-1)
	}
	for i, u := range got.Next {
		if want := fmt.Sprintf("https://news.example.cn/a/k.html?page=%d", i+2); u != want {
			t.Errorf("continuation %d is %s, want %s", i, u, want)
		}
	}
}
