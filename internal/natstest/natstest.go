// Package natstest runs an embedded NATS server with JetStream for tests,
// on a loopback port of its own and a temporary store directory.
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a running embedded server.
type Server struct {
	*server.Server
	dir string
}

// Start starts a server that is shut down when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := StartIn(t, t.TempDir())
	t.Cleanup(s.Stop)
	return s
}

// StartIn starts a server keeping its streams in dir, so that a server
// started again in dir finds them (a restart); the caller stops it.
func StartIn(t testing.TB, dir string) *Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  dir,
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go ns.Start()
	// Not a timing assumption: the bound only turns a server that never
	// starts into a failure instead of a hang.
	if !ns.ReadyForConnections(time.Minute) {
		ns.Shutdown()
		t.Fatal("nats server did not start")
	}
	return &Server{Server: ns, dir: dir}
}

// URL is the address clients connect to.
func (s *Server) URL() string { return s.ClientURL() }

// Stop shuts the server down and waits until it is down.
func (s *Server) Stop() {
	s.Shutdown()
	s.WaitForShutdown()
}
