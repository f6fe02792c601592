// Package cluster groups articles into candidate incidents, incrementally and
// across languages, and scores incidents against topics. It is pure: no I/O,
// no logging. The caller persists what Add returns (the incident) and what
// DocFreqChanges returns (document frequencies), and hands them back with
// Restore.
//
// Method (single-pass streaming clustering in the manner of Miranda et al.
// 2018): each article becomes a TF-IDF vector (title weighted above the lead,
// the lead above the rest of the body; Han text as character bigrams after
// traditional-to-simplified folding; other text as words without stop words;
// document frequencies grow with the corpus). It is compared with the
// centroids of the incidents still open (last article within Options.Window
// of the article's time), found through an inverted index over their
// centroid terms. Similarity is the larger of the cosine over all terms and,
// for evidence that survives translation, a discounted cosine over the
// translingual terms only: lexicon concepts (小米 and Xiaomi both give
// "~xiaomi"), numbers, and Latin names. The article joins the most similar
// incident when that reaches Options.Threshold, else it opens a new one.
// Consolidate merges, after each batch, incidents that now say they are one
// event; Settle, at the end of a crawl (and every so many articles),
// regroups each changed incident with its nearest neighbours as their
// articles would be grouped arriving in time order with today's document
// frequencies (settle.go), so that the grouping does not depend on the
// order the articles came in.
package cluster

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsmon/newsmon"
)

// Defaults for zero Options fields.
const (
	DefaultWindow         = 168 * time.Hour
	DefaultThreshold      = 0.20
	DefaultMergeThreshold = 0.30
	DefaultMaxOpen        = newsmon.DefaultMaxOpen
)

// Tuning constants (one set for all data; see docs/benchmarks.md).
const (
	titleWeight   = 3.0
	leadWeight    = 2.0
	bodyWeight    = 1.0
	leadRunes     = 600  // the lead: this much of the body's start
	restBytes     = 2000 // the body after the lead: this many bytes of UTF-8 are analysed, the rest ignored
	articleTerms  = 64   // terms kept in an article vector
	centroidTerms = 100  // terms kept in an incident centroid (newsmon.IncidentState.Terms)
	probeTerms    = 24   // an article's heaviest terms used to find candidates
	minPosting    = 256  // a term in more open incidents than this and than
	postingShare  = 8    // 1/postingShare of them is not used to find candidates
	maxCandidates = 16   // candidates scored exactly
	minPartial    = 0.25 // ... if their similarity over the probe terms reaches this share of the threshold
	crossDiscount = 0.8  // weight of the translingual cosine
	minCrossTerms = 2    // translingual terms shared before the translingual cosine counts
	shortBoost    = 0.20 // the threshold's rise for a text of almost no terms (see joinThreshold)
	keywordCount  = 10
)

// Options configure a Clusterer.
type Options struct {
	Window         time.Duration // an article may join an incident whose span it comes within this of (0: DefaultWindow)
	Threshold      float64       // similarity needed to join an incident (0: DefaultThreshold)
	MergeThreshold float64       // centroid similarity at which Consolidate merges two incidents (0: DefaultMergeThreshold)
	Topics         []newsmon.Topic
	MinScore       float64 // a topic is listed for an incident when its score reaches this (0: any score above zero)
	// MaxOpen is the budget of incidents held in memory (0: DefaultMaxOpen).
	// Past it the least recently used are dropped, to be found again through
	// Store when an article of their time comes. Without a Store nothing is
	// dropped.
	MaxOpen int
	Store   Loader
	// Review, when not nil, answers for a reviewer's decisions: no article
	// joins, and Consolidate merges into no incident, that it refuses.
	Review Review
}

// Review is what the clusterer asks of a reviewer's decisions (the
// review log): whether an article may not be part of an incident, because
// a reviewer moved it out. Ids are as the clusterer knows them; the
// implementation resolves them through persisted merges.
type Review interface {
	Refuses(incidentID, articleID string) bool
	// Reviewed reports whether a reviewer decided anything about the
	// incident (a status, a note, a merge): Settle leaves it as it is.
	Reviewed(incidentID string) bool
}

