package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

func TestSiteRulesHosts(t *testing.T) {
	tests := []struct {
		host string
		want bool
		body string // a selector the rules must contain
	}{
		{"www.cnbeta.com.tw", true, ".article-content"},
		{"www.cnbeta.com", true, ".article-content"},
		{"m.cnbeta.com", true, ".articleCont"},
		{"WWW.CNBETA.COM.TW.", true, ".article-content"},
		{"www.cnbeta.com.tw:443", true, ".article-content"},
		{"finance.sina.com.cn", true, "#artibody"},
		{"news.sina.com.cn", true, "#article"},
		{"tech.sina.com.cn", true, "#artibody"},
		{"sina.com.cn", true, "#artibody"},
		{"notsina.com.cn", false, ""},
		{"cnbeta.com.example.org", false, ""},
		{"example.com", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		r, ok := SiteRules(tt.host)
		if ok != tt.want {
			t.Errorf("SiteRules(%q) ok = %v, want %v", tt.host, ok, tt.want)
			continue
		}
		if ok && !strings.Contains(r.Body, tt.body) {
			t.Errorf("SiteRules(%q).Body = %q, want it to contain %q", tt.host, r.Body, tt.body)
		}
	}
}

func TestSitesYAMLValid(t *testing.T) {
	m, err := loadSites(sitesYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) == 0 {
		t.Fatal("sites.yaml holds no rules")
	}
	if _, err := loadSites([]byte("sites:\n  - name: x\n    hosts: [a.com]\n    rules: {body: \"div[\"}\n")); err == nil {
		t.Error("loadSites accepted a selector that does not parse")
	}
	if err := CheckRules(newsmon.Rules{Body: "#ok, .fine p"}); err != nil {
		t.Errorf("CheckRules(valid) = %v", err)
	}
	if err := CheckRules(newsmon.Rules{Drop: []string{"p", ":::"}}); err == nil {
		t.Error("CheckRules accepted a broken drop selector")
	}
}

// TestSiteFixtures extracts our own pages that imitate cnBeta's and Sina
// Finance's article markup (testdata/*.html, invented text).
func TestSiteFixtures(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	fetched := time.Date(2020, 5, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		file, url   string
		title       string
		published   time.Time
		contains    []string
		notContains []string
	}{
		{
			file:      "cnbeta.html",
			url:       "https://www.cnbeta.com.tw/articles/tech/1000001.htm",
			title:     "某品牌手机被曝在隐身模式下上传浏览记录",
			published: time.Date(2020, 5, 1, 10, 23, 0, 0, shanghai),
			contains: []string{
				"一位安全研究员在测试中发现", // summary
				"研究员表示，他在连续两周的抓包测试中",
				"厂商随后回应称",
				"多位业内人士认为",
			},
			notContains: []string{"摘要", "隐私保护专题", "领取新用户", "网友评论", "Copyright", "首页", "稿源"},
		},
		{
			file:      "sina.html",
			url:       "https://finance.sina.com.cn/tech/2020-05-02/doc-iabcdefg1234567.shtml",
			title:     "示例公司回应浏览数据上传争议",
			published: time.Date(2020, 5, 2, 8, 15, 0, 0, shanghai),
			contains: []string{
				"新浪财经讯 5月2日，示例公司就其浏览器",
				"示例公司总部大楼（资料图）", // caption
				"声明表示，公司将在一周内推送更新",
				"分析人士指出",
			},
			notContains: []string{"开户领福利", "扫二维码", "责任编辑", "关键词", "财经首页"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			art, err := Extract(Input{URL: tt.url, HTML: page, FetchedAt: fetched, Location: shanghai, Lang: "zh"})
			if err != nil {
				t.Fatal(err)
			}
			if art.Title != tt.title {
				t.Errorf("Title = %q, want %q", art.Title, tt.title)
			}
			if !art.Published.Equal(tt.published) {
				t.Errorf("Published = %v, want %v", art.Published, tt.published)
			}
			if _, off := art.Published.Zone(); off != 8*3600 {
				t.Errorf("Published offset = %d, want +08:00", off)
			}
			if art.Lang != "zh" {
				t.Errorf("Lang = %q, want zh", art.Lang)
			}
			for _, s := range tt.contains {
				if !strings.Contains(art.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, art.Body)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(art.Body, s) {
					t.Errorf("body has boilerplate %q:\n%s", s, art.Body)
				}
			}
			if strings.Contains(art.Body, "\n\n\n") || !strings.Contains(art.Body, "\n\n") {
				t.Errorf("body paragraphs not separated by single blank lines:\n%q", art.Body)
			}
		})
	}
}
