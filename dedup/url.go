package dedup

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// trackingParams are query parameters that only say how a reader arrived
// (campaign, referrer, share button, click id); they never select content, so
// CanonicalURL drops them. Matched case-insensitively. Generic names that do
// select content on some sites (mod, r, loc, page, id) are deliberately absent.
var trackingParams = map[string]bool{
	// Analytics and ad click ids.
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "msclkid": true,
	"yclid": true, "twclid": true, "ttclid": true, "igshid": true, "_ga": true, "_gl": true,
	"mc_cid": true, "mc_eid": true, "mkt_tok": true, "oly_anon_id": true, "oly_enc_id": true,
	"_hsenc": true, "_hsmi": true, "vero_id": true, "wickedid": true,
	// Campaign and referrer tags.
	"cmpid": true, "icid": true, "ncid": true, "ocid": true, "s_cid": true,
	"wt.mc_id": true, "ito": true, "ref": true, "ref_src": true, "ref_url": true,
	"referrer": true, "from": true, "share": true, "share_from": true, "shareid": true,
	"share_token": true, "si": true,
	// Chinese portals: Alibaba/Taobao "spm", Sina feed tags, WeChat/Toutiao share tags.
	"spm": true, "scm": true, "sudaref": true, "cre": true, "rfunc": true,
	"sharer_sharetime": true, "sharer_shareid": true, "scene": true, "clicktime": true,
	"enterid": true, "wxshare_count": true, "tt_from": true,
	// Session ids: a new one in every link makes one page look like many.
	"jsessionid": true, "phpsessid": true, "sessionid": true, "aspsessionid": true,
	"cfid": true, "cftoken": true,
}

// isTracking reports whether a decoded, lower-cased query key is a tracking
// parameter: any utm_* key or one of trackingParams.
func isTracking(key string) bool {
	return strings.HasPrefix(key, "utm_") || trackingParams[key]
}

// CanonicalURL returns the one URL newsmon keeps for an article, so that the
// same page reached by different links is recognised:
//   - scheme and host lower-case; default ports (:80, :443) and credentials
//     dropped; a trailing dot on the host dropped; IDN hosts in punycode;
//   - hostAliases applied after that (keys matched case-insensitively), e.g.
//     m.cnbeta.com → www.cnbeta.com.tw;
//   - path dot-segments resolved (RFC 3986 §5.2.4), percent-encoding made
//     uniform (upper-case hex, unreserved characters decoded, other non-ASCII
//     or unsafe bytes encoded), an empty path becomes "/". A trailing
//     "index.html" is kept: "/a/" and "/a/index.html" are not always the same
//     resource, and the content hash links such copies anyway;
//   - fragment dropped; tracking parameters (utm_*, spm, from, share, fbclid,
//     gclid, ref, ... see trackingParams) removed; the remaining parameters
//     sorted (by key, then value, keeping repeats); an empty query removed.
//
// It fails, naming the input, for unparseable URLs and for anything that is
// not an absolute http or https URL with a host.
// CanonicalURL is idempotent: CanonicalURL(CanonicalURL(u)) == CanonicalURL(u).
func CanonicalURL(raw string, hostAliases map[string]string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("dedup: canonical URL %q: %w", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("dedup: canonical URL %q: %w", raw, errNotHTTP)
	}
	host, err := canonicalHost(u, scheme, hostAliases)
	if err != nil {
		return "", fmt.Errorf("dedup: canonical URL %q: %w", raw, err)
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	p := removeDotSegments(normaliseEscapes(stripPathSession(u.EscapedPath()), pathSafe))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	b.WriteString(p)
	if q := canonicalQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String(), nil
}

var (
	errNotHTTP = errors.New("not an absolute http(s) URL")
	errNoHost  = errors.New("no host")
)

// canonicalHost returns host[:port] in canonical form, aliases applied.
func canonicalHost(u *url.URL, scheme string, aliases map[string]string) (string, error) {
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", errNoHost
	}
	port := u.Port()
	if port != "" {
		if port = strings.TrimLeft(port, "0"); port == "" {
			port = "0"
		}
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if ip := net.ParseIP(host); ip == nil {
		if !isASCII(host) {
			h, err := idna.Lookup.ToASCII(host)
			if err != nil {
				return "", fmt.Errorf("host %q: %w", host, err)
			}
			host = strings.TrimRight(h, ".")
			if host == "" { // the name mapped to nothing but ignorable characters and dots
				return "", errNoHost
			}
		}
		if strings.ContainsAny(host, "/?#@[]%\\ ") {
			return "", fmt.Errorf("host %q: invalid character", host)
		}
	} else if ip.To4() != nil {
		host = ip.String()
	} else {
		host = "[" + ip.String() + "]"
	}
	if v := aliases[host]; v != "" {
		host = strings.ToLower(v)
	} else {
		for k, v := range aliases {
			if v != "" && strings.EqualFold(strings.TrimSuffix(k, "."), host) {
				host = strings.ToLower(v)
				break
			}
		}
	}
	if port != "" {
		host += ":" + port
	}
	return host, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// canonicalQuery drops tracking and empty parameters from a raw query and
// sorts the rest.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ key, pair string }
	var kept []param
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		pair = normaliseEscapes(pair, querySafe)
		k, _, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if isTracking(strings.ToLower(key)) {
			continue
		}
		kept = append(kept, param{key, pair})
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if kept[i].key != kept[j].key {
			return kept[i].key < kept[j].key
		}
		return kept[i].pair < kept[j].pair
	})
	parts := make([]string, len(kept))
	for i, p := range kept {
		parts[i] = p.pair
	}
	return strings.Join(parts, "&")
}