// Clusterer assigns articles to incidents. It is not safe for concurrent use.
type Clusterer struct {
	opts     Options
	lx       *lexicon
	topics   []topic
	vocab    *vocab // document frequencies
	docs     int
	active   map[string]*incident // the incidents in memory
	posting  map[uint64][]posting // term (its key) -> incidents in memory with its centroid weight
	loaded   map[int64]bool       // days (dayOf) whose stored incidents are all in memory
	dayUse   map[int64]uint64     // days (dayOf) asked for: use when last asked for (ensure)
	asked    uint64               // use of the last ensure: its window's incidents are not evicted
	dirty    map[*incident]bool   // changed since the last Changes: not to be dropped from memory
	pending  map[*incident]span   // changed since the last Consolidate, and the times of the changes
	merges   []Merge              // since the last Changes
	alias    map[string]string    // merged-away id -> the incident it went into, since the last Changes
	use      uint64               // a counter of uses, for least-recently-used eviction
	acc      termAcc              // scratch: the article's term frequencies
	idfMemo  [512]float64         // scratch: idf by document frequency for the current docs (0: not yet)
	cands    []cand               // scratch: the article's weighted terms
	weights  []float64            // scratch: their weights, for heaviest
	round    uint64               // scratch of best: its calls
	touched  []*incident          // scratch of best: the incidents found
	had      []bool               // scratch of join: which article terms the centroid had
	an       analyzer             // scratch buffers of analyze
	titleAn  analyzer             // the same for incident titles, into titleBag
	titleBag bag

	// Settle's: the incidents changed since it last ran and the times of
	// the changes (by id: an incident may be dropped from memory
	// meanwhile), the texts of the articles added since (when the Store
	// cannot read them back), the near copies counted in each incident in
	// memory, and the articles it moved since the last Changes.
	unsettled map[string]span
	texts     map[string]newsmon.Article
	sketches  map[string]kept   // for Settle: of the articles of the incidents in memory (keepSketch)
	now       map[string]sketch // during Settle: sketches weighted with today's document frequencies
	copies    map[string][]newsmon.Article
	moves     []Move
}

// incident is the in-memory state of an incident.
type incident struct {
	inc   newsmon.Incident
	terms map[uint64]float64 // centroid term weights, by term key (vocab)
	norm  float64            // |terms|
	normX float64            // |translingual terms|
	langs map[string]int     // articles per language
	tlang string             // Title's language
	score float64            // centrality of Title's article (-1: no title yet)
	// evidence holds the topic phrases found in the incident (evidenceKey).
	evidence map[string]bool
	used     uint64 // Clusterer.use when last used
	weighed  int    // documents counted when the oldest of terms' weights were set (0: not known)

	// Scratch of best: the partial dot products with the vector of round.
	round     uint64
	dot, dotX float64
}

// New returns a Clusterer with no history.
func New(opts Options) *Clusterer {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Threshold <= 0 {
		opts.Threshold = DefaultThreshold
	}
	if opts.MergeThreshold <= 0 {
		opts.MergeThreshold = DefaultMergeThreshold
	}
	if opts.MaxOpen <= 0 {
		opts.MaxOpen = DefaultMaxOpen
	}
	lx := loadLexicon()
	c := &Clusterer{
		opts:    opts,
		lx:      lx,
		topics:  compileTopics(lx, opts.Topics),
		vocab:   newVocab(0),
		active:  map[string]*incident{},
		posting: map[uint64][]posting{},
		loaded:  map[int64]bool{},
		dayUse:  map[int64]uint64{},
		dirty:   map[*incident]bool{},
		pending: map[*incident]span{},
		alias:   map[string]string{},

		unsettled: map[string]span{},
		texts:     map[string]newsmon.Article{},
		sketches:  map[string]kept{},
		now:       map[string]sketch{},
		copies:    map[string][]newsmon.Article{},
	}
	c.an = analyzer{lx: lx, acc: &c.acc}
	c.titleAn, c.titleBag = analyzer{lx: lx}, bag{}
	return c
}

// Restore sets the document frequencies (as persisted from earlier
// DocFreqChanges results) and forgets every incident in memory: they are
// found again through Options.Store.
func (c *Clusterer) Restore(df map[string]int, docs int) {
	c.vocab = newVocab(len(df))
	for k, n := range df {
		c.vocab.set(k, n)
	}
	c.docs = docs
	clear(c.idfMemo[:])
	c.active = map[string]*incident{}
	c.posting = map[uint64][]posting{}
	c.loaded = map[int64]bool{}
	c.dayUse = map[int64]uint64{}
	c.dirty = map[*incident]bool{}
	c.pending = map[*incident]span{}
	c.merges, c.alias = nil, map[string]string{}
	c.unsettled, c.copies, c.moves = map[string]span{}, map[string][]newsmon.Article{}, nil
	c.texts, c.sketches = map[string]newsmon.Article{}, map[string]kept{}
}

// norms recomputes the centroid norms. The squares are summed in fixed
// point, which is associative, so the result does not depend on map
// iteration order (and a restored clusterer computes exactly the same).
// Incidents too large for the fixed-point range sum in key order instead.
func (in *incident) norms() {
	var n, x uint64
	big := false
	for k, v := range in.terms {
		sq := v * v
		if sq > fixedMax {
			big = true
			break
		}
		q := uint64(math.Round(sq * fixedOne))
		n += q
		if crossKey(k) {
			x += q
		}
	}
	if !big {
		in.norm, in.normX = math.Sqrt(float64(n)/fixedOne), math.Sqrt(float64(x)/fixedOne)
		return
	}
	var fn, fx float64
	for _, k := range slices.Sorted(maps.Keys(in.terms)) {
		sq := in.terms[k] * in.terms[k]
		fn += sq
		if crossKey(k) {
			fx += sq
		}
	}
	in.norm, in.normX = math.Sqrt(fn), math.Sqrt(fx)
}

