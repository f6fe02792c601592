package newsmon

import "time"

// Review statuses of an incident. An incident nobody has reviewed is new.
const (
	StatusNew       = "new"
	StatusConfirmed = "confirmed"
	StatusDismissed = "dismissed"
)

// Review actions, as recorded in the review log.
const (
	ActionStatus = "status" // Status set (Note: the reason)
	ActionTitle  = "title"  // Title set ("" restores the clusterer's title)
	ActionNote   = "note"   // Note added
	ActionMerge  = "merge"  // Incident merged into Into
	ActionMove   = "move"   // Article moved from Incident to Into
)

// ReviewEntry is one record of the append-only review log: what a reviewer
// decided, when, about which incident or article.
type ReviewEntry struct {
	Seq      uint64    `json:"seq"` // assigned by the store, from 1
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	Incident string    `json:"incident"`          // the incident acted on; for a move, the one the article left
	Article  string    `json:"article,omitempty"` // move: the article
	Into     string    `json:"into,omitempty"`    // merge: the survivor; move: where the article went
	Status   string    `json:"status,omitempty"`
	Title    string    `json:"title,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// IncidentReview is the review state of an incident, derived from the
// review log: its status (with the reason given), the title a reviewer
// gave it, the notes, and the ids merged into it.
type IncidentReview struct {
	Status    string       `json:"status"`
	Reason    string       `json:"reason,omitempty"`
	Title     string       `json:"reviewed_title,omitempty"`
	Notes     []ReviewNote `json:"notes,omitempty"`
	MergedIDs []string     `json:"merged_ids,omitempty"`
}

// ReviewNote is a reviewer's note on an incident, with the action it came
// with.
type ReviewNote struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"`
	Text   string    `json:"text"`
}

// ValidStatus reports whether s is one of the review statuses.
func ValidStatus(s string) bool {
	return s == StatusNew || s == StatusConfirmed || s == StatusDismissed
}
