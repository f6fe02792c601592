package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
