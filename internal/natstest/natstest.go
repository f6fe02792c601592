// Package natstest runs a NATS server with JetStream for tests, on a
// loopback port of its own and a temporary store directory: embedded
// (Start), or the nats-server binary when it is on PATH (Binary).
package natstest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsmon/newsmon/queue"
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

// Binary starts `nats-server -js` from PATH on a loopback port of its own
// and returns its URL; the test is skipped when there is no nats-server.
// The server is stopped when the test ends.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("nats-server is not on PATH")
	}
	cmd := exec.Command(path, "-js", "-a", "127.0.0.1", "-p", "-1", "-sd", t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt) //nolint:errcheck // it may be gone already
		cmd.Wait()                       //nolint:errcheck // its exit status does not matter
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.Index(line, "Listening for client connections on "); i >= 0 {
				select {
				case addr <- strings.TrimSpace(line[i+len("Listening for client connections on "):]):
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		return "nats://" + a
	case <-time.After(time.Minute): // a server that never starts, not a timing assumption
		t.Fatal("nats-server did not report its client port")
		return ""
	}
}

// Connect opens a queue with opts, closed when the test ends.
func Connect(t testing.TB, opts queue.Options) *queue.Queue {
	t.Helper()
	q, err := queue.Connect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q
}

// Drained reports whether no job and no article waits or is in flight.
func Drained(t testing.TB, q *queue.Queue) bool {
	t.Helper()
	s, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s {
		if c.Pending > 0 || c.InFlight > 0 {
			return false
		}
	}
	return true
}
