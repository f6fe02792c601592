package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a static binary must still know Asia/Shanghai

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"

	"github.com/newsmon/newsmon"
)

//go:embed default.yaml
var defaultYAML []byte

// MaxFileSize bounds the size of a configuration file.
const MaxFileSize = 4 << 20

// Defaults that a source gets when its entry leaves them out.
const (
	DefaultInterval = 30 * time.Minute
	DefaultMaxDepth = 1
)

// Error is a configuration error. Line is 0 when the error concerns the whole
// file; Key is the dotted path of the offending key, e.g. "crawl.timeout" or
// "sources[2].article_urls[0]".
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
	Err  error // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.File == "" {
		b.WriteString("config")
	}
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// builtin holds the defaults that are not sources or topics.
func builtin() *Config {
	return &Config{
		DataDir: "./newsmon-data",
		Crawl:   newsmon.DefaultCrawlSettings(),
		Cluster: Cluster{Window: newsmon.DefaultIncidentWindow, MaxOpen: newsmon.DefaultMaxOpen},
		Dedup:   Dedup{NearWindow: newsmon.DefaultNearWindow},
		Server:  Server{Listen: "127.0.0.1:8080"},
		NATS: NATS{Partitions: DefaultNATSPartitions, JobsPerPartition: DefaultNATSJobsPerPartition,
			AckWait: DefaultNATSAckWait, ArticleAckWait: DefaultNATSArticleAckWait, Lease: DefaultNATSLease},
	}
}

// Default returns the embedded default configuration: real news sources
// (cnBeta.COM, Sina Finance, Sina Tech and English tech-news feeds) and the
// ai-incidents topic. Each call returns a new value the caller may change.
func Default() *Config {
	c, err := parse("default.yaml", "", defaultYAML, builtin())
	if err != nil {
		panic("config: embedded default configuration: " + err.Error()) // caught by the tests
	}
	return c
}

// Load reads and validates the configuration file at path. A relative
// data_dir in the file is taken from the file's directory, so that the file
// means the same database whichever directory newsmon runs in; the default
// ./newsmon-data, when the file does not set data_dir, stays relative to the
// working directory. Errors are of type *Error.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read: " + pathErrMsg(err), Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read: " + pathErrMsg(err), Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("file larger than %d bytes", MaxFileSize)}
	}
	return parse(path, filepath.Dir(path), data, Default())
}

func pathErrMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse reads a configuration from data on top of the default
// configuration; name is the file name used in error messages. Paths are
// kept as written (Load resolves them against the file's directory).
// Errors are of type *Error.
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, "", data, Default())
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads data on top of c; dir, when not empty, is the directory
// relative paths in the file are taken from.
func parse(name, dir string, data []byte, c *Config) (*Config, error) {
	var doc yaml.Node
	if err := unmarshal(data, &doc); err != nil {
		e := &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		return nil, e
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind == 0 { // empty file: all defaults
		return c, nil
	}
	p := &parser{file: name, dir: dir}
	if err := p.config(root, c); err != nil {
		return nil, err
	}
	return c, nil
}

// unmarshal guards against panics inside the YAML library on hostile input.
func unmarshal(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: invalid YAML (%v)", r)
		}
	}()
	return yaml.Unmarshal(data, n)
}

// parser walks the YAML node tree so that every error names its line and key.
type parser struct {
	file string
	dir  string // relative paths are taken from here ("": kept as written)
}

// field decodes the value node of one key; key is its dotted path.
type field func(n *yaml.Node, key string) error

func (p *parser) errf(n *yaml.Node, key, format string, args ...any) error {
	return &Error{File: p.file, Line: n.Line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func describeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// mapping decodes a mapping node, calling fields[k] for each key k. Unknown
// and repeated keys are errors. A null value counts as an empty mapping.
func (p *parser) mapping(n *yaml.Node, key string, fields map[string]field) error {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return p.errf(n, key, "expected a mapping, got %s", describeKind(n))
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errf(k, key, "expected a key, got %s", describeKind(k))
		}
		path := join(key, k.Value)
		if line, dup := seen[k.Value]; dup {
			return p.errf(k, path, "key repeated (first set on line %d)", line)
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			return p.errf(k, path, "unknown key%s", suggest(k.Value, fields))
		}
		if err := f(v, path); err != nil {
			return err
		}
	}
	return nil
}

