package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// staticToken is a token source that never expires.
type staticToken struct{}

func (staticToken) Token(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "t", Expiry: time.Now().Add(time.Hour)}, nil
}
func (staticToken) Invalidate(*oauth2.Token) {}

// TestParentWithoutPathFieldLosesOnePartition: a parent record that lacks
// the field its child's path needs (a group without an id) loses that one
// partition: the child stream reads the other parents' partitions and ends
// incomplete, naming the lost one, instead of failing whole. (Listings and
// details disagreed before the engine had one request path: a listing
// failed the whole stream, a detail lost one partition.)
func TestParentWithoutPathFieldLosesOnePartition(t *testing.T) {
	t.Parallel()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/groups":
			w.Write([]byte(`{"groups":[{"id":"g1","name":"one"},{"name":"no id"},{"id":"g3","name":"three"}]}`))
		case "/groups/g1/members", "/groups/g3/members":
			w.Write([]byte(`{"page_size":300,"next_page_token":"","members":[{"id":"u-` + strings.Split(r.URL.Path, "/")[2] + `"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	client, err := zoomapi.New(zoomapi.Config{APIBaseURL: srv.URL, TokenSource: staticToken{}, AllowHosts: []string{u.Host},
		Plan: "unlimited", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	log := &commitLog{}
	sum, err := Read(context.Background(), client, log, log, ReadOptions{Streams: []string{"groups", "group_members"}, MaxConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.committed) != 5 { // 3 groups, 2 members
		t.Fatalf("%d records committed, want 5 (asked %v)", len(log.committed), asked)
	}
	for _, r := range sum.Streams {
		switch r.Name {
		case "groups":
			if r.Status != StatusComplete {
				t.Errorf("groups: %s %v", r.Status, r.Err)
			}
		case "group_members":
			if r.Status != StatusIncomplete || r.Records != 2 || r.Err == nil || !strings.Contains(r.Err.Error(), `1 partitions lost, the first: /groups/{groupId}/members: parent record has no "id"`) {
				t.Errorf("group_members: %s, %d records, %v", r.Status, r.Records, r.Err)
			}
		}
	}
}