// fixedOne is 1 in the fixed-point sums of norms: fine enough for squared
// weights of 1e-6; fixedMax keeps a sum of centroidTerms squares in range.
const (
	fixedOne = 1 << 32
	fixedMax = (1 << 63) / fixedOne / (2 * centroidTerms)
)

// Add assigns article a to an incident, or opens a new one, and returns
// that incident's id. The article may join an incident whose span it comes
// within Options.Window of: its own time (Published, else FetchedAt)
// against that incident's first and last article, whatever else has been
// seen. Call Consolidate when a batch is done.
func (c *Clusterer) Add(a newsmon.Article) (string, error) {
	t := articleTime(a)
	if err := c.ensure(t.Add(-c.opts.Window), t.Add(c.opts.Window)); err != nil {
		return "", err
	}
	vec := c.analyzeArticle(a, true)
	if _, ok := c.opts.Store.(ArticleReader); !ok {
		if len(c.texts) >= c.keep() {
			clear(c.texts) // their neighbourhoods are left as they are
		}
		c.texts[a.ID] = analysed(a)
	}
	c.keepSketch(a.ID, t, vec, c.docs)
	best := c.best(vec, t, a.ID)
	if best == nil {
		best = c.open(a, t)
	}
	c.join(best, a, t, vec)
	c.evict()
	return best.inc.ID, nil
}

// analyzeArticle returns a's vector, first counting its terms in the
// document frequencies if count is set.
func (c *Clusterer) analyzeArticle(a newsmon.Article, count bool) vec {
	lead, rest := splitLead(a.Body)
	hanDoc := isHanDoc(a.Title, lead, rest)
	c.acc.reset()
	c.an.analyze(nil, a.Title, titleWeight, hanDoc)
	if lead == "" {
		lead = a.Description
	}
	c.an.analyze(nil, lead, leadWeight, hanDoc)
	c.an.analyze(nil, rest, bodyWeight, hanDoc)
	return c.vector(count)
}

// Copy is a near copy of an article (its representative) that
// deduplication folded into it instead of storing it as an article of its
// own: another revision of one report, the same story at another outlet.
// Its text counts in the centroid of the representative's incident, and
// its time in the incident's span, though it is not a member. Of two
// near-identical reports, which one came first and was stored depends on
// the order they were fetched in; with the copy counted too, the
// incident's centroid and span are about the same either way, and so is
// what joins it and what it merges with.
type Copy struct {
	Article newsmon.Article // the copy: title, body, time (Published, else FetchedAt), id
	// Of is the representative's article id when it is among the articles
	// of the same AddBatch call; otherwise Incident is the representative's
	// incident (its id as stored; merged ids resolve).
	Of, Incident string
}

// AddBatch adds a batch of articles in a fixed order (by time, then id, so
// that the order they were fetched in does not matter), then the copies
// folded into them or into articles clustered before (in the same order),
// consolidates, and returns each article's incident id after
// consolidation, in the order of arts.
func (c *Clusterer) AddBatch(arts []newsmon.Article, copies ...Copy) ([]string, error) {
	order := make([]int, len(arts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return byTimeAndID(arts[i], arts[j]) })
	ids := make([]string, len(arts))
	pos := make(map[string]int, len(arts))
	for _, i := range order {
		id, err := c.Add(arts[i])
		if err != nil {
			return nil, fmt.Errorf("cluster article %s: %w", arts[i].ID, err)
		}
		ids[i] = id
		pos[arts[i].ID] = i
	}
	copies = slices.Clone(copies)
	slices.SortStableFunc(copies, func(a, b Copy) int { return byTimeAndID(a.Article, b.Article) })
	for _, cp := range copies {
		into := cp.Incident
		if i, ok := pos[cp.Of]; ok && cp.Of != "" {
			into = ids[i]
		}
		if into == "" {
			continue
		}
		if err := c.addCopy(c.Resolve(into), cp.Article); err != nil {
			return nil, fmt.Errorf("cluster copy %s of incident %s: %w", cp.Article.ID, into, err)
		}
	}
	if err := c.Consolidate(); err != nil {
		return nil, err
	}
	for i, id := range ids {
		ids[i] = c.Resolve(id)
	}
	return ids, nil
}

// byTimeAndID orders articles by time (Published, else FetchedAt), then id.
func byTimeAndID(a, b newsmon.Article) int {
	if d := articleTime(a).Compare(articleTime(b)); d != 0 {
		return d
	}
	return strings.Compare(a.ID, b.ID)
}

