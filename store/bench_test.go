package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsmon/newsmon"
	bolt "go.etcd.io/bbolt"
)

// mix is splitmix64: a cheap deterministic scramble for benchmark keys.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// BenchmarkSaveArticle times SaveArticle with production durability (fsync
// on every commit): a 4 KB article, 3 URLs, 42 near keys and its incident.
func BenchmarkSaveArticle(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "newsmon.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := strings.Repeat("这是一段用于基准测试的正文。", 100)
	i := 0
	for b.Loop() {
		w := testArticle(i)
		w.Article.Body = body
		w.URLs = append(w.URLs, fmt.Sprintf("https://m.news.example.com/a/%d.html", i))
		w.Incident = &newsmon.Incident{ID: fmt.Sprintf("inc-%d", i/3), LastSeen: w.Article.FetchedAt}
		if err := s.SaveArticle(w); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkSaveBatch times SaveBatch of 64 new articles as the pipeline
// writes them: each with a 509-byte signature, 2 URLs, 42 near keys and its
// incident (with a 100-term centroid), and one DocFreqWrite with the
// absolute counts of the batch's distinct terms, as the clusterer hands
// them over (articles have distinct terms drawn from a skewed vocabulary).
// "long" has 20 KB bodies and 1,000 terms of 50,000 (some 32,000 distinct a
// batch; none in long/terms=0, which shows the cost of the rest) and syncs
// each commit; "real" is long with 300 terms of 200,000 (some 17,000
// distinct a batch, as on real text), with the docfreq log bounded at 1, 4
// and 16 MiB; "pipeline" has articles like BenchmarkPipeline's
// (1,300-character bodies, 800 terms of 6,000: some 6,000 distinct a batch)
// and no fsync, so that it times the CPU; "pipeline/shaped" is pipeline with
// incidents shaped like the clusterer's (see saveBatchShape). ns/op is per
// batch, ns/article per article; batches/compaction is how often the log is folded into the docfreq
// bucket and ns/compacting-batch what a batch that does it costs, against
// ns/plain-batch for the others.
func BenchmarkSaveBatch(b *testing.B) {
	for _, c := range []struct {
		name string
		saveBatchShape
		logMax int
	}{
		{"long/terms=0", saveBatchShape{body: 20000, vocab: 50000}, docFreqLogMax},
		{"long/terms=1000", saveBatchShape{body: 20000, terms: 1000, vocab: 50000}, docFreqLogMax},
		{"pipeline", saveBatchShape{body: 3900, terms: 800, vocab: 6000, noSync: true}, docFreqLogMax},
		{"pipeline/shaped", saveBatchShape{body: 3800, terms: 800, vocab: 6000, noSync: true, shaped: true}, docFreqLogMax},
		{"real/terms=300/log=1MiB", saveBatchShape{body: 20000, terms: 300, vocab: 200000}, 1 << 20},
		{"real/terms=300/log=4MiB", saveBatchShape{body: 20000, terms: 300, vocab: 200000}, 4 << 20},
		{"real/terms=300/log=16MiB", saveBatchShape{body: 20000, terms: 300, vocab: 200000}, 16 << 20},
	} {
		b.Run(c.name, func(b *testing.B) {
			defer func(m int) { docFreqLogMax = m }(docFreqLogMax)
			docFreqLogMax = c.logMax
			benchSaveBatch(b, c.saveBatchShape)
		})
	}
}

// saveBatchShape is what benchSaveBatch saves: articles with bodies of
// about body bytes of Chinese text and terms terms each of a vocabulary of
// vocab, synced on commit unless noSync. shaped makes the incidents like
// the clusterer's (a 64-term centroid of full-precision weights over
// Chinese, Latin and "#"/"^" terms, with its language counts, title
// language and centrality; ArticleIDs
// growing as articles join) instead of 100 terms with short weights.
type saveBatchShape struct {
	body, terms, vocab int
	noSync, shaped     bool
}

// shapedState returns an incident state like the clusterer's for article n.
func shapedState(n int, vocab []string) newsmon.IncidentState {
	centroid := make(map[string]float64, 68)
	for k := 0; len(centroid) < 64; k++ {
		r := mix(uint64(n*64 + k))
		term := vocab[r%uint64(len(vocab))]
		switch r >> 60 {
		case 0:
			term = fmt.Sprintf("word%d", r%5000)
		case 1:
			term = "#" + term
		case 2:
			term = "^" + term
		}
		// Weights between ~1e-4 and 1, all 53 bits used.
		centroid[term] = float64(mix(r)>>11) / (1 << 53) / float64(1+r%1000)
	}
	return newsmon.IncidentState{Terms: centroid, Langs: map[string]int{"zh": 1 + n%3}, TitleLang: "zh",
		Central: float64(mix(uint64(n))>>11) / (1 << 53)}
}

// benchSaveBatch times batches of articles shaped as sh says.
func benchSaveBatch(b *testing.B, sh saveBatchShape) {
	s, err := Open(filepath.Join(b.TempDir(), "newsmon.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.db.NoSync = sh.noSync
	const batch = 64
	var body strings.Builder
	for i := 0; body.Len() < sh.body; i++ {
		fmt.Fprintf(&body, "这是第%d段用于基准测试的正文，讲述一件虚构的新闻事件。\n\n", i)
	}
	vocab := make([]string, sh.vocab)
	for t := range vocab {
		vocab[t] = fmt.Sprintf("词%d", t)
	}
	sig := make([]byte, 509)
	df := make([]int, sh.vocab) // the clusterer's counts
	docs := 0
	n, distinct, compactions := 0, 0, 0
	var tPlain, tCompacting time.Duration
	for b.Loop() {
		b.StopTimer()
		writes := make([]Write, 0, 2*batch+1)
		changed := map[uint64]bool{}
		for range batch {
			w := testArticle(n)
			w.Article.Body = body.String()
			w.Article.Signature = sig
			sig[1+n%500]++
			w.Article.ContentHash = fmt.Sprintf("%064x", mix(uint64(n)))
			seen := map[uint64]bool{}
			for r := uint64(0); len(seen) < sh.terms; r++ {
				// Squaring a uniform draw skews it towards common terms.
				u := mix(uint64(n)<<20|r) % 1e6
				t := u * u / (1e12 / uint64(len(vocab)))
				if !seen[t] {
					seen[t] = true
					df[t]++
					changed[t] = true
				}
			}
			if sh.terms > 0 {
				docs++
			}
			inc := &newsmon.Incident{ID: fmt.Sprintf("inc-%d", n/3), LastSeen: w.Article.FetchedAt,
				ArticleIDs: []string{ArticleID(w.Article.URL)}}
			var st newsmon.IncidentState
			if sh.shaped {
				inc.Title, inc.CentralTitle = w.Article.Title, w.Article.Title
				inc.FirstSeen, inc.Languages, inc.Sources = t0, []string{"zh"}, []string{"example"}
				inc.Keywords = []string{vocab[n%len(vocab)], "word1", "词2"}
				for a := n / 3 * 3; a < n; a++ {
					inc.ArticleIDs = append(inc.ArticleIDs, ArticleID(testArticle(a).Article.URL))
				}
				inc.Score = float64(mix(uint64(n))>>11) / (1 << 53) * 3
				st = shapedState(n, vocab)
			} else {
				st.Terms = make(map[string]float64, 100)
				for k := range 100 {
					st.Terms[vocab[mix(uint64(n*100+k))%uint64(len(vocab))]] = float64(mix(uint64(k))%1000) / 997
				}
			}
			writes = append(writes, Write{Article: &w}, Write{Incident: inc, State: &st})
			n++
		}
		if len(changed) > 0 {
			d := &DocFreqWrite{Docs: docs}
			for t := range changed {
				d.Terms = append(d.Terms, vocab[t])
				d.Counts = append(d.Counts, df[t])
			}
			writes = append(writes, Write{DocFreq: d})
			distinct += len(changed)
		}
		before := benchLogBytes(b, s)
		b.StartTimer()
		start := time.Now()
		errs, err := s.SaveBatch(writes)
		took := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		if after := benchLogBytes(b, s); after < before {
			compactions++
			tCompacting += took
		} else {
			tPlain += took
		}
		b.StartTimer()
	}
	batches := n / batch
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/article")
	b.ReportMetric(float64(distinct)/float64(batches), "terms/batch")
	if compactions > 0 {
		b.ReportMetric(float64(batches)/float64(compactions), "batches/compaction")
		b.ReportMetric(float64(tCompacting.Nanoseconds())/float64(compactions), "ns/compacting-batch")
	}
	if batches > compactions {
		b.ReportMetric(float64(tPlain.Nanoseconds())/float64(batches-compactions), "ns/plain-batch")
	}
}

// benchLogBytes returns the size of s's docfreq log.
func benchLogBytes(b *testing.B, s *Store) int {
	n := 0
	if err := s.db.View(func(tx *bolt.Tx) error { n = logBytes(tx); return nil }); err != nil {
		b.Fatal(err)
	}
	return n
}
