package review

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/cluster"
	"github.com/newsmon/newsmon/store"
)

var day = time.Date(2026, 5, 6, 8, 0, 0, 0, time.UTC)

const body = "安全研究人员发现，清风科技旗下CleanBot品牌的扫地机器人会在用户不知情的情况下拍摄家中照片，并上传到公司的云端服务器。\n\n研究人员拆解了3款CleanBot机型。"

// clustered stores articles and the incidents the clusterer makes of them,
// as the pipeline does.
func clustered(t *testing.T, arts ...newsmon.Article) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := cluster.New(cluster.Options{})
	ids, err := c.AddBatch(arts)
	if err != nil {
		t.Fatal(err)
	}
	var ws []store.Write
	for i := range arts {
		arts[i].IncidentID = ids[i]
		ws = append(ws, store.Write{Article: &store.ArticleWrite{Article: &arts[i], URLs: []string{arts[i].URL}}})
	}
	for _, sn := range c.Changes().Incidents {
		ws = append(ws, store.Write{Incident: &sn.Incident, State: &sn.State})
	}
	terms, counts, docs := c.DocFreqChanges()
	ws = append(ws, store.Write{DocFreq: &store.DocFreqWrite{Terms: terms, Counts: counts, Docs: docs}})
	if _, err := st.SaveBatch(ws); err != nil {
		t.Fatal(err)
	}
	return st
}

func art(id, title string, h int) newsmon.Article {
	return newsmon.Article{ID: id, URL: "https://news.example.com/" + id, Lang: "zh", Source: "src-" + id,
		Title: title, Body: body, Published: day.Add(time.Duration(h) * time.Hour)}
}

// norm is the squared norm of the stored centroid of incident id.
func norm(t *testing.T, st *store.Store, id string) float64 {
	t.Helper()
	state, err := st.IncidentState(id)
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, w := range state.Terms {
		s += w * w
	}
	return s
}

// TestMove: moving the article that opened an incident out into one of
// its own takes its vector, outlet, span and title out of the incident it
// left and gives them to a new incident with an id of its own; moving an
// incident's only report into another merges the two.
func TestMove(t *testing.T) {
	st := clustered(t, art("a1", "第一篇：扫地机器人上传照片", 0), art("a2", "第二篇：扫地机器人上传照片", 1), art("a3", "第三篇：扫地机器人上传照片", 2))
	a1, _ := st.Article("a1")
	before, err := st.Incident(a1.IncidentID)
	if err != nil || len(before.ArticleIDs) != 3 || before.ID != cluster.IncidentID("a1") {
		t.Fatalf("clustered: %+v, %v", before, err)
	}
	normBefore := norm(t, st, before.ID)
	stBefore, err := st.IncidentState(before.ID)
	if err != nil {
		t.Fatal(err)
	}
	s := New(st, Options{Now: func() time.Time { return day }})
	newID, err := s.Move("a1", "", "not the same")
	if err != nil {
		t.Fatal(err)
	}
	left, _ := st.Incident(before.ID)
	moved, err := st.Incident(newID)
	if err != nil {
		t.Fatal(err)
	}
	if newID == before.ID || slices.Contains(left.ArticleIDs, "a1") || !slices.Equal(moved.ArticleIDs, []string{"a1"}) {
		t.Errorf("after the move: left %v, moved %s %v", left.ArticleIDs, newID, moved.ArticleIDs)
	}
	if !left.FirstSeen.Equal(day.Add(time.Hour)) || slices.Contains(left.Sources, "src-a1") || strings.HasPrefix(left.Title, "第一篇") {
		t.Errorf("the incident left keeps what only a1 gave: first seen %v, sources %v, title %q", left.FirstSeen, left.Sources, left.Title)
	}
	if nm, nl := norm(t, st, moved.ID), norm(t, st, left.ID); nm == 0 || nl >= normBefore || moved.Title != a1.Title {
		t.Errorf("centroids: moved %.3f, left %.3f (was %.3f); moved title %q", nm, nl, normBefore, moved.Title)
	}
	if a, _ := st.Article("a1"); a.IncidentID != newID {
		t.Errorf("a1 in %s, want %s", a.IncidentID, newID)
	}
	r, _ := st.Reviews()
	if !slices.Equal(r.Left("a1"), []string{before.ID}) || len(r.Of(before.ID).Notes) != 1 {
		t.Errorf("review log: left %v, notes %v", r.Left("a1"), r.Of(before.ID).Notes)
	}

	// a1 is its incident's only report: moved into the other, the two merge.
	stMoved, err := st.IncidentState(newID)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := s.Move("a1", before.ID, ""); err != nil || id != before.ID {
		t.Fatalf("move back: %s, %v", id, err)
	}
	if got, _ := st.ResolveIncident(newID); got != before.ID {
		t.Errorf("the emptied incident resolves to %s, want %s", got, before.ID)
	}
	if back, _ := st.Incident(before.ID); len(back.ArticleIDs) != 3 {
		t.Errorf("after the move back: %v", back.ArticleIDs)
	}
	// The merge adds the merged-away state to the survivor's: a1's terms
	// and language count are back in it. The emptied incident's id answers
	// with the survivor's state.
	back, err := st.IncidentState(newID)
	if err != nil {
		t.Fatal(err)
	}
	for term, w := range stMoved.Terms {
		if back.Terms[term] < w*(1-1e-12) {
			t.Errorf("after the move back: term %q weighs %g, less than a1's %g", term, back.Terms[term], w)
		}
	}
	if !maps.Equal(back.Langs, stBefore.Langs) || back.TitleLang != stBefore.TitleLang {
		t.Errorf("state after the move back: langs %v, title language %q; want %v, %q", back.Langs, back.TitleLang, stBefore.Langs, stBefore.TitleLang)
	}
}

// TestRefused: decisions that cannot apply are refused with ErrInvalid or
// store.ErrNotFound and write nothing.
func TestRefused(t *testing.T) {
	st := clustered(t, art("a1", "扫地机器人上传照片", 0), art("a2", "扫地机器人上传照片", 1))
	a1, _ := st.Article("a1")
	s := New(st, Options{})
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"unknown status", func() error { _, err := s.SetStatus(a1.IncidentID, "maybe", ""); return err }, ErrInvalid},
		{"long note", func() error { _, err := s.SetStatus(a1.IncidentID, "new", strings.Repeat("x", MaxNote+1)); return err }, ErrInvalid},
		{"empty note", func() error { _, err := s.AddNote(a1.IncidentID, "  "); return err }, ErrInvalid},
		{"long title", func() error { _, err := s.SetTitle(a1.IncidentID, strings.Repeat("x", MaxTitle+1)); return err }, ErrInvalid},
		{"bad UTF-8", func() error { _, err := s.SetTitle(a1.IncidentID, "\xff"); return err }, ErrInvalid},
		{"unknown incident", func() error { _, err := s.SetStatus("inc-nosuch", "new", ""); return err }, store.ErrNotFound},
		{"merge into itself", func() error { _, err := s.Merge(a1.IncidentID, a1.IncidentID, ""); return err }, ErrInvalid},
		{"merge unknown", func() error { _, err := s.Merge(a1.IncidentID, "inc-nosuch", ""); return err }, store.ErrNotFound},
		{"move unknown", func() error { _, err := s.Move("nosuch", "", ""); return err }, store.ErrNotFound},
		{"move into its own", func() error { _, err := s.Move("a1", a1.IncidentID, ""); return err }, ErrInvalid},
	} {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if r, _ := st.Reviews(); r.Len() != 0 {
		t.Errorf("%d entries written by refused decisions", r.Len())
	}
}
