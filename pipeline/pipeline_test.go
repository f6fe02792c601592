package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/cluster"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/crawler"
	"github.com/newsmon/newsmon/dedup"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/store"
)

// Our own texts: one story, and a different story on the same subject.
var (
	storyA = []string{
		"本报讯 一家名为清风科技的扫地机器人厂商近日被安全研究人员发现，其产品会在用户不知情的情况下把家中拍到的照片上传到境外服务器。",
		"研究人员在实验室里拆解了三台不同型号的机器，发现摄像头每隔十分钟拍摄一张图片，并通过未加密的连接发送出去。",
		"清风科技在回应中表示，这些图片仅用于训练避障算法，公司已经在新版固件中关闭了这一功能，并承诺删除已收集的数据。",
		"多位律师认为，这种做法可能违反个人信息保护法中关于告知和同意的规定，监管部门应当尽快介入调查。",
	}
	storyB = []string{
		"扫地机器人的摄像头正在引发新一轮隐私争议。记者走访多家电器卖场发现，带视觉导航功能的机型已经占到销量的一半以上。",
		"业内人士介绍，视觉导航依靠摄像头识别家具和障碍物，比激光雷达便宜，但如何处理拍到的画面，各家厂商说法不一。",
		"消费者协会提醒，购买前应仔细阅读隐私条款，关注设备是否支持本地处理，以及能否在手机应用中关闭图像上传。",
		"一位家电分析师认为，行业需要统一的数据安全标准，否则消费者很难判断哪款产品真正保护了家庭隐私。",
	}
)