// addCopy adds the terms of copy a to the centroid of incident id (see
// Copy), and its time to the incident's span: had the copy come first, it
// would have been the member, and the span (which the window is measured
// from) would hold its time. The copy is not a member: the incident's
// articles, languages, sources, title and topics stay as they are. An
// incident that is neither in memory nor found again by the copy's time is
// left alone.
func (c *Clusterer) addCopy(id string, a newsmon.Article) error {
	t := articleTime(a)
	if err := c.ensure(t.Add(-c.opts.Window), t.Add(c.opts.Window)); err != nil {
		return err
	}
	in := c.active[id]
	if in == nil {
		return nil
	}
	if len(c.copies[id]) < settleCopies {
		c.copies[id] = append(c.copies[id], analysed(a))
	}
	c.copyInto(in, a, true)
	return nil
}

// copyInto counts copy a in incident in (and in the document frequencies
// if count is set).
func (c *Clusterer) copyInto(in *incident, a newsmon.Article, count bool) {
	t := articleTime(a)
	c.touch(in, span{t, t})
	if t.Before(in.inc.FirstSeen) {
		in.inc.FirstSeen = t
	}
	if t.After(in.inc.LastSeen) {
		in.inc.LastSeen = t
	}
	c.addTerms(in, c.analyzeArticle(a, count))
	c.describe(in)
}

// analysed is a with only the part of its body that analysis reads (the
// lead and the rest that splitLead keeps), as Settle keeps it.
func analysed(a newsmon.Article) newsmon.Article {
	lead, rest := splitLead(a.Body)
	a.Body = a.Body[:len(lead)+len(rest)]
	return a
}

// Resolve follows the merges since the last Changes from id to the
// incident it is part of now.
func (c *Clusterer) Resolve(id string) string {
	for range 64 {
		into, ok := c.alias[id]
		if !ok {
			break
		}
		id = into
	}
	return id
}

// Incident returns the incident with the given id if it is in memory.
func (c *Clusterer) Incident(id string) (newsmon.Incident, bool) {
	in := c.active[c.Resolve(id)]
	if in == nil {
		return newsmon.Incident{}, false
	}
	return cloneIncident(in.inc), true
}

// Changes returns what changed since the last call: the incidents to
// persist, sorted by id, and the merges. The incidents are kept in memory
// at least until then.
func (c *Clusterer) Changes() Changes {
	var ch Changes
	for in := range c.dirty {
		if c.active[in.inc.ID] == in {
			ch.Incidents = append(ch.Incidents, in.snapshot(c.text))
		}
	}
	slices.SortFunc(ch.Incidents, func(a, b Snapshot) int { return strings.Compare(a.Incident.ID, b.Incident.ID) })
	ch.Merges, ch.Moves = c.merges, c.moves
	c.merges, c.alias, c.moves = nil, map[string]string{}, nil
	clear(c.dirty)
	c.evict()
	return ch
}

// DocFreqChanges returns the document frequencies that changed since the
// last call (or Restore): the terms, their frequencies now, and the number
// of documents now. The caller persists them with the incidents Changes
// returns, and hands them back with Restore.
func (c *Clusterer) DocFreqChanges() (terms []string, counts []int, docs int) {
	terms, counts = c.vocab.takeChanges()
	return terms, counts, c.docs
}

// articleTime is the article's time: Published, else FetchedAt.
func articleTime(a newsmon.Article) time.Time {
	if !a.Published.IsZero() {
		return a.Published
	}
	return a.FetchedAt
}

// splitLead cuts body into its lead (about leadRunes, at a paragraph or
// sentence end when possible) and the rest, which is cut to restBytes.
// News is written lead first, so the tail says little about the event; and
// bytes of UTF-8 measure Han and Latin text more evenly than runes do (a Han
// character, three bytes, carries about as much as three Latin letters).
// On the evaluation data BASIL's B-cubed F1 is the same (0.991) for any
// restBytes from 1,000 to 2,250 as with the whole body; long Han articles
// cost a fifth as much to analyse as with their first 6,600 characters.
func splitLead(body string) (lead, rest string) {
	cut := runeOffset(body, leadRunes)
	if cut == len(body) {
		return body, ""
	}
	if i := strings.LastIndex(body[:cut], "\n\n"); i > cut/2 {
		cut = i
	}
	rest = body[cut:]
	if len(rest) > restBytes {
		end := restBytes
		for end > 0 && !utf8.RuneStart(rest[end]) {
			end--
		}
		rest = rest[:end]
	}
	return body[:cut], rest
}

func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// term is one weighted term of a vector: its text and its key (vocab).
type term struct {
	k   string
	key uint64
	w   float64
}

// byWeight orders terms heaviest first, then by key.
func byWeight(a, b term) int {
	if a.w != b.w {
		return cmp.Compare(b.w, a.w)
	}
	return strings.Compare(a.k, b.k)
}

