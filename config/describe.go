package config

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/newsmon/newsmon"
)

// The file format, for Describe. Parse reads the same keys by hand so that
// it can name lines; a test checks that the two agree.
type (
	fileConfig struct {
		DataDir   string       `yaml:"data_dir"`
		UserAgent string       `yaml:"user_agent"`
		Crawl     fileCrawl    `yaml:"crawl"`
		Sources   []fileSource `yaml:"sources"`
		Topics    []fileTopic  `yaml:"topics"`
		Cluster   fileCluster  `yaml:"cluster"`
		Dedup     fileDedup    `yaml:"dedup"`
		Server    fileServer   `yaml:"server"`
		NATS      fileNATS     `yaml:"nats"`
	}
	fileCrawl struct {
		Parallelism          int    `yaml:"parallelism"`
		PerHostDelay         string `yaml:"per_host_delay"`
		Timeout              string `yaml:"timeout"`
		MaxBodyBytes         string `yaml:"max_body_bytes"`
		RespectRobots        bool   `yaml:"respect_robots"`
		AllowPrivateNetworks bool   `yaml:"allow_private_networks"`
		Retries              int    `yaml:"retries"`
		MaxPages             int    `yaml:"max_pages"`
		MaxRedirects         int    `yaml:"max_redirects"`
		Proxy                string `yaml:"proxy"`
	}
	fileSource struct {
		Name        string            `yaml:"name"`
		Lang        string            `yaml:"lang,omitempty"`
		Timezone    string            `yaml:"timezone"`
		Interval    string            `yaml:"interval"`
		Feeds       []string          `yaml:"feeds,omitempty"`
		Sitemaps    []string          `yaml:"sitemaps,omitempty"`
		StartURLs   []string          `yaml:"start_urls,omitempty"`
		JSONLists   []fileJSONList    `yaml:"json_lists,omitempty"`
		Articles    []string          `yaml:"articles,omitempty"`
		ArticleURLs []string          `yaml:"article_urls,omitempty"`
		MaxDepth    int               `yaml:"max_depth"`
		MaxPages    int               `yaml:"max_pages,omitempty"`
		Hosts       map[string]string `yaml:"hosts,omitempty"`
		Headers     map[string]string `yaml:"headers,omitempty"`
		Rules       newsmon.Rules     `yaml:"rules,omitempty"`
	}
	fileJSONList struct {
		URL   string `yaml:"url"`
		Links string `yaml:"links"`
	}
	fileTopic struct {
		Name  string   `yaml:"name"`
		Terms []string `yaml:"terms,flow"`
		Harms []string `yaml:"harms,flow,omitempty"`
	}
	fileCluster struct {
		Window    string  `yaml:"window"`
		Threshold float64 `yaml:"threshold"`
		MinScore  float64 `yaml:"min_score"`
		MaxOpen   int     `yaml:"max_open"`
	}
	fileDedup struct {
		NearWindow int `yaml:"near_window"`
	}
	fileNATS struct {
		URL              string `yaml:"url"`
		Partitions       int    `yaml:"partitions"`
		JobsPerPartition int    `yaml:"jobs_per_partition"`
		AckWait          string `yaml:"ack_wait"`
		ArticleAckWait   string `yaml:"article_ack_wait"`
		Lease            string `yaml:"lease"`
	}
	fileServer struct {
		Listen string `yaml:"listen"`
		Token  string `yaml:"token,omitempty"`
	}
)

// Redacted replaces secrets (the server token, cookies and credentials in
// headers) in Describe's output.
const Redacted = "<redacted>"