// pathSafe and querySafe report which ASCII bytes may stay literal (besides
// unreserved ones) in a path or a query component.
func pathSafe(c byte) bool  { return strings.IndexByte("/!$&'()*+,;=:@", c) >= 0 }
func querySafe(c byte) bool { return strings.IndexByte("/?!$'()*+,;=:@", c) >= 0 }

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// normaliseEscapes makes percent-encoding uniform: escapes of unreserved bytes
// are decoded, other escapes get upper-case hex, a stray '%' becomes "%25",
// and bytes that may not appear literally (controls, space, non-ASCII, and
// ASCII not allowed by safe) are escaped.
func normaliseEscapes(s string, safe func(byte) bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				d := hi<<4 | lo
				if unreserved(d) {
					b.WriteByte(d)
				} else {
					b.WriteByte('%')
					b.WriteByte(hexDigits[hi])
					b.WriteByte(hexDigits[lo])
				}
				i += 2
				continue
			}
		}
		if unreserved(c) || safe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// removeDotSegments resolves "." and ".." segments (RFC 3986 §5.2.4),
// keeping a trailing slash and empty segments.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}

// CanonicalLink picks the URL to keep for a page that declares
// <link rel="canonical" href=declared>: the declared URL (resolved against
// pageURL) when it is an http(s) URL on the same site, that is the same
// registrable domain (eTLD+1, by the public suffix list; the same host for IP
// addresses and single-label hosts); otherwise pageURL. Both are returned in
// CanonicalURL form without host aliases. A bad declared URL is ignored; a bad
// pageURL is an error.
func CanonicalLink(pageURL, declared string) (string, error) {
	page, err := CanonicalURL(pageURL, nil)
	if err != nil {
		return "", err
	}
	declared = strings.TrimSpace(declared)
	if declared == "" {
		return page, nil
	}
	base, _ := url.Parse(page) // canonical: parses
	ref, err := url.Parse(declared)
	if err != nil {
		return page, nil
	}
	decl, err := CanonicalURL(base.ResolveReference(ref).String(), nil)
	if err != nil {
		return page, nil
	}
	d, _ := url.Parse(decl)
	if site(d.Hostname()) != site(base.Hostname()) {
		return page, nil
	}
	return decl, nil
}

// site is the registrable domain of host, or host itself when it has none.
func site(host string) string {
	if net.ParseIP(host) != nil {
		return host
	}
	if s, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return s
	}
	return host
}

// pathSession matches a session id carried as a path parameter, as Java
// servers write it: /news/1.html;jsessionid=0A1B2C.
var pathSession = regexp.MustCompile(`(?i);(jsessionid|phpsessid|sessionid)=[^/;?]*`)

func stripPathSession(p string) string {
	if !strings.Contains(p, ";") {
		return p
	}
	return pathSession.ReplaceAllString(p, "")
}
