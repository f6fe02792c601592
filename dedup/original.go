package dedup

import (
	"time"
	"unicode/utf8"
)

// FirstCopy reports whether copy a (published at aPub, text aBody) rather
// than copy b should represent a text both carry: a is PublishedFirst, or
// the publication times say nothing either way (equal, or unknown) and a's
// text is the fuller (more characters: b an excerpt, or a copy with its
// intro cut). Equal evidence keeps b, so the choice depends on the order
// pages come in only when the copies are alike in both.
func FirstCopy(aPub time.Time, aBody string, bPub time.Time, bBody string) bool {
	if PublishedFirst(aPub, bPub) {
		return true
	}
	if PublishedFirst(bPub, aPub) {
		return false
	}
	return utf8.RuneCountInString(aBody) > utf8.RuneCountInString(bBody)
}

// PublishedFirst reports whether a copy published at a is better evidence
// of being the original than one published at b, so that it, not b, should
// represent the text: an earlier day; on the same day, an earlier time when
// both give the time of day, or a time of day where b gives only the date
// (midnight: a re-publisher often keeps the day and drops the time); and
// a known time where b has none. An unknown time (zero) is never first,
// and equal evidence keeps b.
func PublishedFirst(a, b time.Time) bool {
	if a.IsZero() {
		return false
	}
	if b.IsZero() {
		return true
	}
	aDay, bDay := dateOnly(a), dateOnly(b)
	if aDay || bDay {
		loc := a.Location()
		if bDay {
			loc = b.Location()
		}
		ay, am, ad := a.In(loc).Date()
		by, bm, bd := b.In(loc).Date()
		if x, y := ay*10000+int(am)*100+ad, by*10000+int(bm)*100+bd; x != y {
			return x < y
		}
		return bDay && !aDay
	}
	return a.Before(b)
}

// dateOnly reports a time that gives only the date: midnight in its own
// zone.
func dateOnly(t time.Time) bool {
	h, m, s := t.Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}
