package cluster

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/fakeweb"
	"github.com/newsmon/newsmon/internal/hanzi"
)

var t0 = time.Date(2020, 5, 1, 8, 0, 0, 0, time.UTC)

func art(id, lang, src, title, body string, h int) newsmon.Article {
	return newsmon.Article{ID: id, Lang: lang, Source: src, Title: title, Body: body, Published: t0.Add(time.Duration(h) * time.Hour)}
}

// Our own short reports: two Xiaomi privacy reports (en, zh), a Chinese
// earthquake report and its English counterpart, and unrelated news.
var (
	xiaomiEN = art("x-en", "en", "techwire", "Xiaomi phones record browsing in incognito mode, researcher finds",
		"A security researcher says Xiaomi phones and the Mi browser send the websites users visit to remote servers, even in incognito mode.\n\nXiaomi says the data is anonymised.", 0)
	xiaomiEN2 = art("x-en2", "en", "dailybyte", "Researcher: Xiaomi browser sends private browsing data to servers",
		"Xiaomi's Mi browser collects the pages a user opens in incognito mode and sends them to servers, a security researcher told reporters.", 3)
	xiaomiZH = art("x-zh", "zh", "cnbeta", "安全研究员称小米手机在无痕模式下仍收集用户浏览数据",
		"一名安全研究员发现，小米手机和小米浏览器即使在无痕模式下也会把用户访问的网址发送到远程服务器。小米回应称数据已匿名处理。", 5)
	quakeZH = art("q-zh", "zh", "sina", "智利北部发生7.1级地震 暂无人员伤亡报告",
		"当地时间周三凌晨，智利北部沿海发生7.1级地震，震源深度约40公里。智利政府表示暂未收到人员伤亡报告。", 6)
	quakeEN = art("q-en", "en", "wirenews", "Magnitude 7.1 earthquake strikes northern Chile",
		"A magnitude 7.1 earthquake struck off the coast of northern Chile early on Wednesday, the government said, with no immediate reports of casualties.", 7)
	football = art("f-en", "en", "sportsdesk", "Local club wins the cup final after penalty shootout",
		"The home side lifted the trophy after a tense penalty shootout in front of a sold-out stadium.", 8)
	budget = art("b-zh", "zh", "sina", "地方财政预算草案提交审议 教育支出增加",
		"市财政局今天把明年预算草案提交人大常委会审议，其中教育和养老支出比今年增加。", 9)
)

func TestAnalyze(t *testing.T) {
	lx := loadLexicon()
	tests := []struct {
		name   string
		text   string
		want   []string
		absent []string
	}{
		{"han bigrams and concept", "小米手机", []string{"小米", "米手", "手机", "~xiaomi", "~smartphone"}, nil},
		{"traditional folds to simplified", "颱風襲擊臺灣", []string{"台风", "~typhoon", "~taiwan", "袭击"}, []string{"颱風"}},
		{"english concepts and plurals", "Earthquakes hit Turkey", []string{"earthquake", "~earthquake", "~turkey", "hit"}, nil},
		{"stop words dropped", "The president of the club", []string{"~president", "club"}, []string{"the", "of", "^club"}},
		{"acronym case matters", "WHO warns who", []string{"~who", "warn"}, nil},
		{"dotted acronym", "U.S. sanctions", []string{"~usa", "~sanction"}, nil},
		{"numbers", "地震造成2022年最多伤亡 at least 45 dead", []string{"#2022", "#45", "~dead"}, nil},
		{"latin names in han text are names", "小米MIUI系统", []string{"miui", "^miui", "~xiaomi"}, nil},
		{"capitalised words are names in latin text", "Meeting in Valparaiso", []string{"^valparaiso", "^meeting"}, []string{"^in"}},
		{"concept words are not names", "Russia", []string{"~russia", "russia"}, []string{"^russia"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bag{}
			lx.analyze(b, tt.text, 1, isHanDoc(tt.text))
			for _, k := range tt.want {
				if b[k] == 0 {
					t.Errorf("term %q missing from %v", k, slices.Sorted(maps.Keys(b)))
				}
			}
			for _, k := range tt.absent {
				if b[k] != 0 {
					t.Errorf("term %q present in %v", k, slices.Sorted(maps.Keys(b)))
				}
			}
		})
	}
}

