package config

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func FuzzZZHang(f *testing.F) {
	f.Add([]byte(fullConfig))
	f.Add(defaultYAML)
	f.Add([]byte("crawl: {timeout: 3x}\n"))
	f.Add([]byte("a: &a [*a]\nsources: *a\n"))
	f.Add([]byte("sources:\n  - &s {name: a, feeds: [https://a/]}\n  - *s\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		go func() { Parse("fuzz.yaml", data); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			os.WriteFile(fmt.Sprintf("/tmp/hang-%d.yaml", time.Now().UnixNano()), data, 0o644)
			t.Fatalf("hang on %q", data)
		}
	})
}
