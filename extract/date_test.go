package extract

import (
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2020, 5, 3, 12, 0, 0, 0, shanghai)
	at := func(y, mo, d, h, mi, s int, loc *time.Location) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, 0, loc)
	}
	tests := []struct {
		in   string
		want time.Time // zero: must be rejected
	}{
		// ISO 8601 / RFC 3339
		{"2020-05-01T10:23:45+08:00", at(2020, 5, 1, 10, 23, 45, shanghai)},
		{"2020-05-01T02:23:45Z", at(2020, 5, 1, 2, 23, 45, time.UTC)},
		{"2020-05-01T02:23:45.123Z", time.Date(2020, 5, 1, 2, 23, 45, 123e6, time.UTC)},
		{"2020-05-01T10:23:45+0800", at(2020, 5, 1, 10, 23, 45, shanghai)},
		{"2020-05-01T10:23+08:00", at(2020, 5, 1, 10, 23, 0, shanghai)},
		{"2020-05-01T10:23:45", at(2020, 5, 1, 10, 23, 45, shanghai)},
		{"2020-05-01", at(2020, 5, 1, 0, 0, 0, shanghai)},
		// RFC 1123 and friends
		{"Fri, 01 May 2020 02:23:45 GMT", at(2020, 5, 1, 2, 23, 45, time.UTC)},
		{"Fri, 01 May 2020 10:23:45 +0800", at(2020, 5, 1, 10, 23, 45, shanghai)},
		{"Fri, 1 May 2020 10:23:45 +0800", at(2020, 5, 1, 10, 23, 45, shanghai)},
		{"Thu, 30 Apr 2020 22:23:45 EDT", at(2020, 4, 30, 22, 23, 45, time.FixedZone("EDT", -4*3600))},
		// Chinese and numeric forms, zone from loc
		{"2020年05月01日 10:23", at(2020, 5, 1, 10, 23, 0, shanghai)},
		{"2020年5月1日10:23:45", at(2020, 5, 1, 10, 23, 45, shanghai)},
		{"2020年5月1日", at(2020, 5, 1, 0, 0, 0, shanghai)},
		{"2020年05月01日 10时23分", at(2020, 5, 1, 10, 23, 0, shanghai)},
		{"2020-05-01 10:23:45", at(2020, 5, 1, 10, 23, 45, shanghai)},
		{"2020-5-1 9:05", at(2020, 5, 1, 9, 5, 0, shanghai)},
		{"2020/5/1", at(2020, 5, 1, 0, 0, 0, shanghai)},
		{"2020/05/01 10:23", at(2020, 5, 1, 10, 23, 0, shanghai)},
		{"2020.05.01", at(2020, 5, 1, 0, 0, 0, shanghai)},
		{"发布时间：2020-05-01 10:23 来源：示例网", at(2020, 5, 1, 10, 23, 0, shanghai)},
		{"2020-05-01 10:23:45 +0000", at(2020, 5, 1, 10, 23, 45, time.UTC)},
		// full-width digits and punctuation
		{"２０２０年０５月０１日　１０：２３", at(2020, 5, 1, 10, 23, 0, shanghai)},
		{"２０２０－０５－０１", at(2020, 5, 1, 0, 0, 0, shanghai)},
		// English month names
		{"May 1, 2020", at(2020, 5, 1, 0, 0, 0, shanghai)},
		{"1 May 2020", at(2020, 5, 1, 0, 0, 0, shanghai)},
		{"Published May 1, 2020 at 10:23 p.m.", at(2020, 5, 1, 22, 23, 0, shanghai)},
		{"April 30, 2020 12:05 AM", at(2020, 4, 30, 0, 5, 0, shanghai)},
		{"Apr 30 Thu 2020 00:28", at(2020, 4, 30, 0, 28, 0, shanghai)},
		// ordinal suffixes, weekday first
		{"September 10th, 2005", at(2005, 9, 10, 0, 0, 0, shanghai)},
		{"Saturday, September 10th, 2005", at(2005, 9, 10, 0, 0, 0, shanghai)},
		{"Saturday, September 10th, 2005   10:56 am", at(2005, 9, 10, 10, 56, 0, shanghai)},
		{"Sept. 3rd, 2005", at(2005, 9, 3, 0, 0, 0, shanghai)},
		{"May 2nd 2020", at(2020, 5, 2, 0, 0, 0, shanghai)},
		{"the 1st of May, 2020", at(2020, 5, 1, 0, 0, 0, shanghai)},
		{"21st March 2019", at(2019, 3, 21, 0, 0, 0, shanghai)},
		// year last: month or day first when one part is above 12
		{"9/17/2004 5:54:13 AM", at(2004, 9, 17, 5, 54, 13, shanghai)},
		{"9/17/2004 5:54:13 PM", at(2004, 9, 17, 17, 54, 13, shanghai)},
		{"发布日期： 9/17/2004 12:05:00 AM", at(2004, 9, 17, 0, 5, 0, shanghai)},
		{"Updated:9/17/2004", at(2004, 9, 17, 0, 0, 0, shanghai)},
		{"12/17/13/2004", time.Time{}}, // part of a longer number run
		{"12/31/2019 12:30 p.m.", at(2019, 12, 31, 12, 30, 0, shanghai)},
		{"17/09/2004", at(2004, 9, 17, 0, 0, 0, shanghai)},
		{"17-09-2004 17:54", at(2004, 9, 17, 17, 54, 0, shanghai)},
		{"04/04/2005", at(2005, 4, 4, 0, 0, 0, shanghai)},
		{"03.04.2005", at(2005, 4, 3, 0, 0, 0, shanghai)}, // dotted: day first
		{"03/04/2005", time.Time{}},                       // March or April: no hint
		{"13/13/2005", time.Time{}},
		{"9/17-2004", time.Time{}},
		{"1/2/2020 13:00 PM", time.Time{}},
		{"5/17/2020", time.Time{}}, // after now
		// Unix time
		{"1588300000", time.Unix(1588300000, 0).UTC()},
		{"1588300000000", time.Unix(1588300000, 0).UTC()},
		// relative to now
		{"3小时前", now.Add(-3 * time.Hour)},
		{"5分钟前", now.Add(-5 * time.Minute)},
		{"2天前", now.AddDate(0, 0, -2)},
		{"刚刚", now},
		{"昨天 10:23", at(2020, 5, 2, 10, 23, 0, shanghai)},
		{"前天 08:00", at(2020, 5, 1, 8, 0, 0, shanghai)},
		{"今天 09:30", at(2020, 5, 3, 9, 30, 0, shanghai)},
		{"2 hours ago", now.Add(-2 * time.Hour)},
		{"an hour ago", now.Add(-time.Hour)},
		{"3 days ago", now.AddDate(0, 0, -3)},
		{"yesterday at 10:23", at(2020, 5, 2, 10, 23, 0, shanghai)},
		// no year: this year unless that is in the future
		{"05-01 10:23", at(2020, 5, 1, 10, 23, 0, shanghai)},
		{"12月30日", at(2019, 12, 30, 0, 0, 0, shanghai)},
		// rejected
		{"", time.Time{}},
		{"hello", time.Time{}},
		{"© 2020 Example Inc.", time.Time{}},
		{"Copyright 2003-2020", time.Time{}},
		{"2020", time.Time{}},
		{"2020-05-09 10:00", time.Time{}}, // after now
		{"2021年1月1日", time.Time{}},        // after now
		{"1989-06-01", time.Time{}},       // before the web
		{"2020-02-30", time.Time{}},       // no such day
		{"2020-13-01", time.Time{}},       // no such month
		{"2020-05-01 25:00", time.Time{}}, // no such hour
		{"v2020.05.01.3", time.Time{}},    // a version number
		{"12345678901", time.Time{}},      // not a timestamp
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in, now, shanghai)
		if tt.want.IsZero() {
			if ok {
				t.Errorf("ParseDate(%q) = %v, want rejected", tt.in, got)
			}
			continue
		}
		if !ok || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			continue
		}
		if _, off := got.Zone(); off != func() int { _, o := tt.want.Zone(); return o }() {
			t.Errorf("ParseDate(%q) offset = %d, want that of %v", tt.in, off, tt.want)
		}
	}
}

