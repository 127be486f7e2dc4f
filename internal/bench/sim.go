package bench

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// simRun is a simulator listening on 127.0.0.1 and a connector config
// file pointing at it.
type simRun struct {
	l      *zoomsim.Listening
	host   string // HOST:PORT for --allow-host
	config string // path of the connector config file
}

// startSim generates dataset, serves it with plan and latency, and writes
// a connector config (plan, max_concurrency, page_size) into dir.
func startSim(dir, dataset string, seed int64, plan string, latency time.Duration, connPlan string, concurrency, pageSize int) (*simRun, error) {
	srv, err := zoomsim.NewServer(zoomsim.Options{Dataset: dataset, Seed: seed, Plan: plan, Latency: latency})
	if err != nil {
		return nil, err
	}
	l, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(l.URL)
	if err != nil {
		l.Close()
		return nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("config-%s-%s-%d.json", dataset, connPlan, concurrency))
	if err := writeConfig(path, srv.Config(l.URL), connPlan, concurrency, pageSize); err != nil {
		l.Close()
		return nil, err
	}
	return &simRun{l: l, host: u.Host, config: path}, nil
}

func (s *simRun) close() { _ = s.l.Close() }

// writeConfig writes, at path (its folder made), a connector config for the
// simulator sc describes, with plan, max_concurrency and, when pageSize is
// above 0, page_size.
func writeConfig(path string, sc zoomsim.ConnectorConfig, plan string, concurrency, pageSize int) error {
	cfg := map[string]any{
		"account_id": sc.AccountID, "client_id": sc.ClientID, "client_secret": sc.ClientSecret,
		"api_base_url": sc.APIBaseURL, "oauth_token_url": sc.OAuthTokenURL, "validation_url": sc.ValidationURL,
		"plan": plan, "max_concurrency": concurrency,
	}
	if pageSize > 0 {
		cfg["page_size"] = pageSize
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
