package dedup

import (
	"strings"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	aliases := map[string]string{"m.cnbeta.com": "www.cnbeta.com.tw", "WWW.CNBETA.COM": "www.cnbeta.com.tw"}
	tests := []struct {
		name, in, want string
	}{
		{"already canonical", "https://www.cnbeta.com.tw/articles/tech/1435748.htm", "https://www.cnbeta.com.tw/articles/tech/1435748.htm"},
		{"scheme and host case", "HTTPS://Finance.SINA.com.CN/a/b.shtml", "https://finance.sina.com.cn/a/b.shtml"},
		{"path case kept", "https://example.com/Path/To", "https://example.com/Path/To"},
		{"default http port", "http://example.com:80/a", "http://example.com/a"},
		{"default https port", "https://example.com:443/a", "https://example.com/a"},
		{"other port kept", "https://example.com:8443/a", "https://example.com:8443/a"},
		{"port 443 on http kept", "http://example.com:443/a", "http://example.com:443/a"},
		{"leading zeros in port", "http://example.com:0080/a", "http://example.com/a"},
		{"fragment dropped", "https://example.com/a#comments", "https://example.com/a"},
		{"credentials dropped", "https://user:pass@example.com/a", "https://example.com/a"},
		{"empty path", "https://example.com", "https://example.com/"},
		{"empty query", "https://example.com/a?", "https://example.com/a"},
		{"trailing dot host", "https://example.com./a", "https://example.com/a"},
		{"utm removed", "https://example.com/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x", "https://example.com/a"},
		{"session id in query", "https://example.com/a?id=7&PHPSESSID=abc123&jsessionid=x", "https://example.com/a?id=7"},
		{"session id in path", "https://example.com/news/1.html;jsessionid=0A1B2C?p=2", "https://example.com/news/1.html?p=2"},
		{"story id kept", "https://example.com/article.pl?sid=20/05/01/1", "https://example.com/article.pl?sid=20/05/01/1"},
		{"tracking removed, rest sorted", "https://example.com/a?id=7&spm=a.b.c&from=timeline&b=2&share=1&fbclid=XYZ&gclid=1&mc_cid=2&ref=hn&cmpid=3", "https://example.com/a?b=2&id=7"},
		{"sort by key then value, repeats kept", "https://example.com/s?q=b&a=1&q=a", "https://example.com/s?a=1&q=a&q=b"},
		{"empty params dropped", "https://example.com/s?&&a=1&&", "https://example.com/s?a=1"},
		{"generic names kept", "https://bbs.example.com/forum.php?mod=viewthread&tid=42&page=2", "https://bbs.example.com/forum.php?mod=viewthread&page=2&tid=42"},
		{"sina feed tracking", "https://finance.sina.com.cn/x/2020-05-01/doc-abc.shtml?cre=tianyi&rfunc=1&sudaref=www.example.com&spm=1", "https://finance.sina.com.cn/x/2020-05-01/doc-abc.shtml"},
		{"wechat share tags", "https://mp.weixin.qq.com/s?__biz=AB&mid=1&idx=1&sn=ff&scene=21&sharer_sharetime=1", "https://mp.weixin.qq.com/s?__biz=AB&idx=1&mid=1&sn=ff"},
		{"host alias", "https://m.cnbeta.com/view/1435748.htm", "https://www.cnbeta.com.tw/view/1435748.htm"},
		{"host alias case-insensitive", "http://www.cnbeta.com/articles/tech/1.htm", "http://www.cnbeta.com.tw/articles/tech/1.htm"},
		{"dot segments", "https://example.com/a/./b/../c/", "https://example.com/a/c/"},
		{"dot segments above root", "https://example.com/../../a", "https://example.com/a"},
		{"trailing dot dot", "https://example.com/a/b/..", "https://example.com/a/"},
		{"index.html kept", "https://example.com/news/index.html", "https://example.com/news/index.html"},
		{"double slash kept", "https://example.com/a//b", "https://example.com/a//b"},
		{"escapes upper-cased", "https://example.com/%e4%b8%ad", "https://example.com/%E4%B8%AD"},
		{"unreserved escapes decoded", "https://example.com/%7Euser/%41", "https://example.com/~user/A"},
		{"non-ASCII path encoded", "https://example.com/新闻/一", "https://example.com/%E6%96%B0%E9%97%BB/%E4%B8%80"},
		{"encoded slash kept", "https://example.com/a%2fb", "https://example.com/a%2Fb"},
		{"query escapes normalised", "https://example.com/s?q=%e4%b8%ad%20x&k=a b", "https://example.com/s?k=a%20b&q=%E4%B8%AD%20x"},
		{"IDN host to punycode", "https://新闻.例子.中国/a", "https://xn--efvy88h.xn--fsqu00a.xn--fiqs8s/a"},
		{"IPv4", "http://127.0.0.1:80/a", "http://127.0.0.1/a"},
		{"IPv6", "http://[::1]:8080/a", "http://[::1]:8080/a"},
		{"IPv6 upper case", "http://[FE80::0:1]/a", "http://[fe80::1]/a"},
		{"IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]/a", "http://127.0.0.1/a"},
		{"surrounding space", "  https://example.com/a  ", "https://example.com/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalURL(tt.in, aliases)
			if err != nil {
				t.Fatalf("CanonicalURL(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			again, err := CanonicalURL(got, aliases)
			if err != nil || again != got {
				t.Errorf("not idempotent: %q -> %q (%v)", got, again, err)
			}
		})
	}
}

func TestCanonicalURLErrors(t *testing.T) {
	for _, in := range []string{
		"", "not a url", "/relative/path", "ftp://example.com/a", "mailto:someone@example.com",
		"http:opaque", "http://", "https://exa mple.com/", "http://[::1", "javascript:alert(1)",
	} {
		got, err := CanonicalURL(in, nil)
		if err == nil {
			t.Errorf("CanonicalURL(%q) = %q, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), "dedup: canonical URL "+strconvQuote(in)) {
			t.Errorf("CanonicalURL(%q) error %q does not name the input", in, err)
		}
	}
}

func strconvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestCanonicalLink(t *testing.T) {
	tests := []struct {
		name, page, declared, want string
	}{
		{"same host", "https://www.example.com/a?utm_source=x", "https://www.example.com/a-story", "https://www.example.com/a-story"},
		{"relative", "https://www.example.com/news/a.html", "/news/b.html", "https://www.example.com/news/b.html"},
		{"other subdomain of same site", "https://m.example.co.uk/a", "https://www.example.co.uk/a", "https://www.example.co.uk/a"},
		{"other site ignored", "https://finance.sina.com.cn/a.shtml", "https://www.example.com/a", "https://finance.sina.com.cn/a.shtml"},
		{"public suffix is not a site", "https://a.github.io/x", "https://b.github.io/x", "https://a.github.io/x"},
		{"empty declared", "https://www.example.com/a#x", "", "https://www.example.com/a"},
		{"bad declared ignored", "https://www.example.com/a", "http://[::1", "https://www.example.com/a"},
		{"non-http declared ignored", "https://www.example.com/a", "ftp://www.example.com/a", "https://www.example.com/a"},
		{"declared canonicalised", "https://www.example.com/a", "HTTPS://WWW.EXAMPLE.COM:443/b?spm=1#top", "https://www.example.com/b"},
		{"IP host must match exactly", "http://127.0.0.1/a", "http://127.0.0.2/a", "http://127.0.0.1/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalLink(tt.page, tt.declared)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CanonicalLink(%q, %q) = %q, want %q", tt.page, tt.declared, got, tt.want)
			}
		})
	}
	if _, err := CanonicalLink("not a url", "https://www.example.com/"); err == nil {
		t.Error("CanonicalLink with a bad page URL: want an error")
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"https://www.cnbeta.com.tw/articles/tech/1435748.htm",
		"HTTP://Example.COM:80/a/./b/../c?utm_source=x&b=2&a=1#frag",
		"https://新闻.例子.中国/新闻?q=中 文&spm=1",
		"http://[::1]:0080/%7e%2f?%zz=%",
		"https://user@example.com/a/b/..//c/.",
		"http://m.cnbeta.com/view/1.htm?from=rss",
	} {
		f.Add(s)
	}
	aliases := map[string]string{"m.cnbeta.com": "www.cnbeta.com.tw"}
	f.Fuzz(func(t *testing.T, raw string) {
		once, err := CanonicalURL(raw, aliases)
		if err != nil {
			return
		}
		twice, err := CanonicalURL(once, aliases)
		if err != nil {
			t.Fatalf("canonical %q (from %q) rejected: %v", once, raw, err)
		}
		if twice != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, once, twice)
		}
	})
}