// groups runs articles through a fresh clusterer and returns, for each
// article, the index of the first article of its incident.
func groups(t *testing.T, opts Options, arts []newsmon.Article) []int {
	t.Helper()
	c := New(opts)
	first := map[string]int{}
	var out []int
	for i, a := range arts {
		inc := mustAdd(t, c, a)
		if terms, _, _ := c.DocFreqChanges(); len(terms) == 0 {
			t.Fatalf("article %s: no terms", a.ID)
		}
		if _, ok := first[inc.ID]; !ok {
			first[inc.ID] = i
		}
		out = append(out, first[inc.ID])
	}
	return out
}

func TestJoinAndOpen(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		arts []newsmon.Article
		want []int
	}{
		{"same story joins", Options{}, []newsmon.Article{xiaomiEN, xiaomiEN2}, []int{0, 0}},
		{"unrelated stories open incidents", Options{}, []newsmon.Article{xiaomiEN, football, budget}, []int{0, 1, 2}},
		{"zh joins en via lexicon and names", Options{}, []newsmon.Article{xiaomiEN, football, xiaomiZH}, []int{0, 1, 0}},
		{"en joins zh via concepts and numbers", Options{}, []newsmon.Article{quakeZH, budget, quakeEN}, []int{0, 1, 0}},
		{"mixed stream", Options{}, []newsmon.Article{xiaomiEN, quakeZH, football, xiaomiZH, budget, quakeEN, xiaomiEN2},
			[]int{0, 1, 2, 0, 4, 1, 0}},
		{"a strict threshold keeps languages apart", Options{Threshold: 0.95}, []newsmon.Article{xiaomiEN, xiaomiZH}, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := groups(t, tt.opts, tt.arts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("groups = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWindowExpiry(t *testing.T) {
	late := xiaomiEN2
	late.Published = xiaomiEN.Published.Add(9 * 24 * time.Hour)
	undated := xiaomiEN2
	undated.ID, undated.Published = "x-undated", time.Time{}
	fetched := xiaomiEN2
	fetched.ID, fetched.Published, fetched.FetchedAt = "x-fetched", time.Time{}, xiaomiEN.Published.Add(30*24*time.Hour)
	tests := []struct {
		name string
		opts Options
		arts []newsmon.Article
		want []int
	}{
		{"within the window", Options{Window: 48 * time.Hour}, []newsmon.Article{xiaomiEN, xiaomiEN2}, []int{0, 0}},
		{"after the default window", Options{}, []newsmon.Article{xiaomiEN, late}, []int{0, 1}},
		{"a longer window keeps it open", Options{Window: 10 * 24 * time.Hour}, []newsmon.Article{xiaomiEN, late}, []int{0, 0}},
		{"an article without any time has none to join", Options{}, []newsmon.Article{xiaomiEN, undated}, []int{0, 1}},
		{"FetchedAt when Published is unknown", Options{}, []newsmon.Article{xiaomiEN, fetched}, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := groups(t, tt.opts, tt.arts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("groups = %v, want %v", got, tt.want)
			}
		})
	}
}

// Splitting the stream into batches, with a fresh clusterer restored from
// what was persisted before each batch, gives the same incidents as one run.
func TestDeterministicAcrossBatches(t *testing.T) {
	s := newSynth(3)
	s.step = 10 * time.Minute
	var arts []newsmon.Article
	for range 400 {
		arts = append(arts, s.next())
	}
	arts = append(arts, xiaomiEN, quakeZH, xiaomiZH, quakeEN, budget)

	run := func(splits []int) map[string]Snapshot {
		st := newMemStore()
		c := st.open(Options{})
		for i, a := range arts {
			if slices.Contains(splits, i) {
				st.sync(c)
				c = st.open(Options{})
			}
			mustAdd(t, c, a)
		}
		st.sync(c)
		return st.incidents
	}
	one := run(nil)
	if len(one) < 50 || len(one) > 300 {
		t.Fatalf("%d incidents from 405 articles: the synthetic stream should cluster", len(one))
	}
	for _, splits := range [][]int{{1}, {100, 200, 300}, {7, 8, 9, 10, 399, 402}} {
		got := run(splits)
		if !reflect.DeepEqual(got, one) {
			for id, inc := range one {
				if !reflect.DeepEqual(got[id], inc) {
					t.Fatalf("splits %v: incident %s differs:\n got  %+v\n want %+v", splits, id, got[id], inc)
				}
			}
			t.Fatalf("splits %v: %d incidents, want %d", splits, len(got), len(one))
		}
	}
	// Same input, same ids.
	if again := run(nil); !reflect.DeepEqual(slices.Sorted(maps.Keys(again)), slices.Sorted(maps.Keys(one))) {
		t.Error("incident ids differ between identical runs")
	}
}

func TestIncidentFields(t *testing.T) {
	c := New(Options{})
	mustAdd(t, c, xiaomiEN)
	mustAdd(t, c, xiaomiZH)
	inc := mustAdd(t, c, xiaomiEN2)
	want := newsmon.Incident{
		ID:         IncidentID("x-en"),
		FirstSeen:  xiaomiEN.Published,
		LastSeen:   xiaomiZH.Published,
		Languages:  []string{"en", "zh"},
		Sources:    []string{"cnbeta", "dailybyte", "techwire"},
		ArticleIDs: []string{"x-en", "x-zh", "x-en2"},
	}
	got := newsmon.Incident{ID: inc.ID, FirstSeen: inc.FirstSeen, LastSeen: inc.LastSeen,
		Languages: inc.Languages, Sources: inc.Sources, ArticleIDs: inc.ArticleIDs}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("incident = %+v\nwant %+v", got, want)
	}
	if inc.Title != xiaomiEN.Title && inc.Title != xiaomiEN2.Title {
		t.Errorf("title %q: want an English title (English is the majority)", inc.Title)
	}
	if !slices.Contains(inc.Keywords, "xiaomi") {
		t.Errorf("keywords %v lack xiaomi", inc.Keywords)
	}
	st := c.active[inc.ID].snapshot(c.text).State
	if st.Langs["en"] != 2 || st.Langs["zh"] != 1 || len(st.Terms) > centroidTerms || len(st.Terms) == 0 {
		t.Errorf("state: languages %v, %d terms", st.Langs, len(st.Terms))
	}
}

func TestTitleLanguage(t *testing.T) {
	zh2 := xiaomiZH
	zh2.ID, zh2.Source, zh2.Title = "x-zh2", "sina", "小米浏览器被指在无痕模式下上传用户浏览记录"
	tests := []struct {
		name string
		arts []newsmon.Article
		want string // language of the title
	}{
		{"tie goes to English", []newsmon.Article{xiaomiZH, xiaomiEN}, "en"},
		{"Chinese majority", []newsmon.Article{xiaomiEN, xiaomiZH, zh2}, "zh"},
		{"single article", []newsmon.Article{xiaomiZH}, "zh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{})
			var inc newsmon.Incident
			for _, a := range tt.arts {
				inc = mustAdd(t, c, a)
			}
			if len(inc.ArticleIDs) != len(tt.arts) {
				t.Fatalf("articles split: %v", inc.ArticleIDs)
			}
			if got := map[bool]string{true: "zh", false: "en"}[isHanDoc(inc.Title)]; got != tt.want {
				t.Errorf("title %q in %s, want %s", inc.Title, got, tt.want)
			}
		})
	}
}

