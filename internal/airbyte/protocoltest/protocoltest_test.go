package protocoltest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/testkit/refdir"
)

// capture records Errorf calls instead of failing the test.
type capture struct {
	testing.TB
	errs []string
}

func (c *capture) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}
func (c *capture) Helper() {}

func TestValidatorRejectsBadMessages(t *testing.T) {
	check := Validator(t)
	cases := map[string]string{
		"valid record":       `{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":1}}`,
		"missing emitted_at": `{"type":"RECORD","record":{"stream":"s","data":{}}}`,
		"bad level":          `{"type":"LOG","log":{"level":"NOTICE","message":"x"}}`,
		"bad type":           `{"type":"RECORDS"}`,
		"no payload":         `{"type":"STATE"}`,
		"bad reason":         `{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1.5,"stream_status":{"stream_descriptor":{"name":"s"},"status":"RUNNING","reasons":[{"type":"SLOW"}]}}}`,
		"two lines":          "{\"type\":\"LOG\",\n\"log\":{\"level\":\"INFO\",\"message\":\"x\"}}",
		"not json":           `hello`,
	}
	for name, line := range cases {
		c := &capture{TB: t}
		check(c, []byte(line+"\n"))
		if valid := name == "valid record"; valid != (len(c.errs) == 0) {
			t.Errorf("%s: errors %v", name, c.errs)
		}
	}
}

func TestProtocolDir(t *testing.T) {
	dir, err := ProtocolDir()
	if err != nil {
		refdir.Missing(t, "%s (%v)", SkipMessage, err)
	}
	if !strings.HasSuffix(dir, "shared/airbyte-protocol") {
		t.Errorf("dir = %s", dir)
	}
}
