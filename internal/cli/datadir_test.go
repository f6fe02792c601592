package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsmon/newsmon/store"
)

// export only reads: with no database where --data-dir points it fails
// with a clear message and creates nothing.
func TestExportMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"export"},
		{"export", "articles"},
		{"export", "incidents", "--format", "jsonl"},
	} {
		missing := filepath.Join(dir, "typo", "data")
		out, errOut, code := run(t, append(args, "--data-dir", missing)...)
		if code == 0 || out != "" {
			t.Errorf("%v: status %d, output %q; want a failure and no output", args, code, out)
		}
		if !strings.Contains(errOut, "no newsmon database at "+missing) {
			t.Errorf("%v: message %q does not say there is no database at %s", args, errOut, missing)
		}
		if _, err := os.Stat(filepath.Join(dir, "typo")); !os.IsNotExist(err) {
			t.Errorf("%v: %s was created (stat: %v)", args, missing, err)
		}
	}
	// An existing but empty directory stays empty.
	empty := t.TempDir()
	if _, errOut, code := run(t, "export", "--data-dir", empty); code == 0 || !strings.Contains(errOut, "no newsmon database at "+empty) {
		t.Errorf("empty directory: status %d, message %q", code, errOut)
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("export wrote %d files into the empty data directory", len(ents))
	}
}

// A relative data_dir in a configuration file is the file's directory's,
// whichever directory newsmon runs in; --data-dir and NEWSMON_DATA_DIR are
// the working directory's, as any command-line path.
func TestRelativeDataDir(t *testing.T) {
	etc, cwd := t.TempDir(), t.TempDir()
	cfg := filepath.Join(etc, "newsmon.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: data\nsources: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(etc, "data", "newsmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	t.Chdir(cwd)

	dataDir := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, append([]string{"check"}, args...)...)
		if code != 0 {
			t.Fatalf("check %v: status %d: %s", args, code, errOut)
		}
		for _, line := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(line, "data_dir: "); ok {
				return v
			}
		}
		t.Fatalf("check %v printed no data_dir:\n%s", args, out)
		return ""
	}
	if got, want := dataDir("--config", cfg), filepath.Join(etc, "data"); got != want {
		t.Errorf("config file: data_dir %s, want %s", got, want)
	}
	if got := dataDir("--config", cfg, "--data-dir", "flagdir"); got != "flagdir" {
		t.Errorf("--data-dir: data_dir %s, want flagdir (the working directory's)", got)
	}
	t.Setenv("NEWSMON_DATA_DIR", "envdir")
	if got := dataDir("--config", cfg); got != "envdir" {
		t.Errorf("NEWSMON_DATA_DIR: data_dir %s, want envdir (the working directory's)", got)
	}
	t.Setenv("NEWSMON_DATA_DIR", "") // empty: not set

	// export from another directory finds the file's database.
	if out, errOut, code := run(t, "export", "--config", cfg); code != 0 || !strings.Contains(out, `"incidents"`) {
		t.Errorf("export from another directory: status %d, output %q, %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(cwd, "data")); !os.IsNotExist(err) {
		t.Errorf("export made a data directory in the working directory (stat: %v)", err)
	}
}
