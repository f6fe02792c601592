package cluster

import (
	"math"
	"sort"
	"strings"

	"github.com/newsmon/newsmon"
)

// topic is a Topic with its terms and harms analysed into token sets.
type topic struct {
	name         string
	terms, harms []phrase
}

// phrase is one configured term: its lexicon concept (when the whole term is
// an alias) and its plain tokens. It matches text that has the concept or
// all of the plain tokens. key names it in an incident's evidence.
type phrase struct {
	key                    string
	ev                     string // evidenceKey of the phrase in its topic
	concepts, plain        []string
	conceptKeys, plainKeys []uint64 // the tokens' term keys, to look them up in an article
}

func compileTopics(lx *lexicon, topics []newsmon.Topic) []topic {
	out := make([]topic, 0, len(topics))
	for _, t := range topics {
		tp := topic{name: t.Name, terms: compilePhrases(lx, t.Terms), harms: compilePhrases(lx, t.Harms)}
		for i := range tp.terms {
			tp.terms[i].ev = evidenceKey(t.Name, "t", tp.terms[i])
		}
		for i := range tp.harms {
			tp.harms[i].ev = evidenceKey(t.Name, "h", tp.harms[i])
		}
		out = append(out, tp)
	}
	return out
}

// compilePhrases analyses configured terms; terms with the same concepts
// (a term and its translation) count once.
func compilePhrases(lx *lexicon, list []string) []phrase {
	var out []phrase
	seen := map[string]bool{}
	for _, s := range list {
		b := bag{}
		lx.analyze(b, s, 1, isHanDoc(s))
		var p phrase
		if tok, ok := lx.alias(s); ok {
			// The whole term is a lexicon alias: its translations match too.
			p.concepts = []string{tok}
		}
		for k := range b {
			if !strings.HasPrefix(k, conceptPrefix) && !strings.HasPrefix(k, namePrefix) {
				p.plain = append(p.plain, k)
			}
		}
		sort.Strings(p.concepts)
		sort.Strings(p.plain)
		key := strings.Join(p.concepts, " ")
		if key == "" {
			key = strings.Join(p.plain, " ")
		}
		if key != "" && !seen[key] {
			seen[key] = true
			p.key = key
			for _, t := range p.concepts {
				p.conceptKeys = append(p.conceptKeys, termKey(t))
			}
			for _, t := range p.plain {
				p.plainKeys = append(p.plainKeys, termKey(t))
			}
			out = append(out, p)
		}
	}
	return out
}

func (p phrase) in(set tokens) bool {
	return allIn(p.concepts, set) || allIn(p.plain, set)
}

func allIn(keys []string, set tokens) bool {
	if len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		if !set.has(k) {
			return false
		}
	}
	return true
}

// inArticle reports whether the article whose terms are in acc has the
// phrase.
func (p phrase) inArticle(acc *termAcc) bool {
	return allKeysIn(p.conceptKeys, acc) || allKeysIn(p.plainKeys, acc)
}

func allKeysIn(keys []uint64, acc *termAcc) bool {
	if len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		if !acc.has(k) {
			return false
		}
	}
	return true
}

// An incident's topic evidence is the set of topic phrases found in any of
// its articles (their whole analysed text) or in its title, keywords and
// centroid: a union, so it does not depend on the order the articles came
// in, nor on which terms the centroid kept. It is persisted as the keys
// of newsmon.IncidentState.Evidence: "topic:kind:phrase", kind t (a term)
// or h (a harm).
func evidenceKey(topic, kind string, p phrase) string {
	return topic + ":" + kind + ":" + p.key
}

// addEvidence adds to ev the phrases of topics that match: those in the
// article's terms when acc is not nil, and those in set.
func addEvidence(ev map[string]bool, topics []topic, acc *termAcc, set tokens) {
	for _, tp := range topics {
		for _, ps := range [2][]phrase{tp.terms, tp.harms} {
			for _, p := range ps {
				if !ev[p.ev] && ((acc != nil && p.inArticle(acc)) || p.in(set)) {
					ev[p.ev] = true
				}
			}
		}
	}
}

func countIn(ps []phrase, ev map[string]bool) int {
	n := 0
	for _, p := range ps {
		if ev[p.ev] {
			n++
		}
	}
	return n
}

// scoreTopics scores an incident's evidence against each topic.
//
// For a topic with t of its terms and h of its harms in the evidence (a
// term is present when its lexicon concept, or all of its words or bigrams,
// are), the topic scores (1 - 2^-t) · (1 - 2^-h): zero unless the incident
// has both a term and a harm, 0.25 for one of each, approaching 1 as more
// match. The incident's score is its best topic's; matched lists the topics
// scoring above zero and at least minScore, best first (ties by name).
func scoreTopics(topics []topic, ev map[string]bool, minScore float64) (float64, []string) {
	type hit struct {
		name  string
		score float64
	}
	var hits []hit
	for _, tp := range topics {
		t, h := countIn(tp.terms, ev), countIn(tp.harms, ev)
		s := (1 - math.Pow(2, -float64(t))) * (1 - math.Pow(2, -float64(h)))
		if s > 0 {
			hits = append(hits, hit{tp.name, s})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].name < hits[j].name
	})
	var names []string
	best := 0.0
	for _, h := range hits {
		if h.score >= minScore {
			names = append(names, h.name)
		}
		best = max(best, h.score)
	}
	return best, names
}

// tokens is what topics are matched against: the centroid terms (not its
// "=" meta keys) and the tokens of the title and keywords.
type tokens struct {
	terms map[uint64]float64 // by term key
	text  bag
}

func (t tokens) has(k string) bool {
	if _, ok := t.terms[termKey(k)]; ok && !strings.HasPrefix(k, "=") {
		return true
	}
	_, ok := t.text[k]
	return ok
}

// analyzeTitle puts the tokens of the incident's title and keywords in b.
func (a *analyzer) analyzeTitle(b bag, inc newsmon.Incident) {
	text := inc.Title + "\n" + strings.Join(inc.Keywords, "\n")
	a.analyze(b, text, 1, isHanDoc(text))
}

// tokens returns in's tokens; they hold scratch space until the next call.
func (c *Clusterer) tokens(in *incident) tokens {
	clear(c.titleBag)
	c.titleAn.analyzeTitle(c.titleBag, in.inc)
	return tokens{in.terms, c.titleBag}
}

// Score scores an incident against topics (see scoreTopics for the formula)
// and returns the score and the names of the matching topics, best first,
// from what its title and keywords show. (The clusterer scores its
// incidents on the evidence of all their articles.)
func Score(inc newsmon.Incident, topics []newsmon.Topic) (score float64, matched []string) {
	lx := loadLexicon()
	b := bag{}
	(&analyzer{lx: lx}).analyzeTitle(b, inc)
	ev := map[string]bool{}
	compiled := compileTopics(lx, topics)
	addEvidence(ev, compiled, nil, tokens{text: b})
	return scoreTopics(compiled, ev, 0)
}
