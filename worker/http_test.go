package worker

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/newsmon/newsmon/config"
	"github.com/newsmon/newsmon/server"
)

func TestHandler(t *testing.T) {
	m := server.NewMetrics()
	if _, err := New(Options{Config: config.Default(), Queue: nopQueue{}, Metrics: m}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var readyErr error
	srv := httptest.NewServer(Handler(m, func() error { mu.Lock(); defer mu.Unlock(); return readyErr }))
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		path     string
		ready    error
		code     int
		contains string
	}{
		{"/healthz", nil, 200, "ok"},
		{"/readyz", nil, 200, "ready"},
		{"/readyz", errors.New("queue: not connected"), 503, "not connected"},
		{"/healthz", errors.New("queue: not connected"), 200, "ok"},
		{"/metrics", nil, 200, "go_goroutines"},
		{"/api/v1/stats", nil, 404, ""},
	}
	for _, tt := range tests {
		mu.Lock()
		readyErr = tt.ready
		mu.Unlock()
		code, body := get(tt.path)
		if code != tt.code || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s (ready %v): %d %q, want %d containing %q", tt.path, tt.ready, code, body, tt.code, tt.contains)
		}
	}
}

type nopQueue struct{ Queue }
