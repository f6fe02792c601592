package extract

import (
	"bytes"
	"golang.org/x/net/html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDebugOne(t *testing.T) {
	dir, id := os.Getenv("NEWSMON_EXTRACT_DATA"), os.Getenv("CASE")
	if dir == "" || id == "" {
		t.Skip()
	}
	for _, c := range loadEvalCases(t, dir) {
		if c.ID != id {
			continue
		}
		art, err := Extract(Input{URL: c.URL, HTML: c.HTML, FetchedAt: time.Now(), Location: time.FixedZone("CST", 8*3600)})
		t.Logf("err=%v title=%q pub=%v lang=%s\n--- BODY ---\n%s\n--- TRUTH ---\n%s", err, art.Title, art.Published, art.Lang, art.Body, c.Body)
		_ = filepath.Join
	}
}

func TestDebugScore(t *testing.T) {
	dir, id := os.Getenv("NEWSMON_EXTRACT_DATA"), os.Getenv("CASE")
	if dir == "" || id == "" {
		t.Skip()
	}
	for _, c := range loadEvalCases(t, dir) {
		if c.ID != id {
			continue
		}
		root, _ := html.Parse(bytes.NewReader(c.HTML))
		p := parsePage(root)
		best := p.score()
		for i, b := range p.blocks {
			if b.score > 2 || int32(i) == best || (os.Getenv("ALL") != "" && b.chars > 100) {
				t.Logf("%d %s.%s#%s score=%.1f chars=%d links=%d neg=%v parent=%d best=%v", i, b.n.Data, attr(b.n, "class"), attr(b.n, "id"), b.score, b.chars, b.links, b.neg, b.parent, int32(i) == best)
			}
		}
		for _, n := range p.mainContent() {
			t.Logf("main: %s.%s", n.Data, attr(n, "class"))
		}
	}
}

func TestDebugDate(t *testing.T) {
	for _, s := range []string{"发表于2005年09月07日 11:57 AM", "发表于:2005-07-31 12:30", "於 2013/12/28 10:28", "Dec 28 Sat 2013 00:28"} {
		tm, ok := findDate(s, time.Time{}, time.UTC)
		t.Log(s, tm, ok)
		tm, ok = ParseDate(s, time.Now(), time.UTC)
		t.Log(s, tm, ok)
	}
}

func TestDebugSegs(t *testing.T) {
	dir, id := os.Getenv("NEWSMON_EXTRACT_DATA"), os.Getenv("CASE")
	if dir == "" || id == "" {
		t.Skip()
	}
	for _, c := range loadEvalCases(t, dir) {
		if c.ID != id {
			continue
		}
		root, _ := html.Parse(bytes.NewReader(c.HTML))
		p := parsePage(root)
		for i, s := range p.segs {
			if strings.Contains(s.text, os.Getenv("NEEDLE")) {
				t.Logf("seg %d block %d neg=%v %q", i, s.block, p.inNeg(s.block, -1), s.text)
				for j := s.block; j >= 0; j = p.blocks[j].parent {
					t.Logf("   %s.%s#%s neg=%v", p.blocks[j].n.Data, attr(p.blocks[j].n, "class"), attr(p.blocks[j].n, "id"), p.blocks[j].neg)
				}
			}
		}
	}
}

func TestDebugScript(t *testing.T) {
	dir, id := os.Getenv("NEWSMON_EXTRACT_DATA"), os.Getenv("CASE")
	if dir == "" || id == "" {
		t.Skip()
	}
	for _, c := range loadEvalCases(t, dir) {
		if c.ID != id {
			continue
		}
		root, _ := html.Parse(bytes.NewReader(c.HTML))
		p := parsePage(root)
		t.Logf("%d scripts", len(p.scripts))
		for _, s := range p.scripts {
			for _, m := range reScriptDate.FindAllStringSubmatch(s, 4) {
				t.Logf("%q", m)
			}
		}
	}
}