func TestDateOrder(t *testing.T) {
	now := time.Date(2020, 5, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in    string
		order dateOrder
		want  string // "" = rejected
	}{
		{"03/04/2005", orderMDY, "2005-03-04"},
		{"03/04/2005", orderDMY, "2005-04-03"},
		{"03/04/2005", orderUnknown, ""},
		{"9/17/2004 5:54:13 AM", orderDMY, "2004-09-17"}, // unambiguous beats the hint
		{"17/09/2004", orderMDY, "2004-09-17"},
		{"03.04.2005", orderMDY, "2005-03-04"},
	}
	for _, tt := range tests {
		got, ok := parseDateIn(tt.in, now, time.UTC, tt.order)
		if tt.want == "" {
			if ok {
				t.Errorf("parseDateIn(%q, %d) = %v, want rejected", tt.in, tt.order, got)
			}
			continue
		}
		if !ok || got.Format("2006-01-02") != tt.want {
			t.Errorf("parseDateIn(%q, %d) = %v, %v; want %s", tt.in, tt.order, got, ok, tt.want)
		}
	}
	locales := []struct {
		tags []string
		want dateOrder
	}{
		{[]string{"en-US"}, orderMDY},
		{[]string{"en_GB"}, orderDMY},
		{[]string{"en-IN"}, orderDMY},
		{[]string{"fr-FR"}, orderDMY},
		{[]string{"de"}, orderDMY},
		{[]string{"en"}, orderUnknown},
		{[]string{"zh-CN"}, orderUnknown},
		{[]string{""}, orderUnknown},
		{[]string{"", "en-US"}, orderMDY},      // the source's language
		{[]string{"en-GB", "en-US"}, orderDMY}, // the page's own first
	}
	for _, tt := range locales {
		if got := localeOrder(tt.tags...); got != tt.want {
			t.Errorf("localeOrder(%q) = %d, want %d", tt.tags, got, tt.want)
		}
	}
}

