package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/newsmon/newsmon/internal/evaldata"
)

// pageScore is one system's score on one page. TitleOK and DateOK are nil
// when the truth has no title or date.
type pageScore struct {
	page    *page
	outcome outcome
	body    evaldata.PRF
	titleOK *bool
	dateOK  *bool
}

type scoredRun struct {
	sys   system
	pages []pageScore
}

func scoreRuns(runs []*sysRun, pages []*page) ([]*scoredRun, error) {
	var out []*scoredRun
	for _, r := range runs {
		sr := &scoredRun{sys: r.sys}
		for i, p := range pages {
			o := r.outcomes[i]
			ps := pageScore{page: p, outcome: o, body: evaldata.Body(o.res.Body, p.Truth.Body)}
			if p.Truth.Title != nil {
				ok := evaldata.Title(o.res.Title, *p.Truth.Title)
				ps.titleOK = &ok
			}
			if p.Truth.Date != nil {
				ok, err := evaldata.Day(o.res.Published, *p.Truth.Date)
				if err != nil {
					return nil, fmt.Errorf("case %s: %w", p.ID, err)
				}
				ps.dateOK = &ok
			}
			sr.pages = append(sr.pages, ps)
		}
		out = append(out, sr)
	}
	return out, nil
}

// stats aggregates page scores: macro averages over pages.
type stats struct {
	n, errs          int
	p, r, f1         float64 // sums
	titles, titlesOK int
	dates, datesOK   int
	dur              time.Duration
}

func aggregate(pages []pageScore, keep func(*page) bool) stats {
	var s stats
	for _, ps := range pages {
		if !keep(ps.page) {
			continue
		}
		s.n++
		if ps.outcome.err != nil {
			s.errs++
		}
		s.p += ps.body.P
		s.r += ps.body.R
		s.f1 += ps.body.F1
		s.dur += ps.outcome.dur
		if ps.titleOK != nil {
			s.titles++
			if *ps.titleOK {
				s.titlesOK++
			}
		}
		if ps.dateOK != nil {
			s.dates++
			if *ps.dateOK {
				s.datesOK++
			}
		}
	}
	return s
}

func mean(sum float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", sum/float64(n))
}

func rate(ok, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f (%d)", float64(ok)/float64(n), n)
}

func (s stats) pagesPerSec() string {
	if s.dur <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(s.n)/s.dur.Seconds())
}

var langs = []string{"zh", "en", "all"}

func langFilter(lang string) func(*page) bool {
	return func(p *page) bool { return lang == "all" || p.Lang == lang }
}

// printMain writes the table per language and system.
func printMain(w io.Writer, scored []*scoredRun) {
	fmt.Fprintln(w, "| lang | system | input | pages | body P | body R | body F1 | title exact (n) | date acc (n) | pages/s | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, lang := range langs {
		for _, sr := range scored {
			s := aggregate(sr.pages, langFilter(lang))
			if s.n == 0 {
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %d |\n",
				lang, sr.sys.Name, sr.sys.Input, s.n, mean(s.p, s.n), mean(s.r, s.n), mean(s.f1, s.n),
				rate(s.titlesOK, s.titles), rate(s.datesOK, s.dates), s.pagesPerSec(), s.errs)
		}
	}
	fmt.Fprintln(w)
}

// printGroups writes the secondary table: per source and per truth kind,
// each system's body F1 on raw and decoded input, title and date on raw.
func printGroups(w io.Writer, scored []*scoredRun) {
	type group struct {
		name string
		keep func(*page) bool
	}
	var groups []group
	seen := map[string]bool{}
	add := func(name string, keep func(*page) bool) {
		if !seen[name] {
			seen[name] = true
			groups = append(groups, group{name, keep})
		}
	}
	pages := slices.Clone(scored[0].pages)
	slices.SortStableFunc(pages, func(a, b pageScore) int {
		return cmp.Or(cmp.Compare(a.page.Lang, b.page.Lang), cmp.Compare(a.page.Source, b.page.Source))
	})
	for _, ps := range pages {
		lang, src := ps.page.Lang, ps.page.Source
		add(lang+" "+src, func(p *page) bool { return p.Lang == lang && p.Source == src })
	}
	for _, ps := range pages {
		lang, kind := ps.page.Lang, ps.page.TruthKind
		add(lang+" kind="+kind, func(p *page) bool { return p.Lang == lang && p.TruthKind == kind })
	}

	fmt.Fprintln(w, "| group | system | pages | F1 raw | F1 decoded | title raw (n) | date raw (n) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, g := range groups {
		for _, raw := range scored {
			if raw.sys.Input != "raw" {
				continue
			}
			s := aggregate(raw.pages, g.keep)
			dec := "-"
			for _, d := range scored {
				if d.sys.Name == raw.sys.Name && d.sys.Input == "decoded" {
					ds := aggregate(d.pages, g.keep)
					dec = mean(ds.f1, ds.n)
				}
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s |\n", g.name, raw.sys.Name, s.n,
				mean(s.f1, s.n), dec, rate(s.titlesOK, s.titles), rate(s.datesOK, s.dates))
		}
	}
	fmt.Fprintln(w)
}

// printWorst lists, per system on raw input and language, the n pages
// with the lowest body F1, then up to n title and n date misses, for
// error analysis.
func printWorst(w io.Writer, scored []*scoredRun, n int) {
	for _, sr := range scored {
		if sr.sys.Input != "raw" {
			continue
		}
		for _, lang := range langs[:2] {
			var ps []pageScore
			for _, p := range sr.pages {
				if p.page.Lang == lang {
					ps = append(ps, p)
				}
			}
			slices.SortStableFunc(ps, func(a, b pageScore) int { return cmp.Compare(a.body.F1, b.body.F1) })
			fmt.Fprintf(w, "Worst %s body F1 for %s (raw):\n\n", lang, sr.sys.Name)
			printPages(w, ps, n, func(pageScore) bool { return true })
			fmt.Fprintf(w, "%s title misses for %s (raw):\n\n", lang, sr.sys.Name)
			printPages(w, ps, n, func(p pageScore) bool { return p.titleOK != nil && !*p.titleOK })
			fmt.Fprintf(w, "%s date misses for %s (raw):\n\n", lang, sr.sys.Name)
			printPages(w, ps, n, func(p pageScore) bool { return p.dateOK != nil && !*p.dateOK })
		}
	}
}

// printPages writes up to n of ps that pass keep, one line each.
func printPages(w io.Writer, ps []pageScore, n int, keep func(pageScore) bool) {
	for _, p := range ps {
		if n == 0 {
			break
		}
		if !keep(p) {
			continue
		}
		n--
		fmt.Fprintf(w, "- %s F1=%.3f P=%.3f R=%.3f title=%s date=%s", p.page.ID, p.body.F1, p.body.P, p.body.R,
			verdict(p.titleOK, p.outcome.res.Title, p.page.Truth.Title),
			verdict(p.dateOK, formatTime(p.outcome.res.Published), p.page.Truth.Date))
		if p.outcome.err != nil {
			fmt.Fprintf(w, " err=%q", p.outcome.err.Error())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// verdict renders "ok", "n/a", or the mismatch got≠want, shortened.
func verdict(ok *bool, got string, want *string) string {
	switch {
	case ok == nil:
		return "n/a"
	case *ok:
		return "ok"
	}
	return fmt.Sprintf("%q≠%q", clip(got, 60), clip(*want, 60))
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
