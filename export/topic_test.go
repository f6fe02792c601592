package export

import (
	"errors"
	"testing"
)

func TestCheckTopic(t *testing.T) {
	names := []string{"ai-incidents", "recalls"}
	tests := []struct {
		topic string
		names []string
		want  string // "" for nil
	}{
		{"", names, ""},
		{"recalls", names, ""},
		{"", nil, ""},
		{"nosuch", names, "no such topic in the configuration (have: ai-incidents, recalls)"},
		{"nosuch", nil, "no such topic in the configuration (have: none)"},
		{"Recalls", names, "no such topic in the configuration (have: ai-incidents, recalls)"},
	}
	for _, tt := range tests {
		err := CheckTopic(tt.topic, tt.names)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckTopic(%q, %v) = %v, want nil", tt.topic, tt.names, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrNoTopic) {
			t.Errorf("CheckTopic(%q, %v) = %v, want %q wrapping ErrNoTopic", tt.topic, tt.names, err, tt.want)
		}
	}
}