func TestScore(t *testing.T) {
	ai := newsmon.Topic{Name: "ai-incidents",
		Terms: []string{"AI", "人工智能", "algorithm", "facial recognition", "browser", "smartphone"},
		Harms: []string{"privacy", "隐私", "leak", "incognito", "injury"}}
	recall := newsmon.Topic{Name: "recalls", Terms: []string{"recall", "召回"}, Harms: []string{"injury", "fire"}}
	// Incidents the clusterer made are scored by Add on the evidence of
	// their articles' whole analysed text.
	for _, tt := range []struct {
		name      string
		art       newsmon.Article
		topics    []newsmon.Topic
		minScore  float64
		wantScore float64
		want      []string
	}{
		// browser, smartphone; incognito, privacy(no: not in text) -> terms 2, harms 1
		{"english report", xiaomiEN, []newsmon.Topic{ai, recall}, 0, 0.75 * 0.5, []string{"ai-incidents"}},
		{"chinese report matches through the lexicon", xiaomiZH, []newsmon.Topic{ai, recall}, 0, 0.75 * 0.5, []string{"ai-incidents"}},
		{"terms without harms score zero", quakeEN, []newsmon.Topic{ai}, 0, 0, nil},
		{"no topics", xiaomiEN, nil, 0, 0, nil},
		{"min score keeps the score, drops the topic", xiaomiEN, []newsmon.Topic{ai}, 0.5, 0.75 * 0.5, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inc := mustAdd(t, New(Options{Topics: tt.topics, MinScore: tt.minScore}), tt.art)
			if inc.Score != tt.wantScore || !reflect.DeepEqual(inc.Topics, tt.want) {
				t.Errorf("Add scored %v %v, want %v %v", inc.Score, inc.Topics, tt.wantScore, tt.want)
			}
		})
	}
	tests := []struct {
		name      string
		inc       newsmon.Incident
		topics    []newsmon.Topic
		wantScore float64
		want      []string
	}{
		{"title and keywords alone", newsmon.Incident{Title: "Facial recognition algorithm leaks faces"}, []newsmon.Topic{ai, recall},
			0.75 * 0.5, []string{"ai-incidents"}},
		{"a multi-word term needs all its words", newsmon.Incident{Title: "New data privacy rules"},
			[]newsmon.Topic{{Name: "dc", Terms: []string{"data collection"}, Harms: []string{"privacy"}}}, 0, nil},
		{"a multi-word term matches whole", newsmon.Incident{Title: "Data collection raises privacy fears"},
			[]newsmon.Topic{{Name: "dc", Terms: []string{"data collection"}, Harms: []string{"privacy"}}}, 0.25, []string{"dc"}},
		{"two topics, best first", newsmon.Incident{Title: "Car maker recalls AI robot after fire and injury reports"},
			[]newsmon.Topic{recall, ai}, 0.5 * 0.75, []string{"recalls", "ai-incidents"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			score, matched := Score(tt.inc, tt.topics)
			if score != tt.wantScore || !reflect.DeepEqual(matched, tt.want) {
				t.Errorf("Score = %v %v, want %v %v", score, matched, tt.wantScore, tt.want)
			}
		})
	}
}

