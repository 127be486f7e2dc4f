package connector

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestOAuthReadCheckWiring(t *testing.T) {
	f := startOAuth(t, false)
	f.authorize(t)
	r := f.run("read", "--config", f.cfgPath, "--allow-host", f.host, "--streams", "users")
	if r.code != 0 || strings.Count(r.stdout, `"type":"CONTROL"`) != 1 {
		t.Fatalf("read: %d %s %s", r.code, r.stdout[:200], r.stderr)
	}
	// The platform saves the CONTROL config and passes it next time.
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, `"type":"CONTROL"`) {
			var m struct {
				Control struct {
					ConnectorConfig struct{ Config map[string]any }
				}
			}
			_ = json.Unmarshal([]byte(line), &m)
			f.cfgPath = writeConfig(t, m.Control.ConnectorConfig.Config)
		}
	}
	c := f.run("check", "--config", f.cfgPath, "--allow-host", f.host)
	if c.code != 0 || !strings.Contains(c.stdout, `"type":"CONTROL"`) || !strings.Contains(c.stdout, "SUCCEEDED") {
		t.Fatalf("check: %s", c.stdout)
	}
	f.assertNoSecrets(t)
	g := startOAuth(t, true)
	g.authorize(t, "--tenant", "site-b")
	cc := g.run("check-credentials", "--config", g.cfgPath, "--allow-host", g.host, "--tenant", "site-b")
	if cc.code != 0 {
		t.Fatalf("check --tenant: %s %s", cc.stdout, cc.stderr)
	}
	rr := g.run("read", "--config", g.cfgPath, "--allow-host", g.host, "--tenant", "site-b", "--streams", "users")
	if rr.code != 0 {
		t.Fatalf("read --tenant: %s", rr.stderr)
	}
	bad := g.run("read", "--config", g.cfgPath, "--allow-host", g.host, "--tenant", "site-x", "--streams", "users")
	t.Log(bad.code, bad.stderr)
	g.assertNoSecrets(t)
}
