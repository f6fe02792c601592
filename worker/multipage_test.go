package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/natstest"
	"github.com/newsmon/newsmon/pipeline"
	"github.com/newsmon/newsmon/queue"
	"github.com/newsmon/newsmon/worker"
)

// storyParas are a story of three pages, two paragraphs a page.
var storyParas = [][]string{
	{"五月一日上午，示例港口扩建工程正式开工，计划用三年时间新建六个深水泊位，年吞吐能力将提高一倍。", "港务局负责人介绍，工程总投资约四十亿元，其中一半来自地方政府专项债券，其余由港口集团自筹。"},
	{"附近渔民担心施工影响近海养殖，港务局表示将设立补偿基金，并在施工期间定期监测海水质量。", "环保组织则呼吁公开环境影响评价报告全文，接受社会监督，并听取沿岸居民对施工时间安排的意见。"},
	{"按照计划，首批两个泊位将于明年底投入使用，届时大型集装箱船无需再候潮进港，航运成本有望下降。", "港口集团表示，扩建期间现有码头照常作业，旅客码头的班轮时刻也不会因为施工而调整。"},
}

// storySite serves /story.html, ?page=2 and ?page=3 (下一页 and numbered
// links), with page 3 gone (404) when gone is set, and counts requests.
type storySite struct {
	gone     bool
	mu       sync.Mutex
	requests map[string]int // by path and query
}

func (s *storySite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.RequestURI()]++
	s.mu.Unlock()
	n := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	if r.URL.Path != "/story.html" || n < 1 || n > 3 || (s.gone && n == 3) {
		http.NotFound(w, r)
		return
	}
	href := func(i int) string {
		if i == 1 {
			return "/story.html"
		}
		return "/story.html?page=" + strconv.Itoa(i)
	}
	nav := ""
	for i := 1; i <= 3; i++ {
		nav += fmt.Sprintf(`<a href="%s">%d</a> `, href(i), i)
	}
	if n < 3 {
		nav += fmt.Sprintf(`<a href="%s">下一页</a>`, href(n+1))
	}
	pt := ""
	if n > 1 {
		pt = fmt.Sprintf("(%d)", n)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例港口扩建工程启动`+pt+`_示例网</title>
<meta property="article:published_time" content="2020-05-01T10:00:00+08:00"></head><body>
<div class="top-nav"><a href="/">首页</a> <a href="/list.html">新闻</a></div>
<h1 class="main-title">示例港口扩建工程启动</h1><div class="date-source"><span class="date">2020年05月01日 10:00</span></div>
<div class="article" id="artibody"><p>`+storyParas[n-1][0]+`</p><p>`+storyParas[n-1][1]+`</p></div>
<div class="page-nav">`+nav+`</div>
<div class="footer">版权所有</div></body></html>`)
}

// TestWorkerReadsMultiPageArticles: through an embedded NATS server, a
// worker given a page of an article split over pages publishes the whole
// article, as the crawl in one process stores it: under the first page's
// URL, the pages' text joined in order, the continuation URLs among its
// URLs, each page fetched once; a later page given on its own is read from
// the first; a continuation gone for good ends the article there.
func TestWorkerReadsMultiPageArticles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		path  string
		gone  bool
		pages int // pages read, from the first
	}{
		{name: "first page", path: "/story.html", pages: 3},
		{name: "a later page on its own", path: "/story.html?page=2", pages: 3},
		{name: "last page gone", path: "/story.html", gone: true, pages: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site := &storySite{gone: tc.gone, requests: map[string]int{}}
			web := httptest.NewServer(site)
			defer web.Close()
			cfg := config.Default()
			cfg.Sources = []newsmon.Source{{Name: "s", Location: time.UTC}}
			cfg.Crawl.AllowPrivateNetworks = true
			cfg.Crawl.RespectRobots = false
			cfg.Crawl.PerHostDelay = 0
			srv := natstest.Start(t)
			q := natstest.Connect(t, queue.Options{URL: srv.URL(), Partitions: 2})
			if _, err := q.PublishJob(context.Background(), queue.Job{Source: "s", URL: web.URL + tc.path}); err != nil {
				t.Fatal(err)
			}
			w, err := worker.New(worker.Options{Config: cfg, Queue: q, Name: "w"})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()
			got := make(chan []byte, 1)
			go func() {
				_ = q.ConsumeArticles(ctx, 1, func(_ context.Context, batch [][]byte) error {
					for _, b := range batch {
						select {
						case got <- b:
						default:
							t.Errorf("a second article: %s", b)
						}
					}
					return nil
				})
			}()
			var data []byte
			select {
			case data = <-got:
			case <-time.After(time.Minute): // a hang, not a timing assertion
				t.Fatal("no article published")
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			var ex pipeline.Extracted
			if err := json.Unmarshal(data, &ex); err != nil {
				t.Fatal(err)
			}
			first := web.URL + "/story.html"
			if ex.Article.URL != first || len(ex.URLs) == 0 || ex.URLs[0] != first {
				t.Errorf("article under %s (URLs %v), want the first page %s", ex.Article.URL, ex.URLs, first)
			}
			var paras []string
			for i := range tc.pages {
				paras = append(paras, storyParas[i]...)
			}
			if want := strings.Join(paras, "\n\n"); ex.Article.Body != want {
				t.Errorf("body:\n%s\nwant the %d pages' paragraphs in order:\n%s", ex.Article.Body, tc.pages, want)
			}
			for i := 2; i <= tc.pages; i++ {
				if u := fmt.Sprintf("%s/story.html?page=%d", web.URL, i); !slices.Contains(ex.URLs, u) {
					t.Errorf("URLs %v lack the continuation %s", ex.URLs, u)
				}
			}
			if ex.Own < 1 || ex.Own > len(ex.URLs)-(tc.pages-1) {
				t.Errorf("Own %d of URLs %v: the continuations' URLs should follow the page's own", ex.Own, ex.URLs)
			}
			site.mu.Lock()
			defer site.mu.Unlock()
			for uri, n := range site.requests {
				if n != 1 {
					t.Errorf("%s requested %d times, want once (%v)", uri, n, site.requests)
				}
			}
		})
	}
}
