package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/newsmon/newsmon/internal/fakeweb"
)

// chromium returns the path of a Chromium (or Chrome) binary: $CHROME_BIN,
// else the first of the usual names on PATH; "" when there is none.
func chromium() string {
	if p := os.Getenv("CHROME_BIN"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// apiIncident is what the test reads of GET /api/v1/incidents/{id}.
type apiIncident struct {
	ID        string   `json:"id"`
	Status    string   `json:"status"`
	MergedIDs []string `json:"merged_ids"`
	Articles  []struct {
		ID, URL, Lang, Title string
	} `json:"articles"`
}

// TestReviewUIInBrowser (acceptance 1 of the review UI): the daemon crawls
// the fake web's seed-like scenario (a Chinese and an English report of
// each of two AI incidents, unrelated news); headless Chromium opens the
// queue, finds the vacuum incident with the search form, opens it, sees
// both languages' reports, moves the English report out, merges the two
// unrelated items and dismisses the result, reloads and sees each change
// kept; then a crawl cycle brings follow-up reports and undoes none of it,
// and `export incidents` shows it all. Skips when no Chromium is installed.
func TestReviewUIInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium binary (apt-get install chromium, or set CHROME_BIN)")
	}
	web := fakeweb.New(t)
	day := time.Date(2026, 5, 6, 8, 0, 0, 0, fakeweb.CST)
	urls := map[string]string{}
	add := func(reports []fakeweb.Report, from int) {
		for i, r := range reports {
			a := web.News.AddArticle(t, fakeweb.ArticleSpec{Path: r.Path, Title: r.Title,
				Published: day.Add(time.Duration(from+i) * time.Hour), Paragraphs: r.Paragraphs})
			urls[r.Path] = a.URL
		}
	}
	add(fakeweb.Reports, 0)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, web.Sources(), configOpts{delay: 5 * time.Millisecond, interval: 2 * time.Second})
	d := startDaemon(t, nil, "--config", cfg)
	d.waitFor(60*time.Second, "a cycle of each source", func() bool {
		return d.cycles("fakenews") >= 1 && d.cycles("fakefinance") >= 1
	})
	base := "http://" + d.addr

	// The ids the browser's actions are checked against, from the API.
	articleIncident := func(path string) (string, string) {
		t.Helper()
		status, body := d.get("/api/v1/articles?limit=1000&format=jsonl", "")
		if status != 200 {
			t.Fatalf("articles: %d", status)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			var a struct{ ID, URL string }
			json.Unmarshal([]byte(line), &a) //nolint:errcheck // checked by the match
			if a.URL == urls[path] {
				return a.ID, incidentOf(t, d, a.ID)
			}
		}
		t.Fatalf("%s not stored", path)
		return "", ""
	}
	vacEn, vacuum := articleIncident("/articles/tech/6102.htm")
	_, vacuumZh := articleIncident("/articles/tech/6101.htm")
	_, football := articleIncident("/articles/sports/6301.htm")
	_, flowers := articleIncident("/articles/life/6302.htm")
	if vacuum != vacuumZh || football == flowers {
		t.Fatalf("the seed did not cluster as expected: vacuum %s/%s, unrelated %s/%s", vacuum, vacuumZh, football, flowers)
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.Flag("no-proxy-server", true))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelT()
	type step = chromedp.Action[chromedp.Void]
	var text string
	// browse runs steps, then reads the page's main text into text.
	browse := func(what string, steps ...step) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var err error
		if text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: read the page: %v", what, err)
		}
	}
	poll := func(expr string) step {
		return chromedp.Poll[chromedp.Void](expr+` && document.readyState === "complete"`, chromedp.WithPollingTimeout(30*time.Second))
	}
	// at waits until the browser shows path (after a form's redirect).
	at := func(path string) step { return poll(fmt.Sprintf(`location.pathname === %q`, path)) }
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	// has reports whether the page has an element matching sel.
	has := func(sel string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel)))
		if err != nil {
			t.Fatalf("query %s: %v", sel, err)
		}
		return ok
	}
	// shot saves a screenshot of path into $NEWSMON_UI_SCREENSHOTS, for the
	// README: as a laptop shows it (PNG: FullScreenshot at quality 100).
	shot := func(name, path string) {
		t.Helper()
		dir := os.Getenv("NEWSMON_UI_SCREENSHOTS")
		if dir == "" {
			return
		}
		browse("screenshot "+name, chromedp.EmulateViewport(1100, 900), chromedp.Navigate(base+path), chromedp.WaitVisible(css("main h1")))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// submit clicks a form's button and waits for the page it leads to.
	submit := func(sel string) step {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			ctx, stop := context.WithCancel(ctx)
			defer stop() // ends the subscription
			loaded := chromedp.Events(ctx, page.LoadEventFired)
			if _, err := chromedp.Click(css(sel))(ctx, tg); err != nil {
				return chromedp.Void{}, err
			}
			for _, err := range loaded {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, ctx.Err()
		}
	}

	// The queue; the search form finds the vacuum incident; its page shows
	// both languages side by side.
	browse("open the queue", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("ol.queue")))
	if !strings.Contains(text, "CleanBot") || !strings.Contains(text, "Shenzhen metro") {
		t.Fatalf("queue:\n%s", text)
	}
	browse("search", chromedp.SetValue(css(`input[name="q"]`), "CleanBot"),
		submit(`form.filters button`),
		poll(`location.search.includes("q=CleanBot")`),
		submit(`ol.queue a.title`), at("/incidents/"+vacuum),
		chromedp.WaitVisible(css(`section.column[lang="en"]`)))
	for _, r := range fakeweb.Reports[:2] {
		if !strings.Contains(text, r.Title) {
			t.Errorf("incident page lacks %q:\n%s", r.Title, text)
		}
	}
	shot("ui-incident.png", "/incidents/"+vacuum)

	// Move the English report out into an incident of its own.
	browse("move", submit(`#r-`+vacEn+` form.move button`),
		poll(fmt.Sprintf(`location.pathname.startsWith("/incidents/") && location.pathname !== "/incidents/%s"`, vacuum)))
	moved := incidentOf(t, d, vacEn)
	if moved == vacuum {
		t.Fatalf("the English report is still in %s", vacuum)
	}
	// Merge the football item into the flowers item, then dismiss it.
	browse("merge", chromedp.Navigate(base+"/incidents/"+football), chromedp.WaitVisible(css(`form[action$="/merge"]`)),
		chromedp.SetValue(css(`form[action$="/merge"] input[name="into"]`), flowers),
		submit(`form[action$="/merge"] button`), at("/incidents/"+flowers))
	browse("dismiss", chromedp.SetValue(css(`form[action$="/status"] select[name="status"]`), "dismissed"),
		chromedp.SetValue(css(`form[action$="/status"] input[name="note"]`), "not an AI incident"),
		submit(`form[action$="/status"] button`), at("/incidents/"+flowers),
		chromedp.WaitVisible(css(`h1 .status-dismissed`)))

	// Reload: every change is kept.
	checkUI := func(when string) {
		t.Helper()
		browse(when+": vacuum", chromedp.Navigate(base+"/incidents/"+vacuum), chromedp.WaitVisible(css("main h1")))
		if has(`#r-` + vacEn) {
			t.Errorf("%s: the moved English report is back on the vacuum incident:\n%s", when, text)
		}
		browse(when+": moved", chromedp.Navigate(base+"/incidents/"+moved), chromedp.WaitVisible(css("main h1")))
		if !has(`#r-` + vacEn) {
			t.Errorf("%s: the moved report's incident does not show it:\n%s", when, text)
		}
		browse(when+": merged", chromedp.Navigate(base+"/incidents/"+football), at("/incidents/"+flowers))
		if !strings.Contains(text, "dismissed") || !strings.Contains(text, "not an AI incident") ||
			!strings.Contains(text, fakeweb.Reports[4].Title) || !strings.Contains(text, fakeweb.Reports[5].Title) {
			t.Errorf("%s: merged incident:\n%s", when, text)
		}
		browse(when+": queue", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("ol.queue")))
		if strings.Contains(text, fakeweb.Reports[5].Title) || strings.Contains(text, fakeweb.Reports[4].Title) {
			t.Errorf("%s: the dismissed incident is in the default queue:\n%s", when, text)
		}
		browse(when+": dismissed", chromedp.Navigate(base+"/?status=dismissed"), chromedp.WaitVisible(css("ol.queue")))
		if !strings.Contains(text, "1 incidents") {
			t.Errorf("%s: status=dismissed:\n%s", when, text)
		}
	}
	checkUI("after reload")
	shot("ui-queue.png", "/?status=all")

	// A crawl cycle with follow-ups of both incidents undoes nothing.
	before := d.cycles("fakenews")
	add(fakeweb.FollowUps, len(fakeweb.Reports))
	d.waitFor(60*time.Second, "a crawl cycle after the follow-ups", func() bool { return d.cycles("fakenews") >= before+2 })
	for _, r := range fakeweb.FollowUps {
		id, _ := articleIncident(r.Path)
		if id == "" {
			t.Fatalf("follow-up %s not stored", r.Path)
		}
	}
	if got := incidentOf(t, d, vacEn); got == vacuum {
		t.Errorf("after the crawl: the moved report rejoined %s", vacuum)
	}
	checkUI("after a crawl cycle")
	browse("sources", chromedp.Navigate(base+"/sources"), chromedp.WaitVisible(css("table")))
	if !strings.Contains(text, "fakenews") || !strings.Contains(text, "fakefinance") || !strings.Contains(text, "complete") {
		t.Errorf("sources page:\n%s", text)
	}
	d.terminate()

	// export incidents reflects it all.
	out, errOut, code := run(t, "export", "incidents", "--status", "all", "--config", cfg)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	var doc struct {
		Incidents []apiIncident `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	byID := map[string]apiIncident{}
	for _, inc := range doc.Incidents {
		byID[inc.ID] = inc
	}
	if f := byID[flowers]; f.Status != "dismissed" || !slices.Contains(f.MergedIDs, football) {
		t.Errorf("export: flowers incident %+v, want dismissed with %s merged", f, football)
	}
	if _, ok := byID[football]; ok {
		t.Errorf("export lists the merged-away %s", football)
	}
	if m := byID[moved]; !slices.ContainsFunc(m.Articles, func(a struct{ ID, URL, Lang, Title string }) bool { return a.ID == vacEn }) {
		t.Errorf("export: the moved report is not in %s: %+v", moved, m)
	}
	if slices.ContainsFunc(byID[vacuum].Articles, func(a struct{ ID, URL, Lang, Title string }) bool { return a.ID == vacEn }) {
		t.Errorf("export: the moved report is in %s", vacuum)
	}
	out, _, _ = run(t, "export", "incidents", "--config", cfg)
	if strings.Contains(out, flowers) {
		t.Error("the default export lists the dismissed incident")
	}
	validateSchema(t, []byte(out))
}

// incidentOf returns the id of the incident article id is in now.
func incidentOf(t *testing.T, d *daemonProc, id string) string {
	t.Helper()
	// The article's export has no incident id: find the incident that
	// lists it.
	status, body := d.get("/api/v1/incidents?status=all&limit=1000&format=jsonl", "")
	if status != 200 {
		t.Fatalf("incidents: %d %s", status, body)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		var inc apiIncident
		if err := json.Unmarshal([]byte(line), &inc); err != nil {
			t.Fatalf("incident line %q: %v", line, err)
		}
		for _, a := range inc.Articles {
			if a.ID == id {
				return inc.ID
			}
		}
	}
	t.Fatalf("article %s is in no incident", id)
	return ""
}