// vec is an article's L2-normalised TF-IDF vector, heaviest terms first.
type vec struct {
	terms []term
	normX float64   // |translingual part|
	tf    []float64 // the terms' damped frequencies (before idf and normalising)
}

// cand is one weighted term of the article being analysed: its place p in
// Clusterer.acc, and the head of its text once it is to be sorted.
type cand struct {
	w    float64
	head uint64
	p    int32
}

// before reports whether candidate a comes before b in the order byWeight
// gives their terms: heavier first, then by text (heads set).
func (c *Clusterer) before(a, b cand) bool {
	if a.w != b.w {
		return a.w > b.w
	}
	if a.head != b.head {
		return a.head < b.head
	}
	return c.acc.text(a.p) < c.acc.text(b.p)
}

// idf is the inverse document frequency of a term in df of c.docs
// documents. Most terms are rare, so the values of small df are memoised
// for the current c.docs (vector clears the memo).
func (c *Clusterer) idf(df int) float64 {
	if df < len(c.idfMemo) {
		if v := c.idfMemo[df]; v != 0 {
			return v
		}
		v := math.Log(1 + float64(c.docs)/float64(df))
		c.idfMemo[df] = v
		return v
	}
	return math.Log(1 + float64(c.docs)/float64(df))
}

// tfWeight dampens a term frequency: log(1+tf), from a table for the
// small whole numbers most frequencies are.
func tfWeight(tf float64) float64 {
	if i := int(tf); float64(i) == tf && i >= 0 && i < len(log1pTable) {
		return log1pTable[i]
	}
	return math.Log1p(tf)
}

var log1pTable = func() (t [256]float64) {
	for i := range t {
		t[i] = math.Log1p(float64(i))
	}
	return t
}()

// vector returns the vector of the article's terms (in c.acc), first
// counting them in the document frequencies if count is set.
func (c *Clusterer) vector(count bool) vec {
	if count {
		c.docs++
		clear(c.idfMemo[:])
	}
	acc := &c.acc
	cands := c.cands[:0]
	for p, k := range acc.keys {
		var df int
		if count {
			df = c.vocab.count(k, acc.words[p])
		} else {
			df = max(1, c.vocab.lookup(k)) // counted when it was added
		}
		cands = append(cands, cand{w: tfWeight(acc.tf[p]) * c.idf(df), p: int32(p)})
	}
	top := c.heaviest(cands, articleTerms)
	v := vec{terms: make([]term, len(top)), tf: make([]float64, len(top))}
	for i, cd := range top {
		// The vocabulary's text (one string for every vector and sketch
		// that has the term); a term re-analysed that was never counted is
		// added to it, uncounted, so that every key has its text.
		k := acc.keys[cd.p]
		j := c.vocab.insert(k, acc.words[cd.p]) // may grow the table: texts after it
		v.terms[i] = term{c.vocab.texts[j], k, cd.w}
		v.tf[i] = tfWeight(acc.tf[cd.p])
	}
	c.cands = cands[:0]
	normalise(&v)
	return v
}

// normalise scales v's weights to unit length and sets its translingual
// norm.
func normalise(v *vec) {
	var n, x float64
	for _, t := range v.terms {
		n += t.w * t.w
		if crossKey(t.key) {
			x += t.w * t.w
		}
	}
	n = math.Sqrt(n)
	if n == 0 {
		return
	}
	for i := range v.terms {
		v.terms[i].w /= n
	}
	v.normX = math.Sqrt(x) / n
}

// heaviest reorders ts so that its k heaviest candidates come first,
// heaviest first, and returns them. The k-th heaviest weight is selected
// by weight alone (cheap comparisons of floats, in linear time); only the
// candidates of exactly that weight are then ordered by their text, to
// decide which of them make the cut.
func (c *Clusterer) heaviest(ts []cand, k int) []cand {
	if len(ts) > k {
		ws := c.weights[:0]
		for _, t := range ts {
			ws = append(ws, t.w)
		}
		c.weights = ws
		kth := kthLargest(ws, k)
		// Heavier ones first, then those of weight kth.
		heavier := 0
		for i, t := range ts {
			if t.w > kth {
				ts[heavier], ts[i] = ts[i], ts[heavier]
				heavier++
			}
		}
		tied := heavier
		for i := heavier; i < len(ts); i++ {
			if ts[i].w == kth {
				ts[tied], ts[i] = ts[i], ts[tied]
				tied++
			}
		}
		if tied > k {
			c.sortCands(ts[heavier:tied])
		}
		ts = ts[:k]
	}
	c.sortCands(ts)
	return ts
}

// sortCands sorts candidates heaviest first, then by text.
func (c *Clusterer) sortCands(ts []cand) {
	for i := range ts {
		ts[i].head = c.acc.head(ts[i].p)
	}
	slices.SortFunc(ts, func(a, b cand) int {
		switch {
		case a.p == b.p:
			return 0
		case c.before(a, b):
			return -1
		}
		return 1
	})
}

