package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// crashEnv, when set, makes TestKillDuringWrites the child: it writes to the
// database named by the variable until it is killed.
const crashEnv = "NEWSMON_STORE_CRASH_CHILD"

// TestKillDuringWrites re-runs the test binary as a child that saves
// articles (with incidents, document frequencies and duplicates) as fast as
// it can and reports each committed one; the parent SIGKILLs it at several
// points. After each kill the file must pass Check, every reported article
// must be there with its indexes, all indexes must agree and the document
// frequencies must be exactly those of the stored articles; the next child
// resumes on the same file, from the stored document frequencies.
func TestKillDuringWrites(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path, os.Getenv(crashEnv+"_BASE"))
		return
	}
	path := filepath.Join(t.TempDir(), "data", "newsmon.db")
	committed := map[string]string{} // id -> URL
	for round, after := range []int{5, 40, 120, 17, 77} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringWrites$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s_BASE=%d", crashEnv, round*100000))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for n < after && sc.Scan() {
			if id, u, ok := parseSaved(sc.Text()); ok {
				committed[id] = u
				n++
			}
		}
		time.Sleep(time.Duration(round) * 3 * time.Millisecond) // land the kill at different points
		cmd.Process.Kill()                                      // SIGKILL
		for sc.Scan() {                                         // commits reported before the kill count too
			if id, u, ok := parseSaved(sc.Text()); ok {
				committed[id] = u
			}
		}
		cmd.Wait()
		if n < after {
			t.Fatalf("round %d: child reported %d commits, then stopped", round, n)
		}

		if err := Check(path); err != nil {
			t.Fatalf("round %d: after kill -9: %v", round, err)
		}
		s, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		verify(t, s)
		verifyCrashDocFreq(t, s, round)
		verifyCrashNear(t, s, round)
		for id, u := range committed {
			if got, ok, err := s.ArticleIDByURL(u); err != nil || !ok || got != id {
				t.Errorf("round %d: committed article %s (%s) lost: %q %v %v", round, id, u, got, ok, err)
			}
		}
		stored, _, _ := s.Stats()
		t.Logf("round %d: killed after %d commits this round; %d reported in all, %d stored", round, n, len(committed), stored)
		s.Close()
	}
}

// verifyCrashDocFreq checks that the document frequencies are those of
// the stored articles: crashTerms of each.
func verifyCrashDocFreq(t *testing.T, s *Store, round int) {
	t.Helper()
	want, docs := map[string]int{}, 0
	err := s.Articles(time.Time{}, func(a newsmon.Article) error {
		var i int
		if _, err := fmt.Sscanf(a.URL, "https://news.example.com/a/%d.html", &i); err != nil {
			return fmt.Errorf("article %s: %w", a.URL, err)
		}
		for _, term := range crashTerms(i) {
			want[term]++
		}
		docs++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	df, gotDocs, err := s.DocFreq()
	if err != nil || gotDocs != docs || !reflect.DeepEqual(df, want) {
		t.Errorf("round %d: DocFreq: %d terms, %d docs, %v; the %d stored articles have %d terms", round, len(df), gotDocs, err, docs, len(want))
	}
}

// verifyCrashNear checks that RecentSignatures gives every stored article
// with the signature it was saved with, in the order they were fetched:
// what the pipeline rebuilds its near-duplicate index from.
func verifyCrashNear(t *testing.T, s *Store, round int) {
	t.Helper()
	want := map[string]string{}
	var order []string
	err := s.Articles(time.Time{}, func(a newsmon.Article) error {
		var i int
		_, err := fmt.Sscanf(a.URL, "https://news.example.com/a/%d.html", &i)
		want[a.ID] = string(crashSignature(i))
		order = append(order, a.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = s.RecentSignatures(len(want)+10, func(id string, sig []byte) error {
		if string(sig) != want[id] {
			t.Errorf("round %d: article %s: signature %q, want %q", round, id, sig, want[id])
		}
		got = append(got, id)
		return nil
	})
	if err != nil || !slices.Equal(got, order) {
		t.Errorf("round %d: RecentSignatures gave %d articles (%v), want the %d stored in fetch order", round, len(got), err, len(order))
	}
}

// crashSignature is the signature of the child's i-th article.
func crashSignature(i int) []byte { return fmt.Appendf(nil, "sig-%d", i) }

// crashTerms are the terms of the child's i-th article.
func crashTerms(i int) []string { return []string{"测试", fmt.Sprintf("term%d", i%97)} }

// parseSaved reads a child's "saved ID URL" line.
func parseSaved(line string) (id, url string, ok bool) {
	rest, ok := strings.CutPrefix(line, "saved ")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, " ")
}

// crashChild saves articles until killed, printing "saved ID URL" after
// each commit.
func crashChild(path, base string) {
	docFreqLogMax = 300 // compact every ~15 articles: kills land in compactions too
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(1)
	}
	df, docs, err := s.DocFreq() // resume as the clusterer does
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(1)
	}
	b, _ := strconv.Atoi(base)
	body := strings.Repeat("这是一段用于测试的正文。", 300)
	var prev string
	for i := b; i < b+100000; i++ {
		w := testArticle(i)
		w.Article.Body = body
		w.Article.Signature = crashSignature(i)
		w.Incident = &newsmon.Incident{ID: fmt.Sprintf("inc-%d", i/5), LastSeen: w.Article.FetchedAt, Sources: []string{"example"}}
		d := &DocFreqWrite{Terms: crashTerms(i), Docs: docs + 1}
		for _, term := range d.Terms {
			d.Counts = append(d.Counts, df[term]+1)
		}
		errs, err := s.SaveBatch([]Write{{Article: &w}, {DocFreq: d}})
		if err == nil {
			err = errs[0]
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(1)
		}
		for j, term := range d.Terms {
			df[term] = d.Counts[j]
		}
		docs = d.Docs
		fmt.Printf("saved %s %s\n", w.Article.ID, w.Article.URL)
		if prev != "" && i%4 == 0 {
			inc := *w.Incident
			inc.Sources = append(inc.Sources, "copy")
			d := newsmon.Duplicate{URL: fmt.Sprintf("https://copy.example/%d", i), Source: "copy"}
			if err := s.AddDuplicateIncident(prev, d, nil, &inc); err != nil {
				fmt.Fprintln(os.Stderr, "crash child:", err)
				os.Exit(1)
			}
		}
		prev = w.Article.ID
	}
	s.Close()
}
