package extract

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// wallErr reports whether err says the page is a wall rather than an article.
func wallErr(err error) bool {
	return errors.Is(err, ErrBotWall) || errors.Is(err, ErrConsent) || errors.Is(err, ErrJSShell) || errors.Is(err, ErrLoginWall)
}

// TestWalls reads our own wall pages, and articles that only look a little
// like walls (a cookie banner, a login box in the header, a very short
// article in an application root, an article about captchas).
func TestWalls(t *testing.T) {
	tests := []struct {
		file string
		want error // nil: an article
	}{
		{"botwall-challenge.html", ErrBotWall},
		{"botwall-slider-zh.html", ErrBotWall},
		{"botwall-captcha-form.html", ErrBotWall},
		{"consent-page.html", ErrConsent},
		{"consent-short-zh.html", ErrConsent},
		{"jsshell-noscript.html", ErrJSShell},
		{"jsshell-mount-zh.html", ErrJSShell},
		{"login-wall.html", ErrLoginWall},
		{"login-wall-zh.html", ErrLoginWall},
		{"article-cookie-banner.html", nil},
		{"article-login-box.html", nil},
		{"article-short-zh.html", nil},
		{"article-about-captcha.html", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "walls", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			u := "https://news.example.org/2020/05/02/" + tt.file
			art, err := Extract(Input{URL: u, HTML: raw, FetchedAt: fetched})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("article: got error %v", err)
				}
				if art.Body == "" {
					t.Fatal("article: empty body")
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			for _, other := range []error{ErrBotWall, ErrConsent, ErrJSShell, ErrLoginWall, ErrNoArticle} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v is also %v", err, other)
				}
			}
		})
	}
}
