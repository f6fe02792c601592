package dedup

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"

	"github.com/newsmon/newsmon/internal/evaldata"
)

// TestFingerprintGolden guards the stored fingerprints: it computes
// Fingerprint over the real bodies of $NEWSMON_EXTRACT_DATA (and
// $NEWSMON_CLUSTER_DATA) and variants of them that take every path of
// Normalise (traditional script, full width, upper case, runes NFKC
// changes, invisible characters, invalid UTF-8, title only), and logs a
// digest of them all. It must equal fingerprintDigest, so that what is already on
// users' disks stays valid: change fingerprintDigest only with a new signature version that
// handles the old form.
func TestFingerprintGolden(t *testing.T) {
	if os.Getenv(evaldata.ClusterEnv) == "" {
		// The digests are of both data sets: with one, they differ.
		t.Skipf("%s not set: the golden digests cover its BASIL articles too", evaldata.ClusterEnv)
	}
	docs := loadEvalDocs(t)
	s2t, err := opencc.New("s2t")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	sprinkle := []string{"ﬁ", "①", "e\u0301", "\u200b", "\u00ad", "\ufeff", "ｶﾞ", "\uF900", "\xff", "\xe4\xb8", "²", "\u3000", "Ⅻ", "㈱", "\U00020000", "ǅ"}
	var lines, samples []string
	for _, d := range docs {
		trad, err := s2t.Convert(d.body)
		if err != nil {
			t.Fatal(err)
		}
		var mixed strings.Builder
		for i, r := range d.body {
			if rng.IntN(40) == 0 {
				mixed.WriteString(sprinkle[rng.IntN(len(sprinkle))])
			}
			if i%7 == 0 && r < 0x7f && r > ' ' {
				r += 0xFF01 - '!' // full width
			}
			mixed.WriteRune(r)
		}
		cut := d.body[:len(d.body)/3]
		variants := [][2]string{
			{"", d.body},
			{"", trad},
			{"", strings.ToUpper(d.body)},
			{"", mixed.String()},
			{"", cut}, // may end inside a rune
			{cut, ""},
			{firstSentence(d.body, 80), " ，。 "},
		}
		for i, v := range variants {
			hash, sig := Fingerprint(v[0], v[1])
			// The MinHash part as stored before samples, then the sample.
			mh := sig[:headerLen+4*numHashes]
			lines = append(lines, fmt.Sprintf("%s %d %s %s %s", d.id, i, hash, hex.EncodeToString(mh), strings.Join(sig.Keys(), ",")))
			samples = append(samples, fmt.Sprintf("%s %d %s %s", d.id, i, hex.EncodeToString(sig[len(mh):]), strings.Join(sig.IndexKeys(), ",")))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	t.Logf("%d fingerprints, digest %x", len(lines), sum)
	ssum := sha256.Sum256([]byte(strings.Join(samples, "\n")))
	t.Logf("containment samples digest %x", ssum)

	if got := fmt.Sprintf("%x", sum); got != fingerprintDigest {
		t.Fatalf("fingerprints changed: digest %s, want %s", got, fingerprintDigest)
	}
	if got := fmt.Sprintf("%x", ssum); got != sampleDigest {
		t.Fatalf("containment samples changed: digest %s, want %s", got, sampleDigest)
	}
}

// sampleDigest is the digest of the containment samples and index keys,
// as of signature v2 with samples, at most 256 of them (maxSamples; 512
// until 2026-12-02, digest 5370fcab...: a long text's sample is now cut at
// a lower value, which its header says, so signatures stored before
// compare with new ones as they are).
const sampleDigest = "9aca9b507f53b8e0480c29e0ba101bd3f683c26d609172396eff237bee973faf"

// fingerprintDigest is the digest of the fingerprints above, as of schema 2 / signature v2
// (the MinHash part; samples follow it since, unchanged).
const fingerprintDigest = "1dcb7c1d431c24961bee97af587219b5afd4c6873ba8c549e4357863033a2f79"
