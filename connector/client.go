package connector

import (
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// NewClient builds the one Zoom client of a run from the configuration.
// allowHosts are the operator's --allow-host entries: the only way to let
// credentials go anywhere but Zoom's own hosts (the config file cannot).
func NewClient(cfg *config.Config, allowHosts []string, log *slog.Logger) (*zoomapi.Client, error) {
	rates := map[zoomapi.Category]rate.Limit{}
	set := func(c zoomapi.Category, v float64, perMinute bool) {
		if v > 0 {
			if perMinute {
				v /= 60
			}
			rates[c] = rate.Limit(v)
		}
	}
	set(zoomapi.CategoryLight, cfg.RateLimits.Light, false)
	set(zoomapi.CategoryMedium, cfg.RateLimits.Medium, false)
	set(zoomapi.CategoryHeavy, cfg.RateLimits.Heavy, false)
	set(zoomapi.CategoryResourceIntensive, cfg.RateLimits.ResourceIntensive, true)
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return zoomapi.New(zoomapi.Config{
		APIBaseURL:     cfg.APIBaseURL,
		TokenURL:       cfg.OAuthTokenURL,
		AccountID:      cfg.AccountID,
		ClientID:       cfg.ClientID,
		ClientSecret:   cfg.ClientSecret.Reveal(),
		AllowHosts:     allowHosts,
		Plan:           string(cfg.Plan),
		Rates:          rates,
		RequestTimeout: timeout,
		Logger:         log,
	})
}
