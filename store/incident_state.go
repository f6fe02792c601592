package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// The clusterer's state of each incident (newsmon.IncidentState: centroid,
// languages, title language, topic evidence) is kept in a bucket of its
// own, beside the incident records, under the incident's id. An incident
// record holds only what the incident says (newsmon.Incident); readers that
// list or export incidents never read the states.
//
// A state is written with its incident (Write.State beside Write.Incident)
// and deleted with it (a merge); an incident written without a state keeps
// the one stored, if any.

var bucketIncidentState = []byte("incident_state") // incident id -> JSON newsmon.IncidentState

// putIncidentState writes the state of incident id. wr, when not nil, is
// the transaction's writer.
func putIncidentState(tx *bolt.Tx, id string, st *newsmon.IncidentState, wr *writer) error {
	data, err := marshal(wr, st, appendIncidentState)
	if err != nil {
		return fmt.Errorf("incident state %s: %w", id, err)
	}
	return tx.Bucket(bucketIncidentState).Put([]byte(id), data)
}

// IncidentState returns the clusterer's state of incident id; a merged-away
// id answers with the state of the incident it was merged into. An
// incident stored without a state has the zero state; an id of no incident
// is an error matching ErrNotFound.
func (s *Store) IncidentState(id string) (newsmon.IncidentState, error) {
	var st newsmon.IncidentState
	err := s.db.View(func(tx *bolt.Tx) error {
		id = resolveIncident(tx, id)
		if tx.Bucket(bucketIncidents).Get([]byte(id)) == nil {
			return fmt.Errorf("incident %s: %w", id, ErrNotFound)
		}
		var err error
		st, err = getIncidentState(tx, id)
		return err
	})
	return st, err
}

// getIncidentState reads the state of incident id: the zero state if none
// is stored.
func getIncidentState(tx *bolt.Tx, id string) (newsmon.IncidentState, error) {
	data := tx.Bucket(bucketIncidentState).Get([]byte(id))
	if data == nil {
		return newsmon.IncidentState{}, nil
	}
	return decodeJSON[newsmon.IncidentState]("incident state", id, data)
}

// appendIncidentState appends json.Marshal(st) to dst (see json.go); *terms
// is scratch space for the centroid, kept for the next call.
func appendIncidentState(dst []byte, st *newsmon.IncidentState, terms *[]centroidTerm) ([]byte, bool) {
	ok := true
	dst = append(dst, `{"terms":`...)
	if st.Terms == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendTerms(dst, st.Terms, terms, &ok)
	}
	if len(st.Langs) > 0 {
		dst = append(dst, `,"langs":`...)
		for i, l := range slices.Sorted(maps.Keys(st.Langs)) {
			dst = appendString(append(dst, mapSep(i)), l)
			dst = strconv.AppendInt(append(dst, ':'), int64(st.Langs[l]), 10)
		}
		dst = append(dst, '}')
	}
	dst = appendFieldOmitEmpty(dst, "title_lang", st.TitleLang)
	if st.Central != 0 {
		dst = appendFloat(append(dst, `,"central":`...), st.Central, &ok)
	}
	if len(st.Evidence) > 0 {
		dst = appendStrings(append(dst, `,"evidence":`...), st.Evidence)
	}
	if st.Weighed != 0 {
		dst = strconv.AppendInt(append(dst, `,"weighed":`...), int64(st.Weighed), 10)
	}
	return append(dst, '}'), ok
}

// The layout before schema 9: the state folded into the incident record's
// centroid member beside the term weights, under reserved keys (terms
// never start with '=').
const (
	legacyLangCount = "=n:"  // "=n:en": articles in that language
	legacyTitleLang = "=tl:" // "=tl:en": the language of Title (value 1)
	legacyCentral   = "=c"   // centrality of the article Title came from
	legacyEvidence  = "=e:"  // "=e:" + evidence key: a topic phrase found (value 1)
)

