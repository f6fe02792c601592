package cluster

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/newsmon/newsmon"
)

// State is what the clusterer keeps of an incident beside the incident
// itself: its centroid and the evidence of its topics. The caller persists
// it with the incident (Changes) and hands it back through a Loader; it is
// not part of what the incident says to a reader.
type State struct {
	Terms     map[string]float64 `json:"terms"`                // centroid: the sum of the members' vectors, heaviest centroidTerms kept
	Langs     map[string]int     `json:"langs,omitempty"`      // articles per language
	TitleLang string             `json:"title_lang,omitempty"` // the language of the incident's title
	Central   float64            `json:"central,omitempty"`    // similarity of the title's article to the centroid when it was chosen
	Evidence  []string           `json:"evidence,omitempty"`   // topic phrases found in the members (evidenceKey), sorted
}

// Snapshot is an incident with the clusterer's state of it.
type Snapshot struct {
	Incident newsmon.Incident
	State    State
}

// Merge says that incident From was merged into incident Into: From is gone
// and its id resolves to Into.
type Merge struct {
	From, Into string
}

// Loader finds persisted incidents again, so that the clusterer can keep
// only a budget of them in memory. IncidentsBetween calls fn with every
// stored incident (and its state) whose span [FirstSeen, LastSeen] touches
// [from, to]; an incident merged away is not stored any more.
type Loader interface {
	IncidentsBetween(from, to time.Time, fn func(Snapshot) error) error
}

// Changes is what the clusterer changed since the last call to Changes:
// the incidents to persist (new or changed, by id) and the merges (in the
// order they happened; a merged-away incident is not among Incidents).
type Changes struct {
	Incidents []Snapshot
	Merges    []Merge
}

// snapshot returns a copy of in for the caller.
func (in *incident) snapshot() Snapshot {
	s := Snapshot{Incident: cloneIncident(in.inc), State: State{
		Terms:     maps.Clone(in.terms),
		Langs:     maps.Clone(in.langs),
		TitleLang: in.tlang,
		Central:   in.score,
		Evidence:  slices.Sorted(maps.Keys(in.evidence)),
	}}
	if s.State.TitleLang == "" {
		s.State.Central = 0
	}
	return s
}

// fromSnapshot is the in-memory incident of a persisted one.
func fromSnapshot(s Snapshot) *incident {
	in := &incident{terms: maps.Clone(s.State.Terms), langs: maps.Clone(s.State.Langs),
		tlang: s.State.TitleLang, score: s.State.Central, evidence: make(map[string]bool, len(s.State.Evidence))}
	if in.terms == nil {
		in.terms = map[string]float64{}
	}
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

// Reserved keys of newsmon.Incident.Centroid, where the store keeps State
// beside the term weights. Terms never start with '='.
const (
	metaLangCount = "=n:"  // "=n:en": articles in that language
	metaTitleLang = "=tl:" // "=tl:en": the language of Title (value 1)
	metaCentral   = "=c"   // centrality of the article Title came from
	metaEvidence  = "=e:"  // "=e:" + evidenceKey: a topic phrase found (value 1)
)

// Persisted returns the incident with its state folded into Centroid, as
// the store keeps it.
func (s Snapshot) Persisted() newsmon.Incident {
	inc := cloneIncident(s.Incident)
	st := s.State
	inc.Centroid = make(map[string]float64, len(st.Terms)+len(st.Langs)+len(st.Evidence)+2)
	for k, w := range st.Terms {
		inc.Centroid[k] = w
	}
	for l, n := range st.Langs {
		inc.Centroid[metaLangCount+l] = float64(n)
	}
	if st.TitleLang != "" {
		inc.Centroid[metaTitleLang+st.TitleLang] = 1
		inc.Centroid[metaCentral] = st.Central
	}
	for _, e := range st.Evidence {
		inc.Centroid[metaEvidence+e] = 1
	}
	return inc
}

// SnapshotOf is the inverse of Persisted.
func SnapshotOf(inc newsmon.Incident) Snapshot {
	st := State{Terms: map[string]float64{}, Langs: map[string]int{}}
	for k, v := range inc.Centroid {
		switch {
		case strings.HasPrefix(k, metaLangCount):
			st.Langs[k[len(metaLangCount):]] = int(v)
		case strings.HasPrefix(k, metaTitleLang):
			st.TitleLang = k[len(metaTitleLang):]
		case k == metaCentral:
			st.Central = v
		case strings.HasPrefix(k, metaEvidence):
			st.Evidence = append(st.Evidence, k[len(metaEvidence):])
		case strings.HasPrefix(k, "="):
		default:
			st.Terms[k] = v
		}
	}
	slices.Sort(st.Evidence)
	inc = cloneIncident(inc)
	inc.Centroid = nil
	return Snapshot{Incident: inc, State: st}
}