// kthLargest returns the k-th largest of ws (1 <= k <= len(ws)), which it
// reorders: a quickselect with the median of three as pivot.
func kthLargest(ws []float64, k int) float64 {
	lo, hi, want := 0, len(ws)-1, k-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if ws[mid] > ws[lo] {
			ws[mid], ws[lo] = ws[lo], ws[mid]
		}
		if ws[hi] > ws[lo] {
			ws[hi], ws[lo] = ws[lo], ws[hi]
		}
		if ws[hi] > ws[mid] {
			ws[hi], ws[mid] = ws[mid], ws[hi]
		}
		// ws[lo] >= ws[mid] >= ws[hi]: the median, at mid, is the pivot.
		pivot := ws[mid]
		ws[mid], ws[hi] = ws[hi], ws[mid]
		i := lo
		for j := lo; j < hi; j++ {
			if ws[j] > pivot {
				ws[i], ws[j] = ws[j], ws[i]
				i++
			}
		}
		ws[i], ws[hi] = ws[hi], ws[i]
		switch {
		case i < want:
			lo = i + 1
		case i > want:
			hi = i - 1
		default:
			return ws[i]
		}
	}
	return ws[want]
}

// pushTop adds t to top, which holds at most k terms, heaviest first.
func pushTop(top []term, t term, k int) []term {
	if len(top) == k && (t.w < top[k-1].w || byWeight(t, top[k-1]) >= 0) {
		return top
	}
	i, _ := slices.BinarySearchFunc(top, t, byWeight)
	if len(top) == k {
		top = top[:k-1]
	}
	return slices.Insert(top, i, t)
}

// similarity of an article vector to an incident centroid.
func similarity(v vec, in *incident) float64 {
	if in.norm == 0 {
		return 0
	}
	var dot, dotX float64
	shared := 0
	for _, t := range v.terms {
		w, ok := in.terms[t.key]
		if !ok {
			continue
		}
		dot += t.w * w
		if crossKey(t.key) {
			dotX += t.w * w
			shared++
		}
	}
	sim := dot / in.norm
	if shared >= minCrossTerms && v.normX > 0 && in.normX > 0 {
		sim = max(sim, crossDiscount*dotX/(v.normX*in.normX))
	}
	return sim
}

// probe finds the incidents in memory that share a probe term with terms
// (sorted heaviest first): the first probeTerms of them and every
// translingual one. The partial dot products accumulate in the incidents
// themselves (dot, dotX), valid for this round only; the incidents are
// returned in c.touched's buffer, which the caller clears. Terms in very
// many incidents say little and are not used to find candidates; they
// still count in the exact similarity of those found through rarer terms.
// self, when not nil, is left out. limit is the most incidents a term
// may be in to find candidates (0: probeLimit).
func (c *Clusterer) probe(terms []term, self *incident, limit int) []*incident {
	c.round++
	touched := c.touched[:0]
	if limit == 0 {
		limit = c.probeLimit()
	}
	for i, tm := range terms {
		x := crossKey(tm.key)
		if i >= probeTerms && !x {
			continue
		}
		p := c.posting[tm.key]
		if len(p) > limit {
			continue
		}
		for _, pt := range p {
			in := pt.in
			if in == self {
				continue
			}
			if in.round != c.round {
				in.round, in.dot, in.dotX = c.round, 0, 0
				touched = append(touched, in)
			}
			d := tm.w * pt.w
			in.dot += d
			if x {
				in.dotX += d
			}
		}
	}
	return touched
}

// probeLimit is the most incidents a term may be in to find candidates
// for an article or a merge.
func (c *Clusterer) probeLimit() int { return max(minPosting, len(c.active)/postingShare) }

// best finds the open incident most similar to article id at time t among
// those it would join (joinTest), or nil.
func (c *Clusterer) best(v vec, t time.Time, id string) *incident {
	type cand struct {
		in    *incident
		score float64
	}
	touched := c.probe(v.terms, nil, 0)
	cands := make([]cand, 0, len(touched))
	for _, in := range touched {
		if !c.accepts(in, t) {
			continue
		}
		s := in.dot / in.norm
		if in.normX > 0 && v.normX > 0 {
			s = max(s, crossDiscount*in.dotX/(in.normX*v.normX))
		}
		if s >= c.opts.Threshold*minPartial {
			cands = append(cands, cand{in, s})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.in.inc.ID, b.in.inc.ID)
	})
	if len(cands) > maxCandidates {
		cands = cands[:maxCandidates]
	}
	clear(touched) // no incidents kept alive
	c.touched = touched[:0]
	var best *incident
	bestSim := 0.0
	for _, cd := range cands {
		if c.refuses(cd.in, id) {
			continue
		}
		s := similarity(v, cd.in)
		if s < c.joinTest(len(v.terms), cd.in) {
			continue
		}
		if best == nil || s > bestSim || (s == bestSim && cd.in.inc.ID < best.inc.ID) {
			best, bestSim = cd.in, s
		}
	}
	return best
}

