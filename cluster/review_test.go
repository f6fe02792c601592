package cluster

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// refusals is a Review: article id -> the incident id it may not be in.
type refusals map[string]string

func (r refusals) Refuses(incidentID, articleID string) bool { return r[articleID] == incidentID }

func (r refusals) Reviewed(incidentID string) bool {
	return slices.Contains(slices.Collect(maps.Values(r)), incidentID)
}

// TestReviewRefuses: an article a reviewer moved out of an incident does
// not join it again, and consolidation does not merge the incident it is
// in into that one (nor the reverse), however alike their reports are;
// other articles still join either.
func TestReviewRefuses(t *testing.T) {
	day := time.Date(2026, 5, 6, 8, 0, 0, 0, time.UTC)
	body := "安全研究人员发现，清风科技旗下CleanBot品牌的扫地机器人会在用户不知情的情况下拍摄家中照片，并上传到公司的云端服务器。\n\n研究人员拆解了3款CleanBot机型，发现摄像头每隔10分钟拍摄一张图片。"
	art := func(id string, h int) newsmon.Article {
		return newsmon.Article{ID: id, URL: "https://news.example.com/" + id, Lang: "zh", Source: "s",
			Title: "CleanBot扫地机器人被曝偷偷上传用户家中照片", Body: body, Published: day.Add(time.Duration(h) * time.Hour)}
	}
	plain := New(Options{})
	ids, err := plain.AddBatch([]newsmon.Article{art("a1", 0), art("a2", 1), art("a3", 2)})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("without a review the three copies are apart: %v", ids)
	}
	first := ids[0]

	// a2 was moved out of the incident a1 opens: it opens its own; a3
	// joins one of them, and consolidation keeps them apart.
	r := refusals{"a2": first}
	c := New(Options{Review: r})
	ids, err = c.AddBatch([]newsmon.Article{art("a1", 0), art("a2", 1), art("a3", 2)})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != first || ids[1] == first {
		t.Fatalf("with the refusal: %v, want a1 in %s and a2 elsewhere", ids, first)
	}
	// Later batches that bridge the two do not merge them either.
	more, err := c.AddBatch([]newsmon.Article{art("a4", 3), art("a5", 4)})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Resolve(ids[1]); got == c.Resolve(first) {
		t.Errorf("a2's incident %s merged into %s (later batch %v)", ids[1], first, more)
	}
	if inc, ok := c.Incident(first); !ok || len(inc.ArticleIDs) < 2 {
		t.Errorf("the incident a2 left takes no new reports: %+v", inc)
	}

}
