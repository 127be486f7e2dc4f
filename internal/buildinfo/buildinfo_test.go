package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/zoom-connector/zoom-connector", Version: "v0.0.0-20261130034821-ce80510abcde+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "ce80510abcdef"}, {Key: "vcs.time", Value: "2026-11-30T03:48:21Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		name             string
		bi               *debug.BuildInfo
		linkV, linkC     string
		version, short   string
		commit, inString string
	}{
		{"tagged", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.2.0"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}},
			"", "", "v0.2.0", "0.2.0", "abc", "commit  abc\n"},
		{"pseudo-version, modified tree", vcs, "", "", vcs.Main.Version, "0.0.0-20261130034821-ce80510abcde-dirty", "ce80510abcdef",
			"commit  ce80510abcdef (2026-11-30T03:48:21Z), with uncommitted changes"},
		{"no VCS information", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: Devel}}, "", "", Devel, "dev", "", "built without VCS information"},
		{"no build information", nil, "", "", Devel, "dev", "", "go      go"},
		{"set at link time", &debug.BuildInfo{Main: debug.Module{Version: Devel}}, "0.3.1", "fff", "0.3.1", "0.3.1", "fff", "version 0.3.1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := fromBuildInfo(tc.bi, tc.linkV, tc.linkC)
			if in.Version != tc.version || in.Short() != tc.short || in.Commit != tc.commit {
				t.Errorf("got version %q short %q commit %q, want %q %q %q", in.Version, in.Short(), in.Commit, tc.version, tc.short, tc.commit)
			}
			if s := in.String(); !strings.Contains(s, tc.inString) || strings.Count(s, "\n") != 3 {
				t.Errorf("String() = %q, want it to contain %q on three lines", s, tc.inString)
			}
		})
	}
	if in := Read(); in.GoVersion == "" || in.Version == "" {
		t.Errorf("Read() = %+v", in)
	}
}
