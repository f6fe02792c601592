package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
)

// jsonPieces are the awkward parts random strings are made of: every class
// of character encoding/json escapes, invalid and boundary UTF-8.
var jsonPieces = []string{"正文", "a", "<b>&amp;</b>", `"`, `\`, "\n", "\t", "\r", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f",
	" ", "/", "'", "\u2028", "\u2029", "\u2027", "\u202a", "\xe2\x80", "\xe2\x80\xa8\xa9", "\xff", "\xfe", "\xc0\xaf", "\xe0\x80\xaf",
	"\xed\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbd", "\xef\xbf\xbf", "\xee\x80\x80", "\xe1\x80\x80", "\xec\xbf\xbf", "\xe4\xb8",
	"\xe4", "é", "😀", "\xf0\x9f\x98", "\xf4\x90\x80\x80", "\U0010ffff", "\ufeff", "Ｆｕｌｌ", "=n:zh", "#词", "^词"}

func randJSONString(rng *mrand.Rand) string {
	var b strings.Builder
	for range rng.IntN(8) {
		if rng.IntN(4) == 0 {
			b.WriteByte(byte(rng.IntN(256)))
			continue
		}
		b.WriteString(jsonPieces[rng.IntN(len(jsonPieces))])
	}
	return b.String()
}

// jsonFloats are the boundaries of floatEncoder's formats and other
// special values.
var jsonFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, 1e-6, math.Nextafter(1e-6, 0), math.Nextafter(1e-6, 1),
	1e-7, 1e-5, 1e20, 1e21, math.Nextafter(1e21, 0), math.Nextafter(1e21, math.Inf(1)), 1e22, 1e-10, 1e-100, 1e100,
	math.SmallestNonzeroFloat64, math.MaxFloat64, 0x1p-1022, 123456789012345678, 9.999999999999999e20, 1e-300}

// randJSONFloat returns a finite float: a boundary, a random bit pattern or
// a random fraction of a power of ten.
func randJSONFloat(rng *mrand.Rand) float64 {
	switch rng.IntN(3) {
	case 0:
		f := jsonFloats[rng.IntN(len(jsonFloats))]
		if rng.IntN(2) == 0 {
			f = -f
		}
		return f
	case 1:
		for {
			if f := math.Float64frombits(rng.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f
			}
		}
	default:
		return (rng.Float64() - 0.5) * math.Pow10(rng.IntN(60)-30)
	}
}

var jsonZones = []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("X", -(3*3600 + 30*60)),
	time.FixedZone("odd", 5*3600+7)}

// randJSONTime returns a time that has an RFC 3339 form (years 0-9999,
// offsets within a day), or the zero time.
func randJSONTime(rng *mrand.Rand) time.Time {
	if rng.IntN(5) == 0 {
		return time.Time{}
	}
	sec := rng.Int64N(253402300799+62167219200) - 62167219200 // 0000-01-01 to 9999-12-31
	t := time.Unix(sec, rng.Int64N(1e9)).In(jsonZones[rng.IntN(len(jsonZones))])
	if y := t.Year(); y < 0 || y > 9999 { // the zone moved it out
		return t.UTC()
	}
	if rng.IntN(3) == 0 {
		t = t.Truncate(time.Second)
	}
	return t
}

// fillJSON sets v, and every field of it, to random values. It fails the
// test on a type it does not know, so that a field added to Article,
// Incident or IncidentState is either generated here or noticed.
func fillJSON(t *testing.T, rng *mrand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(randJSONTime(rng)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randJSONString(rng))
	case reflect.Float64:
		v.SetFloat(randJSONFloat(rng))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int:
		v.SetInt([]int64{0, 1, -1, rng.Int64N(1000), math.MaxInt64, math.MinInt64}[rng.IntN(6)])
	case reflect.Uint8:
		v.SetUint(uint64(rng.IntN(256)))
	case reflect.Slice:
		switch r := rng.IntN(6); r {
		case 0: // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			v.Set(reflect.MakeSlice(v.Type(), r*r, r*r))
			for i := range v.Len() {
				fillJSON(t, rng, v.Index(i))
			}
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			t.Fatalf("map type %v not generated", v.Type())
		}
		switch r := rng.IntN(5); r {
		case 0: // nil
		case 1:
			v.Set(reflect.MakeMap(v.Type()))
		default:
			v.Set(reflect.MakeMap(v.Type()))
			for range r * 20 {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				fillJSON(t, rng, k)
				fillJSON(t, rng, e)
				v.SetMapIndex(k, e)
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fillJSON(t, rng, v.Field(i))
		}
	default:
		t.Fatalf("%v (kind %v) not generated", v.Type(), v.Kind())
	}
}

// checkJSON fails t unless enc writes v as json.Marshal does, after
// existing bytes, or (ok false) json.Marshal fails.
func checkJSON[T any](t *testing.T, v *T, enc jsonEncoder[T]) {
	t.Helper()
	want, err := json.Marshal(v)
	var terms []centroidTerm
	got, ok := enc([]byte("prefix"), v, &terms)
	switch {
	case err != nil && ok:
		t.Fatalf("json.Marshal fails (%v) but the encoder wrote %q", err, got)
	case err == nil && !ok:
		t.Fatalf("the encoder refused what json.Marshal writes as %q", want)
	case err == nil && !bytes.Equal(got, append([]byte("prefix"), want...)):
		i := 0
		for i < len(want) && i+6 < len(got) && got[i+6] == want[i] {
			i++
		}
		t.Fatalf("encoder and json.Marshal differ at byte %d:\n got %q\nwant %q", i, got[6+max(0, i-40):], want[max(0, i-40):])
	}
}

// TestAppendJSON compares the hand-written article, incident and state encoders
// with json.Marshal on random records: every field set at random (strings
// of every escaping case and invalid UTF-8, floats across magnitudes and
// at floatEncoder's format boundaries, nil and empty lists and maps).
func TestAppendJSON(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(7, 8))
	for range 3000 {
		var a newsmon.Article
		fillJSON(t, rng, reflect.ValueOf(&a).Elem())
		checkJSON(t, &a, appendArticle)
		var inc newsmon.Incident
		fillJSON(t, rng, reflect.ValueOf(&inc).Elem())
		checkJSON(t, &inc, appendIncident)
		var st newsmon.IncidentState
		fillJSON(t, rng, reflect.ValueOf(&st).Elem())
		checkJSON(t, &st, appendIncidentState)
	}
}

// TestAppendJSONRefused checks that what encoding/json refuses (NaN and
// infinite floats, times without an RFC 3339 form) is left to it, and that
// SaveBatch then fails as a whole with its error and stores nothing.
func TestAppendJSONRefused(t *testing.T) {
	inc := func(f func(*newsmon.Incident)) *newsmon.Incident {
		i := &newsmon.Incident{ID: "inc"}
		f(i)
		return i
	}
	state := func(f func(*newsmon.IncidentState)) *newsmon.IncidentState {
		st := &newsmon.IncidentState{Terms: map[string]float64{"a": 1, "b": 0.5}, TitleLang: "en", Central: 0.5}
		f(st)
		return st
	}
	for _, c := range []struct {
		name    string
		article func(*newsmon.Article)
		inc     *newsmon.Incident
		state   *newsmon.IncidentState // written with inc
		want    string
	}{
		{"NaN centroid", nil, inc(func(*newsmon.Incident) {}), state(func(st *newsmon.IncidentState) { st.Terms["b"] = math.NaN() }), "unsupported value: NaN"},
		{"+Inf centroid", nil, inc(func(*newsmon.Incident) {}), state(func(st *newsmon.IncidentState) { st.Terms["a"] = math.Inf(1) }), "unsupported value: +Inf"},
		{"NaN centrality", nil, inc(func(*newsmon.Incident) {}), state(func(st *newsmon.IncidentState) { st.Central = math.NaN() }), "unsupported value: NaN"},
		{"-Inf score", nil, inc(func(i *newsmon.Incident) { i.Score = math.Inf(-1) }), nil, "unsupported value: -Inf"},
		{"year 10000", nil, inc(func(i *newsmon.Incident) { i.LastSeen = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), nil, "year outside of range"},
		{"article year -1", func(a *newsmon.Article) { a.Published = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }, nil, nil, "year outside of range"},
		{"duplicate zone 24h", func(a *newsmon.Article) {
			a.Duplicates = []newsmon.Duplicate{{FetchedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))}}
		}, nil, nil, "timezone hour outside of range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, first := testArticle(1), testArticle(0)
			if c.article != nil {
				c.article(w.Article)
				checkJSON(t, w.Article, appendArticle)
			}
			writes := []Write{{Article: &first}, {Article: &w}}
			if c.state != nil {
				checkJSON(t, c.state, appendIncidentState)
				writes = append(writes, Write{Incident: c.inc, State: c.state})
			} else if c.inc != nil {
				checkJSON(t, c.inc, appendIncident)
				w.Incident = c.inc
			}
			s := openTest(t)
			before := dump(t, s)
			_, err := s.SaveBatch(writes)
			if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrExists) {
				t.Fatalf("SaveBatch: %v, want an error with %q", err, c.want)
			}
			if after := dump(t, s); !reflect.DeepEqual(after, before) {
				t.Errorf("a failed batch changed the store")
			}
			if c.inc != nil && c.state == nil {
				if err := s.SaveIncident(*c.inc); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("SaveIncident: %v, want an error with %q", err, c.want)
				}
			}
		})
	}
}

// FuzzAppendJSON compares the encoders with json.Marshal on a string put in
// every string field and a float in every float field.
func FuzzAppendJSON(f *testing.F) {
	for i, p := range jsonPieces {
		f.Add(p+jsonPieces[(i+1)%len(jsonPieces)], jsonFloats[i%len(jsonFloats)])
	}
	f.Fuzz(func(t *testing.T, s string, x float64) {
		a := newsmon.Article{ID: s, URL: s, Title: s, Body: s + s, Authors: []string{s}, Image: s, IncidentID: s,
			Duplicates: []newsmon.Duplicate{{URL: s, Source: s}}, Signature: []byte(s)}
		checkJSON(t, &a, appendArticle)
		inc := newsmon.Incident{ID: s, Summary: s, Keywords: []string{s, s}, Score: x, CentralTitle: s}
		checkJSON(t, &inc, appendIncident)
		st := newsmon.IncidentState{Terms: map[string]float64{s: x, s + "a": -x, "=c": x * 1e-7, "z" + s: x * 1e21},
			Langs: map[string]int{s: 1, s + "b": int(x)}, TitleLang: s, Central: x, Evidence: []string{s}}
		checkJSON(t, &st, appendIncidentState)
	})
}

// BenchmarkAppendJSON times encoding an incident, its state and an article as the
// pipeline writes them, by hand and with encoding/json.
func BenchmarkAppendJSON(b *testing.B) {
	var body strings.Builder
	for i := 0; body.Len() < 3800; i++ {
		body.WriteString("这是一段用于基准测试的正文，讲述一件虚构的新闻事件。\n\n")
	}
	w := testArticle(1)
	a := w.Article
	a.Body, a.Signature, a.IncidentID = body.String(), make([]byte, 509), "inc-1"
	vocab := make([]string, 6000)
	for t := range vocab {
		vocab[t] = "词" + string(rune('a'+t%26)) + string(rune(0x4e00+t))
	}
	inc := &newsmon.Incident{ID: "inc-1", Title: a.Title, FirstSeen: t0, LastSeen: t0, Languages: []string{"zh"},
		Sources: []string{"example"}, ArticleIDs: []string{ArticleID(a.URL)}, Keywords: []string{"词", "word"},
		Score: 1.2345678901234567, CentralTitle: a.Title}
	st := shapedState(1, vocab)
	b.Run("incident/hand", func(b *testing.B) { benchJSON(b, inc, appendIncident) })
	b.Run("incident/encoding-json", func(b *testing.B) { benchJSON(b, inc, nil) })
	b.Run("state/hand", func(b *testing.B) { benchJSON(b, &st, appendIncidentState) })
	b.Run("state/encoding-json", func(b *testing.B) { benchJSON(b, &st, nil) })
	b.Run("article/hand", func(b *testing.B) { benchJSON(b, a, appendArticle) })
	b.Run("article/encoding-json", func(b *testing.B) { benchJSON(b, a, nil) })
}

func benchJSON[T any](b *testing.B, v *T, enc jsonEncoder[T]) {
	var w writer
	if enc == nil {
		enc = func([]byte, *T, *[]centroidTerm) ([]byte, bool) { return nil, false }
	}
	for b.Loop() {
		w.arena.reset()
		if _, err := marshal(&w, v, enc); err != nil {
			b.Fatal(err)
		}
	}
}
