package connector

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// estimateRead makes the quota estimate of a read about to run at now.
func estimateRead(job *readJob, now time.Time, probed map[string]quota.Counts) *quota.Estimate {
	r := quota.Read{Selected: job.streams, Incremental: job.incremental, State: job.state, Now: now}
	if job.changes != nil {
		r.SettleDays, r.ReconcileDays = job.changes.SettleDays, job.changes.ReconcileDays
	}
	return quota.Make(r, probed)
}

// readClock is the instant the read begins: opts.Began when set, else its
// clock now (opts.Now, time.Now when unset: the real binary's).
func readClock(opts engine.ReadOptions) time.Time {
	if !opts.Began.IsZero() {
		return opts.Began
	}
	if opts.Now == nil {
		return time.Now()
	}
	return opts.Now()
}

// probeWhenNeeded completes an estimate in which some stream has no counts
// from an earlier read with a probe of the read (engine.Probe), whose
// requests est.Probe then counts: unless the config turns the probe off,
// the plan has no daily quota (unlimited: no quota to run out of, so none
// is spent to foresee it), or the read resumes a sync under way (its first
// run probed already, and the state keeps its estimate: a sync the daily
// quota spreads over days would otherwise probe every day). A probe that
// fails leaves those streams unestimated, with a warning; the read goes
// on.
func probeWhenNeeded(ctx context.Context, client *zoomapi.Client, cfg *config.Config, job *readJob, opts engine.ReadOptions, est *quota.Estimate, log *slog.Logger) *quota.Estimate {
	if pools, _ := zoomapi.DailyPools(string(cfg.Plan)); len(est.Unestimated()) == 0 || !cfg.QuotaProbe || len(pools) == 0 || est.Resumed() {
		return est
	}
	res, err := engine.Probe(ctx, client, opts, quota.ProbeSamples(string(cfg.Plan)))
	if err != nil {
		log.Warn("quota estimate: the probe stopped; the streams without counts are not estimated", "error", err.Error())
		if res == nil {
			return est
		}
		est.Probe = res.Sent
		return est
	}
	est = estimateRead(job, readClock(opts), res.Streams)
	est.Probe = res.Sent
	quota.RememberProbe(job.state, res.Streams)
	return est
}

// announceQuota estimates the read about to run (from the state's counts,
// else a probe) and says on stderr what it is expected to send and over
// how many days the plan's daily quotas spread it (a warning when more
// than one), and, in Airbyte mode (aw set), emits an ESTIMATE per selected
// stream carrying the stream's and the read's requests.
func announceQuota(ctx context.Context, client *zoomapi.Client, cfg *config.Config, job *readJob, opts engine.ReadOptions, aw *airbyte.Writer) {
	log, plan := opts.Log, string(cfg.Plan)
	est := probeWhenNeeded(ctx, client, cfg, job, opts, estimateRead(job, readClock(opts), nil), log)
	msg, err := quota.Sentence(est, plan)
	if err != nil {
		log.Warn("quota estimate: " + err.Error())
		return
	}
	days, _, _ := quota.Days(est.Total, plan)
	attrs := []any{"sources", quota.Sources(est)}
	if days > 1 {
		log.Warn("quota estimate: "+msg, attrs...)
	} else {
		log.Info("quota estimate: "+msg, attrs...)
	}
	if aw == nil {
		return
	}
	for _, s := range est.Streams {
		if !s.Selected {
			continue
		}
		r := &airbyte.RequestEstimate{Stream: nonNil(s.Requests.ToState()), Source: string(s.Source),
			Read: nonNil(est.Total.ToState()), Probe: est.Probe.ToState(), Plan: plan, Days: days, Message: msg}
		if err := aw.TraceRequestEstimate(s.Name, r); err != nil {
			log.Error("write ESTIMATE", "error", err)
			return
		}
	}
}

func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// reportQuota prints, for check-credentials --state, the quota estimate of
// the read the config selects by default, beginning at now, from the state
// at path.
func reportQuota(w io.Writer, cfg *config.Config, path string, now time.Time) error {
	job := &readJob{incremental: map[string]bool{}, changes: &engine.ChangeRules{SettleDays: cfg.SettleDays, ReconcileDays: cfg.ReconcileDays}}
	if err := job.selectStreams(cfg, nil); err != nil {
		return err
	}
	st, err := loadStateInput(path)
	if err != nil {
		return err
	}
	job.state = st
	est := estimateRead(job, now, nil)
	msg, err := quota.Sentence(est, string(cfg.Plan))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nQuota estimate of the next read (state %s, %d streams):\n  %s.\n  Estimated from: %s.\n", path, len(job.streams), msg, quota.Sources(est))
	return nil
}
