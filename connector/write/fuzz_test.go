package write

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/config"
)

// FuzzRowParsers feeds arbitrary bytes to the CSV and JSON lines readers
// and every row they yield to the normalizer (mapping and validation). It
// must never panic; every item is either a row or carries an error, and a
// row that normalizes has an email, a first name and a target.
//
//	go test -run='^$' -fuzz=FuzzRowParsers -fuzztime=60s ./connector/write/
func FuzzRowParsers(f *testing.F) {
	for _, s := range []string{
		"Email Address,First Name,meeting_id\nada@example.com,Ada,85746065432\n",
		"email,first_name,webinar_id,country\n\"a@b.example\",\"A\",9007199254740993,GB\n",
		"email,first_name\nx@y.z,\"unterminated\n",
		"email,first_name,meeting_id\na@b.c,A\n",
		"\xef\xbb\xbfemail,first_name,meeting_id\na@b.c,A,1\n",
		`{"email":"ada@example.com","first_name":"Ada","meeting_id":85746065432}` + "\n",
		`{"email":"a@b.c","first_name":"A","webinar_id":"1e400"}` + "\n[1,2]\n{bad json\n",
		`{"email":"a@b.c","first_name":"A","meeting_id":1,"custom_questions":[{"title":"t","value":"v"}],"no_of_employees":"1-20"}`,
		`{"email":null,"first_name":{"x":1},"meeting_id":-5,"country":"Portugal"}`,
	} {
		f.Add([]byte(s))
	}
	n, err := newNormalizer(&config.Config{Mapping: map[string]string{"Email Address": "email", "First Name": "first_name"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sources := []Source{NewJSONLSource(bytes.NewReader(data))}
		if src, err := NewCSVSource(bytes.NewReader(data)); err == nil {
			sources = append(sources, src)
		}
		for _, src := range sources {
			for i := 0; i < 10000; i++ {
				it, err := src.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					break // unreadable input ends the run with an error: fine
				}
				if it.Err != nil {
					if it.Row <= 0 {
						t.Fatalf("malformed item without a row number: %v", it.Err)
					}
					continue
				}
				r, err := n.normalize(it.Data)
				if err != nil {
					if strings.TrimSpace(err.Error()) == "" {
						t.Fatal("a rejection with no reason")
					}
					continue
				}
				if r == nil {
					t.Fatal("normalize returned neither a row nor an error")
				}
				if r.email == "" || r.fields["first_name"] == nil || r.target.ID <= 0 {
					t.Fatalf("accepted a row without email, first name or target: %+v", r)
				}
			}
		}
	})
}
