package cluster

import (
	"maps"
	"slices"
	"time"

	"github.com/newsmon/newsmon"
)

// Snapshot is an incident with the clusterer's state of it
// (newsmon.IncidentState): its centroid, languages and topic evidence. The
// caller persists the state beside the incident (Changes) and hands both
// back through a Loader; the state is not part of what the incident says to
// a reader.
type Snapshot struct {
	Incident newsmon.Incident
	State    newsmon.IncidentState
}

// Merge says that incident From was merged into incident Into: From is gone
// and its id resolves to Into.
type Merge struct {
	From, Into string
}

// Loader finds persisted incidents again, so that the clusterer can keep
// only a budget of them in memory. IncidentsBetween calls fn with every
// stored incident (and its state) whose span [FirstSeen, LastSeen] touches
// [from, to], except those whose id skip reports true for (nil: none):
// they are in memory already and need not be read. An incident merged away
// is not stored any more.
type Loader interface {
	IncidentsBetween(from, to time.Time, skip func(id string) bool, fn func(Snapshot) error) error
}

// Changes is what the clusterer changed since the last call to Changes:
// the incidents to persist (new or changed, by id) and the merges (in the
// order they happened; a merged-away incident is not among Incidents).
type Changes struct {
	Incidents []Snapshot
	Merges    []Merge
	Moves     []Move // articles Settle moved to another incident (already in its ArticleIDs)
}

// snapshot returns a copy of in for the caller; text gives the terms'
// texts.
func (in *incident) snapshot(text func(uint64) string) Snapshot {
	terms := make(map[string]float64, len(in.terms))
	for k, w := range in.terms {
		terms[text(k)] = w
	}
	s := Snapshot{Incident: cloneIncident(in.inc), State: newsmon.IncidentState{
		Terms:     terms,
		Langs:     maps.Clone(in.langs),
		TitleLang: in.tlang,
		Central:   in.score,
		Evidence:  slices.Sorted(maps.Keys(in.evidence)),
		Weighed:   in.weighed,
	}}
	if s.State.TitleLang == "" {
		s.State.Central = 0
	}
	return s
}

// fromSnapshot is the in-memory incident of a persisted one; its terms
// are keyed by v, which learns the texts it did not know.
func fromSnapshot(s Snapshot, v *vocab) *incident {
	terms := make(map[uint64]float64, len(s.State.Terms))
	for k, w := range s.State.Terms {
		terms[v.known(k)] = w
	}
	in := &incident{terms: terms, langs: maps.Clone(s.State.Langs),
		tlang: s.State.TitleLang, score: s.State.Central, evidence: make(map[string]bool, len(s.State.Evidence)),
		weighed: s.State.Weighed}
	if in.langs == nil {
		in.langs = map[string]int{}
	}
	if len(in.langs) == 0 {
		// Written by something else: count each listed language once.
		for _, l := range s.Incident.Languages {
			in.langs[l] = 1
		}
	}
	if in.tlang == "" {
		in.score = -1
	}
	for _, e := range s.State.Evidence {
		in.evidence[e] = true
	}
	in.inc = cloneIncident(s.Incident)
	in.norms()
	return in
}

func cloneIncident(inc newsmon.Incident) newsmon.Incident {
	inc.Languages = slices.Clone(inc.Languages)
	inc.Sources = slices.Clone(inc.Sources)
	inc.ArticleIDs = slices.Clone(inc.ArticleIDs)
	inc.Keywords = slices.Clone(inc.Keywords)
	inc.Topics = slices.Clone(inc.Topics)
	return inc
}
