package evaldata

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTruths(t *testing.T) {
	write := func(dir, name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "truth.json"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write(dir, "zh-b", `{"lang":"zh","title":"标题","date":"2026-05-01","body":"正文"}`)
	write(dir, "en-a", `{"lang":"en","site":"example.org","title":null,"body":"Body text."}`)
	got, err := Truths(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "en-a" || got[1].ID != "zh-b" {
		t.Fatalf("truths %+v, want en-a then zh-b", got)
	}
	if got[0].Site == nil || *got[0].Site != "example.org" || got[0].Title != nil || got[1].Title == nil || *got[1].Title != "标题" || got[1].Body != "正文" {
		t.Errorf("fields not read: %+v", got)
	}

	if got, err := Truths(t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("empty directory: %v, %v", got, err)
	}

	write(dir, "zz-bad", `{"lang":`)
	if _, err := Truths(dir); err == nil || !strings.Contains(err.Error(), filepath.Join("zz-bad", "truth.json")) {
		t.Errorf("bad truth file: error %v, want one naming it", err)
	}
}
