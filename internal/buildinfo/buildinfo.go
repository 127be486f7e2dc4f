// Package buildinfo says which build of the connector is running: its
// version, commit and Go version, from the build information the Go
// toolchain embeds in the binary (runtime/debug.ReadBuildInfo). The
// version command, the SPEC message and the container image's
// io.airbyte.version label all take the version from here.
//
// The toolchain stamps the main module's version from the VCS when it
// builds in a git checkout (a tag such as v0.2.0, or a pseudo-version
// v0.0.0-20261130034821-ce80510abcde) and the commit as vcs.revision; a
// build without VCS information (-buildvcs=false, a source tree without
// .git) has the version "(devel)". A release build without .git can set
// both with -ldflags "-X <this package>.version=0.2.0 -X <this package>.commit=<sha>".
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Set with -ldflags -X when the build has no VCS information.
var version, commit string

// Devel is the version of a build without a version: the Go toolchain's
// own word for it.
const Devel = "(devel)"

// Info describes the running build.
type Info struct {
	// Version is the connector's version: "v0.2.0", a pseudo-version, or
	// Devel.
	Version string
	// Commit is the VCS revision ("" when unknown); Modified is true when
	// the working tree had uncommitted changes; CommitTime is the
	// revision's time (RFC 3339, "" when unknown).
	Commit, CommitTime string
	Modified           bool
	// GoVersion is the toolchain that built the binary; Platform its
	// GOOS/GOARCH.
	GoVersion, Platform string
}

// Read returns the running build's information.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuildInfo(bi, version, commit)
}

// fromBuildInfo derives Info from bi (nil when the binary has none) and
// the values set at link time, which win when set.
func fromBuildInfo(bi *debug.BuildInfo, linkVersion, linkCommit string) Info {
	in := Info{Version: Devel, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if v := bi.Main.Version; v != "" {
			in.Version = v
		}
		if bi.GoVersion != "" {
			in.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
			case "vcs.time":
				in.CommitTime = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if linkVersion != "" {
		in.Version = linkVersion
	}
	if linkCommit != "" {
		in.Commit, in.CommitTime, in.Modified = linkCommit, "", false
	}
	return in
}

// Short is the version without the Go module's "v" prefix ("0.2.0"), as
// the SPEC message and the image label carry it; "dev" for a build
// without a version. Characters a container image tag cannot hold ("+" of
// "+dirty") become "-".
func (in Info) Short() string {
	if in.Version == Devel || in.Version == "" {
		return "dev"
	}
	v := strings.TrimPrefix(in.Version, "v")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, v)
}

// String renders the information for people, on three lines.
func (in Info) String() string {
	c := in.Commit
	if c == "" {
		c = "unknown (built without VCS information)"
	} else {
		if in.CommitTime != "" {
			c += " (" + in.CommitTime + ")"
		}
		if in.Modified {
			c += ", with uncommitted changes"
		}
	}
	return "version " + in.Version + "\ncommit  " + c + "\ngo      " + in.GoVersion + " " + in.Platform + "\n"
}
