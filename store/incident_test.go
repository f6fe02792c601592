package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

func TestIncidents(t *testing.T) {
	s := openTest(t)
	day := 24 * time.Hour
	save := func(id string, lastSeen time.Time) {
		if _, err := s.SaveBatch([]Write{{Incident: &newsmon.Incident{ID: id, Title: id, LastSeen: lastSeen},
			State: &newsmon.IncidentState{Terms: map[string]float64{"x": float64(lastSeen.Unix())}}}}); err != nil {
			t.Fatal(err)
		}
	}
	save("old", t0.Add(-30*day))
	save("mid", t0.Add(-3*day))
	save("new", t0)
	save("moved", t0.Add(-40*day))
	save("moved", t0.Add(-day)) // updated: leaves the old index entry
	save("ancient", time.Time{})
	tests := []struct {
		since time.Time
		want  []string
	}{
		{t0.Add(-7 * day), []string{"mid", "moved", "new"}},
		{t0.Add(-day), []string{"moved", "new"}},
		{t0.Add(time.Nanosecond), nil},
		{time.Time{}, []string{"ancient", "old", "mid", "moved", "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.since.String(), func(t *testing.T) {
			var got []string
			err := s.IncidentsBetween(tt.since, t0.Add(365*day), func(inc newsmon.Incident, st newsmon.IncidentState) error {
				got = append(got, inc.ID)
				if st.Terms["x"] != float64(inc.LastSeen.Unix()) {
					t.Errorf("IncidentsBetween: %s with state %v, want the one saved with it", inc.ID, st)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("IncidentsBetween(%v, later) = %v, want %v", tt.since, got, tt.want)
			}
		})
	}
	var all []string
	if err := s.Incidents(func(inc newsmon.Incident) error { all = append(all, inc.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ancient", "mid", "moved", "new", "old"}; !slices.Equal(all, want) {
		t.Errorf("Incidents = %v, want %v", all, want)
	}
	if inc, err := s.Incident("moved"); err != nil || !inc.LastSeen.Equal(t0.Add(-day)) {
		t.Errorf("Incident(moved) = %+v, %v", inc, err)
	}
	if st, err := s.IncidentState("moved"); err != nil || st.Terms["x"] != float64(t0.Add(-day).Unix()) || len(st.Terms) != 1 {
		t.Errorf("IncidentState(moved) = %+v, %v; want the last state saved", st, err)
	}
	if _, err := s.IncidentState("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("IncidentState(missing) error %v, want ErrNotFound", err)
	}
	if _, err := s.Incident("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Incident(missing) error %v, want ErrNotFound", err)
	}
	if _, n, _ := s.Stats(); n != 5 {
		t.Errorf("Stats incidents = %d, want 5", n)
	}
	if err := s.SaveIncident(newsmon.Incident{Title: "no id"}); err == nil {
		t.Error("SaveIncident without ID succeeded")
	}
	verify(t, s)
}