func TestParseDateNilLocationAndZeroNow(t *testing.T) {
	got, ok := ParseDate("2020-05-01 10:23", time.Time{}, nil)
	if !ok || !got.Equal(time.Date(2020, 5, 1, 10, 23, 0, 0, time.UTC)) {
		t.Errorf("nil location: got %v, %v; want 10:23 UTC", got, ok)
	}
	if _, ok := ParseDate("3小时前", time.Time{}, nil); ok {
		t.Error("a relative date without a fetch time was accepted")
	}
}

func TestDateFromURL(t *testing.T) {
	now := time.Date(2020, 5, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		url  string
		want string // "" = none
	}{
		{"https://finance.sina.com.cn/tech/2020-05-01/doc-iirczymi1234567.shtml", "2020-05-01"},
		{"https://example.com/news/20200501/123.html", "2020-05-01"},
		{"https://example.com/2020/05/01/some-story/", "2020-05-01"},
		{"https://example.com/2020/5/1/story", "2020-05-01"},
		{"https://example.com/a/2020_05_01_story.html", "2020-05-01"},
		{"https://www.cnbeta.com.tw/articles/tech/1435748.htm", ""},
		{"https://example.com/2020/05/09/future/", ""},
		{"https://example.com/id/20201399/", ""},
		{"https://20200501.example.com/story", ""},
		{"not a url", ""},
	}
	for _, tt := range tests {
		got, ok := DateFromURL(tt.url, now, time.UTC)
		if tt.want == "" {
			if ok {
				t.Errorf("DateFromURL(%q) = %v, want none", tt.url, got)
			}
			continue
		}
		if !ok || got.Format("2006-01-02") != tt.want {
			t.Errorf("DateFromURL(%q) = %v, %v; want %s", tt.url, got, ok, tt.want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2020-05-01T10:23:45+08:00", "2020年05月01日 10:23", "３小时前", "昨天 10:23",
		"Fri, 01 May 2020 02:23:45 GMT", "May 1, 2020 10:23 pm EDT", "1588300000", "05-01 10:23", "2 hours ago",
		"9/17/2004 5:54:13 AM", "Saturday, September 10th, 2005", "17.09.2004"} {
		f.Add(s)
	}
	now := time.Date(2020, 5, 3, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseDate(s, now, time.UTC)
		if !ok {
			if !got.IsZero() {
				t.Fatalf("ParseDate(%q) rejected but returned %v", s, got)
			}
			return
		}
		if got.After(now.Add(futureSlack)) || got.Year() < minYear {
			t.Fatalf("ParseDate(%q) = %v: outside [%d, now]", s, got, minYear)
		}
		if utf8.ValidString(s) {
			_, _ = findDate(s, now, time.UTC, orderUnknown)
		}
	})
}
