package store

import (
	"cmp"
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsmon/newsmon"
)

// The records of the articles, incidents and incident_state buckets are
// what json.Marshal writes for newsmon.Article, newsmon.Incident and
// newsmon.IncidentState. Every new article rewrites its incident and the
// incident's state, whose centroid encoding/json sorts by reflection, so
// the three hot records are written here by hand, byte for byte as
// encoding/json writes them (HTML escaping on, as json.Marshal and
// json.Encoder do by default): fields in struct order, omitempty as tagged,
// map keys sorted, floats as floatEncoder formats them. A value encoding/json
// would refuse (a NaN or infinite float, a time outside RFC 3339) makes the
// append functions report false; the caller then uses encoding/json, which
// fails with its own error. TestAppendJSON compares both on random records.

// jsonEncoder appends the JSON of *T to dst; ok false means "use
// encoding/json".
type jsonEncoder[T any] func(dst []byte, v *T, terms *[]centroidTerm) (out []byte, ok bool)

// appendArticle appends json.Marshal(a) to dst.
func appendArticle(dst []byte, a *newsmon.Article, _ *[]centroidTerm) ([]byte, bool) {
	ok := true
	dst = appendField(dst, '{', "id", a.ID)
	dst = appendField(dst, ',', "url", a.URL)
	dst = appendField(dst, ',', "canonical_url", a.CanonicalURL)
	dst = appendField(dst, ',', "source", a.Source)
	dst = appendField(dst, ',', "lang", a.Lang)
	dst = appendField(dst, ',', "title", a.Title)
	dst = appendTimeField(dst, "published", a.Published, &ok)
	dst = appendTimeField(dst, "modified", a.Modified, &ok)
	if len(a.Authors) > 0 {
		dst = appendStrings(append(dst, `,"authors":`...), a.Authors)
	}
	dst = appendFieldOmitEmpty(dst, "site_name", a.SiteName)
	dst = appendFieldOmitEmpty(dst, "description", a.Description)
	dst = appendFieldOmitEmpty(dst, "image", a.Image)
	dst = appendField(dst, ',', "body", a.Body)
	dst = appendTimeField(dst, "fetched_at", a.FetchedAt, &ok)
	dst = appendFieldOmitEmpty(dst, "content_hash", a.ContentHash)
	if len(a.Signature) > 0 {
		dst = append(dst, `,"signature":"`...)
		dst = append(base64.StdEncoding.AppendEncode(dst, a.Signature), '"')
	}
	if len(a.Duplicates) > 0 {
		dst = append(dst, `,"duplicates":`...)
		for i, d := range a.Duplicates {
			dst = append(dst, listSep(i))
			dst = appendField(dst, '{', "url", d.URL)
			dst = appendField(dst, ',', "source", d.Source)
			dst = appendTimeField(dst, "fetched_at", d.FetchedAt, &ok)
			dst = strconv.AppendBool(append(dst, `,"exact":`...), d.Exact)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = appendFieldOmitEmpty(dst, "incident_id", a.IncidentID)
	return append(dst, '}'), ok
}

// centroidTerm is a centroid entry being sorted; head is keyHead(k), which
// settles most comparisons.
type centroidTerm struct {
	head uint64
	k    string
	w    float64
}

// appendIncident appends json.Marshal(inc) to dst.
func appendIncident(dst []byte, inc *newsmon.Incident, _ *[]centroidTerm) ([]byte, bool) {
	ok := true
	dst = appendField(dst, '{', "id", inc.ID)
	dst = appendField(dst, ',', "title", inc.Title)
	dst = appendField(dst, ',', "summary", inc.Summary)
	dst = appendTimeField(dst, "first_seen", inc.FirstSeen, &ok)
	dst = appendTimeField(dst, "last_seen", inc.LastSeen, &ok)
	dst = appendStrings(append(dst, `,"languages":`...), inc.Languages)
	dst = appendStrings(append(dst, `,"sources":`...), inc.Sources)
	dst = appendStrings(append(dst, `,"article_ids":`...), inc.ArticleIDs)
	dst = appendStrings(append(dst, `,"keywords":`...), inc.Keywords)
	dst = appendStrings(append(dst, `,"topics":`...), inc.Topics)
	dst = appendFloat(append(dst, `,"score":`...), inc.Score, &ok)
	dst = appendFieldOmitEmpty(dst, "central_title", inc.CentralTitle)
	return append(dst, '}'), ok
}

// appendTerms appends a centroid (newsmon.IncidentState.Terms) as
// encoding/json writes a map: keys sorted; *terms is scratch space, kept
// for the next call. *ok becomes false for a weight JSON cannot hold.
func appendTerms(dst []byte, m map[string]float64, terms *[]centroidTerm, ok *bool) []byte {
	ts := (*terms)[:0]
	for k, w := range m {
		ts = append(ts, centroidTerm{keyHead(k), k, w})
	}
	// encoding/json sorts the keys with strings.Compare: byte order.
	slices.SortFunc(ts, func(x, y centroidTerm) int {
		if x.head != y.head {
			return cmp.Compare(x.head, y.head)
		}
		return strings.Compare(x.k, y.k)
	})
	if len(ts) == 0 {
		dst = append(dst, '{')
	}
	for i, t := range ts {
		dst = appendString(append(dst, mapSep(i)), t.k)
		dst = appendFloat(append(dst, ':'), t.w, ok)
	}
	clear(ts) // keep no strings alive
	*terms = ts[:0]
	return append(dst, '}')
}

// appendField appends sep, the key name (which needs no escaping) and the
// string value.
func appendField(dst []byte, sep byte, name, value string) []byte {
	dst = append(dst, sep, '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendString(dst, value)
}

// appendFieldOmitEmpty is appendField after a comma for a field tagged
// omitempty.
func appendFieldOmitEmpty(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	return appendField(dst, ',', name, value)
}

// appendTimeField appends a time field after a comma as Time.MarshalJSON
// writes it; *ok becomes false if t has no RFC 3339 form.
func appendTimeField(dst []byte, name string, t time.Time, ok *bool) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':', '"')
	dst, err := t.AppendText(dst) // what MarshalJSON quotes, with the same checks
	if err != nil {
		*ok = false
	}
	return append(dst, '"')
}

// appendStrings appends a []string field's value: null when nil.
func appendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	if len(ss) == 0 {
		return append(dst, '[', ']')
	}
	for i, s := range ss {
		dst = appendString(append(dst, listSep(i)), s)
	}
	return append(dst, ']')
}

