package main

import (
	"github.com/zoom-connector/zoom-connector/connector"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// demoAccount starts the embedded Zoom simulator on 127.0.0.1 for the demo
// command: the dataset asked for, seed 1, no rate limits.
func demoAccount(dataset string) (*connector.DemoAccount, error) {
	sim, err := zoomsim.NewServer(zoomsim.Options{Dataset: dataset, Seed: 1, Plan: "unlimited"})
	if err != nil {
		return nil, err
	}
	l, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sc := sim.Config(l.URL)
	cfg := config.Default()
	cfg.APIBaseURL, cfg.OAuthTokenURL, cfg.ValidationURL = sc.APIBaseURL, sc.OAuthTokenURL, sc.ValidationURL
	cfg.AccountID, cfg.ClientID, cfg.ClientSecret = sc.AccountID, sc.ClientID, config.Secret(sc.ClientSecret)
	cfg.Plan = config.PlanUnlimited
	return &connector.DemoAccount{URL: l.URL, Config: cfg, Close: l.Close, Requests: func() (int, int) {
		c := sim.Counters().Snapshot()
		return c.TotalRequests, c.TokenRequests
	}}, nil
}