// The lexicon is data: every line parses, every concept keeps an alias that
// survives normalisation, and no alias means two concepts.
func TestLexiconData(t *testing.T) {
	lx := loadLexicon()
	owner := map[string]string{}
	seen := map[string]bool{}
	forLines(lexiconData, func(line string) {
		name, aliases, ok := strings.Cut(line, ":")
		if !ok {
			t.Errorf("line %q: no colon", line)
			return
		}
		tok := conceptPrefix + strings.TrimSpace(name)
		if seen[tok] {
			t.Errorf("concept %s defined twice", tok)
		}
		seen[tok] = true
		kept := 0
		for _, a := range strings.Split(aliases, ",") {
			a = strings.TrimSpace(a)
			b := bag{}
			lx.analyze(b, a, 1, isHanDoc(a))
			if b[tok] > 0 {
				kept++
			}
			key := strings.ToLower(hanzi.FoldString(a))
			if prev, ok := owner[key]; ok && prev != tok {
				t.Errorf("alias %q in %s and %s", a, prev, tok)
			}
			owner[key] = tok
		}
		if kept == 0 {
			t.Errorf("concept %s: no alias yields it", tok)
		}
	})
	if len(seen) < 300 {
		t.Errorf("%d concepts: lexicon did not load", len(seen))
	}
}