// pairs decodes a mapping of strings to strings (hosts, headers); check
// validates each pair and returns it normalised.
func (p *parser) pairs(n *yaml.Node, key string, check func(k, v *yaml.Node, key string) (string, string, error)) (map[string]string, error) {
	n = resolve(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, key, "expected a mapping, got %s", describeKind(n))
	}
	out := make(map[string]string)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		path := join(key, k.Value)
		if k.Kind != yaml.ScalarNode {
			return nil, p.errf(k, key, "expected a key, got %s", describeKind(k))
		}
		if v.Kind != yaml.ScalarNode || isNull(v) {
			return nil, p.errf(v, path, "expected a string, got %s", describeKind(v))
		}
		name, val, err := check(k, v, path)
		if err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, p.errf(k, path, "key repeated")
		}
		out[name] = val
	}
	return out, nil
}

// seq returns the items of a list node; null is an empty list.
func (p *parser) seq(n *yaml.Node, key string) ([]*yaml.Node, error) {
	n = resolve(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, key, "expected a list, got %s", describeKind(n))
	}
	return n.Content, nil
}

func (p *parser) scalar(n *yaml.Node, key string) (string, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n, key, "expected a single value, got %s", describeKind(n))
	}
	if isNull(n) {
		return "", nil
	}
	return n.Value, nil
}

// str decodes a string; check, if not nil, validates it.
func (p *parser) str(dst *string, check func(string) error) field {
	return func(n *yaml.Node, key string) error {
		s, err := p.scalar(n, key)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if check != nil {
			if err := check(s); err != nil {
				return &Error{File: p.file, Line: n.Line, Key: key, Msg: err.Error(), Err: err}
			}
		}
		*dst = s
		return nil
	}
}

// path decodes a non-empty file path, taken from p.dir when relative.
func (p *parser) path(dst *string) field {
	return func(n *yaml.Node, key string) error {
		if err := p.str(dst, nonEmpty)(n, key); err != nil {
			return err
		}
		if p.dir != "" && !filepath.IsAbs(*dst) {
			*dst = filepath.Join(p.dir, *dst)
		}
		return nil
	}
}

// strs decodes a list of strings; check, if not nil, validates each item.
func (p *parser) strs(dst *[]string, check func(string) error) field {
	return func(n *yaml.Node, key string) error {
		items, err := p.seq(n, key)
		if err != nil {
			return err
		}
		out := make([]string, 0, len(items))
		for i, it := range items {
			var s string
			if err := p.str(&s, nonEmpty)(it, fmt.Sprintf("%s[%d]", key, i)); err != nil {
				return err
			}
			if check != nil {
				if err := check(s); err != nil {
					return &Error{File: p.file, Line: it.Line, Key: fmt.Sprintf("%s[%d]", key, i), Msg: err.Error(), Err: err}
				}
			}
			out = append(out, s)
		}
		*dst = out
		return nil
	}
}

// regexps decodes a list of regular expressions.
func (p *parser) regexps(dst *[]*regexp.Regexp) field {
	return func(n *yaml.Node, key string) error {
		var pats []string
		if err := p.strs(&pats, validRegexp)(n, key); err != nil {
			return err
		}
		out := make([]*regexp.Regexp, len(pats))
		for i, pat := range pats {
			out[i] = regexp.MustCompile(pat) // checked by validRegexp
		}
		*dst = out
		return nil
	}
}

func (p *parser) integer(dst *int, min int) field {
	return func(n *yaml.Node, key string) error {
		n = resolve(n)
		var v int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
			return p.errf(n, key, "expected an integer, got %s", describeKind(n))
		}
		if v < min {
			return p.errf(n, key, "must be at least %d, got %d", min, v)
		}
		*dst = v
		return nil
	}
}

func (p *parser) number(dst *float64, min, max float64) field {
	return func(n *yaml.Node, key string) error {
		n = resolve(n)
		var v float64
		tag := n.ShortTag()
		if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&v) != nil {
			return p.errf(n, key, "expected a number, got %s", describeKind(n))
		}
		if math.IsNaN(v) || v < min || v > max {
			return p.errf(n, key, "must be between %g and %g, got %s", min, max, n.Value)
		}
		*dst = v
		return nil
	}
}

func (p *parser) boolean(dst *bool) field {
	return func(n *yaml.Node, key string) error {
		n = resolve(n)
		var v bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
			return p.errf(n, key, "expected true or false, got %s", describeKind(n))
		}
		*dst = v
		return nil
	}
}

