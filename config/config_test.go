package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

func TestDefault(t *testing.T) {
	c := Default()
	// The crawl defaults as the README documents them, in what
	// `newsmon check` prints.
	var b strings.Builder
	c.Describe(&b)
	want := "user_agent: newsmon/" + newsmon.Version + " (+https://github.com/newsmon/newsmon)\ncrawl:\n" +
		"  parallelism: 8\n  per_host_delay: 2s\n  timeout: 30s\n  max_body_bytes: 10MiB\n  respect_robots: true\n" +
		"  allow_private_networks: false\n  retries: 2\n  max_pages: 500\n  max_redirects: 10\n  proxy: \"\"\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("crawl defaults:\n%s\nwant\n%s", b.String(), want)
	}
	if c.DataDir != "./newsmon-data" || c.Cluster.Window != 168*time.Hour || c.Server.Listen != "127.0.0.1:8080" || c.Server.Token != "" {
		t.Errorf("data_dir %q, window %v, server %+v", c.DataDir, c.Cluster.Window, c.Server)
	}

	cnbeta, ok := c.Source("cnbeta")
	if !ok {
		t.Fatal("no cnbeta source")
	}
	if cnbeta.Lang != "zh" || cnbeta.Location.String() != "Asia/Shanghai" {
		t.Errorf("cnbeta lang %q, location %v", cnbeta.Lang, cnbeta.Location)
	}
	if _, off := time.Date(2020, 5, 1, 10, 0, 0, 0, cnbeta.Location).Zone(); off != 8*3600 {
		t.Errorf("Asia/Shanghai offset = %d, want +8h (time/tzdata embedded?)", off)
	}
	if cnbeta.HostAliases["m.cnbeta.com"] != "www.cnbeta.com.tw" || cnbeta.HostAliases["www.cnbeta.com"] != "www.cnbeta.com.tw" {
		t.Errorf("cnbeta hosts = %v", cnbeta.HostAliases)
	}
	for _, u := range []string{"https://www.cnbeta.com.tw/articles/tech/1435748.htm", "https://m.cnbeta.com/articles/tech/1435748.htm"} {
		if !matchesAny(cnbeta.ArticleURLs, u) {
			t.Errorf("cnbeta article_urls do not match %s", u)
		}
	}
	if matchesAny(cnbeta.ArticleURLs, "https://www.cnbeta.com.tw/category/tech.htm") {
		t.Error("cnbeta article_urls match a category page")
	}
	// No rules of its own: extract's site table (desktop and mobile
	// templates) applies (pipeline: TestDefaultSourcesGetSiteRules).
	if r := cnbeta.Rules; r.Title != "" || r.Body != "" || len(r.Drop) != 0 {
		t.Errorf("cnbeta rules = %+v, want none", cnbeta.Rules)
	}

	for _, name := range []string{"sina-finance", "sina-tech"} {
		s, ok := c.Source(name)
		if !ok {
			t.Fatalf("no %s source", name)
		}
		if len(s.JSONLists) == 0 || !strings.HasPrefix(s.JSONLists[0].URL, "https://feed.mix.sina.com.cn/api/roll/get?") || s.JSONLists[0].Links != "result.data.url" {
			t.Errorf("%s json_lists = %+v", name, s.JSONLists)
		}
		if s.Headers["Referer"] == "" {
			t.Errorf("%s sends no Referer", name)
		}
	}
	sina, _ := c.Source("sina-finance")
	if !matchesAny(sina.ArticleURLs, "https://finance.sina.com.cn/tech/2020-05-01/doc-iircuyvi0912345.shtml") {
		t.Error("sina-finance article_urls do not match a doc-*.shtml URL")
	}

	english := 0
	for _, s := range c.Sources {
		if s.Lang == "en" && len(s.Feeds) > 0 {
			english++
		}
	}
	if english < 3 || english > 5 {
		t.Errorf("%d English feeds, want 3-5", english)
	}

	if len(c.Topics) != 1 || c.Topics[0].Name != "ai-incidents" {
		t.Fatalf("topics = %v", c.Topics)
	}
	for _, want := range []string{"AI", "人工智能", "algorithm", "算法", "facial recognition", "人脸识别", "自动驾驶"} {
		if !contains(c.Topics[0].Terms, want) {
			t.Errorf("ai-incidents terms lack %q", want)
		}
	}
	for _, want := range []string{"privacy", "隐私", "leak", "泄露", "discrimination", "歧视", "fraud", "诈骗", "injury"} {
		if !contains(c.Topics[0].Harms, want) {
			t.Errorf("ai-incidents harms lack %q", want)
		}
	}

	// Each call returns an independent value.
	c.Sources[0].Name = "changed"
	if Default().Sources[0].Name != "cnbeta" {
		t.Error("Default shares state between calls")
	}
}

