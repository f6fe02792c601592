package extract

import (
	"encoding/json"
	"html"
	"strings"
)

// ldArticle is what newsmon reads from a JSON-LD Article node.
type ldArticle struct {
	Headline, Published, Modified, Description, Image, SiteName, URL string
	Authors                                                          []string
}

var ldArticleTypes = map[string]bool{
	"article": true, "newsarticle": true, "reportagenewsarticle": true, "blogposting": true,
	"analysisnewsarticle": true, "opinionnewsarticle": true, "techarticle": true,
	"scholarlyarticle": true, "liveblogposting": true, "backgroundnewsarticle": true,
	"reviewnewsarticle": true, "webpage": false, "socialmediaposting": true, "posting": true,
}

// jsonLD returns the first Article-like node of the page's JSON-LD blocks,
// searching arrays and @graph.
func jsonLD(blocks []string) (ldArticle, bool) {
	for _, s := range blocks {
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(s, "<!--")
		s = strings.TrimSuffix(s, "-->")
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			continue
		}
		if m := findLDArticle(v, 0); m != nil {
			return readLD(m), true
		}
	}
	return ldArticle{}, false
}

func findLDArticle(v any, depth int) map[string]any {
	if depth > 6 {
		return nil
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if m := findLDArticle(e, depth+1); m != nil {
				return m
			}
		}
	case map[string]any:
		if isLDArticle(x["@type"]) {
			return x
		}
		if g, ok := x["@graph"]; ok {
			return findLDArticle(g, depth+1)
		}
		if me, ok := x["mainEntity"]; ok {
			return findLDArticle(me, depth+1)
		}
	}
	return nil
}

func isLDArticle(t any) bool {
	switch x := t.(type) {
	case string:
		return ldArticleTypes[strings.ToLower(x)]
	case []any:
		for _, e := range x {
			if isLDArticle(e) {
				return true
			}
		}
	}
	return false
}

func readLD(m map[string]any) ldArticle {
	a := ldArticle{
		Headline:    ldString(m["headline"]),
		Published:   ldString(m["datePublished"]),
		Modified:    ldString(m["dateModified"]),
		Description: ldString(m["description"]),
		Image:       ldString(m["image"]),
		URL:         ldString(m["url"]),
	}
	if a.Headline == "" {
		a.Headline = ldString(m["name"])
	}
	if a.Published == "" {
		a.Published = ldString(m["dateCreated"])
	}
	if pub, ok := m["publisher"].(map[string]any); ok {
		a.SiteName = ldString(pub["name"])
	}
	a.Authors = ldNames(m["author"], 0)
	// Some publishers HTML-escape the text inside JSON-LD (&#8217;).
	a.Headline, a.Description, a.SiteName = unescapeText(a.Headline), unescapeText(a.Description), unescapeText(a.SiteName)
	for i, s := range a.Authors {
		a.Authors[i] = unescapeText(s)
	}
	return a
}

// unescapeText decodes HTML character references in a text value (never in
// URLs, where "&copy=1" is a parameter).
func unescapeText(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return html.UnescapeString(s)
}

// ldString reads a string, the first string of an array, or the url/name
// field of an object.
func ldString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return ""
	case []any:
		for _, e := range x {
			if s := ldString(e); s != "" {
				return s
			}
		}
	case map[string]any:
		if s := ldString(x["url"]); s != "" {
			return s
		}
		return ldString(x["name"])
	}
	return ""
}

func ldNames(v any, depth int) []string {
	if depth > 3 {
		return nil
	}
	switch x := v.(type) {
	case string:
		if x = strings.TrimSpace(x); x != "" && !strings.Contains(x, "://") {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, ldNames(e, depth+1)...)
		}
		return out
	case map[string]any:
		if n, ok := x["name"].(string); ok && strings.TrimSpace(n) != "" {
			return []string{strings.TrimSpace(n)}
		}
	}
	return nil
}

// Meta names for the publication time, best first; Chinese portals use
// pubdate, publishdate, ptime and friends.
var publishedMeta = []string{
	"article:published_time", "og:article:published_time", "article:published",
	"og:published_time", "published_time", "datepublished", "pubdate", "publishdate",
	"publish_date", "publish-date", "publishtime", "publish_time", "ptime", "pub_date",
	"parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
	"dc.date", "dcterms.created", "dc.date.created", "date", "article.published",
	"article_date_original", "originalpublicationdate", "cxenseparse:recs:publishtime",
	"weibo: article:create_at", "og:release_date", "release_date", "firstpublishedtime",
	"datecreated", "created", "citation_publication_date", "bt:pubdate",
}

var modifiedMeta = []string{
	"article:modified_time", "og:updated_time", "datemodified", "lastmod",
	"last-modified", "dcterms.modified", "weibo: article:update_at",
}

func firstMeta(m map[string]string, keys []string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

var authorMeta = []string{"author", "article:author", "byl", "dc.creator", "sailthru.author", "parsely-author", "byline"}

// metaAuthors reads authors from meta tags, splitting lists and dropping
// profile URLs.
func metaAuthors(m map[string]string) []string {
	v := firstMeta(m, authorMeta)
	if v == "" || strings.Contains(v, "://") {
		return nil
	}
	v = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, "By "), "by "))
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '、' || r == '，' || r == '|' }) {
		for _, g := range strings.Split(f, " and ") {
			if g = strings.TrimSpace(g); g != "" && len(g) < 80 {
				out = append(out, g)
			}
		}
	}
	return out
}