// duration decodes a Go duration ("2s", "15m", "168h"); min is the least
// value allowed.
func (p *parser) duration(dst *time.Duration, min time.Duration) field {
	return func(n *yaml.Node, key string) error {
		s, err := p.scalar(n, key)
		if err != nil {
			return err
		}
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return &Error{File: p.file, Line: n.Line, Key: key, Msg: fmt.Sprintf("invalid duration %q", s), Err: err}
		}
		if d < min {
			return p.errf(n, key, "must be at least %s, got %s", min, s)
		}
		*dst = d
		return nil
	}
}

func (p *parser) size(dst *int64) field {
	return func(n *yaml.Node, key string) error {
		s, err := p.scalar(n, key)
		if err != nil {
			return err
		}
		v, err := ParseSize(s)
		if err != nil {
			return &Error{File: p.file, Line: n.Line, Key: key, Msg: err.Error(), Err: err}
		}
		*dst = v
		return nil
	}
}

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
	"ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20, "gi": 1 << 30, "gib": 1 << 30,
}

// ParseSize parses a positive byte size: plain bytes ("1048576") or a
// number with a unit, decimal (KB, MB, GB) or binary (KiB, MiB, GiB).
func ParseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("invalid size %q (use e.g. 10MiB, 512KB or plain bytes)", s)
	}
	mult, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KB, MB, GB, KiB, MiB or GiB)", s, m[2])
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	v := f * mult
	if v < 1 || v >= math.MaxInt64/2 {
		return 0, fmt.Errorf("invalid size %q: out of range", s)
	}
	return int64(v), nil
}

// FormatSize is the inverse of ParseSize: the shortest exact form, e.g.
// "10MiB", "512KB" or plain bytes.
func FormatSize(n int64) string {
	best := strconv.FormatInt(n, 10)
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}} {
		if n >= u.size && n%u.size == 0 {
			if s := strconv.FormatInt(n/u.size, 10) + u.name; len(s) < len(best) {
				best = s
			}
		}
	}
	return best
}

func (p *parser) config(n *yaml.Node, c *Config) error {
	cr := &c.Crawl
	return p.mapping(n, "", map[string]field{
		"data_dir":   p.path(&c.DataDir),
		"user_agent": p.str(&cr.UserAgent, userAgent),
		"crawl": func(n *yaml.Node, key string) error {
			return p.mapping(n, key, map[string]field{
				"parallelism":            p.integer(&cr.Parallelism, 1),
				"per_host_delay":         p.duration(&cr.PerHostDelay, 0),
				"timeout":                p.duration(&cr.Timeout, time.Millisecond),
				"max_body_bytes":         p.size(&cr.MaxBodyBytes),
				"respect_robots":         p.boolean(&cr.RespectRobots),
				"allow_private_networks": p.boolean(&cr.AllowPrivateNetworks),
				"retries":                p.integer(&cr.Retries, 0),
				"max_pages":              p.integer(&cr.MaxPages, 1),
				"max_redirects":          p.integer(&cr.MaxRedirects, 1),
				"proxy":                  p.str(&cr.Proxy, proxyURL),
			})
		},
		"sources": func(n *yaml.Node, key string) (err error) {
			c.Sources, err = named(p, n, key, "source", p.source)
			return err
		},
		"topics": func(n *yaml.Node, key string) (err error) {
			c.Topics, err = named(p, n, key, "topic", p.topic)
			return err
		},
		"cluster": func(n *yaml.Node, key string) error {
			return p.mapping(n, key, map[string]field{
				"window":    p.duration(&c.Cluster.Window, time.Second),
				"threshold": p.number(&c.Cluster.Threshold, 0, 1),
				"min_score": p.number(&c.Cluster.MinScore, 0, math.MaxFloat64),
				"max_open":  p.integer(&c.Cluster.MaxOpen, 64),
			})
		},
		"dedup": func(n *yaml.Node, key string) error {
			return p.mapping(n, key, map[string]field{
				"near_window": p.integer(&c.Dedup.NearWindow, 16),
			})
		},
		"server": func(n *yaml.Node, key string) error {
			return p.mapping(n, key, map[string]field{
				"listen": p.str(&c.Server.Listen, listenAddr),
				"token":  p.str(&c.Server.Token, nil),
			})
		},
		"nats": func(n *yaml.Node, key string) error {
			return p.mapping(n, key, map[string]field{
				"url":                p.str(&c.NATS.URL, CheckNATSURL),
				"partitions":         p.integer(&c.NATS.Partitions, 1),
				"jobs_per_partition": p.integer(&c.NATS.JobsPerPartition, 1),
				"ack_wait":           p.duration(&c.NATS.AckWait, time.Second),
				"article_ack_wait":   p.duration(&c.NATS.ArticleAckWait, time.Second),
				"lease":              p.duration(&c.NATS.Lease, time.Second),
			})
		},
	})
}

var sourceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// named decodes a list of named entries (sources, topics). item decodes one
// entry and returns its name and the line of the name; names are unique.
func named[T any](p *parser, n *yaml.Node, key, kind string, item func(*yaml.Node, string) (T, string, int, error)) ([]T, error) {
	items, err := p.seq(n, key)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(items))
	names := make(map[string]int)
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		v, name, line, err := item(it, k)
		if err != nil {
			return nil, err
		}
		if first, dup := names[name]; dup {
			return nil, &Error{File: p.file, Line: line, Key: k + ".name", Msg: fmt.Sprintf("duplicate %s name %q (first used on line %d)", kind, name, first)}
		}
		names[name] = line
		out = append(out, v)
	}
	return out, nil
}

func (p *parser) source(n *yaml.Node, key string) (newsmon.Source, string, int, error) {
	s := newsmon.Source{Location: time.UTC, Interval: DefaultInterval, MaxDepth: DefaultMaxDepth}
	nameLine := 0
	tz := ""
	n = resolve(n)
	err := p.mapping(n, key, map[string]field{
		"name": func(v *yaml.Node, k string) error {
			nameLine = v.Line
			return p.str(&s.Name, sourceName)(v, k)
		},
		"lang":         p.str(&s.Lang, language),
		"timezone":     p.str(&tz, timezone),
		"interval":     p.duration(&s.Interval, time.Millisecond),
		"feeds":        p.strs(&s.Feeds, httpURL),
		"sitemaps":     p.strs(&s.Sitemaps, httpURL),
		"start_urls":   p.strs(&s.StartURLs, httpURL),
		"articles":     p.strs(&s.Articles, httpURL),
		"article_urls": p.regexps(&s.ArticleURLs),
		"json_lists": func(v *yaml.Node, k string) error {
			items, err := p.seq(v, k)
			if err != nil {
				return err
			}
			for i, it := range items {
				var jl newsmon.JSONList
				ik := fmt.Sprintf("%s[%d]", k, i)
				if err := p.mapping(it, ik, map[string]field{
					"url":   p.str(&jl.URL, httpURL),
					"links": p.str(&jl.Links, linkPath),
				}); err != nil {
					return err
				}
				if jl.URL == "" || jl.Links == "" {
					return p.errf(resolve(it), ik, "a JSON list needs both url and links")
				}
				s.JSONLists = append(s.JSONLists, jl)
			}
			return nil
		},
		"max_depth": p.integer(&s.MaxDepth, 0),
		"max_pages": p.integer(&s.MaxPages, 0),
		"hosts": func(v *yaml.Node, k string) (err error) {
			s.HostAliases, err = p.pairs(v, k, func(from, to *yaml.Node, path string) (string, string, error) {
				var hosts [2]string
				for i, h := range []*yaml.Node{from, to} {
					hosts[i] = strings.ToLower(strings.TrimSpace(h.Value))
					if !hostRE.MatchString(hosts[i]) {
						return "", "", p.errf(h, path, "invalid host %q (want a host name such as m.example.com)", h.Value)
					}
				}
				return hosts[0], hosts[1], nil
			})
			return err
		},
		"headers": func(v *yaml.Node, k string) (err error) {
			s.Headers, err = p.pairs(v, k, func(name, val *yaml.Node, path string) (string, string, error) {
				if !headerNameRE.MatchString(name.Value) {
					return "", "", p.errf(name, path, "invalid header name %q", name.Value)
				}
				if strings.ContainsAny(val.Value, "\r\n\x00") {
					return "", "", p.errf(val, path, "header value must be one line")
				}
				return name.Value, val.Value, nil
			})
			return err
		},
		"rules": func(v *yaml.Node, k string) error {
			r := &s.Rules
			return p.mapping(v, k, map[string]field{
				"title":     p.str(&r.Title, selector),
				"published": p.str(&r.Published, selector),
				"authors":   p.str(&r.Authors, selector),
				"body":      p.str(&r.Body, selector),
				"drop":      p.strs(&r.Drop, selector),
			})
		},
	})
	if err != nil {
		return s, "", 0, err
	}
	if s.Name == "" {
		return s, "", 0, p.errf(n, key+".name", "missing: every source needs a name")
	}
	if tz != "" {
		s.Location, _ = time.LoadLocation(tz) // checked by timezone
	}
	if len(s.Feeds)+len(s.Sitemaps)+len(s.StartURLs)+len(s.JSONLists)+len(s.Articles) == 0 {
		return s, "", 0, p.errf(n, key, "source %q has nothing to crawl: set feeds, sitemaps, start_urls, json_lists or articles", s.Name)
	}
	return s, s.Name, nameLine, nil
}