func newPipeline(t *testing.T, settings newsmon.CrawlSettings) (*Pipeline, *store.Store) {
	t.Helper()
	cfg := config.Default()
	cfg.Crawl = settings
	st, err := store.Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := New(cfg, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, st
}

func storedArticles(t *testing.T, st *store.Store) []newsmon.Article {
	t.Helper()
	var arts []newsmon.Article
	if err := st.Articles(time.Time{}, func(a newsmon.Article) error {
		arts = append(arts, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return arts
}

func TestSyndicatedCopyStoredOnceWithDuplicate(t *testing.T) {
	web := fakeweb.New(t)
	published := time.Date(2026, 5, 3, 9, 30, 0, 0, fakeweb.CST)
	orig := web.News.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/articles/tech/5001.htm", Title: "清风科技扫地机器人被曝上传用户家中照片",
		Published: published, Paragraphs: storyA,
	})
	// The same story on another outlet, in another template, retitled and
	// with an editor line added.
	copied := append(slices.Clone(storyA), "责任编辑：王小明")
	cp := web.Finance.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/tech/2026-05-03/doc-icopy5001.shtml", Title: "扫地机器人偷拍用户家庭照片上传境外",
		Published: published.Add(2 * time.Hour), Paragraphs: copied,
	})
	other := web.Finance.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/tech/2026-05-04/doc-iother5002.shtml", Title: "扫地机器人摄像头引发隐私担忧",
		Published: published.Add(24 * time.Hour), Paragraphs: storyB,
	})

	p, st := newPipeline(t, newsmon.CrawlSettings{Parallelism: 4, RespectRobots: true, AllowPrivateNetworks: true, Timeout: 5 * time.Second, MaxBodyBytes: 512 << 10, Retries: 2})
	sum, err := p.Run(context.Background(), web.Sources(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if tot := sum.Totals(); tot.Duplicates < 1 {
		t.Errorf("summary counts %d duplicates, want at least 1: %+v", tot.Duplicates, sum.Sources)
	}

	arts := storedArticles(t, st)
	find := func(u string) []newsmon.Article {
		var out []newsmon.Article
		for _, a := range arts {
			if a.URL == u {
				out = append(out, a)
			}
		}
		return out
	}
	// Whichever copy arrived first is the representative; the other is its
	// duplicate.
	a, b := find(orig.URL), find(cp.URL)
	if len(a)+len(b) != 1 {
		t.Fatalf("the story is stored %d times (at %s) and %d times (at %s); want once in all", len(a), orig.URL, len(b), cp.URL)
	}
	rep, dupURL := append(a, b...)[0], cp.URL
	if rep.URL == cp.URL {
		dupURL = orig.URL
	}
	if len(rep.Duplicates) != 1 || rep.Duplicates[0].URL != dupURL {
		t.Errorf("representative %s has duplicates %+v, want one: %s", rep.URL, rep.Duplicates, dupURL)
	}
	if id, ok, _ := st.ArticleIDByURL(dupURL); !ok || id != rep.ID {
		t.Errorf("copy's URL is indexed to %q, want the representative %q", id, rep.ID)
	}
	// A different article on the same subject is an article of its own.
	if got := find(other.URL); len(got) != 1 || !strings.Contains(got[0].Body, "消费者协会") {
		t.Errorf("different article on the same subject: stored %d times", len(got))
	}
	if n, _, _ := st.Stats(); n != len(web.Articles())-1 {
		t.Errorf("stored %d articles, want %d (every article, the copy once)", n, len(web.Articles())-1)
	}
}

func TestRunAgainStoresNothingNew(t *testing.T) {
	web := fakeweb.New(t)
	p, st := newPipeline(t, newsmon.CrawlSettings{Parallelism: 4, RespectRobots: true, AllowPrivateNetworks: true, Timeout: 5 * time.Second, MaxBodyBytes: 512 << 10, Retries: 2})
	if _, err := p.Run(context.Background(), web.Sources(), nil); err != nil {
		t.Fatal(err)
	}
	first, incidents, _ := st.Stats()
	if first != len(web.Articles()) {
		t.Errorf("first cycle stored %d articles, want %d", first, len(web.Articles()))
	}
	if incidents == 0 {
		t.Error("no incident was opened")
	}
	sum, err := p.Run(context.Background(), web.Sources(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := st.Stats(); n != first || sum.Totals().New != 0 {
		t.Errorf("second cycle: %d articles (was %d), %d new", n, first, sum.Totals().New)
	}
	// Every article is in exactly one incident, and the incident lists it.
	for _, a := range storedArticles(t, st) {
		inc, err := st.Incident(a.IncidentID)
		if err != nil {
			t.Errorf("%s: incident %q: %v", a.URL, a.IncidentID, err)
			continue
		}
		if !slices.Contains(inc.ArticleIDs, a.ID) {
			t.Errorf("%s: incident %s does not list it", a.URL, inc.ID)
		}
	}
}

func TestSelect(t *testing.T) {
	cfg := config.Default()
	tests := []struct {
		name    string
		names   []string
		urls    []string
		want    []string // source names
		wantErr bool
	}{
		{"all", nil, nil, sourceNames(cfg.Sources), false},
		{"one", []string{"cnbeta"}, nil, []string{"cnbeta"}, false},
		{"unknown", []string{"nope"}, nil, nil, true},
		{"url of a configured host", nil, []string{"https://www.cnbeta.com.tw/articles/tech/1.htm"}, []string{"cnbeta"}, false},
		{"url of another host", nil, []string{"https://news.example.org/a/1.html"}, []string{"news.example.org"}, false},
		{"not http", nil, []string{"ftp://example.org/x"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(cfg, tt.names, tt.urls)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(sourceNames(got), tt.want) {
				t.Errorf("sources = %v, want %v", sourceNames(got), tt.want)
			}
			for _, s := range got {
				if len(tt.urls) > 0 && (len(s.Feeds)+len(s.Sitemaps)+len(s.StartURLs)+len(s.JSONLists) != 0 || !slices.Equal(s.Articles, tt.urls)) {
					t.Errorf("--url source %s should fetch only %v, got %+v", s.Name, tt.urls, s)
				}
			}
		})
	}
}

func sourceNames(srcs []newsmon.Source) []string {
	var out []string
	for _, s := range srcs {
		out = append(out, s.Name)
	}
	return out
}

func TestMinScoreKeepsWeakIncidentsOutOfTopics(t *testing.T) {
	for _, tt := range []struct {
		minScore   float64
		wantTopics bool
	}{{0, true}, {0.2, true}, {0.999, false}} { // topic scores stay below 1
		web := fakeweb.New(t)
		p, st := newPipeline(t, newsmon.CrawlSettings{Parallelism: 4, RespectRobots: true, AllowPrivateNetworks: true, Timeout: 5 * time.Second, MaxBodyBytes: 512 << 10, Retries: 2})
		cfg := *p.Config()
		cfg.Cluster.MinScore = tt.minScore
		if err := p.SetConfig(&cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Run(context.Background(), web.Sources(), nil); err != nil {
			t.Fatal(err)
		}
		withTopics := 0
		st.Incidents(func(inc newsmon.Incident) error {
			if len(inc.Topics) > 0 {
				withTopics++
			}
			for _, name := range inc.Topics {
				// One topic: the incident's score is that topic's.
				if len(cfg.Topics) == 1 && inc.Score < tt.minScore {
					t.Errorf("min_score %v: incident %q listed under %s with score %v", tt.minScore, inc.Title, name, inc.Score)
				}
			}
			return nil
		})
		if (withTopics > 0) != tt.wantTopics {
			t.Errorf("min_score %v: %d incidents under a topic, want some: %v", tt.minScore, withTopics, tt.wantTopics)
		}
	}
}

// The stored document frequencies are exactly those of the stored articles,
// also when the configuration is reloaded in the middle of a cycle (the
// clusterer is rebuilt while counts are still uncommitted) and over two
// cycles.
func TestStoredDocFreqMatchesArticles(t *testing.T) {
	web := fakeweb.New(t)
	p, st := newPipeline(t, newsmon.CrawlSettings{Parallelism: 4, RespectRobots: true, AllowPrivateNetworks: true, Timeout: 5 * time.Second, MaxBodyBytes: 512 << 10, Retries: 2})
	reloaded := false
	onEvent := func(ev crawler.Event) {
		p.mu.Lock()
		pending := slices.ContainsFunc(p.open.writes, func(w store.Write) bool { return w.Article != nil })
		p.mu.Unlock()
		if pending && !reloaded {
			reloaded = true
			if err := p.SetConfig(p.Config()); err != nil {
				t.Error(err)
			}
		}
	}
	if _, err := p.Run(context.Background(), web.Sources(), onEvent); err != nil {
		t.Fatal(err)
	}
	web.News.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/articles/tech/5101.htm", Title: "扫地机器人摄像头引发隐私担忧",
		Published: time.Date(2026, 5, 4, 9, 0, 0, 0, fakeweb.CST), Paragraphs: storyB,
	})
	if _, err := p.Run(context.Background(), web.Sources(), nil); err != nil {
		t.Fatal(err)
	}

	c := cluster.New(cluster.Options{})
	arts := storedArticles(t, st)
	for _, a := range arts {
		c.Add(a)
	}
	terms, counts, wantDocs := c.DocFreqChanges()
	df, docs, err := st.DocFreq()
	if err != nil {
		t.Fatal(err)
	}
	if !reloaded || docs != wantDocs || docs != len(arts) || len(df) != len(terms) {
		t.Fatalf("reloaded %v; stored %d documents, %d terms; want %d documents (%d articles), %d terms",
			reloaded, docs, len(df), wantDocs, len(arts), len(terms))
	}
	for i, term := range terms {
		if df[term] != counts[i] {
			t.Errorf("term %q: stored %d documents, want %d", term, df[term], counts[i])
		}
	}
}

// TestPendingNearCopies: a near copy of an article not yet committed is
// found through the batch's band-key index, also after a failed commit put
// an earlier batch in front, and a different story is not taken for one.
func TestPendingNearCopies(t *testing.T) {
	p, _ := newPipeline(t, newsmon.CrawlSettings{})
	src := newsmon.Source{Name: "news", Lang: "zh", Location: fakeweb.CST}
	page := newsPage
	handle := func(pg newsmon.Page, want outcome) {
		t.Helper()
		got, err := p.handleArticle(context.Background(), src, pg, nil)
		if err != nil || got != want {
			t.Fatalf("%s: outcome %v, %v; want %v", pg.URL, got, err, want)
		}
	}
	handle(page("/a.htm", "清风科技扫地机器人被曝上传用户家中照片", storyA), outcomeNew)
	handle(page("/b.htm", "扫地机器人摄像头引发隐私担忧", storyB), outcomeNew)
	// A failed commit puts the batch holding the story in front of the next.
	earlier := p.open
	p.open = newPending()
	handle(page("/c.htm", "另一篇", storyB[:2]), outcomeNew)
	p.open.prepend(earlier)
	wantID := p.open.arts[0].ID
	handle(page("/copy.htm", "扫地机器人偷拍用户家庭照片上传境外", append(slices.Clone(storyA), "责任编辑：王小明")), outcomeDuplicate)
	last := p.open.writes[len(p.open.writes)-1].Duplicate
	if last == nil || last.ID != wantID {
		t.Fatalf("copy linked to %+v, want article %s", last, wantID)
	}
	for k, is := range p.open.near {
		for _, i := range is {
			if !slices.Contains(dedup.Signature(p.open.arts[i].Signature).IndexKeys(), k) {
				t.Fatalf("index key %s indexes article %d, which has no such key", k, i)
			}
		}
	}
}

// TestWorkerWaitsForRoom: a page gets a worker slot at once while the open
// batch has room, and only after the batch is committed once it holds
// maxBacklog writes, so pages cannot pile up in it.
func TestWorkerWaitsForRoom(t *testing.T) {
	p, _ := newPipeline(t, newsmon.CrawlSettings{})
	fill := func(n int) {
		for i := range n {
			// Links to an article that is not stored: refused at commit,
			// but a write of the batch until then.
			p.enqueueDuplicate("missing", newsmon.Duplicate{}, []string{"http://news.example/" + strconv.Itoa(i)})
		}
	}
	fill(maxBacklog - 1)
	if err := p.worker(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(p.open.writes); got != maxBacklog-1 {
		t.Fatalf("with room in the batch: %d writes open after taking a slot, want %d (no commit)", got, maxBacklog-1)
	}
	<-p.workers
	fill(1)
	if err := p.worker(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(p.open.writes); got != 0 {
		t.Fatalf("with a full batch: %d writes open after taking a slot, want 0 (committed first)", got)
	}
	if len(p.workers) != 1 {
		t.Fatalf("%d worker slots held, want 1", len(p.workers))
	}
}

// TestCopyOfArticleCommittedDuringLookup: a copy whose store lookup ran
// just before the batch holding its original was committed is looked up
// again, and linked, not stored as an article of its own.
func TestCopyOfArticleCommittedDuringLookup(t *testing.T) {
	p, st := newPipeline(t, newsmon.CrawlSettings{})
	src := newsmon.Source{Name: "news", Lang: "zh", Location: fakeweb.CST}
	page := func(url string, story []string, extra string) newsmon.Page {
		body := "<html><head><title>扫地机器人上传照片</title></head><body><article><h1>扫地机器人上传照片</h1><p>" +
			strings.Join(story, "</p><p>") + "</p>" + extra + "</article></body></html>"
		return newsmon.Page{Source: "news", URL: url, Body: []byte(body), FetchedAt: time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC)}
	}
	for _, tc := range []struct {
		name  string
		story []string
		extra string
	}{{"exact", storyA, ""}, {"near", storyB, "<p>责任编辑：王小明</p>"}} {
		t.Run(tc.name, func(t *testing.T) {
			orig := fmt.Sprintf("http://a.example/%s.htm", tc.name)
			if out, err := p.handleArticle(context.Background(), src, page(orig, tc.story, ""), nil); err != nil || out != outcomeNew {
				t.Fatalf("original: %v, %v", out, err)
			}
			before, _, _ := st.Stats()
			committed := false
			p.afterStoreRead = func() {
				if !committed {
					committed = true
					if err := p.Flush(); err != nil {
						t.Fatal(err)
					}
				}
			}
			defer func() { p.afterStoreRead = nil }()
			out, err := p.handleArticle(context.Background(), src, page("http://b.example/"+tc.name+".htm", tc.story, tc.extra), nil)
			if err != nil || out != outcomeDuplicate || !committed {
				t.Fatalf("copy: outcome %v, %v (original committed during its lookup: %v); want a duplicate", out, err, committed)
			}
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			if n, _, _ := st.Stats(); n != before+1 {
				t.Fatalf("%d articles stored after the copy, want %d: the original only", n, before+1)
			}
		})
	}
}

// TestCopiesStoredOnceWhileCommitting: copies of one story handled side
// by side, while batches are committed all the time, give one article per
// story: a page looked up in the store just before a batch holding its
// original was committed is looked up again.
func TestCopiesStoredOnceWhileCommitting(t *testing.T) {
	p, st := newPipeline(t, newsmon.CrawlSettings{})
	src := newsmon.Source{Name: "news", Lang: "zh", Location: fakeweb.CST}
	const stories, copies = 60, 4
	var pages []newsmon.Page
	for s := range stories {
		var b strings.Builder
		b.WriteString(fmt.Sprintf("<html><head><title>报道 %d</title></head><body><article><h1>报道 %d</h1>", s, s))
		for i := range 6 {
			b.WriteString("<p>" + fakeweb.Filler(7000+s, i, 60) + "</p>")
		}
		for c := range copies {
			body := b.String()
			if c >= 2 { // a near copy: the text with a line of its own
				body += fmt.Sprintf("<p>来源：第%d家网站</p>", c)
			}
			body += "</article></body></html>"
			pages = append(pages, newsmon.Page{Source: "news", URL: fmt.Sprintf("http://news%d.example/%d.htm", c, s),
				Body: []byte(body), FetchedAt: time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC)})
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(pages), func(i, j int) { pages[i], pages[j] = pages[j], pages[i] })
	stop := make(chan struct{})
	var flushing sync.WaitGroup
	flushing.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := p.Flush(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	work := make(chan newsmon.Page)
	var handling sync.WaitGroup
	for range 8 {
		handling.Go(func() {
			for pg := range work {
				if _, err := p.handleArticle(context.Background(), src, pg, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for _, pg := range pages {
		work <- pg
	}
	close(work)
	handling.Wait()
	close(stop)
	flushing.Wait()
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _, err := st.Stats(); err != nil || n != stories {
		t.Fatalf("%d articles stored (%v), want %d: one per story", n, err, stories)
	}
}

// TestNearCopyCountsInItsIncident: a near copy folded into an article, in
// the same batch or into one committed before, is no article of its own,
// but its text counts in the centroid of that article's incident.
func TestNearCopyCountsInItsIncident(t *testing.T) {
	src := newsmon.Source{Name: "news", Lang: "zh", Location: fakeweb.CST}
	page := newsPage
	orig := page("/a.htm", "清风科技扫地机器人被曝上传用户家中照片", storyA)
	// The copy's own words: its title and a sentence at the end (a copy
	// of the same text, an exact one, adds nothing new to count).
	cp := page("/copy.htm", "扫地机器人偷拍用户家庭照片上传境外", append(slices.Clone(storyA), "业内人士认为，家中照片被偷拍后上传境外服务器的风险不容忽视。"))
	for _, commitBetween := range []bool{false, true} {
		t.Run(fmt.Sprintf("committed before the copy: %v", commitBetween), func(t *testing.T) {
			p, st := newPipeline(t, newsmon.CrawlSettings{})
			handle := func(pg newsmon.Page, want outcome) {
				t.Helper()
				if got, err := p.handleArticle(context.Background(), src, pg, nil); err != nil || got != want {
					t.Fatalf("%s: outcome %v, %v; want %v", pg.URL, got, err, want)
				}
			}
			handle(orig, outcomeNew)
			var before map[string]float64
			if commitBetween {
				if err := p.Flush(); err != nil {
					t.Fatal(err)
				}
				before = stateOf(t, st).Terms
			}
			handle(cp, outcomeDuplicate)
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			inc := incidentOf(t, st)
			if len(inc.ArticleIDs) != 1 {
				t.Fatalf("incident articles %v, want the original alone", inc.ArticleIDs)
			}
			centroid := stateOf(t, st).Terms
			for _, k := range []string{"偷拍", "境外"} {
				if _, ok := centroid[k]; !ok {
					t.Errorf("centroid lacks the copy's term %q", k)
				}
				if _, ok := before[k]; ok {
					t.Errorf("centroid had the copy's term %q before the copy came", k)
				}
			}
		})
	}
}

// incidentOf returns the one stored incident.
func incidentOf(t *testing.T, st *store.Store) newsmon.Incident {
	t.Helper()
	var incs []newsmon.Incident
	if err := st.Incidents(func(inc newsmon.Incident) error {
		incs = append(incs, inc)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 {
		t.Fatalf("%d incidents stored, want 1", len(incs))
	}
	return incs[0]
}

// stateOf is the clusterer's stored state of the one incident stored.
func stateOf(t *testing.T, st *store.Store) newsmon.IncidentState {
	t.Helper()
	s, err := st.IncidentState(incidentOf(t, st).ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNearCopyFoundAfterRestart: the near-duplicate index is rebuilt from
// the store, so a near copy of an article stored by an earlier process is
// linked, not stored anew; and only the last dedup.near_window articles
// are looked at.
func TestNearCopyFoundAfterRestart(t *testing.T) {
	cfg := config.Default()
	cfg.Dedup.NearWindow = 16
	st, err := store.Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src := newsmon.Source{Name: "news", Lang: "zh", Location: fakeweb.CST}
	page := func(url string, story int, extra string) newsmon.Page {
		var b strings.Builder
		fmt.Fprintf(&b, "<html><head><title>报道 %d</title></head><body><article><h1>报道 %d</h1>", story, story)
		for i := range 6 {
			b.WriteString("<p>" + fakeweb.Filler(9100+story, i, 60) + "</p>")
		}
		b.WriteString(extra + "</article></body></html>")
		return newsmon.Page{Source: "news", URL: url, Body: []byte(b.String()), FetchedAt: time.Date(2026, 5, 3, 9, 0, story, 0, time.UTC)}
	}
	p, err := New(cfg, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	const stories = 40
	for s := range stories {
		page := page(fmt.Sprintf("http://a.example/%d.htm", s), s, "")
		page.FetchedAt = page.FetchedAt.Add(time.Duration(s) * time.Minute)
		if out, err := p.handleArticle(context.Background(), src, page, nil); err != nil || out != outcomeNew {
			t.Fatalf("story %d: %v, %v", s, out, err)
		}
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	// A new process.
	p, err = New(cfg, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		story int
		want  outcome
	}{{stories - 1, outcomeDuplicate}, {stories - 10, outcomeDuplicate}, {0, outcomeNew}} {
		cp := page(fmt.Sprintf("http://b.example/%d.htm", tc.story), tc.story, "<p>"+fakeweb.Filler(77, tc.story, 40)+"</p>")
		if out, err := p.handleArticle(context.Background(), src, cp, nil); err != nil || out != tc.want {
			t.Errorf("near copy of story %d (of %d, window 16): %v, %v; want %v", tc.story, stories, out, err, tc.want)
		}
	}
}

// TestRepresentativeByEvidence: two copies of one story, the original
// published at 10:00 and a re-publication giving only the day, or a later
// time, or no date at all, are stored as one article represented by the
// original, whichever copy comes first and whether or not the first was
// committed before the second came; the other is its duplicate, and both
// URLs lead to the article.
func TestRepresentativeByEvidence(t *testing.T) {
	page := func(url, published, extra string) newsmon.Page {
		meta := ""
		if published != "" {
			meta = `<meta property="article:published_time" content="` + published + `">`
		}
		body := "<html><head><title>扫地机器人上传照片</title>" + meta + "</head><body><article><h1>扫地机器人上传照片</h1><p>" +
			strings.Join(storyA, "</p><p>") + "</p>" + extra + "</article></body></html>"
		return newsmon.Page{Source: "news", URL: url, Body: []byte(body), FetchedAt: time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC)}
	}
	const orig = "http://a.example/story.htm"
	for _, tc := range []struct {
		name, copyPublished, extra string
	}{
		{"later time", "2026-05-02T15:30:00+08:00", ""},
		{"bare date the same day", "2026-05-02", ""},
		{"no date", "", ""},
		{"near copy with a later time", "2026-05-02T15:30:00+08:00", "<p>另据报道，事件仍在调查之中。</p>"},
	} {
		for _, copyFirst := range []bool{false, true} {
			for _, commitBetween := range []bool{false, true} {
				name := fmt.Sprintf("%s/copy first %v/commit between %v", tc.name, copyFirst, commitBetween)
				t.Run(name, func(t *testing.T) {
					p, st := newPipeline(t, newsmon.CrawlSettings{})
					src := newsmon.Source{Name: "news", Lang: "zh", Location: fakeweb.CST}
					const copyURL = "http://b.example/story.htm"
					pages := []newsmon.Page{page(orig, "2026-05-02T10:00:00+08:00", ""), page(copyURL, tc.copyPublished, tc.extra)}
					if copyFirst {
						pages[0], pages[1] = pages[1], pages[0]
					}
					for i, pg := range pages {
						if _, err := p.handleArticle(context.Background(), src, pg, nil); err != nil {
							t.Fatal(err)
						}
						if i == 0 && commitBetween {
							if err := p.Flush(); err != nil {
								t.Fatal(err)
							}
						}
					}
					if err := p.Flush(); err != nil {
						t.Fatal(err)
					}
					if n, _, _ := st.Stats(); n != 1 {
						t.Fatalf("%d articles stored, want 1", n)
					}
					id, ok, err := st.ArticleIDByURL(orig)
					if err != nil || !ok {
						t.Fatalf("original's URL: %v, %v", ok, err)
					}
					if cid, ok, err := st.ArticleIDByURL(copyURL); err != nil || !ok || cid != id {
						t.Fatalf("copy's URL leads to %q (%v, %v), want %q", cid, ok, err, id)
					}
					a, err := st.Article(id)
					if err != nil {
						t.Fatal(err)
					}
					if a.URL != orig || !a.Published.Equal(time.Date(2026, 5, 2, 2, 0, 0, 0, time.UTC)) {
						t.Errorf("representative %s published %v, want %s published 10:00 +08:00", a.URL, a.Published, orig)
					}
					if len(a.Duplicates) != 1 || a.Duplicates[0].URL != copyURL {
						t.Errorf("duplicates %+v, want the copy %s", a.Duplicates, copyURL)
					}
				})
			}
		}
	}
}

// newsPage is a page of source "news" at path with a headline and
// paragraphs.
func newsPage(path, title string, paras []string) newsmon.Page {
	var b strings.Builder
	b.WriteString("<html><head><title>" + title + "</title></head><body><article><h1>" + title + "</h1>")
	for _, s := range paras {
		b.WriteString("<p>" + s + "</p>")
	}
	b.WriteString("</article></body></html>")
	return newsmon.Page{Source: "news", URL: "http://news.example" + path, Body: []byte(b.String()),
		FetchedAt: time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC)}
}
