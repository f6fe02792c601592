package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// stage names a part of the crawl in a CPU profile: a sample belongs to
// the stage of the innermost frame of its stack that matches one, so the
// HTML parse under extraction counts as the parse and a bbolt call under
// the store as the store.
type stage struct {
	name     string
	prefixes []string // function name prefixes
}

var stages = []stage{
	{"html parse", []string{"golang.org/x/net/html."}},
	{"extract", []string{"github.com/newsmon/newsmon/extract.", "github.com/newsmon/newsmon/charset."}},
	{"dedup", []string{"github.com/newsmon/newsmon/dedup."}},
	{"cluster", []string{"github.com/newsmon/newsmon/cluster."}},
	{"store", []string{"github.com/newsmon/newsmon/store.", "go.etcd.io/bbolt."}},
	{"fetch (crawler, colly, net/http)", []string{"github.com/newsmon/newsmon/crawler.", "github.com/gocolly/", "net/http.", "net.", "internal/poll.", "crypto/", "compress/"}},
	{"garbage collection", []string{"runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge"}},
}

// stageCPU is the CPU time of one stage.
type stageCPU struct {
	name string
	cpu  time.Duration
}

// cpuByStage sums the CPU profile at path by stage; samples of no stage
// are "other". It returns the stages in the order of stages, other last,
// and the profile's total.
func cpuByStage(path string) ([]stageCPU, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("cpu profile: %w", err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, 0, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	vi := slices.IndexFunc(p.SampleType, func(t *profile.ValueType) bool { return t.Type == "cpu" })
	if vi < 0 {
		return nil, 0, fmt.Errorf("cpu profile %s: no cpu samples", path)
	}
	sums := make([]time.Duration, len(stages)+1)
	var total time.Duration
	for _, s := range p.Sample {
		d := time.Duration(s.Value[vi])
		total += d
		sums[classify(s)] += d
	}
	out := make([]stageCPU, 0, len(sums))
	for i, st := range stages {
		out = append(out, stageCPU{st.name, sums[i]})
	}
	return append(out, stageCPU{"other", sums[len(stages)]}), total, nil
}

// classify returns the index in stages of the sample's stage, len(stages)
// for none.
func classify(s *profile.Sample) int {
	for _, loc := range s.Location { // leaf first
		for _, line := range loc.Line { // inlined frames: innermost first
			if line.Function == nil {
				continue
			}
			name := line.Function.Name
			for i, st := range stages {
				for _, pre := range st.prefixes {
					if strings.HasPrefix(name, pre) {
						return i
					}
				}
			}
		}
	}
	return len(stages)
}
