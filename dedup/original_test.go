package dedup

import (
	"testing"
	"time"
)

func TestPublishedFirst(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst) }
	tests := []struct {
		name string
		a, b time.Time
		want bool
	}{
		{"earlier time", at("2019-09-07T10:00:00+08:00"), at("2019-09-07T13:43:45+08:00"), true},
		{"later time", at("2019-09-07T13:43:45+08:00"), at("2019-09-07T10:00:00+08:00"), false},
		{"earlier across zones", at("2019-09-07T01:00:00Z"), at("2019-09-07T10:00:00+08:00"), true},
		{"equal", at("2019-09-07T10:00:00+08:00"), at("2019-09-07T02:00:00Z"), false},
		{"a time of day beats a bare date the same day", at("2014-10-31T13:24:14+08:00"), day(2014, 10, 31), true},
		{"a bare date does not beat a time the same day", day(2014, 10, 31), at("2014-10-31T13:24:14+08:00"), false},
		{"a bare date a day earlier", day(2014, 10, 30), at("2014-10-31T13:24:14+08:00"), true},
		{"a time a day after a bare date", at("2014-11-01T08:00:00+08:00"), day(2014, 10, 31), false},
		{"two bare dates", day(2014, 10, 30), day(2014, 10, 31), true},
		{"two equal bare dates", day(2014, 10, 31), day(2014, 10, 31), false},
		{"unknown a", time.Time{}, day(2014, 10, 31), false},
		{"unknown b", day(2014, 10, 31), time.Time{}, true},
		{"both unknown", time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		if got := PublishedFirst(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: PublishedFirst(%v, %v) = %v, want %v", tt.name, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFirstCopy(t *testing.T) {
	early := time.Date(2019, 9, 7, 10, 0, 0, 0, time.UTC)
	late := early.Add(3 * time.Hour)
	tests := []struct {
		name  string
		aPub  time.Time
		aBody string
		bPub  time.Time
		bBody string
		want  bool
	}{
		{"earlier wins over fuller", early, "短文。", late, "长得多的一篇文章。", true},
		{"later loses though fuller", late, "长得多的一篇文章。", early, "短文。", false},
		{"no dates: fuller wins", time.Time{}, "长得多的一篇文章。", time.Time{}, "短文。", true},
		{"no dates: shorter loses", time.Time{}, "短文。", time.Time{}, "长得多的一篇文章。", false},
		{"same time: fuller wins", early, "长得多的一篇文章。", early, "短文。", true},
		{"alike: keep b", early, "一样。", early, "一样。", false},
	}
	for _, tt := range tests {
		if got := FirstCopy(tt.aPub, tt.aBody, tt.bPub, tt.bBody); got != tt.want {
			t.Errorf("%s: FirstCopy = %v, want %v", tt.name, got, tt.want)
		}
	}
}
