package engine

import (
	"context"
	"fmt"
)

// readSource reads a stream of another source than Zoom (its Source in
// ReadOptions.Sources) as one partition: its records go to the checkpoint
// writer with their positions, which the state keeps per key once they are
// committed, so the next read, or a resumed one, continues after the last
// committed record. An error of the source loses the partition: the stream
// ends incomplete, and what was committed stays committed.
func (e *engine) readSource(ctx context.Context, t task) {
	s := t.stream
	ss := e.cp.st.Streams[s.Name].Clone()
	for r, err := range e.opts.Sources[s.Name].Records(ctx, ss) {
		if err != nil {
			e.out.failPartition(s.Name, fmt.Errorf("%s: %w", s.Name, err))
			return
		}
		if ctx.Err() != nil {
			break
		}
		e.cp.writeAt(s.Name, r)
	}
	if ctx.Err() != nil {
		e.out.markIncomplete(s.Name)
		return
	}
	e.partitionDone(t)
}
