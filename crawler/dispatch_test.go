package crawler

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// TestDispatch: with Hooks.Dispatch the crawl fetches listings and hands
// article URLs over instead of fetching them; known ones are not handed
// over; a failing Dispatch is a failure with the reason "dispatch".
func TestDispatch(t *testing.T) {
	site := fakeweb.NewOneHost(t)
	src := site.Sources()[0] // feed with two articles
	c, err := New(Options{Settings: testSettings(), Canonical: canonical})
	if err != nil {
		t.Fatal(err)
	}
	state := newMemState()
	state.known[canonical(src, site.URL+"/feed/2.htm")] = true
	var mu sync.Mutex
	var got []string
	hooks := Hooks{
		State: state,
		OnPage: func(context.Context, newsmon.Page) error {
			t.Error("an article page was handed over for parsing")
			return nil
		},
		Dispatch: func(_ context.Context, s newsmon.Source, u string) error {
			mu.Lock()
			defer mu.Unlock()
			if s.Name != src.Name {
				t.Errorf("dispatched for source %q", s.Name)
			}
			got = append(got, u)
			return nil
		},
	}
	stats, err := c.CrawlWith(context.Background(), []newsmon.Source{src}, hooks)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{site.URL + "/feed/1.htm"}; !slices.Equal(got, want) {
		t.Errorf("dispatched %v, want %v", got, want)
	}
	if st := stats[src.Name]; st.Dispatched != 1 || st.Known != 1 || st.Fetched != 0 || !(st.SeedsRead >= st.Seeds) {
		t.Errorf("stats %+v", *st)
	}
	if n := site.Count("/feed/1.htm") + site.Count("/feed/2.htm"); n != 0 {
		t.Errorf("article pages requested %d times", n)
	}

	// A failing Dispatch is a failure with reason "dispatch".
	hooks.Dispatch = func(context.Context, newsmon.Source, string) error { return errors.New("queue down") }
	state.known = map[string]bool{}
	stats, err = c.CrawlWith(context.Background(), []newsmon.Source{src}, hooks)
	if err != nil {
		t.Fatal(err)
	}
	if st := stats[src.Name]; st.Failed != 2 || st.Reasons["dispatch"] != 2 || st.Dispatched != 0 {
		t.Errorf("stats with a failing dispatch %+v", *st)
	}
}

// TestNotBefore: after a request, the next may start only a delay after
// its response; a host never asked may be asked at once.
func TestNotBefore(t *testing.T) {
	site := fakeweb.NewOneHost(t)
	set := testSettings()
	set.PerHostDelay = time.Hour // never waited for: one request only
	set.RespectRobots = false
	c, err := New(Options{Settings: set, Canonical: canonical})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(site.URL)
	if nb := c.NotBefore(u.Host); !nb.IsZero() {
		t.Fatalf("NotBefore of a host never asked: %v", nb)
	}
	before := time.Now()
	src := newsmon.Source{Name: "one", Articles: []string{site.URL + "/feed/1.htm"}}
	if _, err := c.CrawlWith(context.Background(), []newsmon.Source{src}, Hooks{OnPage: func(context.Context, newsmon.Page) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	nb := c.NotBefore(u.Host)
	if nb.Before(before.Add(time.Hour)) || nb.After(after.Add(time.Hour)) {
		t.Errorf("NotBefore = %v, want an hour after the response (between %v and %v)", nb, before.Add(time.Hour), after.Add(time.Hour))
	}
	if nb2 := c.NotBefore(strings.ToUpper(u.Host)); !nb2.Equal(nb) {
		t.Errorf("NotBefore of the host spelt in capitals: %v, want %v", nb2, nb)
	}
}
