package fakeweb

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/newsmon/newsmon"
)

// WriteConfig writes a newsmon configuration file dir/newsmon.yaml that
// crawls srcs (such as Sources) and keeps its data in dir/data, and returns
// its path.
//
// The crawl section allows private networks, reads up to 512 KiB a page and
// times out after 5s; crawl adds or replaces settings (parallelism,
// per_host_delay, retries, ...). extra adds or replaces top-level sections
// (server, cluster, topics, user_agent). Each source's set fields are
// written; one whose Location is set and is not UTC gets timezone Asia/Shanghai,
// the fake sites' +08:00.
func WriteConfig(t testing.TB, dir string, srcs []newsmon.Source, crawl, extra map[string]any) string {
	t.Helper()
	list := make([]map[string]any, 0, len(srcs))
	for _, s := range srcs {
		list = append(list, sourceConfig(s))
	}
	crawlSection := map[string]any{"allow_private_networks": true, "max_body_bytes": "512KiB", "timeout": "5s"}
	maps.Copy(crawlSection, crawl)
	doc := map[string]any{"data_dir": filepath.Join(dir, "data"), "crawl": crawlSection, "sources": list}
	maps.Copy(doc, extra)
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatalf("fakeweb: config: %v", err)
	}
	path := filepath.Join(dir, "newsmon.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("fakeweb: %v", err)
	}
	return path
}

// sourceConfig is s in the configuration file's format.
func sourceConfig(s newsmon.Source) map[string]any {
	m := map[string]any{"name": s.Name, "max_depth": s.MaxDepth}
	set := func(key string, v any, ok bool) {
		if ok {
			m[key] = v
		}
	}
	set("lang", s.Lang, s.Lang != "")
	set("timezone", "Asia/Shanghai", s.Location != nil && s.Location != time.UTC)
	set("interval", s.Interval.String(), s.Interval > 0)
	set("feeds", s.Feeds, len(s.Feeds) > 0)
	set("sitemaps", s.Sitemaps, len(s.Sitemaps) > 0)
	set("start_urls", s.StartURLs, len(s.StartURLs) > 0)
	set("articles", s.Articles, len(s.Articles) > 0)
	set("max_pages", s.MaxPages, s.MaxPages > 0)
	set("hosts", s.HostAliases, len(s.HostAliases) > 0)
	set("headers", s.Headers, len(s.Headers) > 0)
	r := s.Rules
	set("rules", r, r.Title != "" || r.Published != "" || r.Authors != "" || r.Body != "" || len(r.Drop) > 0)
	var lists []map[string]string
	for _, l := range s.JSONLists {
		lists = append(lists, map[string]string{"url": l.URL, "links": l.Links})
	}
	set("json_lists", lists, len(lists) > 0)
	var res []string
	for _, re := range s.ArticleURLs {
		res = append(res, re.String())
	}
	set("article_urls", res, len(res) > 0)
	return m
}