func TestAddOddArticles(t *testing.T) {
	c := New(Options{})
	empty := mustAdd(t, c, newsmon.Article{ID: "empty"})
	if terms, _, _ := c.DocFreqChanges(); len(terms) != 0 || empty.ID != IncidentID("empty") || len(empty.ArticleIDs) != 1 {
		t.Errorf("empty article: %+v, terms %v", empty, terms)
	}
	noID := mustAdd(t, c, newsmon.Article{Title: "Untitled note about a harbour", URL: "https://example.org/n"})
	if noID.ID == "" || noID.ID == empty.ID {
		t.Errorf("article without id: incident id %q", noID.ID)
	}
	// An empty article is never joined by a later one.
	other := mustAdd(t, c, newsmon.Article{ID: "other", Title: "Harbour note"})
	if other.ID == empty.ID {
		t.Error("joined the empty article's incident")
	}
}

func TestNorms(t *testing.T) {
	tests := []struct {
		name          string
		terms         map[string]float64
		norm, normTrn float64
	}{
		{"small weights in fixed point", map[string]float64{"a": 0.6, "~b": 0.8}, 1, 0.8},
		{"large weights in floating point", map[string]float64{"a": 30000, "#7": 40000}, 50000, 40000},
		{"empty", map[string]float64{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &incident{terms: map[uint64]float64{}}
			for s, w := range tt.terms {
				in.terms[termKey(s)] = w
			}
			in.norms()
			if math.Abs(in.norm-tt.norm) > 1e-6*max(1, tt.norm) || math.Abs(in.normX-tt.normTrn) > 1e-6*max(1, tt.normTrn) {
				t.Errorf("norms = %v, %v; want %v, %v", in.norm, in.normX, tt.norm, tt.normTrn)
			}
		})
	}
}

// A term's key says whether it is translingual, as its text does.
func TestCrossKey(t *testing.T) {
	for _, s := range []string{"~earthquake", "#2026", "^xiaomi", "earthquake", "2026", "地震", "ab~", ""} {
		if got, want := crossKey(termKey(s)), translingual(s); got != want {
			t.Errorf("crossKey(termKey(%q)) = %v, want %v", s, got, want)
		}
	}
}

// Restore tells bigram terms (counted by key) from the others by their form.
func TestIsBigram(t *testing.T) {
	tests := []struct {
		term string
		want bool
	}{
		{"地震", true},
		{"ภาษ", false}, // three runes
		{"ภา", true},
		{"地", false},
		{"地震局", false},
		{"ab", false},
		{"~earthquake", false},
		{"#2022", false},
		{"地a", false},
		{"", false},
	}
	for _, tt := range tests {
		k, ok := isBigram(tt.term)
		if ok != tt.want {
			t.Errorf("isBigram(%q) = %v, want %v", tt.term, ok, tt.want)
		}
		if ok && string(appendBigram(nil, k)) != tt.term {
			t.Errorf("bigram %q comes back as %q", tt.term, appendBigram(nil, k))
		}
	}
}

