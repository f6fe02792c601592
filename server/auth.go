package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The UI's access rules. With Options.Token set, a browser logs in once
// (POST /login with the token) and keeps a session cookie: HttpOnly,
// SameSite=Lax, Secure unless the UI is served over plain HTTP on a
// loopback address; the cookie carries an expiry and an HMAC keyed by the
// token, so it outlives a restart and dies with a token change. Without a
// token the UI is served only on loopback (ListenAddrAllowed).
//
// Every UI form that POSTs carries a CSRF token: an HMAC of the session
// cookie (without a token, of a random per-browser cookie), checked with a
// refusal of requests that Sec-Fetch-Site or Origin say come from another
// site.

const (
	sessionCookie = "newsmon_session"
	csrfCookie    = "newsmon_csrf"
	sessionTTL    = 30 * 24 * time.Hour
	maxFormBody   = 64 << 10
)

// uiKey derives the key of the UI's MACs: from the token when there is one,
// else random for the life of the process.
func uiKey(token string) []byte {
	if token != "" {
		sum := sha256.Sum256([]byte("newsmon ui key\x00" + token))
		return sum[:]
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	return key
}

func (h *handler) mac(parts ...string) string {
	m := hmac.New(sha256.New, h.uiKey)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(m.Sum(nil))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newSession returns a session cookie value: expiry, nonce, MAC.
func (h *handler) newSession() string {
	exp := strconv.FormatInt(h.opts.Now().Add(sessionTTL).Unix(), 10)
	nonce := randomHex(16)
	return exp + "." + nonce + "." + h.mac("session", exp, nonce)
}

func (h *handler) validSession(v string) bool {
	exp, rest, ok1 := strings.Cut(v, ".")
	nonce, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return false
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || h.opts.Now().Unix() > t {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(h.mac("session", exp, nonce)))
}

// loggedIn reports whether r may see the UI.
func (h *handler) loggedIn(r *http.Request) bool {
	if h.opts.Token == "" {
		return true
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && h.validSession(c.Value)
}

// secureCookie reports whether cookies set in answer to r get Secure: always,
// except over plain HTTP to a loopback host, where a browser might not keep
// them.
func secureCookie(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	return !isLoopback(host)
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secureCookie(r), SameSite: http.SameSiteLaxMode})
}

// csrfBase is what a CSRF token is bound to: the session cookie, else the
// CSRF cookie (set here when absent, with w non-nil).
func (h *handler) csrfBase(w http.ResponseWriter, r *http.Request) string {
	if h.opts.Token != "" {
		if c, err := r.Cookie(sessionCookie); err == nil {
			return c.Value
		}
		return ""
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	if w == nil {
		return ""
	}
	v := randomHex(16)
	setCookie(w, r, csrfCookie, v, int(sessionTTL/time.Second))
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v}) // later calls in this request see it
	return v
}

// csrfToken is the token the forms of a page for r carry.
func (h *handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	return h.mac("csrf", h.csrfBase(w, r))
}

// crossSite reports whether the browser says r comes from another site.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if o == "null" || err != nil || !strings.EqualFold(u.Host, r.Host) {
			return true
		}
	}
	return false
}

// csrfOK checks a UI POST: not cross-site, and its csrf field is the token.
func (h *handler) csrfOK(r *http.Request) bool {
	if crossSite(r) {
		return false
	}
	base := h.csrfBase(nil, r)
	if base == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(h.mac("csrf", base))) == 1
}

// tokenOK compares a submitted token with Options.Token in constant time.
func (h *handler) tokenOK(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], h.tokenHash[:]) == 1
}

// localPath returns next if it is a path on this server, else "/".
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || len(next) > 2048 {
		return "/"
	}
	return next
}
