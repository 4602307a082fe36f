package assessment

import (
	"reflect"
	"testing"

	"mamori/internal/apperr"
)

func TestOpenItems(t *testing.T) {
	ids := []string{"1-1", "1-2", "1-3", "2-1"}
	got := OpenItems(ids, map[string]string{"1-1": MarkOK, "1-3": MarkNeedsAttention, "9-9": MarkNeedsAttention})
	want := OpenReview{Attention: []string{"1-3"}, Unviewed: []string{"1-2", "2-1"}}
	if !reflect.DeepEqual(got, want) || got.Empty() {
		t.Errorf("OpenItems = %+v, want %+v", got, want)
	}
	if !OpenItems(ids, map[string]string{"1-1": "ok", "1-2": "ok", "1-3": "ok", "2-1": "ok"}).Empty() {
		t.Error("all marked ok is not empty")
	}
}

func TestCheckApprovable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		attention []string
		ack       bool
		wantErr   bool
	}{
		{"NothingOpen", nil, false, false},
		{"OpenMarksRefused", []string{"1-3", "4-2"}, false, true},
		{"OpenMarksAcknowledged", []string{"1-3"}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckApprovable(tc.attention, tc.ack)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil {
				return
			}
			e, _ := apperr.As(err)
			if e.Code != apperr.Invalid || !reflect.DeepEqual(e.Detail, map[string]any{"open_marks": tc.attention}) {
				t.Errorf("error = %+v", e)
			}
		})
	}
}

func TestUnaddressed(t *testing.T) {
	got := Unaddressed([]string{"1-1", "2-3", "4-1"}, map[string]bool{"1-1": true}, map[string]bool{"4-1": true, "5-1": true})
	if !reflect.DeepEqual(got, []string{"2-3"}) {
		t.Errorf("Unaddressed = %v", got)
	}
	if got := Unaddressed(nil, nil, nil); got != nil {
		t.Errorf("no findings: %v", got)
	}
}
