package connector

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
)

// estimateRead makes the quota estimate of a read about to run.
func estimateRead(job *readJob, probed map[string]quota.Counts) *quota.Estimate {
	return quota.Make(quota.Read{Selected: job.streams, Incremental: job.incremental, State: job.state}, probed)
}

// announceQuota says on stderr what the read is expected to send and over
// how many days the plan's daily quotas spread it (a warning when more
// than one), and, in Airbyte mode (aw set), emits an ESTIMATE per selected
// stream carrying the stream's and the read's requests.
func announceQuota(est *quota.Estimate, plan string, log *slog.Logger, aw *airbyte.Writer) {
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
			Read: nonNil(est.Total.ToState()), Plan: plan, Days: days, Message: msg}
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
// the read the config selects by default, from the state at path.
func reportQuota(w io.Writer, cfg *config.Config, path string) error {
	job := &readJob{incremental: map[string]bool{}}
	if err := job.selectStreams(cfg, nil); err != nil {
		return err
	}
	st, err := loadStateInput(path)
	if err != nil {
		return err
	}
	job.state = st
	est := estimateRead(job, nil)
	msg, err := quota.Sentence(est, string(cfg.Plan))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nQuota estimate of the next read (state %s, %d streams):\n  %s.\n  Estimated from: %s.\n", path, len(job.streams), msg, quota.Sources(est))
	return nil
}
