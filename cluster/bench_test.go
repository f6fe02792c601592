package cluster

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/internal/fakeweb"
)

// synth makes a deterministic synthetic news stream: events of a few
// articles each, every event with its own name words, over a shared Zipfian
// background vocabulary; one article in four is Chinese-like (Han text).
type synth struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
	han   []rune
	start time.Time
	step  time.Duration
	n     int
	event int
	left  int
	names []string
}

func newSynth(seed uint64) *synth {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s := &synth{rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, 49_999), start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Minute}
	for i := range 50_000 {
		s.vocab = append(s.vocab, synthWord(i))
	}
	// Han "words" of two characters drawn from 3,000 characters, so that
	// the bigram vocabulary grows the way real text's does, not without bound.
	for i := range 50_000 {
		s.han = append(s.han, rune(0x4e00+i*7%3000), rune(0x4e00+i*13%2999))
	}
	return s
}

func synthWord(i int) string {
	const letters = "bcdfghjklmnprstvwz"
	const vowels = "aeiou"
	var b strings.Builder
	for i++; i > 0; i /= 90 {
		d := i % 90
		b.WriteByte(letters[d%18])
		b.WriteByte(vowels[d/18])
	}
	return b.String()
}

func (s *synth) next() newsmon.Article {
	if s.left == 0 {
		s.event++
		s.left = 1 + s.rng.IntN(8)
		s.names = s.names[:0]
		for range 6 {
			s.names = append(s.names, s.vocab[10_000+s.rng.IntN(40_000)])
		}
	}
	s.left--
	s.n++
	var title, body strings.Builder
	for i := range 4 {
		title.WriteString(strings.ToUpper(s.names[i][:1]) + s.names[i][1:] + " ")
	}
	for i := range 10 {
		title.WriteString(s.vocab[s.zipf.Uint64()] + " ")
		_ = i
	}
	for p := range 4 {
		for range 40 {
			if s.rng.IntN(8) == 0 {
				body.WriteString(s.names[s.rng.IntN(len(s.names))] + " ")
			} else {
				body.WriteString(s.vocab[s.zipf.Uint64()] + " ")
			}
		}
		if p < 3 {
			body.WriteString("\n\n")
		}
	}
	lang := "en"
	if s.n%4 == 0 {
		lang = "zh"
		for range 30 {
			i := 2 * int(s.zipf.Uint64())
			body.WriteString(string(s.han[i : i+2]))
		}
	}
	return newsmon.Article{
		ID:        fmt.Sprintf("a%07d", s.n),
		Source:    fmt.Sprintf("src%d", s.n%7),
		Lang:      lang,
		Title:     title.String(),
		Body:      body.String(),
		Published: s.start.Add(time.Duration(s.n) * s.step),
	}
}

// BenchmarkAdd measures clustering with 100,000 articles already clustered
// (one a minute, so about 10,000 fall within the default 7-day window), in
// batches of 64 as the pipeline commits them (AddBatch: sorting, adding,
// consolidating).
//
//	go test ./cluster -run '^$' -bench BenchmarkAdd -benchtime 20000x
func BenchmarkAdd(b *testing.B) {
	const batch = 64
	s := newSynth(1)
	c := New(Options{})
	// A cycle of 16 batches (1,024 articles) ends with Settle, as a crawl
	// does; its cost is part of the figure.
	add := func(arts []newsmon.Article) {
		for n, i := 1, 0; i < len(arts); n, i = n+1, i+batch {
			if _, err := c.AddBatch(arts[i:min(i+batch, len(arts))]); err != nil {
				b.Fatal(err)
			}
			if n%16 == 0 || i+batch >= len(arts) {
				if err := c.Settle(nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	stored := make([]newsmon.Article, benchStored)
	for i := range stored {
		stored[i] = s.next()
	}
	add(stored)
	stored = nil
	arts := make([]newsmon.Article, b.N)
	for i := range arts {
		arts[i] = s.next()
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	add(arts)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	// The machine is shared: CPU time is the fairer clock.
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "articles/cpu-s")
	b.ReportMetric(float64(len(c.active)), "open-incidents")
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MiB")
	runtime.KeepAlive(c)
}

// benchStored is how many articles BenchmarkAdd clusters before timing.
var benchStored = 100_000

// hanArticle is a made-up Chinese article of about 6,800 characters (20 KB),
// like the pages of the pipeline benchmark: sentences drawn from 3,000
// characters with Zipfian frequencies, different for every n.
func hanArticle(n int) newsmon.Article {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	zipf := rand.NewZipf(rng, 1.05, 10, 2999)
	var b strings.Builder
	for b.Len() < 20<<10 {
		for range 20 + rng.IntN(20) {
			b.WriteRune(rune(0x4e00 + zipf.Uint64()*7%3000))
		}
		b.WriteString("，")
		if rng.IntN(4) == 0 {
			b.WriteString("。\n\n")
		}
	}
	return newsmon.Article{
		ID:        fmt.Sprintf("han%05d", n),
		Lang:      "zh",
		Title:     fmt.Sprintf("测试第%d篇", n),
		Body:      b.String(),
		Published: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute),
	}
}

// BenchmarkAddHan measures Add on long Chinese articles (the pipeline's
// main cost per page), from an empty clusterer.
//
//	go test ./cluster -run '^$' -bench BenchmarkAddHan -benchmem
func BenchmarkAddHan(b *testing.B) {
	benchFresh(b, hanArticle, Options{})
}

// benchFresh adds 200 articles made by art to a fresh clusterer with opts,
// again and again.
func benchFresh(b *testing.B, art func(int) newsmon.Article, opts Options) {
	arts := make([]newsmon.Article, 200)
	for i := range arts {
		arts[i] = art(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	var c *Clusterer
	for i := range b.N {
		if i%len(arts) == 0 {
			c = New(opts)
		}
		if _, err := c.Add(arts[i%len(arts)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "articles/cpu-s")
}

// newsArticle is made-up Chinese news n as the pipeline benchmark's portal
// pages carry it: a title of about ten characters, a description and nine
// paragraphs of fakeweb.Filler (about 1,300 characters), different for every n.
func newsArticle(n int) newsmon.Article {
	paras := make([]string, 9)
	for p := range paras {
		paras[p] = fakeweb.Filler(n, p, 140)
	}
	return newsmon.Article{
		ID:          fmt.Sprintf("news%05d", n),
		Source:      "bench",
		Lang:        "zh",
		Title:       fmt.Sprintf("基准测试第%d篇报道", n),
		Description: fakeweb.Filler(n, 100, 60),
		Body:        strings.Join(paras, "\n\n"),
		Published:   time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute),
	}
}

// BenchmarkAddNews measures Add on news-length Chinese articles as the
// pipeline benchmark clusters them (its newsPage): every article distinct,
// 200 per fresh clusterer, with the default configuration's topics.
//
//	go test ./cluster -run '^$' -bench BenchmarkAddNews -benchmem
func BenchmarkAddNews(b *testing.B) {
	benchFresh(b, newsArticle, Options{Topics: config.Default().Topics})
}
