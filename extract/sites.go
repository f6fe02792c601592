package extract

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/andybalholm/cascadia"
	"github.com/newsmon/newsmon"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"
)

//go:embed sites.yaml
var sitesYAML []byte

type siteFile struct {
	Sites []struct {
		Name  string        `yaml:"name"`
		Hosts []string      `yaml:"hosts"`
		Rules newsmon.Rules `yaml:"rules"`
	} `yaml:"sites"`
}

// loadSites reads the embedded rules; a broken file yields no rules (and
// fails TestSiteRules) rather than a panic.
func loadSites(data []byte) (map[string]newsmon.Rules, error) {
	var f siteFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("extract: sites.yaml: %w", err)
	}
	m := make(map[string]newsmon.Rules)
	for _, s := range f.Sites {
		for _, h := range s.Hosts {
			m[strings.ToLower(h)] = s.Rules
		}
		if err := CheckRules(s.Rules); err != nil {
			return nil, fmt.Errorf("extract: sites.yaml: site %s: %w", s.Name, err)
		}
	}
	return m, nil
}

var sites = sync.OnceValue(func() map[string]newsmon.Rules {
	m, _ := loadSites(sitesYAML)
	return m
})

// SiteRules returns the rules newsmon ships for a host (or a parent domain
// of it), such as www.cnbeta.com.tw or finance.sina.com.cn.
func SiteRules(host string) (newsmon.Rules, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	m := sites()
	for h := host; h != ""; {
		if r, ok := m[h]; ok {
			return r, true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return newsmon.Rules{}, false
}

// CheckRules reports the first selector of r that does not parse.
func CheckRules(r newsmon.Rules) error {
	for _, s := range append([]string{r.Title, r.Published, r.Authors, r.Body}, r.Drop...) {
		if s == "" {
			continue
		}
		if _, err := compile(s); err != nil {
			return err
		}
	}
	return nil
}

var selCache sync.Map // selector string -> cascadia.SelectorGroup

func compile(s string) (cascadia.SelectorGroup, error) {
	if v, ok := selCache.Load(s); ok {
		return v.(cascadia.SelectorGroup), nil
	}
	g, err := cascadia.ParseGroup(s)
	if err != nil {
		return nil, fmt.Errorf("selector %q: %w", s, err)
	}
	selCache.Store(s, g)
	return g, nil
}

// selectAll returns the elements matching a selector group in document
// order, leaving out those nested inside another match. Selectors that do
// not parse match nothing.
func selectAll(root *html.Node, sel string) []*html.Node {
	if sel == "" {
		return nil
	}
	g, err := compile(sel)
	if err != nil {
		return nil
	}
	all := cascadia.QueryAll(root, g)
	out := all[:0]
	for _, n := range all {
		nested := false
		for _, o := range out {
			if contains(o, n) {
				nested = true
				break
			}
		}
		if !nested {
			out = append(out, n)
		}
	}
	return out
}

// selectFirst returns the first element matching any selector of the
// group, trying the selectors in the order written.
func selectFirst(root *html.Node, sel string) *html.Node {
	if sel == "" {
		return nil
	}
	g, err := compile(sel)
	if err != nil {
		return nil
	}
	for _, s := range g {
		if n := cascadia.Query(root, s); n != nil {
			return n
		}
	}
	return nil
}

func contains(a, b *html.Node) bool {
	for n := b.Parent; n != nil; n = n.Parent {
		if n == a {
			return true
		}
	}
	return false
}

// dropNodes removes every element matching the Drop selectors.
func dropNodes(root *html.Node, drop []string) {
	for _, sel := range drop {
		for _, n := range selectAll(root, sel) {
			if n.Parent != nil {
				n.Parent.RemoveChild(n)
			}
		}
	}
}