// legacyState is the state folded into a centroid of the layout before
// schema 9; keys starting with '=' that it does not know are dropped, as
// the clusterer of that layout dropped them.
func legacyState(centroid map[string]float64) newsmon.IncidentState {
	st := newsmon.IncidentState{Terms: map[string]float64{}, Langs: map[string]int{}}
	for k, v := range centroid {
		switch {
		case strings.HasPrefix(k, legacyLangCount):
			st.Langs[k[len(legacyLangCount):]] = int(v)
		case strings.HasPrefix(k, legacyTitleLang):
			st.TitleLang = k[len(legacyTitleLang):]
		case k == legacyCentral:
			st.Central = v
		case strings.HasPrefix(k, legacyEvidence):
			st.Evidence = append(st.Evidence, k[len(legacyEvidence):])
		case strings.HasPrefix(k, "="):
		default:
			st.Terms[k] = v
		}
	}
	slices.Sort(st.Evidence)
	return st
}

// migrateIncidentState (schema 9) moves each incident's centroid out of its
// record into the incident_state bucket, as the state it folded. The
// record keeps its other bytes as they were: the centroid member is cut
// out of them (centroidSpan), which leaves what appendIncident writes for
// the incident. An incident without a centroid gets no state.
//
// open runs the moves beforehand in transactions of migrateChunk incidents
// (migrateChunked), so that this one finds little or nothing left to move.
// (A newsmon of schema 8 opening a database whose moves were cut short
// would see the moved incidents without their centroids.)
func migrateIncidentState(tx *bolt.Tx) error {
	_, _, err := moveIncidentStates(tx, nil, 0)
	return err
}

// schemaIncidentState is the schema version of migrateIncidentState.
const schemaIncidentState = 9

// moveIncidentStates moves the centroids of the incident records from key
// start on (nil: the first) into incident_state, at most limit of them (0:
// all), and says where to go on from (done: nowhere).
func moveIncidentStates(tx *bolt.Tx, start []byte, limit int) (next []byte, done bool, err error) {
	return moveOut(tx, bucketIncidents, bucketIncidentState, start, limit, func(id string, v []byte) (rec, out []byte, err error) {
		var old struct {
			Centroid map[string]float64 `json:"centroid"`
		}
		if err := json.Unmarshal(v, &old); err != nil {
			return nil, nil, fmt.Errorf("incident %s: %w", id, err)
		}
		if old.Centroid == nil {
			return nil, nil, nil
		}
		if rec, err = withoutCentroid(id, v); err != nil {
			return nil, nil, err
		}
		st := legacyState(old.Centroid)
		if out, err = marshal(nil, &st, appendIncidentState); err != nil {
			return nil, nil, fmt.Errorf("incident state %s: %w", id, err)
		}
		return rec, out, nil
	})
}

// withoutCentroid returns incident record v without its centroid member.
func withoutCentroid(id string, v []byte) ([]byte, error) {
	if i, j, ok := centroidSpan(v); ok {
		return append(slices.Clip(v[:i:i]), v[j:]...), nil
	}
	// Not the clusterer's flat centroid: decode and encode the incident.
	inc, err := decodeJSON[newsmon.Incident]("incident", id, v)
	if err != nil {
		return nil, err
	}
	data, err := marshal(nil, &inc, appendIncident)
	if err != nil {
		return nil, fmt.Errorf("incident %s: %w", id, err)
	}
	return data, nil
}

// centroidKey starts the centroid member of an incident record of the
// layout before schema 9. A quote inside a JSON string is always escaped,
// so a quote after a comma starts a key at some level; the only
// object-valued "centroid" key of an incident record is its top-level
// centroid.
var centroidKey = []byte(`,"centroid":{`)

// centroidSpan finds the centroid member of an incident record (comma,
// key and object) as v[i:j]; ok false: none found, or not well formed.
func centroidSpan(v []byte) (i, j int, ok bool) {
	i = bytes.Index(v, centroidKey)
	if i < 0 {
		return 0, 0, false
	}
	inString, escaped := false, false
	for j = i + len(centroidKey); j < len(v); j++ {
		c := v[j]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '['):
			return 0, 0, false // the clusterer's centroid holds no nested values
		case !inString && c == '}':
			return i, j + 1, true
		}
	}
	return 0, 0, false
}