func TestParseKeepsDefaults(t *testing.T) {
	c, err := Parse("newsmon.yaml", []byte("crawl:\n  timeout: 5s\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.Crawl.Timeout != 5*time.Second || c.Crawl.Parallelism != d.Crawl.Parallelism || len(c.Sources) != len(d.Sources) || len(c.Topics) != 1 {
		t.Errorf("timeout %v, parallelism %d, %d sources, %d topics", c.Crawl.Timeout, c.Crawl.Parallelism, len(c.Sources), len(c.Topics))
	}

	c, err = Parse("newsmon.yaml", []byte("sources: []\ntopics: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 0 || len(c.Topics) != 0 {
		t.Errorf("empty lists kept %d sources, %d topics", len(c.Sources), len(c.Topics))
	}

	c, err = Parse("empty.yaml", nil)
	if err != nil || len(c.Sources) != len(d.Sources) {
		t.Errorf("empty file: %v", err)
	}
}

const fullConfig = `
data_dir: /var/lib/newsmon
user_agent: "test-agent/1.0"
crawl:
  parallelism: 3
  per_host_delay: 250ms
  timeout: 4s
  max_body_bytes: 512KB
  respect_robots: false
  allow_private_networks: true
  retries: 0
  max_pages: 20
  max_redirects: 3
  proxy: http://proxy.example:3128
sources:
  - name: fake-zh
    lang: zh
    timezone: Asia/Shanghai
    interval: 2s
    feeds: [http://127.0.0.1:8081/rss.xml]
    sitemaps: [http://127.0.0.1:8081/sitemap.xml]
    start_urls: [http://127.0.0.1:8081/]
    json_lists:
      - url: http://127.0.0.1:8081/api/roll?page=1
        links: result.data.url
    articles: [http://127.0.0.1:8081/articles/tech/1.htm]
    article_urls: ['/articles/[a-z]+/\d+\.htm$']
    max_depth: 2
    max_pages: 7
    hosts:
      M.Example.COM: www.example.com
    headers:
      Referer: http://127.0.0.1:8081/
    rules:
      title: header.title h1
      published: .meta span
      authors: .author
      body: .article-content
      drop: [.ad, "#promo"]
topics:
  - name: recalls
    terms: [recall, 召回]
cluster:
  window: 48h
  threshold: 0.35
  min_score: 1.5
  max_open: 2000
dedup:
  near_window: 20000
server:
  listen: 0.0.0.0:9090
  token: s3cret-token
`

func TestParseFull(t *testing.T) {
	c, err := Parse("full.yaml", []byte(fullConfig))
	if err != nil {
		t.Fatal(err)
	}
	wantCrawl := newsmon.CrawlSettings{
		UserAgent: "test-agent/1.0", Parallelism: 3, PerHostDelay: 250 * time.Millisecond, Timeout: 4 * time.Second,
		MaxBodyBytes: 512000, RespectRobots: false, AllowPrivateNetworks: true, Retries: 0, MaxPages: 20, MaxRedirects: 3,
		Proxy: "http://proxy.example:3128",
	}
	if c.Crawl != wantCrawl {
		t.Errorf("crawl = %+v\nwant   %+v", c.Crawl, wantCrawl)
	}
	if c.DataDir != "/var/lib/newsmon" {
		t.Errorf("data_dir = %q", c.DataDir)
	}
	if len(c.Sources) != 1 {
		t.Fatalf("%d sources", len(c.Sources))
	}
	s := c.Sources[0]
	if s.Name != "fake-zh" || s.Lang != "zh" || s.Location.String() != "Asia/Shanghai" || s.Interval != 2*time.Second ||
		s.MaxDepth != 2 || s.MaxPages != 7 {
		t.Errorf("source = %+v", s)
	}
	for name, got := range map[string][]string{"feeds": s.Feeds, "sitemaps": s.Sitemaps, "start_urls": s.StartURLs, "articles": s.Articles} {
		if len(got) != 1 || !strings.HasPrefix(got[0], "http://127.0.0.1:8081/") {
			t.Errorf("%s = %v", name, got)
		}
	}
	if !reflect.DeepEqual(s.JSONLists, []newsmon.JSONList{{URL: "http://127.0.0.1:8081/api/roll?page=1", Links: "result.data.url"}}) {
		t.Errorf("json_lists = %+v", s.JSONLists)
	}
	if len(s.ArticleURLs) != 1 || !s.ArticleURLs[0].MatchString("http://x/articles/tech/12.htm") {
		t.Errorf("article_urls = %v", s.ArticleURLs)
	}
	if !reflect.DeepEqual(s.HostAliases, map[string]string{"m.example.com": "www.example.com"}) {
		t.Errorf("hosts = %v (want lower case)", s.HostAliases)
	}
	if s.Headers["Referer"] != "http://127.0.0.1:8081/" {
		t.Errorf("headers = %v", s.Headers)
	}
	wantRules := newsmon.Rules{Title: "header.title h1", Published: ".meta span", Authors: ".author", Body: ".article-content", Drop: []string{".ad", "#promo"}}
	if !reflect.DeepEqual(s.Rules, wantRules) {
		t.Errorf("rules = %+v", s.Rules)
	}
	if !reflect.DeepEqual(c.Topics, []newsmon.Topic{{Name: "recalls", Terms: []string{"recall", "召回"}, Harms: nil}}) {
		t.Errorf("topics = %+v", c.Topics)
	}
	if c.Cluster != (Cluster{Window: 48 * time.Hour, Threshold: 0.35, MinScore: 1.5, MaxOpen: 2000}) {
		t.Errorf("cluster = %+v", c.Cluster)
	}
	if c.Dedup != (Dedup{NearWindow: 20000}) {
		t.Errorf("dedup = %+v", c.Dedup)
	}
	if c.Server != (Server{Listen: "0.0.0.0:9090", Token: "s3cret-token"}) {
		t.Errorf("server = %+v", c.Server)
	}
}

func TestAnchors(t *testing.T) {
	c := mustParse(t, `sources:
  - name: a
    feeds: &feeds [https://a.example/feed]
    rules: &rules {body: .story, drop: [.ad]}
  - name: b
    feeds: *feeds
    rules: *rules
`)
	if len(c.Sources) != 2 || c.Sources[1].Feeds[0] != "https://a.example/feed" || c.Sources[1].Rules.Body != ".story" {
		t.Errorf("aliases not followed: %+v", c.Sources)
	}
}

func TestSourceDefaults(t *testing.T) {
	c, err := Parse("x.yaml", []byte("sources:\n  - name: a\n    feeds: [https://a.example/feed]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if s.Location != time.UTC || s.Interval != DefaultInterval || s.MaxDepth != DefaultMaxDepth || s.Lang != "" || s.MaxPages != 0 {
		t.Errorf("defaults: location %v, interval %v, max_depth %d, lang %q, max_pages %d", s.Location, s.Interval, s.MaxDepth, s.Lang, s.MaxPages)
	}
}

func TestErrors(t *testing.T) {
	src := func(body string) string {
		return "sources:\n  - name: a\n    feeds: [https://a.example/feed]\n" + body
	}
	tests := []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		{"unknown top key", "data_dir: x\ncrawll:\n  timeout: 2s\n", 2, "crawll", `unknown key (did you mean crawl?)`},
		{"unknown nested key", "crawl:\n  timeout: 2s\n  paralelism: 3\n", 3, "crawl.paralelism", "unknown key (did you mean parallelism?)"},
		{"unknown source key", src("    feed: [x]\n"), 4, "sources[0].feed", "unknown key (did you mean feeds?)"},
		{"unknown rules key", src("    rules:\n      titel: h1\n"), 5, "sources[0].rules.titel", "unknown key (did you mean title?)"},
		{"repeated key", "crawl:\n  timeout: 2s\n  timeout: 3s\n", 3, "crawl.timeout", "key repeated (first set on line 2)"},
		{"bad duration", "\n\ncrawl:\n  timeout: 3x\n", 4, "crawl.timeout", `invalid duration "3x"`},
		{"negative duration", "crawl:\n  per_host_delay: -1s\n", 2, "crawl.per_host_delay", "must be at least 0s"},
		{"bad window", "cluster:\n  window: 7 days\n", 2, "cluster.window", `invalid duration "7 days"`},
		{"bad interval", src("    interval: soon\n"), 4, "sources[0].interval", `invalid duration "soon"`},
		{"bad size unit", "crawl:\n  max_body_bytes: 10MiBs\n", 2, "crawl.max_body_bytes", `unknown unit "MiBs"`},
		{"bad size", "crawl:\n  max_body_bytes: lots\n", 2, "crawl.max_body_bytes", `invalid size "lots"`},
		{"zero size", "crawl:\n  max_body_bytes: 0\n", 2, "crawl.max_body_bytes", "out of range"},
		{"not an integer", "crawl:\n  parallelism: many\n", 2, "crawl.parallelism", `expected an integer, got "many"`},
		{"too small", "crawl:\n  parallelism: 0\n", 2, "crawl.parallelism", "must be at least 1, got 0"},
		{"no redirects", "crawl:\n  max_redirects: 0\n", 2, "crawl.max_redirects", "must be at least 1, got 0"},
		{"not a bool", "crawl:\n  respect_robots: maybe\n", 2, "crawl.respect_robots", `expected true or false, got "maybe"`},
		{"proxy without scheme", "crawl:\n  proxy: 10.0.0.1:3128\n", 2, "crawl.proxy", `invalid proxy "10.0.0.1:3128"`},
		{"proxy scheme", "crawl:\n  proxy: ftp://10.0.0.1:21\n", 2, "crawl.proxy", "scheme must be http, https or socks5"},
		{"nats url without scheme", "nats:\n  url: 127.0.0.1:4222\n", 2, "nats.url", `invalid NATS URL "127.0.0.1:4222"`},
		{"nats url scheme", "nats:\n  url: http://127.0.0.1:4222\n", 2, "nats.url", "scheme must be nats, tls, ws or wss"},
		{"nats url in a list", "nats:\n  url: nats://a:4222,b:4222\n", 2, "nats.url", `invalid NATS URL "b:4222"`},
		{"unknown nats key", "nats:\n  uri: nats://a:4222\n", 2, "nats.uri", "unknown key (did you mean url?)"},
		{"threshold range", "cluster:\n  threshold: 1.5\n", 2, "cluster.threshold", "must be between 0 and 1"},
		{"near window too small", "dedup:\n  near_window: 3\n", 2, "dedup.near_window", "must be at least 16, got 3"},
		{"incident budget too small", "cluster:\n  max_open: 10\n", 2, "cluster.max_open", "must be at least 64, got 10"},
		{"bad regexp", src("    article_urls:\n      - '/ok/'\n      - '/articles/(\\d+\\.htm'\n"), 6, "sources[0].article_urls[1]", "invalid regexp"},
		{"bad timezone", src("    timezone: Asia/Shanghia\n"), 4, "sources[0].timezone", `unknown timezone "Asia/Shanghia"`},
		{"local timezone", src("    timezone: Local\n"), 4, "sources[0].timezone", `invalid timezone "Local"`},
		{"bad url", src("    sitemaps:\n      - /sitemap.xml\n"), 5, "sources[0].sitemaps[0]", `invalid URL "/sitemap.xml"`},
		{"bad url scheme", src("    start_urls: [ftp://a.example/]\n"), 4, "sources[0].start_urls[0]", `invalid URL "ftp://a.example/"`},
		{"bad json list url", src("    json_lists:\n      - url: a.example/api\n        links: data.url\n"), 5, "sources[0].json_lists[0].url", "invalid URL"},
		{"json list without links", src("    json_lists:\n      - url: https://a.example/api\n"), 5, "sources[0].json_lists[0]", "needs both url and links"},
		{"bad host alias", src("    hosts:\n      m.a.example: https://a.example/\n"), 5, "sources[0].hosts.m.a.example", "invalid host"},
		{"repeated host", src("    hosts:\n      M.a.example: a.example\n      m.a.example: b.example\n"), 6, "sources[0].hosts.m.a.example", "key repeated"},
		{"bad header", src("    headers:\n      Bad Header: x\n"), 5, "sources[0].headers.Bad Header", "invalid header name"},
		{"bad selector", src("    rules:\n      body: 'div[[class'\n"), 5, "sources[0].rules.body", "invalid CSS selector"},
		{"bad lang", src("    lang: Chinese\n"), 4, "sources[0].lang", `invalid language "Chinese"`},
		{"duplicate source", src("  - name: a\n    feeds: [https://b.example/feed]\n"), 4, "sources[1].name", `duplicate source name "a" (first used on line 2)`},
		{"missing name", "sources:\n  - lang: en\n    feeds: [https://a.example/feed]\n", 2, "sources[0].name", "missing"},
		{"bad name", "sources:\n  - name: 'a b'\n    feeds: [https://a.example/feed]\n", 2, "sources[0].name", `invalid name "a b"`},
		{"nothing to crawl", "sources:\n  - name: a\n    lang: en\n", 2, "sources[0]", "nothing to crawl"},
		{"sources not a list", "sources:\n  name: a\n", 2, "sources", "expected a list"},
		{"feeds not a list", src("    sitemaps: https://a.example/s.xml\n"), 4, "sources[0].sitemaps", "expected a list"},
		{"crawl not a mapping", "crawl: fast\n", 1, "crawl", `expected a mapping, got "fast"`},
		{"topic without terms", "topics:\n  - name: t\n    harms: [x]\n", 2, "topics[0].terms", "needs at least one term"},
		{"duplicate topic", "topics:\n  - name: t\n    terms: [a]\n  - name: t\n    terms: [b]\n", 4, "topics[1].name", "duplicate topic name"},
		{"bad listen", "server:\n  listen: localhost\n", 2, "server.listen", "invalid listen address"},
		{"empty list item", src("    articles: ['']\n"), 4, "sources[0].articles[0]", "must not be empty"},
		{"yaml syntax", "crawl:\n  timeout: 2s\n bad: [\n", 2, "", "did not find expected key"},
		{"top level list", "- a\n- b\n", 1, "", "expected a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("newsmon.yaml", []byte(tt.yaml))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *config.Error", err, err)
			}
			if e.File != "newsmon.yaml" || e.Line != tt.line || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got file %q line %d key %q msg %q\nwant line %d key %q msg containing %q", e.File, e.Line, e.Key, e.Msg, tt.line, tt.key, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "newsmon.yaml:") {
				t.Errorf("message %q does not start with the file and line", err)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	_, err := Parse("newsmon.yaml", []byte(strings.Repeat("\n", 10)+"crawl:\n  timeout: 3x\n"))
	if got, want := err.Error(), `newsmon.yaml:12: crawl.timeout: invalid duration "3x"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// Messages that come from the YAML parser itself keep their file, line
	// and wording across YAML library versions.
	for _, tt := range []struct{ yaml, want string }{
		{"crawl:\n  timeout: 2s\n bad: [\n", "newsmon.yaml:2: did not find expected key"},
		{"crawl:\n\ttimeout: 2s\n", "newsmon.yaml:2: found character that cannot start any token"},
		{"crawl: [\n", "newsmon.yaml:1: did not find expected node content"},
	} {
		if _, err := Parse("newsmon.yaml", []byte(tt.yaml)); err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v, want %q", tt.yaml, err, tt.want)
		}
	}
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Msg: "cannot read"}, "a.yaml: cannot read"},
		{Error{File: "a.yaml", Line: 3, Msg: "bad"}, "a.yaml:3: bad"},
		{Error{Key: "k", Msg: "bad"}, "config: k: bad"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newsmon.yaml")
	if err := os.WriteFile(path, []byte(fullConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || c.Sources[0].Name != "fake-zh" {
		t.Fatalf("Load: %v", err)
	}

	if err := os.WriteFile(path, []byte("crawl:\n  timeout: 3x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if err == nil || err.Error() != path+`:2: crawl.timeout: invalid duration "3x"` {
		t.Errorf("Load bad file: %v", err)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.yaml: cannot read") {
		t.Errorf("Load missing file: %v", err)
	}

	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), MaxFileSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load huge file: %v", err)
	}
}

func TestDescribeRoundTrip(t *testing.T) {
	for name, c := range map[string]*Config{"default": Default(), "full": mustParse(t, fullConfig)} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			c.Describe(&buf)
			out := buf.String()
			if strings.Contains(out, "s3cret-token") {
				t.Error("Describe prints the server token")
			}
			back, err := Parse("describe.yaml", buf.Bytes())
			if err != nil {
				t.Fatalf("Describe output does not parse: %v\n%s", err, out)
			}
			if c.Server.Token != "" {
				if back.Server.Token != Redacted {
					t.Errorf("token = %q, want %q", back.Server.Token, Redacted)
				}
				back.Server.Token = c.Server.Token
			}
			if got, want := normalize(back), normalize(c); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDescribeContent(t *testing.T) {
	var buf bytes.Buffer
	Default().Describe(&buf)
	for _, want := range []string{
		"# newsmon configuration as resolved",
		"per_host_delay: 2s\n",
		"max_body_bytes: 10MiB\n",
		"window: 168h\n",
		"listen: 127.0.0.1:8080\n",
		"- name: cnbeta\n",
		"timezone: Asia/Shanghai\n",
		"m.cnbeta.com: www.cnbeta.com.tw\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("Describe output lacks %q", want)
		}
	}
	c := mustParse(t, "sources:\n  - name: a\n    feeds: [https://a.example/f]\n    headers: {Cookie: 'sid=secret', Referer: 'https://a.example/'}\n")
	buf.Reset()
	c.Describe(&buf)
	if strings.Contains(buf.String(), "sid=secret") || !strings.Contains(buf.String(), "Referer: https://a.example/") {
		t.Errorf("headers not redacted as expected:\n%s", buf.String())
	}
}

func TestSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"1048576", 1 << 20}, {"10MiB", 10 << 20}, {"512KB", 512000}, {"512kb", 512000}, {"1.5KiB", 1536},
		{"2GB", 2e9}, {"100 B", 100}, {"1Gi", 1 << 30},
	} {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if back, err := ParseSize(FormatSize(got)); err != nil || back != got {
			t.Errorf("FormatSize(%d) = %q does not parse back", got, FormatSize(got))
		}
	}
	for _, bad := range []string{"", "-1", "0", "1e3", "10 MiBs", "MiB", "99999999999GiB", "1.5.5MB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	if got := FormatSize(512000); got != "512KB" {
		t.Errorf("FormatSize(512000) = %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		168 * time.Hour: "168h", 15 * time.Minute: "15m", 2 * time.Second: "2s", 90 * time.Minute: "1h30m",
		250 * time.Millisecond: "250ms", 0: "0s", time.Hour + time.Second: "1h0m1s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("FormatDuration(%v) does not parse back", d)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(fullConfig))
	f.Add(defaultYAML)
	f.Add([]byte("crawl: {timeout: 3x}\n"))
	f.Add([]byte("a: &a [*a]\nsources: *a\n"))
	f.Add([]byte("sources:\n  - &s {name: a, feeds: [https://a/]}\n  - *s\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range c.Sources {
			if s.Name == "" || s.Location == nil {
				t.Fatalf("accepted source without name or location: %+v", s)
			}
		}
		var buf bytes.Buffer
		c.Describe(&buf)
	})
}

func mustParse(t *testing.T, s string) *Config {
	t.Helper()
	c, err := Parse("test.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// normalize makes a Config comparable with reflect.DeepEqual: locations and
// regexps by name, nil and empty collections alike.
func normalize(c *Config) any {
	type src struct {
		S        newsmon.Source
		Loc      string
		Patterns []string
	}
	out := struct {
		C       Config
		Sources []src
	}{C: *c}
	out.C.Sources = nil
	for _, s := range c.Sources {
		n := src{S: s, Loc: s.Location.String()}
		for _, re := range s.ArticleURLs {
			n.Patterns = append(n.Patterns, re.String())
		}
		n.S.Location, n.S.ArticleURLs = nil, nil
		if len(n.S.HostAliases) == 0 {
			n.S.HostAliases = nil
		}
		if len(n.S.Headers) == 0 {
			n.S.Headers = nil
		}
		out.Sources = append(out.Sources, n)
	}
	for i := range out.C.Topics {
		if len(out.C.Topics[i].Harms) == 0 {
			out.C.Topics[i].Harms = nil
		}
	}
	return out
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestNATS(t *testing.T) {
	if u := Default().NATS.URL; u != "" {
		t.Fatalf("default nats.url %q, want empty (in-process)", u)
	}
	tests := []struct{ url, describe string }{
		{"nats://127.0.0.1:4222", "url: nats://127.0.0.1:4222\n"},
		{"nats://a.example:4222, tls://b.example:4222", "url: nats://a.example:4222,tls://b.example:4222\n"},
		{"nats://s3cret@a.example:4222", "url: nats://xxxxx@a.example:4222\n"},
		{"nats://user:s3cret@a.example:4222", "url: nats://xxxxx@a.example:4222\n"},
	}
	for _, tt := range tests {
		c := mustParse(t, "nats:\n  url: '"+tt.url+"'\n")
		if c.NATS.URL != tt.url {
			t.Errorf("nats.url %q parsed as %q", tt.url, c.NATS.URL)
		}
		if err := CheckNATSURL(tt.url); err != nil {
			t.Errorf("CheckNATSURL(%q): %v", tt.url, err)
		}
		var buf bytes.Buffer
		c.Describe(&buf)
		if out := buf.String(); strings.Contains(out, "s3cret") || !strings.Contains(out, tt.describe) {
			t.Errorf("Describe of nats.url %q lacks %q or shows the secret:\n%s", tt.url, tt.describe, out)
		}
	}
	if err := CheckNATSURL("nats://user:s3cret@"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("CheckNATSURL of a URL without host: %v (want an error without the secret)", err)
	}
}

// TestNATSKeys: the queue's keys parse, keep their defaults when absent and
// refuse values out of range.
func TestNATSKeys(t *testing.T) {
	def := Default().NATS
	if def.Partitions != DefaultNATSPartitions || def.JobsPerPartition != DefaultNATSJobsPerPartition ||
		def.AckWait != DefaultNATSAckWait || def.ArticleAckWait != DefaultNATSArticleAckWait || def.Lease != DefaultNATSLease {
		t.Errorf("default nats %+v, want the DefaultNATS constants", def)
	}
	got := mustParse(t, "nats:\n  partitions: 256\n  jobs_per_partition: 16\n  ack_wait: 5m\n  article_ack_wait: 1m\n  lease: 3m\n").NATS
	want := NATS{Partitions: 256, JobsPerPartition: 16, AckWait: 5 * time.Minute, ArticleAckWait: time.Minute, Lease: 3 * time.Minute}
	if got != want {
		t.Errorf("parsed nats %+v, want %+v", got, want)
	}
	for _, tt := range []struct{ yaml, key string }{
		{"nats:\n  partitions: 0\n", "nats.partitions"},
		{"nats:\n  jobs_per_partition: 0\n", "nats.jobs_per_partition"},
		{"nats:\n  ack_wait: 10ms\n", "nats.ack_wait"},
		{"nats:\n  lease: -1s\n", "nats.lease"},
	} {
		if _, err := Parse("t.yaml", []byte(tt.yaml)); err == nil || !strings.Contains(err.Error(), tt.key) {
			t.Errorf("%q: error %v, want one naming %s", tt.yaml, err, tt.key)
		}
	}
}
