package crawler

import (
	"bytes"
	"compress/gzip"
	"net"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseFeed: feedLinks never panics and never returns an empty link,
// whatever the bytes (RSS, Atom, JSON Feed or garbage).
func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><item><link>http://a/1</link><pubDate>Tue, 01 Jan 2999 09:00:00 GMT</pubDate></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/rel"/><updated>1970-01-01T00:00:00Z</updated></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"http://a/1"},{"id":"2"}]}`))
	f.Add([]byte(`<rss><channel><item><link><![CDATA[http://a/1]]></link></item><item><link></link></item>`))
	f.Add([]byte("<html><body>not a feed {\"items\": [ <rss \x00\x01</body>"))
	f.Add([]byte(`<?xml version="1.0" encoding="gbk"?><rss><channel><item><link>http://a/` + "\xc4\xe3" + `</link></item></channel></rss>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		links, err := feedLinks(body)
		if err != nil {
			return
		}
		for _, l := range links {
			if l.url == "" || l.typ != kindArticle {
				t.Fatalf("bad link %+v from %q", l, body)
			}
		}
	})
}

// FuzzParseSitemap: a sitemap (gzipped or not, as discover reads it) never
// makes the parser panic, and gives at most maxLinks+1 non-empty links.
func FuzzParseSitemap(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a/1</loc></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc> http://a/s.xml.gz </loc></sitemap><sitemap><loc></loc></sitemap></sitemapindex>`))
	f.Add([]byte(`<urlset xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"><url><loc>http://a/1</loc><image:image><image:loc>http://a/i.jpg</image:loc></image:image><news:news><news:publication_date>2999-01-01</news:publication_date></news:news></url></urlset>`))
	f.Add([]byte(`<?xml version="1.0" encoding="big5"?><urlset><url><loc>http://a/1</loc></url><url><loc>http://a/2`))
	f.Add([]byte("<<<not xml"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`<urlset><url><loc>http://a/gz</loc></url></urlset>`))
	zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, body []byte) {
		if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			var err error
			if body, err = gunzip(body, 1<<20); err != nil {
				return
			}
		}
		links, err := sitemapLinks(body)
		if err != nil {
			return
		}
		if len(links) > maxLinks+1 {
			t.Fatalf("%d links", len(links))
		}
		for _, l := range links {
			if l.url == "" {
				t.Fatalf("empty link from %q", body)
			}
		}
	})
}

// FuzzLegacyIPv4: every inet_aton spelling of an address (one to four
// parts, decimal, octal or hex) is read back as that address, so no
// spelling of a private address slips past the transport's literal check.
func FuzzLegacyIPv4(f *testing.F) {
	f.Add(uint32(0x7f000001), uint8(1), uint8(0))
	f.Add(uint32(0xa9fea9fe), uint8(2), uint8(1))
	f.Add(uint32(0x0a000001), uint8(4), uint8(2))
	f.Fuzz(func(t *testing.T, v uint32, parts, base uint8) {
		n := int(parts%4) + 1
		var fields []string
		for i := range n - 1 {
			fields = append(fields, spell(uint64(v>>(24-8*i)&0xff), base))
		}
		fields = append(fields, spell(uint64(v)&(1<<(8*(5-n))-1), base))
		h := strings.Join(fields, ".")
		want := net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		if got := legacyIPv4(h); !got.Equal(want) {
			t.Fatalf("legacyIPv4(%q) = %v, want %v", h, got, want)
		}
	})
}

func spell(n uint64, base uint8) string {
	switch base % 3 {
	case 1:
		return "0" + strconv.FormatUint(n, 8)
	case 2:
		return "0x" + strconv.FormatUint(n, 16)
	}
	return strconv.FormatUint(n, 10)
}
