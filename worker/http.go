package worker

import (
	"net/http"

	"github.com/newsmon/newsmon/server"
)

// Handler serves a worker's probes and metrics:
//
//	GET /healthz   200 while the process runs
//	GET /readyz    200 when ready returns nil (the queue is connected), else 503
//	GET /metrics   Prometheus text format: fetches, failures, jobs by result
func Handler(m *server.Metrics, ready func() error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusOK, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				text(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
				return
			}
		}
		text(w, http.StatusOK, "ready")
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

func text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n")) //nolint:errcheck // the client went away; nothing to do
}
