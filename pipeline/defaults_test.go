package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/cluster"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/extract"
)

// The pipeline hands the clusterer the configured window; the clusterer's
// own fallback for a zero window must be the same default.
func TestClusterWindowDefault(t *testing.T) {
	w := config.Default().Cluster.Window
	for name, d := range map[string]time.Duration{
		"newsmon.DefaultIncidentWindow": newsmon.DefaultIncidentWindow,
		"cluster.DefaultWindow":         cluster.DefaultWindow,
	} {
		if d != w {
			t.Errorf("%s %s differs from the configuration's default window %s", name, d, w)
		}
	}
}

// The default sources for sites in extract's table (cnBeta, Sina) carry no
// rules of their own, so the table's richer rules apply: the desktop
// summary and the mobile templates.
func TestDefaultSourcesGetSiteRules(t *testing.T) {
	cfg := config.Default()
	for _, name := range []string{"cnbeta", "sina-finance", "sina-tech"} {
		src, ok := cfg.Source(name)
		if !ok {
			t.Fatalf("no default source %s", name)
		}
		if r := src.Rules; r.Title != "" || r.Published != "" || r.Body != "" || r.Authors != "" || len(r.Drop) != 0 {
			t.Errorf("%s: the default configuration has rules %+v, which hide extract's site table", name, r)
		}
	}
	cnbeta, _ := cfg.Source("cnbeta")
	tests := []struct {
		name, url, html   string
		title, body, none string
	}{
		{"desktop with summary", "https://www.cnbeta.com.tw/articles/tech/1.htm",
			`<html><body><header class="title"><h1>桌面版标题：测试文章</h1><div class="meta"><span>2020年05月01日 10:23</span></div></header>
<div class="article-summary"><b>摘要：</b><p>这是摘要段落，桌面版页面把它放在正文之前，提取结果应当包含它。</p></div>
<div class="article-content"><p>这是正文第一段，内容是我们自己写的测试文字，用来检查站点规则。</p><div class="article-topic">专题链接</div>
<p>这是正文第二段，同样是测试文字，没有任何实际意义，只为凑够长度。</p></div></body></html>`,
			"桌面版标题：测试文章", "这是摘要段落", "专题链接"},
		{"mobile", "https://m.cnbeta.com.tw/view/1.htm",
			`<html><body><h1 class="article-tit">移动版标题：测试文章</h1><div class="article-hd"><time>2020-05-01 10:23</time></div>
<div class="articleCont"><p>这是移动版正文第一段，内容是我们自己写的测试文字，用来检查站点规则。</p>
<p>这是移动版正文第二段，同样是测试文字，没有任何实际意义。</p></div><div class="article-share">分享到微博</div></body></html>`,
			"移动版标题：测试文章", "移动版正文第二段", "分享到微博"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := extract.Extract(extract.Input{URL: tt.url, HTML: []byte(tt.html), Rules: cnbeta.Rules, Location: cnbeta.Location, Lang: cnbeta.Lang})
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tt.title || !strings.Contains(a.Body, tt.body) || strings.Contains(a.Body, tt.none) {
				t.Errorf("title %q, body %q; want title %q, a body with %q and without %q", a.Title, a.Body, tt.title, tt.body, tt.none)
			}
		})
	}

	// A source's own rules replace the table's.
	own, err := config.Parse("own.yaml", []byte("sources:\n  - name: cnbeta\n    start_urls: [https://www.cnbeta.com.tw/]\n    rules:\n      body: .article-content\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := extract.Extract(extract.Input{URL: tests[0].url, HTML: []byte(tests[0].html), Rules: own.Sources[0].Rules})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(a.Body, "这是摘要段落") || !strings.Contains(a.Body, "正文第一段") {
		t.Errorf("own rules: body %q, want .article-content only (no summary)", a.Body)
	}
}
