package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// OpenExisting, for readers, opens a database that is there and creates
// nothing when there is none.
func TestOpenExisting(t *testing.T) {
	dir := t.TempDir()
	var id string
	tests := []struct {
		name    string
		prepare func(path string) // what is at path before OpenExisting
		wantErr error             // nil: it opens
	}{
		{"no directory", func(string) {}, ErrNoDatabase},
		{"directory without a database", func(p string) {
			if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
				t.Fatal(err)
			}
		}, ErrNoDatabase},
		{"a directory where the file should be", func(p string) {
			if err := os.MkdirAll(p, 0o750); err != nil {
				t.Fatal(err)
			}
		}, ErrNoDatabase},
		{"a database with an article", func(p string) {
			s, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			id = mustSave(t, s, testArticle(1))
			s.Close()
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"), "data", "newsmon.db")
			tt.prepare(path)
			before := tree(t, dir)
			s, err := OpenExisting(path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("OpenExisting: %v, want %v naming %s", err, tt.wantErr, path)
				}
				if after := tree(t, dir); after != before {
					t.Errorf("OpenExisting created files:\nbefore %s\nafter  %s", before, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenExisting: %v", err)
			}
			defer s.Close()
			if _, err := s.Article(id); err != nil {
				t.Errorf("stored article: %v", err)
			}
		})
	}
}

// tree lists every path under dir.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		paths = append(paths, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(paths, " ")
}