// joinThreshold is the similarity a text of n terms needs to join an
// incident: Options.Threshold, raised for texts of fewer than articleTerms
// terms in proportion to the terms they lack, up to shortBoost. Among few
// terms one shared common word ("prize", "election", 总统) weighs much, so a
// short report's cosine with a centroid of a neighbouring event of the same
// kind is high by chance; long articles are not affected.
func (c *Clusterer) joinThreshold(n int) float64 {
	return c.opts.Threshold + shortBoost*max(0, 1-float64(n)/articleTerms)
}

// joinTest is the similarity an article of n terms needs to join incident
// in: joinThreshold of its own terms, and with an incident of one article,
// of the longer of the two texts. Two one-article incidents are two
// articles, and which of them came first must not decide whether they go
// together: by the article's terms alone, a Chinese report of 38 terms
// joined an English one of 11 at 0.28 while the English report, coming
// second, needed 0.36 to join the Chinese one (ITN: zh↔en links held in
// one arrival order and not in the other). The short-text rise is for two
// short texts, whose cosine one shared common word makes high; a longer
// text's terms dilute that word.
func (c *Clusterer) joinTest(n int, in *incident) float64 {
	if len(in.inc.ArticleIDs) == 1 {
		n = max(n, len(in.terms))
	}
	return c.joinThreshold(n)
}

// accepts reports whether incident in accepts an article at time t: t is
// within the window of the incident's span.
func (c *Clusterer) accepts(in *incident, t time.Time) bool {
	w := c.opts.Window
	return !t.After(in.inc.LastSeen.Add(w)) && !t.Before(in.inc.FirstSeen.Add(-w))
}

// index posts in's centroid terms. An incident is posted while it is in
// memory (in active), and never twice: index is for one that is not (new,
// loaded, or unindexed first), so it appends without looking for in in
// lists that may hold thousands of incidents.
func (c *Clusterer) index(in *incident) {
	for k, w := range in.terms {
		c.posting[k] = append(c.posting[k], posting{in, w})
	}
}

func (c *Clusterer) unindex(in *incident) {
	for k := range in.terms {
		c.unpost(k, in)
	}
}

// unindexAll unposts the incidents of drop, going through each of their
// terms' lists once rather than once for each incident that has the term.
func (c *Clusterer) unindexAll(drop []*incident) {
	gone := make(map[*incident]bool, len(drop))
	terms := map[uint64]bool{}
	for _, in := range drop {
		gone[in] = true
		for k := range in.terms {
			terms[k] = true
		}
	}
	for k := range terms {
		p := slices.DeleteFunc(c.posting[k], func(pt posting) bool { return gone[pt.in] })
		if len(p) == 0 {
			delete(c.posting, k)
		} else {
			c.posting[k] = p
		}
	}
}

// posting is an open incident whose centroid has a term, with the term's
// weight there.
type posting struct {
	in *incident
	w  float64
}

// post sets the weight of term k in incident in's posting.
func (c *Clusterer) post(k uint64, in *incident, w float64) {
	p := c.posting[k]
	for i := range p {
		if p[i].in == in {
			p[i].w = w
			return
		}
	}
	c.posting[k] = append(p, posting{in, w})
}

// unpost removes incident in from term k's postings.
func (c *Clusterer) unpost(k uint64, in *incident) {
	p := c.posting[k]
	for i := range p {
		if p[i].in == in {
			last := len(p) - 1
			p[i], p[last] = p[last], posting{}
			p = p[:last]
			break
		}
	}
	if len(p) == 0 {
		delete(c.posting, k)
	} else {
		c.posting[k] = p
	}
}

// IncidentID is the stable id of the incident first reported by the article
// with the given id.
func IncidentID(firstArticleID string) string {
	h := sha256.Sum256([]byte(firstArticleID))
	return "inc-" + hex.EncodeToString(h[:8])
}

func (c *Clusterer) open(a newsmon.Article, t time.Time) *incident {
	id := a.ID
	if id == "" {
		id = a.URL + "\x00" + a.Title
	}
	in := &incident{terms: make(map[uint64]float64, articleTerms), langs: map[string]int{}, evidence: map[string]bool{}, score: -1, weighed: c.docs}
	in.inc = newsmon.Incident{ID: IncidentID(id), FirstSeen: t, LastSeen: t}
	if old := c.active[in.inc.ID]; old != nil {
		// The same first article again (a replay): start afresh.
		c.unindex(old)
		delete(c.dirty, old)
		delete(c.pending, old)
	}
	c.active[in.inc.ID] = in
	return in
}