// The body is analysed as its lead and at most restBytes more: a long Han
// body is cut on a character boundary, and text past the cut is ignored.
func TestSplitLead(t *testing.T) {
	para := strings.Repeat("港口扩建工程今天开工。", 50) // 500 characters, 1,500 bytes
	tests := []struct {
		name           string
		body           string
		lead, restHead string // the lead; how rest starts
		restLen        int
	}{
		{"short body is all lead", "One paragraph only.", "One paragraph only.", "", 0},
		{"lead ends at a paragraph break", para + "\n\n" + para + para + para, para, "\n\n港口", restBytes},
		{"Latin rest cut in bytes", strings.Repeat("x", leadRunes) + strings.Repeat("y", 3*restBytes),
			strings.Repeat("x", leadRunes), "yyy", restBytes},
		{"Han rest cut on a character", strings.Repeat("港", leadRunes) + "a" + strings.Repeat("港", restBytes),
			strings.Repeat("港", leadRunes), "a港", restBytes - (restBytes-1)%3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lead, rest := splitLead(tt.body)
			if lead != tt.lead || !strings.HasPrefix(rest, tt.restHead) || len(rest) != tt.restLen {
				t.Errorf("splitLead: lead %d bytes, rest %d bytes starting %.12q; want lead %d bytes, rest %d starting %q",
					len(lead), len(rest), rest, len(tt.lead), tt.restLen, tt.restHead)
			}
			if !strings.HasPrefix(tt.body, lead+rest) || !utf8.ValidString(rest) {
				t.Errorf("lead+rest is not a valid prefix of the body")
			}
		})
	}
}

func TestHeaviestIsTheTopOfTheSortedTerms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Words sharing their first 8 bytes, bigrams, single characters: ties
	// in weight are broken by the text, through the head or the text itself.
	texts := []string{"internationale", "international", "internet", "inter", "地震", "地铁", "震", "^xiaomi", "#2026", "~earthquake", "𠀀𠀁", "ab", "a"}
	for n := range 2000 {
		c := New(Options{})
		c.acc.reset()
		var want []term
		for i := range rng.IntN(300) {
			s := fmt.Sprint(texts[rng.IntN(len(texts))], i)
			if rng.IntN(3) == 0 {
				s = string([]rune{0x4e00 + rune(rng.IntN(300)), 0x4e00 + rune(i)})
			}
			w := float64(rng.IntN(5)) // few distinct weights: many ties
			if k, ok := isBigram(s); ok {
				c.acc.add(k, "", w)
			} else {
				c.acc.add(wordKey(s), s, w)
			}
			want = append(want, term{s, termKey(s), w})
		}
		var cands []cand
		for p := range c.acc.keys {
			cands = append(cands, cand{w: c.acc.tf[p], p: int32(p)})
		}
		k := 1 + rng.IntN(70)
		slices.SortFunc(want, byWeight)
		want = want[:min(k, len(want))]
		var got []term
		for _, cd := range c.heaviest(cands, k) {
			got = append(got, term{c.acc.text(cd.p), c.acc.keys[cd.p], cd.w})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("case %d (k %d): got %v, want %v", n, k, got, want)
		}
	}
}

// bigramScript's quick answers agree with the Unicode tables.
func TestBigramScriptRanges(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		want := unicode.In(r, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar,
			unicode.Hiragana, unicode.Katakana, unicode.Tibetan)
		if got := bigramScript(r); got != want {
			t.Fatalf("bigramScript(%U) = %v, want %v", r, got, want)
		}
	}
}

