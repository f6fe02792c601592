package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/export"
)

// Reviewer is what the review API and UI need (review.Service): the review
// state and a reviewer's actions. Each action returns the id of the
// incident it leaves the subject in; errors match Options.ErrNotFound for
// an unknown id and Options.ErrInvalid for an action that cannot apply.
type Reviewer interface {
	Incident(id string) (newsmon.Incident, error) // a merged id answers with the survivor
	Reviews() (func(id string) newsmon.IncidentReview, error)
	SetStatus(id, status, note string) (string, error)
	SetTitle(id, title string) (string, error)
	AddNote(id, note string) (string, error)
	Merge(from, into, note string) (string, error)
	Move(articleID, to, note string) (string, error)
}

// maxActionBody bounds the body of a review action.
const maxActionBody = 64 << 10

// validID reports whether s can be an article or incident id: ids are
// short runs of letters, digits, '-' and '_'.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !validID(id) {
		return "", badf("malformed id %.140q", id)
	}
	return id, nil
}

// storeErr maps a store or reviewer error to the API's: unknown ids are
// 404s, refused actions 400s.
func (h *handler) storeErr(what string, err error) error {
	switch {
	case h.opts.ErrNotFound != nil && errors.Is(err, h.opts.ErrNotFound):
		return errNotFound
	case h.opts.ErrInvalid != nil && errors.Is(err, h.opts.ErrInvalid):
		return &badRequest{err.Error()}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// reviewedIncident returns incident id (resolved) in the export format,
// with its articles and review state.
func (h *handler) reviewedIncident(id string) (export.Incident, error) {
	inc, err := h.opts.Review.Incident(id)
	if err != nil {
		return export.Incident{}, h.storeErr("incident "+id, err)
	}
	reviews, err := h.opts.Review.Reviews()
	if err != nil {
		return export.Incident{}, err
	}
	x, err := export.NewIncident(inc, h.opts.Store.Article)
	if err != nil {
		return export.Incident{}, err
	}
	x.SetReview(reviews(inc.ID))
	return x, nil
}

// GET /api/v1/incidents/{id}
func (h *handler) incident(w http.ResponseWriter, r *http.Request, q url.Values) error {
	if err := params(q); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := h.reviewedIncident(id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}

// actionBody is the JSON body of every review action; each reads its own
// fields and refuses the others.
type actionBody struct {
	Status *string `json:"status"`
	Note   *string `json:"note"`
	Title  *string `json:"title"`
	Into   *string `json:"into"`
	To     *string `json:"to"`
}

// readAction decodes the JSON body of a review action. Only JSON is taken:
// a cross-site form cannot send it without a CORS preflight, which the
// server does not grant.
func readAction(r *http.Request, allowed ...string) (actionBody, error) {
	var b actionBody
	if crossSite(r) {
		return b, badf("cross-site request refused")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return b, badf("want a JSON body (Content-Type: application/json)")
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxActionBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return b, badf("body: %v", err)
	}
	if dec.More() {
		return b, badf("body: more than one JSON value")
	}
	given := map[string]bool{"status": b.Status != nil, "note": b.Note != nil, "title": b.Title != nil, "into": b.Into != nil, "to": b.To != nil}
	for k, ok := range given {
		if ok && !slices.Contains(allowed, k) {
			return b, badf("body: field %q not taken by this action (allowed: %s)", k, strings.Join(allowed, ", "))
		}
	}
	return b, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// POST /api/v1/incidents/{id}/{action}: status, title, note, merge.
func (h *handler) incidentAction(w http.ResponseWriter, r *http.Request, q url.Values) error {
	if err := params(q); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	action := r.PathValue("action")
	var result string
	switch action {
	case "status":
		b, err := readAction(r, "status", "note")
		if err != nil {
			return err
		}
		if b.Status == nil {
			return badf("body: status required")
		}
		result, err = h.opts.Review.SetStatus(id, *b.Status, deref(b.Note))
		if err != nil {
			return h.storeErr("status of "+id, err)
		}
	case "title":
		b, err := readAction(r, "title")
		if err != nil {
			return err
		}
		if b.Title == nil {
			return badf("body: title required")
		}
		if result, err = h.opts.Review.SetTitle(id, *b.Title); err != nil {
			return h.storeErr("title of "+id, err)
		}
	case "note":
		b, err := readAction(r, "note")
		if err != nil {
			return err
		}
		if result, err = h.opts.Review.AddNote(id, deref(b.Note)); err != nil {
			return h.storeErr("note on "+id, err)
		}
	case "merge":
		b, err := readAction(r, "into", "note")
		if err != nil {
			return err
		}
		if !validID(deref(b.Into)) {
			return badf("body: into: want an incident id")
		}
		if result, err = h.opts.Review.Merge(id, *b.Into, deref(b.Note)); err != nil {
			return h.storeErr("merge "+id, err)
		}
		h.staleQueue()
	default:
		return errNotFound
	}
	x, err := h.reviewedIncident(result)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}

// POST /api/v1/articles/{id}/move {"to": "<incident id>" or ""}
func (h *handler) articleMove(w http.ResponseWriter, r *http.Request, q url.Values) error {
	if err := params(q); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := readAction(r, "to", "note")
	if err != nil {
		return err
	}
	if b.To == nil || (*b.To != "" && !validID(*b.To)) {
		return badf(`body: to: want an incident id, or "" for a new incident`)
	}
	result, err := h.opts.Review.Move(id, *b.To, deref(b.Note))
	if err != nil {
		return h.storeErr("move article "+id, err)
	}
	h.staleQueue()
	x, err := h.reviewedIncident(result)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}