// listSep is what comes before a list's element i: [ or a comma.
func listSep(i int) byte {
	if i == 0 {
		return '['
	}
	return ','
}

// mapSep is what comes before an object's member i: { or a comma.
func mapSep(i int) byte {
	if i == 0 {
		return '{'
	}
	return ','
}

// appendFloat appends f as encoding/json's floatEncoder (64 bits) does: like
// strconv 'f', but 'e' below 1e-6 and from 1e21 on, with the exponent's
// leading zero dropped (e-07 -> e-7). *ok becomes false for NaN and ±Inf,
// which JSON cannot hold.
func appendFloat(dst []byte, f float64, ok *bool) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		*ok = false
		return dst
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if n := len(dst); format == 'e' && n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
		dst[n-2] = dst[n-1]
		dst = dst[:n-1]
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendString appends s quoted as encoding/json's appendString does with
// HTML escaping on: ", \ and the control characters escaped (\b \f \n \r \t
// by name, the others as \u00XX), <, > and & as \u003c \u003e \u0026,
// U+2028 and U+2029 as \u2028 \u2029, and each byte of invalid UTF-8 as
// \ufffd. Text made of 3-byte characters (Chinese) is checked without
// decoding each rune.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		if i+2 < len(s) && b >= 0xe1 && b <= 0xef && b != 0xed && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80 &&
			(b != 0xe2 || s[i+1] != 0x80 || s[i+2]&^1 != 0xa8) {
			// U+1000 to U+CFFF and U+E000 to U+FFFF (Chinese among them):
			// after these lead bytes any two continuation bytes make a
			// valid character, and none but U+2028 and U+2029 is escaped.
			i += 3
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