func (c *Clusterer) join(in *incident, a newsmon.Article, t time.Time, v vec) {
	c.touch(in, span{t, t})
	inc := &in.inc
	if t.Before(inc.FirstSeen) {
		inc.FirstSeen = t
	}
	if t.After(inc.LastSeen) {
		inc.LastSeen = t
	}
	inc.ArticleIDs = append(inc.ArticleIDs, a.ID)
	inc.Sources = addSorted(inc.Sources, a.Source)
	lang := a.Lang
	if lang == "" {
		lang = "und"
	}
	inc.Languages = addSorted(inc.Languages, lang)
	in.langs[lang]++

	c.addTerms(in, v)

	// Title: the most central article of the majority language.
	central := similarity(v, in)
	major := majority(in.langs)
	if a.Title != "" && lang == major && (in.tlang != major || central > in.score) {
		inc.Title = a.Title
		inc.CentralTitle = a.Title
		inc.Summary = summary(a)
		in.tlang, in.score = lang, central
	}
	if len(c.topics) > 0 {
		addEvidence(in.evidence, c.topics, &c.acc, tokens{})
	}
	c.describe(in)
}

// addTerms adds vector v to in's centroid and, for the terms that changed,
// updates the index.
func (c *Clusterer) addTerms(in *incident, v vec) {
	had := c.had[:0]
	for _, tm := range v.terms {
		w, ok := in.terms[tm.key]
		in.terms[tm.key] = w + tm.w
		had = append(had, ok)
	}
	c.had = had
	in.terms = pruneTerms(in.terms, func(k uint64) { c.unpost(k, in) }, c.text)
	for i, tm := range v.terms {
		w, ok := in.terms[tm.key]
		switch {
		case !ok:
		case had[i]:
			c.post(tm.key, in, w)
		default: // new to the centroid: not posted yet
			c.posting[tm.key] = append(c.posting[tm.key], posting{in, w})
		}
	}
	in.norms()
}

// text is the text of term key k ("" if unknown, which no key of a vector
// or centroid is: see vector and fromSnapshot).
func (c *Clusterer) text(k uint64) string {
	s, _ := c.vocab.text(k)
	return s
}

// describe sets the incident's keywords and, from its evidence and what
// its title, keywords and centroid show, its topics and score.
func (c *Clusterer) describe(in *incident) {
	in.inc.Keywords = c.keywords(in)
	if len(c.topics) > 0 {
		addEvidence(in.evidence, c.topics, nil, c.tokens(in))
		in.inc.Score, in.inc.Topics = scoreTopics(c.topics, in.evidence, c.opts.MinScore)
	}
}

// touch marks in as used now and changed at the times of s.
func (c *Clusterer) touch(in *incident, s span) {
	c.use++
	in.used = c.use
	c.dirty[in] = true
	if old, ok := c.pending[in]; ok {
		c.pending[in] = old.union(s)
	} else {
		c.pending[in] = s
	}
	if old, ok := c.unsettled[in.inc.ID]; ok {
		s = old.union(s)
	}
	c.unsettled[in.inc.ID] = s
}

// unsettle moves what Settle has to revisit of incident from to into.
func (c *Clusterer) unsettle(from, into string) {
	s, ok := c.unsettled[from]
	if !ok {
		return
	}
	delete(c.unsettled, from)
	if old, ok := c.unsettled[into]; ok {
		s = old.union(s)
	}
	c.unsettled[into] = s
}

// span is a closed interval of time.
type span struct{ from, to time.Time }

func (s span) union(o span) span {
	if o.from.Before(s.from) {
		s.from = o.from
	}
	if o.to.After(s.to) {
		s.to = o.to
	}
	return s
}

func majority(langs map[string]int) string {
	best, n := "", -1
	for l, k := range langs {
		switch {
		case k > n, k == n && l == "en" && best != "en", k == n && best != "en" && l < best:
			best, n = l, k
		}
	}
	return best
}

func summary(a newsmon.Article) string {
	s := a.Description
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(a.Body), "\n\n")
	}
	if utf8.RuneCountInString(s) > 300 {
		s = s[:runeOffset(s, 300)] + "…"
	}
	return s
}

func addSorted(list []string, s string) []string {
	if s == "" {
		return list
	}
	i, found := slices.BinarySearch(list, s)
	if found {
		return list
	}
	return slices.Insert(list, i, s)
}

// keywords are the heaviest centroid terms, shown as words or concept names.
func (c *Clusterer) keywords(in *incident) []string {
	// Keep the top candidates in order; a few spare for duplicates.
	const keep = keywordCount*2 + 1
	top := make([]term, 0, keep)
	for k, w := range in.terms {
		text := c.text(k)
		if text == "" || text[0] == '#' || text[0] == '^' {
			continue
		}
		top = pushTop(top, term{text, k, w}, keep)
	}
	var out []string
	for _, t := range top {
		k := t.k
		if name, ok := c.lx.conceptOf[k]; ok {
			k = name
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
		if len(out) == keywordCount {
			break
		}
	}
	return out
}