// Describe writes the resolved configuration, defaults filled in, as YAML in
// the configuration file format (`newsmon check`). Secrets are redacted.
func (c *Config) Describe(w io.Writer) {
	fc := fileConfig{
		DataDir:   c.DataDir,
		UserAgent: c.Crawl.UserAgent,
		Crawl: fileCrawl{
			Parallelism:          c.Crawl.Parallelism,
			PerHostDelay:         FormatDuration(c.Crawl.PerHostDelay),
			Timeout:              FormatDuration(c.Crawl.Timeout),
			MaxBodyBytes:         FormatSize(c.Crawl.MaxBodyBytes),
			RespectRobots:        c.Crawl.RespectRobots,
			AllowPrivateNetworks: c.Crawl.AllowPrivateNetworks,
			Retries:              c.Crawl.Retries,
			MaxPages:             c.Crawl.MaxPages,
			MaxRedirects:         c.Crawl.MaxRedirects,
			Proxy:                redactedURL(c.Crawl.Proxy),
		},
		Sources: make([]fileSource, 0, len(c.Sources)),
		Topics:  make([]fileTopic, 0, len(c.Topics)),
		Cluster: fileCluster{
			Window:    FormatDuration(c.Cluster.Window),
			Threshold: c.Cluster.Threshold,
			MinScore:  c.Cluster.MinScore,
			MaxOpen:   c.Cluster.MaxOpen,
		},
		Dedup:  fileDedup{NearWindow: c.Dedup.NearWindow},
		Server: fileServer{Listen: c.Server.Listen},
		NATS: fileNATS{URL: redactedNATSURL(c.NATS.URL), Partitions: c.NATS.Partitions, JobsPerPartition: c.NATS.JobsPerPartition,
			AckWait: FormatDuration(c.NATS.AckWait), ArticleAckWait: FormatDuration(c.NATS.ArticleAckWait), Lease: FormatDuration(c.NATS.Lease)},
	}
	if c.Server.Token != "" {
		fc.Server.Token = Redacted
	}
	for _, s := range c.Sources {
		fs := fileSource{
			Name:      s.Name,
			Lang:      s.Lang,
			Timezone:  "UTC",
			Interval:  FormatDuration(s.Interval),
			Feeds:     s.Feeds,
			Sitemaps:  s.Sitemaps,
			StartURLs: s.StartURLs,
			Articles:  s.Articles,
			MaxDepth:  s.MaxDepth,
			MaxPages:  s.MaxPages,
			Hosts:     s.HostAliases,
			Rules:     s.Rules,
		}
		if s.Location != nil {
			fs.Timezone = s.Location.String()
		}
		for _, jl := range s.JSONLists {
			fs.JSONLists = append(fs.JSONLists, fileJSONList{URL: jl.URL, Links: jl.Links})
		}
		for _, re := range s.ArticleURLs {
			fs.ArticleURLs = append(fs.ArticleURLs, re.String())
		}
		if len(s.Headers) > 0 {
			fs.Headers = make(map[string]string, len(s.Headers))
			for k, v := range s.Headers {
				switch http.CanonicalHeaderKey(k) {
				case "Authorization", "Proxy-Authorization", "Cookie":
					v = Redacted
				}
				fs.Headers[k] = v
			}
		}
		fc.Sources = append(fc.Sources, fs)
	}
	for _, t := range c.Topics {
		fc.Topics = append(fc.Topics, fileTopic(t))
	}
	fmt.Fprintf(w, "# newsmon configuration as resolved, defaults filled in (sources: %d, topics: %d)\n",
		len(c.Sources), len(c.Topics))
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	enc.Encode(fc) //nolint:errcheck // Describe writes to a terminal or buffer; nothing to report
	enc.Close()
}

// FormatDuration prints d as ParseDuration reads it, without zero tails:
// "168h", "15m", "2s", "1h30m".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// redactedNATSURL is a comma-separated list of NATS URLs with any user
// information (a token, a user and password) replaced by "xxxxx".
func redactedNATSURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		parts[i] = redactedUser(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// redactedUser is raw with its user information replaced by "xxxxx".
func redactedUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndexByte(raw, '@'); i >= 0 {
			return "xxxxx@" + raw[i+1:]
		}
		return raw
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	return u.String()
}

// redactedURL is raw with any password replaced by "xxxxx".
func redactedURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}
