// Package export owns newsmon's export format: the one JSON encoder for
// candidate incidents and articles that the CLI (`newsmon export`) and the
// HTTP API share, and the ranking and filtering of incidents they both use.
// The format is versioned (SchemaVersion) and described by the JSON Schema
// in docs/incidents.schema.json.
package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsmon/newsmon"
)

// SchemaVersion is the version of the export format. It changes only when a
// field changes meaning or goes away; new fields keep the version.
const SchemaVersion = 1

// Formats.
const (
	JSON  = "json"  // one object (indented)
	JSONL = "jsonl" // one incident or article per line
)

// ArticleLookup returns a stored article by ID.
type ArticleLookup func(id string) (newsmon.Article, error)

// Incident is one candidate incident as exported.
type Incident struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Summary      string    `json:"summary"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Languages    []string  `json:"languages"`
	Sources      []string  `json:"sources"`
	ArticleCount int       `json:"article_count"`
	Topics       []string  `json:"topics"`
	Score        float64   `json:"score"`
	Keywords     []string  `json:"keywords"`
	Articles     []Ref     `json:"articles"`
	// The review state (newsmon.IncidentReview): new until a reviewer
	// decides; Title above stays the clusterer's.
	Status        string   `json:"status"`
	StatusReason  string   `json:"status_reason"`
	ReviewedTitle string   `json:"reviewed_title"` // "" when not renamed
	Notes         []Note   `json:"notes"`
	MergedIDs     []string `json:"merged_ids"` // incident ids merged into this one, which resolve to it
}

// Note is a reviewer's note on an incident.
type Note struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // the review action it came with: status, title, note, merge, move
	Text   string    `json:"text"`
}

// ReviewLookup returns the review state of an incident by id.
type ReviewLookup func(id string) newsmon.IncidentReview

// Ref is an article inside an exported incident (no body).
type Ref struct {
	ID         string     `json:"id"`
	URL        string     `json:"url"`
	Source     string     `json:"source"`
	Lang       string     `json:"lang"`
	Title      string     `json:"title"`
	Published  *time.Time `json:"published"` // null when unknown; keeps the page's offset
	Duplicates []string   `json:"duplicates"`
}

// Article is one article as exported by `export articles`: the fields of
// Ref plus authors, body and fetch time.
type Article struct {
	Ref
	Authors   []string  `json:"authors"`
	Body      string    `json:"body"`
	FetchedAt time.Time `json:"fetched_at"`
}

// Document is the top-level object of `export incidents --format json`.
type Document struct {
	SchemaVersion int        `json:"schema_version"`
	GeneratedAt   string     `json:"generated_at"`
	Incidents     []Incident `json:"incidents"`
}

// ArticlesDocument is the top-level object of `export articles --format json`.
type ArticlesDocument struct {
	SchemaVersion int       `json:"schema_version"`
	Articles      []Article `json:"articles"`
}

// NewIncident converts a stored incident, looking up its articles.
func NewIncident(inc newsmon.Incident, lookup ArticleLookup) (Incident, error) {
	out := Incident{
		ID:           inc.ID,
		Title:        inc.Title,
		Summary:      inc.Summary,
		FirstSeen:    inc.FirstSeen,
		LastSeen:     inc.LastSeen,
		Languages:    nonNil(inc.Languages),
		Sources:      slices.Clone(nonNil(inc.Sources)),
		ArticleCount: len(inc.ArticleIDs),
		Topics:       nonNil(inc.Topics),
		Score:        inc.Score,
		Keywords:     nonNil(inc.Keywords),
		Articles:     make([]Ref, 0, len(inc.ArticleIDs)),
		Status:       newsmon.StatusNew,
		Notes:        []Note{},
		MergedIDs:    []string{},
	}
	for _, id := range inc.ArticleIDs {
		a, err := lookup(id)
		if err != nil {
			return Incident{}, fmt.Errorf("incident %s: article %s: %w", inc.ID, id, err)
		}
		out.Articles = append(out.Articles, NewRef(a))
		// The outlets that carried a copy count among the incident's
		// sources: how many outlets reported it matters to a reviewer. The
		// article's own outlet is counted too: a copy found to be the
		// original takes an article's place after it was clustered.
		if a.Source != "" && !slices.Contains(out.Sources, a.Source) {
			out.Sources = append(out.Sources, a.Source)
		}
		for _, d := range a.Duplicates {
			if d.Source != "" && !slices.Contains(out.Sources, d.Source) {
				out.Sources = append(out.Sources, d.Source)
			}
		}
	}
	slices.Sort(out.Sources)
	return out, nil
}

// SetReview sets the review fields of x from r.
func (x *Incident) SetReview(r newsmon.IncidentReview) {
	x.Status = r.Status
	if x.Status == "" {
		x.Status = newsmon.StatusNew
	}
	x.StatusReason, x.ReviewedTitle = r.Reason, r.Title
	x.Notes = make([]Note, 0, len(r.Notes))
	for _, n := range r.Notes {
		x.Notes = append(x.Notes, Note{Time: n.Time.UTC(), Action: n.Action, Text: n.Text})
	}
	x.MergedIDs = nonNil(r.MergedIDs)
}

// NewRef converts a stored article to its entry in an incident.
func NewRef(a newsmon.Article) Ref {
	var pub *time.Time
	if !a.Published.IsZero() {
		p := a.Published // not &a.Published: that would keep all of a (its body) alive
		pub = &p
	}
	return Ref{
		ID:         a.ID,
		URL:        a.URL,
		Source:     a.Source,
		Lang:       a.Lang,
		Title:      a.Title,
		Published:  pub,
		Duplicates: duplicateURLs(a.Duplicates),
	}
}

// NewArticle converts a stored article, with its body.
func NewArticle(a newsmon.Article) Article {
	return Article{Ref: NewRef(a), Authors: nonNil(a.Authors), Body: a.Body, FetchedAt: a.FetchedAt}
}

// Incidents writes incidents in the export format: format "json" prints one
// Document, "jsonl" one Incident per line. now is the generation time.
// Every incident is new (no review state): see IncidentsReviewed.
func Incidents(w io.Writer, incs []newsmon.Incident, lookup ArticleLookup, format string, now time.Time) error {
	return IncidentsReviewed(w, incs, lookup, nil, format, now)
}

// IncidentsReviewed is Incidents with each incident's review state from
// reviews (nil: none). Each incident is converted (its articles looked up)
// as it is written, so what it holds is the incidents given and one
// incident's articles.
func IncidentsReviewed(w io.Writer, incs []newsmon.Incident, lookup ArticleLookup, reviews ReviewLookup, format string, now time.Time) error {
	doc := Document{SchemaVersion: SchemaVersion, GeneratedAt: now.UTC().Format(time.RFC3339), Incidents: []Incident{}}
	lw, err := newListWriter[Incident](w, format, doc)
	if err != nil {
		return err
	}
	for _, inc := range incs {
		x, err := NewIncident(inc, lookup)
		if err != nil {
			return err
		}
		if reviews != nil {
			x.SetReview(reviews(inc.ID))
		}
		if err := lw.write(x); err != nil {
			return err
		}
	}
	return lw.close()
}

// Articles writes articles with their bodies: format "json" prints one
// ArticlesDocument, "jsonl" one Article per line.
func Articles(w io.Writer, arts []newsmon.Article, format string) error {
	aw, err := NewArticleWriter(w, format)
	if err != nil {
		return err
	}
	for _, a := range arts {
		if err := aw.Write(a); err != nil {
			return err
		}
	}
	return aw.Close()
}

// ArticleWriter writes articles one at a time, the bytes Articles writes
// for all of them: an export of a whole store holds one article in
// memory, not all of them.
type ArticleWriter struct{ lw *listWriter[Article] }

// NewArticleWriter returns an ArticleWriter to w in format (json or jsonl).
func NewArticleWriter(w io.Writer, format string) (*ArticleWriter, error) {
	lw, err := newListWriter[Article](w, format, ArticlesDocument{SchemaVersion: SchemaVersion, Articles: []Article{}})
	if err != nil {
		return nil, err
	}
	return &ArticleWriter{lw}, nil
}

// Write writes article a.
func (aw *ArticleWriter) Write(a newsmon.Article) error { return aw.lw.write(NewArticle(a)) }

// Close ends the document and flushes what is buffered.
func (aw *ArticleWriter) Close() error { return aw.lw.close() }

// listWriter writes a document whose last member is a list one item at a
// time (format json), the bytes an Encoder indented by "  " writes for the
// whole document, or the items one a line (jsonl).
type listWriter[T any] struct {
	bw     *bufio.Writer
	buf    bytes.Buffer // an item encoded
	enc    *json.Encoder
	format string
	tail   string // what follows the list in the document (json)
	n      int
}

// newListWriter returns a listWriter to w of document empty, whose last
// member is the list, empty.
func newListWriter[T any](w io.Writer, format string, empty any) (*listWriter[T], error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	lw := &listWriter[T]{bw: bufio.NewWriter(w), format: format}
	lw.enc = json.NewEncoder(&lw.buf)
	lw.enc.SetEscapeHTML(false)
	if format == JSON {
		lw.enc.SetIndent("", "  ")
		if err := lw.enc.Encode(empty); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		doc := lw.buf.String()
		i := strings.LastIndex(doc, "[]")
		if i < 0 {
			return nil, fmt.Errorf("export: %T has no empty list", empty)
		}
		lw.bw.WriteString(doc[:i+1])
		lw.tail = doc[i+1:]
		// The items are one level in, their members two.
		lw.enc.SetIndent("    ", "  ")
	}
	return lw, nil
}

func (lw *listWriter[T]) write(item T) error {
	lw.buf.Reset()
	if err := lw.enc.Encode(item); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	b := lw.buf.Bytes()
	if lw.format == JSON {
		sep := ",\n    "
		if lw.n == 0 {
			sep = "\n    "
		}
		lw.bw.WriteString(sep)
		b = b[:len(b)-1] // the Encoder's newline
	}
	lw.n++
	if _, err := lw.bw.Write(b); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// close ends the document and flushes what is buffered.
func (lw *listWriter[T]) close() error {
	if lw.format == JSON {
		if lw.n > 0 {
			lw.bw.WriteString("\n  ")
		}
		lw.bw.WriteString(lw.tail)
	}
	if err := lw.bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func checkFormat(format string) error {
	if format != JSON && format != JSONL {
		return fmt.Errorf("unknown export format %q (want json or jsonl)", format)
	}
	return nil
}

func duplicateURLs(ds []newsmon.Duplicate) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		if d.URL != "" && !slices.Contains(out, d.URL) {
			out = append(out, d.URL)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Filter selects incidents, as `export incidents` flags and the API's query
// parameters do. The zero Filter matches every incident.
type Filter struct {
	Topic       string    // "" for any topic
	MinArticles int       // 0 for any number
	Since       time.Time // LastSeen at or after; zero for any time
}

// Match reports whether inc passes the filter.
func (f Filter) Match(inc newsmon.Incident) bool {
	return (f.Topic == "" || slices.Contains(inc.Topics, f.Topic)) &&
		len(inc.ArticleIDs) >= f.MinArticles &&
		(f.Since.IsZero() || !inc.LastSeen.Before(f.Since))
}

// Rank returns the incidents that match the filters, best first: highest
// score, then most recent LastSeen, then ID. topic "" matches any incident;
// minArticles 0 and a zero since disable those filters. incs is not changed.
func Rank(incs []newsmon.Incident, topic string, minArticles int, since time.Time) []newsmon.Incident {
	f := Filter{Topic: topic, MinArticles: minArticles, Since: since}
	out := make([]newsmon.Incident, 0, len(incs))
	for _, inc := range incs {
		if f.Match(inc) {
			out = append(out, inc)
		}
	}
	slices.SortStableFunc(out, func(a, b newsmon.Incident) int {
		switch {
		case a.Score != b.Score:
			if a.Score > b.Score {
				return -1
			}
			return 1
		case !a.LastSeen.Equal(b.LastSeen):
			return b.LastSeen.Compare(a.LastSeen)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// ErrNoTopic is returned (wrapped) by CheckTopic for a topic that is not
// configured.
var ErrNoTopic = errors.New("no such topic in the configuration")

// CheckTopic checks the topic filter of `export --topic` and the API's
// topic parameter against the configured topic names: "" (any topic) and a
// configured name pass; anything else is an error wrapping ErrNoTopic that
// lists the names.
func CheckTopic(topic string, names []string) error {
	if topic == "" || slices.Contains(names, topic) {
		return nil
	}
	have := "none"
	if len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return fmt.Errorf("%w (have: %s)", ErrNoTopic, have)
}

// Review status filters (`export incidents --status`, the API's status
// parameter): a status, StatusAll, or "" for every status but dismissed.
const StatusAll = "all"

// ErrStatus is returned (wrapped) by CheckStatus for an unknown filter.
var ErrStatus = errors.New("want new, confirmed, dismissed or all")

// CheckStatus checks a status filter.
func CheckStatus(filter string) error {
	if filter == "" || filter == StatusAll || newsmon.ValidStatus(filter) {
		return nil
	}
	return fmt.Errorf("status %q: %w", filter, ErrStatus)
}

// StatusMatch reports whether an incident of the given review status
// passes the status filter: "" leaves dismissed incidents out, StatusAll
// keeps every one.
func StatusMatch(filter, status string) bool {
	switch filter {
	case "":
		return status != newsmon.StatusDismissed
	case StatusAll:
		return true
	}
	return filter == status
}

// ErrSince is returned (wrapped) by ParseSince for a value it cannot read.
var ErrSince = errors.New("want a duration such as 24h or 7d, a date such as 2020-05-01, or an RFC 3339 time")

// ParseSince reads the --since flag and the since query parameter: a
// duration back from now ("24h", "90m", "7d"), a date ("2020-05-01", UTC
// midnight) or an RFC 3339 time. "" means no limit (zero time).
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return time.Time{}, nil
	case len(s) > 64:
		return time.Time{}, fmt.Errorf("since: value too long: %w", ErrSince)
	}
	if d, ok := parseDays(s); ok {
		return now.Add(-d), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("since %q: negative duration: %w", s, ErrSince)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("since %q: %w", s, ErrSince)
}

// parseDays reads "7d".
func parseDays(s string) (time.Duration, bool) {
	n, ok := strings.CutSuffix(s, "d")
	if !ok {
		return 0, false
	}
	days, err := strconv.Atoi(n)
	if err != nil || days < 0 || days > 100*365 {
		return 0, false
	}
	return time.Duration(days) * 24 * time.Hour, true
}
