package server

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// CycleReport is what the daemon tells of a source's last crawl cycle,
// for /sources (Options.LastCycles).
type CycleReport struct {
	Ended   time.Time
	OK      bool           // every configured URL was read and no error ended it
	Failed  int            // pages that failed
	Reasons map[string]int // failures by reason
	Err     string         // the error that ended the cycle, if any
}

// sourceRow is one source on /sources, from the daemon's metrics (since
// it started), its last cycle and the store's schedule.
type sourceRow struct {
	Name                                 string
	Cycle                                *CycleReport
	Reasons                              string // the last cycle's failures by reason
	Fetched, OK, NotModified             int64
	ClientErrors, ServerErrors, NoAnswer int64
	New, Duplicates                      int64
	ExtractFailed, RobotsDenied          int64
	LastCrawl, NextCrawl                 time.Time
}

// dueReader is a store that tells when a source is next due (store.Store).
type dueReader interface {
	NextDue(source string) (time.Time, error)
}

func (h *handler) sourcesPage(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := params(r.URL.Query()); err != nil {
		return err
	}
	rows := map[string]*sourceRow{}
	row := func(name string) *sourceRow {
		if rows[name] == nil {
			rows[name] = &sourceRow{Name: name}
		}
		return rows[name]
	}
	for _, n := range h.opts.Sources {
		row(n)
	}
	fams, err := h.opts.Metrics.Registry().Gather()
	if err != nil {
		return err
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			name, ok := labels["source"]
			if !ok {
				continue
			}
			addSourceMetric(row(name), f.GetName(), labels, m)
		}
	}
	if h.opts.LastCycles != nil {
		for name, c := range h.opts.LastCycles() {
			sr := row(name)
			sr.Cycle = &c
			var parts []string
			for _, reason := range slices.Sorted(maps.Keys(c.Reasons)) {
				parts = append(parts, reason+" "+strconv.Itoa(c.Reasons[reason]))
			}
			sr.Reasons = strings.Join(parts, ", ")
		}
	}
	if dr, ok := h.opts.Store.(dueReader); ok {
		for name, sr := range rows {
			if t, err := dr.NextDue(name); err == nil {
				sr.NextCrawl = t
			}
		}
	}
	var out []sourceRow
	for _, sr := range rows {
		out = append(out, *sr)
	}
	slices.SortFunc(out, func(a, b sourceRow) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	p.Title = "Sources · newsmon"
	h.render(w, http.StatusOK, "sources", p, out)
	return nil
}

func addSourceMetric(sr *sourceRow, family string, labels map[string]string, m *dto.Metric) {
	n := int64(m.GetCounter().GetValue())
	switch family {
	case "newsmon_pages_fetched_total":
		sr.Fetched += n
		code, err := strconv.Atoi(labels["status"])
		switch {
		case err != nil:
			sr.NoAnswer += n
		case code == http.StatusNotModified:
			sr.NotModified += n
		case code >= 500:
			sr.ServerErrors += n
		case code >= 400:
			sr.ClientErrors += n
		case code < 300:
			sr.OK += n
		}
	case "newsmon_articles_total":
		if labels["result"] == "new" {
			sr.New += n
		} else {
			sr.Duplicates += n
		}
	case "newsmon_extract_failures_total":
		sr.ExtractFailed += n
	case "newsmon_robots_denied_total":
		sr.RobotsDenied += n
	case "newsmon_last_successful_crawl_timestamp_seconds":
		if v := m.GetGauge().GetValue(); v > 0 {
			sr.LastCrawl = time.Unix(int64(v), 0)
		}
	}
}
