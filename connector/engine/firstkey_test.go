package engine

import "testing"

// TestFirstKeyIsDeterministic: a detail's partition key comes from the
// first DetailFrom placeholder in sorted order, never from map order.
func TestFirstKeyIsDeterministic(t *testing.T) {
	t.Parallel()
	m := map[string]string{"webinarId": "id", "meetingId": "id", "occurrenceId": "occurrence_id"}
	for range 50 {
		if got := firstKey(m); got != "meetingId" {
			t.Fatalf("firstKey = %q", got)
		}
	}
	if firstKey(nil) != "" {
		t.Fatal("an empty map has a first key")
	}
}
