package config

import (
	"os"
	"path/filepath"
	"testing"
)

// A relative data_dir in a file is taken from the file's directory; an
// absolute one, one left out (the default ./newsmon-data) and one given to
// Parse (no file) are kept as written.
func TestLoadRelativeDataDir(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(dir, "elsewhere")
	tests := []struct {
		name, yaml string
		want       string
	}{
		{"relative", "data_dir: data\n", filepath.Join(dir, "etc", "data")},
		{"dot relative", "data_dir: ./data\n", filepath.Join(dir, "etc", "data")},
		{"parent", "data_dir: ../var/newsmon\n", filepath.Join(dir, "var", "newsmon")},
		{"absolute", "data_dir: " + abs + "\n", abs},
		{"left out", "crawl:\n  timeout: 5s\n", "./newsmon-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "etc", "newsmon.yaml")
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.DataDir != tt.want {
				t.Errorf("Load: data_dir %q, want %q", c.DataDir, tt.want)
			}
		})
	}
	// A file named relative to the working directory gives a data_dir
	// relative to it as well.
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join("etc", "newsmon.yaml"), []byte("data_dir: data\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(filepath.Join("etc", "newsmon.yaml")); err != nil || c.DataDir != filepath.Join("etc", "data") {
		t.Errorf("relative file name: data_dir %q (%v), want etc/data", c.DataDir, err)
	}
	if c, err := Parse("newsmon.yaml", []byte("data_dir: data\n")); err != nil || c.DataDir != "data" {
		t.Errorf("Parse: data_dir %q (%v), want data as written", c.DataDir, err)
	}
}
