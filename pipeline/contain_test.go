package pipeline

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// TestContainedCopiesLinked: an excerpt of a story and the story inside a
// page of other text are linked to it as duplicates, whichever comes
// first; a story on the same subject stays an article of its own.
func TestContainedCopiesLinked(t *testing.T) {
	web := fakeweb.New(t)
	published := time.Date(2026, 5, 3, 9, 30, 0, 0, fakeweb.CST)
	orig := web.News.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/articles/tech/6001.htm", Title: "清风科技扫地机器人被曝上传用户家中照片",
		Published: published, Paragraphs: storyA,
	})
	excerpt := web.Finance.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/tech/2026-05-03/doc-iexcerpt6001.shtml", Title: "扫地机器人被曝偷拍",
		Published: published.Add(time.Hour), Paragraphs: slices.Clone(storyA[1:3]),
	})
	around := append(append([]string{fakeweb.Filler(91, 1, 60)}, storyA...), fakeweb.Filler(91, 2, 60))
	inside := web.Finance.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/tech/2026-05-03/doc-iinside6001.shtml", Title: "今日科技要闻",
		Published: published.Add(2 * time.Hour), Paragraphs: around,
	})
	other := web.Finance.AddArticle(t, fakeweb.ArticleSpec{
		Path: "/tech/2026-05-04/doc-iother6002.shtml", Title: "扫地机器人摄像头引发隐私担忧",
		Published: published.Add(24 * time.Hour), Paragraphs: storyB,
	})

	p, st := newPipeline(t, newsmon.CrawlSettings{Parallelism: 4, RespectRobots: true, AllowPrivateNetworks: true, Timeout: 5 * time.Second, MaxBodyBytes: 512 << 10})
	if _, err := p.Run(context.Background(), web.Sources(), nil); err != nil {
		t.Fatal(err)
	}
	copies := []string{orig.URL, excerpt.URL, inside.URL}
	var reps []newsmon.Article
	for _, a := range storedArticles(t, st) {
		if slices.Contains(copies, a.URL) {
			reps = append(reps, a)
		}
	}
	if len(reps) != 1 {
		t.Fatalf("the story and its contained copies are stored %d times, want once", len(reps))
	}
	rep := reps[0]
	var dups []string
	for _, d := range rep.Duplicates {
		dups = append(dups, d.URL)
	}
	for _, u := range copies {
		if u == rep.URL {
			continue
		}
		if !slices.Contains(dups, u) {
			t.Errorf("%s is not linked to %s (duplicates %v)", u, rep.URL, dups)
		}
		if id, ok, _ := st.ArticleIDByURL(u); !ok || id != rep.ID {
			t.Errorf("%s resolves to %q, want %q", u, id, rep.ID)
		}
	}
	if id, ok, _ := st.ArticleIDByURL(other.URL); !ok || id == rep.ID {
		t.Errorf("a story on the same subject is not an article of its own (%q, %v)", id, ok)
	}
}
