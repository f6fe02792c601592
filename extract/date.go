package extract

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// futureSlack is how far past the fetch time a parsed date may lie before it
// is rejected (clock skew, a zone guessed wrong by a few minutes).
const futureSlack = time.Hour

// minYear is the earliest year accepted: news pages on the web are younger.
const minYear = 1990

var (
	// 2020-05-01T10:23:45.123+08:00, 2020/5/1 10:23, 2020.05.01, 2020年5月1日 10时23分
	reNumeric = regexp.MustCompile(`(\d{4})\s*([-/.年])\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日)?(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*(?:秒)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?`)
	// 5月1日 10:23, 05-01 10:23 (no year: the fetch year is assumed)
	reNoYear   = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})\s*(?:月|-)\s*(\d{1,2})\s*日?\s+(\d{1,2}):(\d{2})`)
	reNoYearZh = regexp.MustCompile(`(\d{1,2})月(\d{1,2})日`)
	// May 1, 2020 [10:23 am] [EDT] / 1 May 2020
	reMonthFirst = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(\d{4})(?:,?\s*(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?(?:\s*([A-Z]{2,4}))?)?`)
	reDayFirst   = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})(?:,?\s*(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?(?:\s*([A-Z]{2,4}))?)?`)
	// 9/17/2004 5:54:13 AM, 17.09.2004 17:54, 17-09-2004: the year last
	reYearLast = regexp.MustCompile(`(?i)(?:^|[^\d/.-])(\d{1,2})([/.-])(\d{1,2})([/.-])((?:19|20)\d{2})\b(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\b\.?)?)?`)
	// 3小时前, 2 hours ago, 昨天 10:23
	reRelZh   = regexp.MustCompile(`(\d+)\s*(秒|分钟|分鐘|小时|小時|天|日|周|週|个月|個月)前`)
	reRelEn   = regexp.MustCompile(`(?i)\b(\d+|an?)\s+(second|sec|minute|min|hour|hr|day|week|month)s?\s+ago\b`)
	reRelDay  = regexp.MustCompile(`(?i)(今天|今日|昨天|昨日|前天|today|yesterday)\s*(?:at\s+)?(?:(\d{1,2}):(\d{2}))?`)
	reURLDate = regexp.MustCompile(`(?:^|[/_-])((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2]|[1-9])[/_-]?(0[1-9]|[12]\d|3[01]|[1-9])(?:[/_.-]|$)`)
)

var monthNames = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7,
	"aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

// zoneOffsets are the abbreviations English news pages print after a time.
var zoneOffsets = map[string]int{
	"UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "IST": 5*60 + 30,
	"EST": -5 * 60, "EDT": -4 * 60, "ET": -5 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60, "PT": -8 * 60,
	"JST": 9 * 60, "KST": 9 * 60, "HKT": 8 * 60, "AEST": 10 * 60, "AEDT": 11 * 60,
}

// dateOrder says how to read a numeric date printed with the year last,
// such as 03/04/2005.
type dateOrder int8

const (
	orderUnknown dateOrder = iota // read only when unambiguous (17/09, 09/17, 04/04) or dotted (European)
	orderMDY                      // month first, as in the US
	orderDMY                      // day first, as in most other places
)

// dayFirstLangs print numeric dates day first.
var dayFirstLangs = []string{"fr", "de", "es", "it", "pt", "nl", "ru", "pl", "tr", "id", "ms", "vi", "el", "da", "sv", "nb", "nn", "no", "fi", "cs", "sk", "uk", "ro"}

// localeOrder reads the date order from language tags, the page's own
// (<html lang>) first: en-US is month first, English elsewhere and most
// European languages day first; Chinese, Japanese, Korean and bare "en" say
// nothing (they print the year first).
func localeOrder(tags ...string) dateOrder {
	for _, tag := range tags {
		lang, region, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")), "-")
		switch {
		case lang == "en" && region == "us":
			return orderMDY
		case lang == "en" && region != "":
			return orderDMY
		}
		for _, l := range dayFirstLangs {
			if lang == l {
				return orderDMY
			}
		}
	}
	return orderUnknown
}

// stdLayouts are tried first on the whole string: they carry their zone.
var stdLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04 -0700",
	time.RFC850,
	time.ANSIC,
	time.UnixDate,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700 MST",
}

// ParseDate reads a publication date in any of the forms news pages print:
// ISO 8601, RFC 1123, "2020年05月01日 10:23", "2020-05-01 10:23:45",
// "2020/5/1", full-width digits, English month names, Unix seconds, and
// relative times ("3小时前", "昨天 10:23", "2 hours ago") counted back from
// now. The date may sit inside other text ("发布时间：2020-05-01"). A time
// printed without a zone is read in loc (UTC when nil). Dates before 1990,
// dates after now (plus an hour of slack, when now is set) and bare years
// are rejected.
func ParseDate(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	return parseDateIn(s, now, loc, orderUnknown)
}

// parseDateIn is ParseDate reading year-last numeric dates in order.
func parseDateIn(s string, now time.Time, loc *time.Location, order dateOrder) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	s = normalizeDigits(s)
	if len(s) > 512 {
		s = truncateUTF8(s, 512)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, ok := parseDate(s, now, loc, order)
	if !ok || !plausible(t, now) {
		return time.Time{}, false
	}
	return t, true
}

func plausible(t, now time.Time) bool {
	if t.Year() < minYear || t.Year() > 9999 {
		return false
	}
	return now.IsZero() || !t.After(now.Add(futureSlack))
}

func parseDate(s string, now time.Time, loc *time.Location, order dateOrder) (time.Time, bool) {
	for _, layout := range stdLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return fixAbbrevZone(t, s), true
		}
	}
	if t, ok := parseUnix(s); ok {
		return t, true
	}
	if t, ok := parseNumeric(s, loc); ok {
		return t, true
	}
	if t, ok := parseYearLast(s, loc, order); ok {
		return t, true
	}
	if t, ok := parseEnglish(s, loc); ok {
		return t, true
	}
	if !now.IsZero() {
		if t, ok := parseRelative(s, now, loc); ok {
			return t, true
		}
		if t, ok := parseNoYear(s, now, loc); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// fixAbbrevZone gives a zone abbreviation that time.Parse left at offset 0
// (other than UTC/GMT) its real offset when we know it.
func fixAbbrevZone(t time.Time, s string) time.Time {
	name, off := t.Zone()
	if off != 0 || name == "UTC" || name == "GMT" || name == "" {
		return t
	}
	if m, ok := zoneOffsets[name]; ok && strings.Contains(s, name) {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone(name, m*60))
	}
	return t
}

func parseUnix(s string) (time.Time, bool) {
	if len(s) != 10 && len(s) != 13 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	if len(s) == 13 {
		return time.UnixMilli(n).UTC(), true
	}
	return time.Unix(n, 0).UTC(), true
}

func parseNumeric(s string, loc *time.Location) (time.Time, bool) {
	for _, m := range reNumeric.FindAllStringSubmatch(s, 8) {
		y, mo, d := atoi(m[1]), atoi(m[3]), atoi(m[4])
		if y < minYear || (m[2] == "." && m[5] == "" && strings.Contains(s, m[0]+".")) {
			continue // 2020.05.01.3 is a version number, not a date
		}
		var h, mi, sec int
		if m[5] != "" {
			h, mi, sec = atoi(m[5]), atoi(m[6]), atoi(m[7])
		}
		z := loc
		if m[8] != "" {
			z = zoneFor(m[8], loc)
		}
		if t, ok := mkdate(y, mo, d, h, mi, sec, z); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

func zoneFor(z string, loc *time.Location) *time.Location {
	switch {
	case z == "Z" || z == "UTC" || z == "GMT":
		return time.UTC
	case len(z) >= 5 && (z[0] == '+' || z[0] == '-'):
		zz := strings.ReplaceAll(z[1:], ":", "")
		if len(zz) != 4 {
			return loc
		}
		off := atoi(zz[:2])*3600 + atoi(zz[2:])*60
		if z[0] == '-' {
			off = -off
		}
		if off > 14*3600 || off < -12*3600 {
			return loc
		}
		return time.FixedZone("", off)
	}
	if m, ok := zoneOffsets[strings.ToUpper(z)]; ok {
		return time.FixedZone(strings.ToUpper(z), m*60)
	}
	return loc
}

func mkdate(y, mo, d, h, mi, sec int, loc *time.Location) (time.Time, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	if sec == 60 {
		sec = 59
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	if t.Day() != d { // 2020-02-31
		return time.Time{}, false
	}
	return t, true
}

// parseYearLast reads 9/17/2004 5:54:13 AM or 17.09.2004: day and month
// are told apart by a part above 12, else by order; dotted dates are day
// first; otherwise an ambiguous date (03/04/2005) is rejected.
func parseYearLast(s string, loc *time.Location, order dateOrder) (time.Time, bool) {
	for _, m := range reYearLast.FindAllStringSubmatch(s, 8) {
		if m[2] != m[4] {
			continue // 17/09-2004
		}
		a, b := atoi(m[1]), atoi(m[3])
		var mo, d int
		switch {
		case a == b || (b > 12 && a <= 12):
			mo, d = a, b
		case a > 12 && b <= 12:
			mo, d = b, a
		case a > 12:
			continue
		case order == orderMDY:
			mo, d = a, b
		case order == orderDMY || m[2] == ".":
			mo, d = b, a
		default:
			continue // 03/04/2005 with no hint: March or April
		}
		h, ok := hour12(atoi(m[6]), m[9])
		if !ok {
			continue
		}
		if t, ok := mkdate(atoi(m[5]), mo, d, h, atoi(m[7]), atoi(m[8]), loc); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// hour12 turns a 12-hour clock reading with its am/pm marker into 0-23;
// without a marker the hour is returned as is.
func hour12(h int, ampm string) (int, bool) {
	if ampm == "" {
		return h, true
	}
	if h < 1 || h > 12 {
		return 0, false
	}
	if h == 12 {
		h = 0
	}
	if ampm[0] == 'p' || ampm[0] == 'P' {
		h += 12
	}
	return h, true
}

func parseEnglish(s string, loc *time.Location) (time.Time, bool) {
	var mon, day, year, hh, mm, ss, ampm, zone string
	if m := reMonthFirst.FindStringSubmatch(s); m != nil {
		mon, day, year, hh, mm, ss, ampm, zone = m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	} else if m := reDayFirst.FindStringSubmatch(s); m != nil {
		day, mon, year, hh, mm, ss, ampm, zone = m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	} else {
		return time.Time{}, false
	}
	h, ok := hour12(atoi(hh), ampm)
	if !ok {
		return time.Time{}, false
	}
	z := loc
	if zone != "" {
		z = zoneFor(zone, loc)
	}
	return mkdate(atoi(year), int(monthNames[strings.ToLower(mon)]), atoi(day), h, atoi(mm), atoi(ss), z)
}

func parseRelative(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	now = now.In(loc)
	if strings.Contains(s, "刚刚") || strings.EqualFold(s, "just now") {
		return now, true
	}
	if m := reRelZh.FindStringSubmatch(s); m != nil {
		n := atoi(m[1])
		switch m[2] {
		case "秒":
			return now.Add(-time.Duration(n) * time.Second), true
		case "分钟", "分鐘":
			return now.Add(-time.Duration(n) * time.Minute), true
		case "小时", "小時":
			return now.Add(-time.Duration(n) * time.Hour), true
		case "天", "日":
			return now.AddDate(0, 0, -n), true
		case "周", "週":
			return now.AddDate(0, 0, -7*n), true
		default:
			return now.AddDate(0, -n, 0), true
		}
	}
	if m := reRelEn.FindStringSubmatch(s); m != nil {
		n := 1
		if c := m[1][0]; c >= '0' && c <= '9' {
			n = atoi(m[1])
		}
		switch strings.ToLower(m[2]) {
		case "second", "sec":
			return now.Add(-time.Duration(n) * time.Second), true
		case "minute", "min":
			return now.Add(-time.Duration(n) * time.Minute), true
		case "hour", "hr":
			return now.Add(-time.Duration(n) * time.Hour), true
		case "day":
			return now.AddDate(0, 0, -n), true
		case "week":
			return now.AddDate(0, 0, -7*n), true
		default:
			return now.AddDate(0, -n, 0), true
		}
	}
	if m := reRelDay.FindStringSubmatch(s); m != nil {
		back := 0
		switch strings.ToLower(m[1]) {
		case "昨天", "昨日", "yesterday":
			back = 1
		case "前天":
			back = 2
		}
		d := now.AddDate(0, 0, -back)
		h, mi := 0, 0
		if m[2] != "" {
			h, mi = atoi(m[2]), atoi(m[3])
		}
		return mkdate(d.Year(), int(d.Month()), d.Day(), h, mi, 0, loc)
	}
	return time.Time{}, false
}

// parseNoYear reads "05-01 10:23" or "5月1日": the year of now, or the year
// before when that would lie in the future.
func parseNoYear(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	now = now.In(loc)
	var mo, d, h, mi int
	if m := reNoYear.FindStringSubmatch(s); m != nil {
		mo, d, h, mi = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
	} else if m := reNoYearZh.FindStringSubmatch(s); m != nil {
		mo, d = atoi(m[1]), atoi(m[2])
	} else {
		return time.Time{}, false
	}
	t, ok := mkdate(now.Year(), mo, d, h, mi, 0, loc)
	if ok && t.After(now.Add(futureSlack)) {
		t, ok = mkdate(now.Year()-1, mo, d, h, mi, 0, loc)
	}
	return t, ok
}

// DateFromURL reads a date printed in a URL path, such as /2020-05-01/,
// /2020/05/01/ or /20200501/, at midnight in loc.
func DateFromURL(u string, now time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[i:]
	} else {
		return time.Time{}, false
	}
	for _, m := range reURLDate.FindAllStringSubmatch(u, 4) {
		t, ok := mkdate(atoi(m[1]), atoi(m[2]), atoi(m[3]), 0, 0, 0, loc)
		if ok && plausible(t, now) {
			return t, true
		}
	}
	return time.Time{}, false
}

// normalizeDigits maps full-width digits and punctuation used in dates to
// ASCII, and full-width/no-break spaces to plain spaces.
func normalizeDigits(s string) string {
	wide := false
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			wide = true
			break
		}
	}
	if !wide {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == '：':
			r = ':'
		case r == '－' || r == '—' || r == '–':
			r = '-'
		case r == '／':
			r = '/'
		case r == '．':
			r = '.'
		case r == '\u3000' || r == '\u00a0':
			r = ' '
		case r == utf8.RuneError:
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}