func (p *parser) topic(n *yaml.Node, key string) (newsmon.Topic, string, int, error) {
	var t newsmon.Topic
	nameLine := 0
	if err := p.mapping(n, key, map[string]field{
		"name": func(v *yaml.Node, k string) error {
			nameLine = v.Line
			return p.str(&t.Name, sourceName)(v, k)
		},
		"terms": p.strs(&t.Terms, nil),
		"harms": p.strs(&t.Harms, nil),
	}); err != nil {
		return t, "", 0, err
	}
	switch n = resolve(n); {
	case t.Name == "":
		return t, "", 0, p.errf(n, key+".name", "missing: every topic needs a name")
	case len(t.Terms) == 0:
		return t, "", 0, p.errf(n, key+".terms", "topic %q needs at least one term", t.Name)
	}
	return t, t.Name, nameLine, nil
}

// Value checks. Their messages follow "file:line: key: ".

func nonEmpty(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// proxyURL accepts "" (the environment's proxy variables) or an http,
// https or socks5 URL with a host.
func proxyURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("invalid proxy %q (want a URL such as http://proxy.example:3128)", s)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
		return nil
	}
	return fmt.Errorf("proxy %q: scheme must be http, https or socks5", s)
}

// CheckNATSURL validates nats.url (and NEWSMON_NATS_URL): empty, or one or
// more nats://, tls://, ws:// or wss:// URLs with a host, separated by
// commas.
func CheckNATSURL(s string) error {
	if s == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		u, err := url.Parse(part)
		if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("invalid NATS URL %q (want a URL such as nats://127.0.0.1:4222)", redactedUser(part))
		}
		switch u.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return fmt.Errorf("NATS URL %q: scheme must be nats, tls, ws or wss", redactedUser(part))
		}
	}
	return nil
}

func userAgent(s string) error {
	if s == "" || strings.ContainsAny(s, "\r\n\x00") {
		return errors.New("must be one non-empty line")
	}
	return nil
}

func sourceName(s string) error {
	if s != "" && !sourceNameRE.MatchString(s) {
		return fmt.Errorf("invalid name %q: use up to 64 letters, digits, '.', '_' or '-'", s)
	}
	return nil
}

var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func language(s string) error {
	if s != "" && !langRE.MatchString(s) {
		return fmt.Errorf("invalid language %q (use a code such as zh or en)", s)
	}
	return nil
}

func timezone(s string) error {
	if s == "" || s == "Local" {
		return fmt.Errorf("invalid timezone %q (use an IANA name such as Asia/Shanghai or UTC)", s)
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("unknown timezone %q (use an IANA name such as Asia/Shanghai or UTC)", s)
	}
	return nil
}

func httpURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid URL %q (want an absolute http or https URL)", s)
	}
	return nil
}

func validRegexp(s string) error {
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Errorf("invalid regexp %q: %v", s, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return nil
}

var linkPathRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

func linkPath(s string) error {
	if s != "" && !linkPathRE.MatchString(s) {
		return fmt.Errorf("invalid links path %q (want a dotted path such as result.data.url)", s)
	}
	return nil
}

func selector(s string) error {
	if _, err := cascadia.ParseGroup(s); s != "" && err != nil {
		return fmt.Errorf("invalid CSS selector %q: %v", s, err)
	}
	return nil
}

func listenAddr(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err == nil {
		var n int
		n, err = strconv.Atoi(port)
		if err == nil && (n < 0 || n > 65535) {
			err = errors.New("port out of range")
		}
	}
	if err != nil || strings.ContainsAny(host, " /") {
		return fmt.Errorf("invalid listen address %q (want host:port such as 127.0.0.1:8080)", s)
	}
	return nil
}

var (
	hostRE       = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
	headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// suggest returns " (did you mean x?)" when a known key is close to k.
func suggest(k string, fields map[string]field) string {
	best, bestD := "", 3
	for name := range fields {
		if d := editDistance(k, name); d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	if best == "" {
		known := make([]string, 0, len(fields))
		for name := range fields {
			known = append(known, name)
		}
		slices.Sort(known)
		return " (known keys: " + strings.Join(known, ", ") + ")"
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
