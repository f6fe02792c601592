package pipeline

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/review"
)

// TestReviewDecisionsSurviveCrawl: after a reviewer moves the English
// vacuum report out into an incident of its own, renames the vacuum
// incident, dismisses the metro incident and merges the two unrelated
// items, a crawl cycle with follow-ups of both incidents undoes none of
// it: the moved report stays out of the incident it left (though new
// reports bridge the two), the title stays, the metro incident takes the
// new report and stays dismissed, the merged stay merged.
func TestReviewDecisionsSurviveCrawl(t *testing.T) {
	web := fakeweb.New(t)
	day := time.Date(2026, 5, 6, 8, 0, 0, 0, fakeweb.CST)
	urls := map[string]string{} // path -> URL
	add := func(reports []fakeweb.Report, from int) []string {
		var out []string
		for i, r := range reports {
			a := web.News.AddArticle(t, fakeweb.ArticleSpec{
				Path: r.Path, Title: r.Title, Published: day.Add(time.Duration(from+i) * time.Hour),
				Paragraphs: r.Paragraphs, Unlisted: true,
			})
			urls[r.Path] = a.URL
			out = append(out, a.URL)
		}
		return out
	}
	p, st := newPipeline(t, newsmon.CrawlSettings{Parallelism: 4, RespectRobots: true, AllowPrivateNetworks: true, Timeout: 5 * time.Second, MaxBodyBytes: 512 << 10})
	src := web.Sources()[0]
	src.Feeds, src.StartURLs, src.Articles = nil, nil, add(fakeweb.Reports, 0)
	if _, err := p.Run(context.Background(), []newsmon.Source{src}, nil); err != nil {
		t.Fatal(err)
	}
	article := func(path string) newsmon.Article {
		t.Helper()
		id, ok, err := st.ArticleIDByURL(urls[path])
		if err != nil || !ok {
			t.Fatalf("%s not stored: %v", path, err)
		}
		a, err := st.Article(id)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	vacZh, vacEn := article("/articles/tech/6101.htm"), article("/articles/tech/6102.htm")
	metZh, metEn := article("/articles/tech/6201.htm"), article("/articles/tech/6202.htm")
	sport, flowers := article("/articles/sports/6301.htm"), article("/articles/life/6302.htm")
	if vacZh.IncidentID != vacEn.IncidentID || metZh.IncidentID != metEn.IncidentID || vacZh.IncidentID == metZh.IncidentID {
		t.Fatalf("the seed did not cluster as expected: vacuum %s %s, metro %s %s", vacZh.IncidentID, vacEn.IncidentID, metZh.IncidentID, metEn.IncidentID)
	}
	if sport.IncidentID == flowers.IncidentID {
		t.Fatalf("unrelated news in one incident %s", sport.IncidentID)
	}

	rv := review.New(st, review.Options{Topics: p.Config().Topics, Exclusive: p.Exclusive})
	vacuum := vacZh.IncidentID
	moved, err := rv.Move(vacEn.ID, "", "English report is a different event")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rv.SetTitle(vacuum, "CleanBot 扫地机器人上传照片"); err != nil {
		t.Fatal(err)
	}
	if _, err := rv.SetStatus(metZh.IncidentID, newsmon.StatusDismissed, "not AI"); err != nil {
		t.Fatal(err)
	}
	merged, err := rv.Merge(sport.IncidentID, flowers.IncidentID, "")
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, newMetro *newsmon.Article) {
		t.Helper()
		reviews, err := rv.Reviews()
		if err != nil {
			t.Fatal(err)
		}
		en, zh := article("/articles/tech/6102.htm"), article("/articles/tech/6101.htm")
		if en.IncidentID == zh.IncidentID {
			t.Errorf("%s: the moved report is back in incident %s", when, en.IncidentID)
		}
		if r := reviews(zh.IncidentID); r.Title != "CleanBot 扫地机器人上传照片" {
			t.Errorf("%s: vacuum incident's review %+v, want the reviewed title", when, r)
		}
		met := article("/articles/tech/6201.htm")
		if r := reviews(met.IncidentID); r.Status != newsmon.StatusDismissed || r.Reason != "not AI" {
			t.Errorf("%s: metro incident's review %+v, want dismissed", when, r)
		}
		if newMetro != nil && newMetro.IncidentID != met.IncidentID {
			t.Errorf("%s: the new metro report went to %s, not the dismissed incident %s", when, newMetro.IncidentID, met.IncidentID)
		}
		s, f := article("/articles/sports/6301.htm"), article("/articles/life/6302.htm")
		if s.IncidentID != f.IncidentID || f.IncidentID != merged {
			t.Errorf("%s: merged items in %s and %s, want both in %s", when, s.IncidentID, f.IncidentID, merged)
		}
		for _, a := range storedArticles(t, st) {
			inc, err := st.Incident(a.IncidentID)
			if err != nil || !slices.Contains(inc.ArticleIDs, a.ID) {
				t.Errorf("%s: article %s's incident %s does not list it (%v)", when, a.ID, a.IncidentID, err)
			}
		}
	}
	check("after the review", nil)
	if got := article("/articles/tech/6102.htm").IncidentID; got != moved {
		t.Errorf("moved article in %s, want %s", got, moved)
	}

	src.Articles = add(fakeweb.FollowUps, len(fakeweb.Reports))
	if _, err := p.Run(context.Background(), []newsmon.Source{src}, nil); err != nil {
		t.Fatal(err)
	}
	newMetro := article("/articles/tech/6203.htm")
	check("after the next crawl", &newMetro)

	// A restart (a new pipeline over the same store) keeps them too.
	p2, err := New(p.Config(), st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	more := []fakeweb.Report{{Path: "/articles/tech/6105.htm", Lang: "en", Title: fakeweb.FollowUps[0].Title + " again", Paragraphs: fakeweb.FollowUps[0].Paragraphs}}
	src.Articles = add(more, len(fakeweb.Reports)+len(fakeweb.FollowUps))
	if _, err := p2.Run(context.Background(), []newsmon.Source{src}, nil); err != nil {
		t.Fatal(err)
	}
	check("after a restart and another crawl", &newMetro)
}