// An incident's topics do not depend on the order its reports arrive in
// (nor on which terms its centroid kept): every order of the shared reports
// gives the same incidents under the same topics.
func TestTopicsDoNotDependOnOrder(t *testing.T) {
	day := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	var arts []newsmon.Article
	for i, r := range fakeweb.Reports {
		arts = append(arts, newsmon.Article{ID: r.Path, Source: "fakenews", Lang: r.Lang, Title: r.Title,
			Body: strings.Join(r.Paragraphs, "\n\n"), Published: day.Add(time.Duration(i) * time.Hour)})
	}
	topics := config.Default().Topics
	// outcome lists, per article, its incident's articles and topics.
	outcome := func(order []int) string {
		c := New(Options{Topics: topics})
		last := map[string]newsmon.Incident{}
		for _, i := range order {
			inc := mustAdd(t, c, arts[i])
			last[inc.ID] = inc
		}
		var lines []string
		for _, inc := range last {
			ids := slices.Sorted(slices.Values(inc.ArticleIDs))
			lines = append(lines, fmt.Sprint(ids, inc.Topics))
		}
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	var order []int
	for i := range arts {
		order = append(order, i)
	}
	want := outcome(order)
	if n := strings.Count(want, "ai-incidents"); n != 2 {
		t.Fatalf("%d incidents under ai-incidents in the reports' order, want 2:\n%s", n, want)
	}
	var permute func(k int)
	permute = func(k int) {
		if k == len(order) {
			if got := outcome(order); got != want {
				t.Fatalf("order %v:\n%s\nwant\n%s", order, got, want)
			}
			return
		}
		for i := k; i < len(order); i++ {
			order[k], order[i] = order[i], order[k]
			permute(k + 1)
			order[k], order[i] = order[i], order[k]
		}
	}
	permute(0)
}

// TestCopyCountsInItsIncident: the text of a copy folded into an article
// counts in the centroid of that article's incident, and its time in the
// incident's span, whether the article is in the same batch (Of) or was
// clustered before (Incident); the copy is no member: the incident's
// articles, languages and sources stay as they are. A copy of an incident
// not to be found is left out.
func TestCopyCountsInItsIncident(t *testing.T) {
	copyOf := func(a newsmon.Article, id, extra string, h int) newsmon.Article {
		a.ID, a.Source = id, "mirror"
		a.Title += " " + extra
		a.Published = a.Published.Add(time.Duration(h) * time.Hour)
		return a
	}
	first := copyOf(xiaomiEN, "x-en-copy1", "Zanzibarian", 1)
	second := copyOf(xiaomiEN, "x-en-copy2", "Quetzalcoatl", 2)
	type step struct {
		arts   []newsmon.Article
		copies func(incident string) []Copy
		want   []string  // terms the incident's centroid gains
		last   time.Time // the incident's last time after the step
	}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"same batch", []step{{[]newsmon.Article{xiaomiEN, football}, func(string) []Copy { return []Copy{{Article: first, Of: xiaomiEN.ID}} }, []string{"zanzibarian"}, first.Published}}},
		{"later batches", []step{
			{[]newsmon.Article{xiaomiEN, football}, func(string) []Copy { return nil }, nil, xiaomiEN.Published},
			{nil, func(inc string) []Copy { return []Copy{{Article: first, Incident: inc}} }, []string{"zanzibarian"}, first.Published},
			{[]newsmon.Article{quakeEN}, func(inc string) []Copy {
				return []Copy{{Article: second, Incident: inc}, {Article: first, Incident: "inc-unknown"}}
			}, []string{"quetzalcoatl"}, second.Published},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newMemStore()
			c := s.open(Options{})
			plain := New(Options{}) // the same articles without the copies
			inc := ""
			for i, st := range tt.steps {
				ids, err := c.AddBatch(st.arts, st.copies(inc)...)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := plain.AddBatch(st.arts); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					inc = ids[0]
				}
				ch := s.sync(c)
				var got *Snapshot
				for j := range ch.Incidents {
					if ch.Incidents[j].Incident.ID == inc {
						got = &ch.Incidents[j]
					}
				}
				if len(st.want) == 0 {
					continue
				}
				if got == nil {
					t.Fatalf("step %d: incident %s not among the changes", i, inc)
				}
				for _, k := range st.want {
					if _, ok := got.State.Terms[k]; !ok {
						t.Errorf("step %d: centroid lacks the copy's term %q", i, k)
					}
				}
				want, _ := plain.Incident(inc)
				g := got.Incident
				if !slices.Equal(g.ArticleIDs, want.ArticleIDs) || !slices.Equal(g.Sources, want.Sources) || !slices.Equal(g.Languages, want.Languages) {
					t.Errorf("step %d: the copy changed the incident's members:\n got  %+v\n want %+v", i, g, want)
				}
				if !g.FirstSeen.Equal(want.FirstSeen) || !g.LastSeen.Equal(st.last) {
					t.Errorf("step %d: span %v..%v, want %v..%v", i, g.FirstSeen, g.LastSeen, want.FirstSeen, st.last)
				}
			}
		})
	}
}
