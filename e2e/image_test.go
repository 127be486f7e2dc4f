//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"

	"github.com/zoom-connector/zoom-connector/internal/airbyte/protocoltest"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// imageBuildArgs are the --build-arg values CI builds the Dockerfile with:
// the binary comes from the build context (the one this suite built), not
// from the golang stage no machine here can pull, and the
// io.airbyte.version label (VERSION) is the version that binary reports,
// so the label and the SPEC's connector_version are one value.
func imageBuildArgs(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command(binPath, "version", "--short").Output()
	if err != nil {
		t.Fatalf("%s version --short: %v", binPath, err)
	}
	return map[string]string{"BINARY_FROM": "prebuilt", "VERSION": strings.TrimSpace(string(out))}
}

// TestImage builds the container image from the Dockerfile with the binary
// this suite built (buildah, daemonless: vfs storage, chroot isolation),
// checks that the image is what the Dockerfile's final stage declares
// (entrypoint, user, environment, labels, files), and runs the Airbyte
// commands inside it as the platform does, with the config, catalog and
// state mounted as files, against a simulator on the host's 127.0.0.1.
func TestImage(t *testing.T) {
	needBinary(t)
	bh := needBuildah(t)
	buildArgs := imageBuildArgs(t)
	want := parseDockerfile(t, filepath.Join(repoRoot, "Dockerfile"), buildArgs)

	start := time.Now()
	ctxDir := t.TempDir()
	copyFile(t, binPath, filepath.Join(ctxDir, "zoom-connector"))
	args := []string{"bud", "--isolation", "chroot", "-f", filepath.Join(repoRoot, "Dockerfile"), "-t", "zoom-connector:ci"}
	for _, k := range slices.Sorted(maps.Keys(buildArgs)) {
		args = append(args, "--build-arg", k+"="+buildArgs[k])
	}
	bh.must(append(args, ctxDir)...)
	built := time.Since(start)

	got := bh.inspect("zoom-connector:ci")
	compareImageConfig(t, want, got)
	c := strings.TrimSpace(string(bh.must("from", "zoom-connector:ci")))
	t.Cleanup(func() { _, _ = bh.run("rm", c) })
	rootfs := strings.TrimSpace(string(bh.must("mount", c)))
	compareImageFiles(t, want, rootfs)

	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 5})
	e := newEnv(t, s)
	ctr := container{bh: bh, name: c, entrypoint: got.Entrypoint, labels: got.Labels, e: e, s: s}
	runStart := time.Now()
	ctr.airbyteCommands(t)
	ctr.runsAsImageUser(t, got.User)
	t.Logf("summary: image built in %v; Airbyte commands inside it in %v", built.Round(time.Millisecond), time.Since(runStart).Round(time.Millisecond))
}

// needBuildah returns a buildah with its own storage in a temporary
// folder. Without buildah or root the test skips, except under CI=true,
// where .ci/install-deps.sh installs it and the test fails instead.
func needBuildah(t *testing.T) buildah {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("CI") == "true" {
		skip = t.Fatalf
	}
	path, err := exec.LookPath("buildah")
	if err != nil {
		skip("buildah is not installed (apt-get install buildah; .ci/install-deps.sh does it): %v", err)
	}
	if os.Geteuid() != 0 {
		skip("the image test runs buildah with chroot isolation, which needs root")
	}
	if os.Getenv("ZC_E2E_RACE") == "1" {
		skip("ZC_E2E_RACE=1 builds a cgo binary, which cannot run in the FROM scratch image")
	}
	dir := t.TempDir()
	return buildah{t: t, path: path, global: []string{"--root", filepath.Join(dir, "root"),
		"--runroot", filepath.Join(dir, "run"), "--storage-driver", "vfs"}}
}

// buildah runs buildah commands with the test's storage.
type buildah struct {
	t      *testing.T
	path   string
	global []string
}

func (b buildah) run(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.path, append(slices.Clone(b.global), args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("buildah %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String(), 3000))
	}
	return out, nil
}

func (b buildah) must(args ...string) []byte {
	b.t.Helper()
	out, err := b.run(args...)
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

func (b buildah) inspect(image string) imageConfig {
	b.t.Helper()
	var doc struct {
		OCIv1 struct {
			Config imageConfig `json:"config"`
		}
	}
	if err := json.Unmarshal(b.must("inspect", "--type", "image", image), &doc); err != nil {
		b.t.Fatalf("buildah inspect: %v", err)
	}
	return doc.OCIv1.Config
}

// compareImageConfig fails unless the built image has the Dockerfile's
// entrypoint, user, labels and environment. Builders add their own label
// (io.buildah.version) and a default PATH; nothing else may differ.
func compareImageConfig(t *testing.T, want, got imageConfig) {
	t.Helper()
	if !slices.Equal(got.Entrypoint, want.Entrypoint) || len(want.Entrypoint) == 0 {
		t.Errorf("entrypoint %q, Dockerfile says %q", got.Entrypoint, want.Entrypoint)
	}
	if got.User != want.User || want.User == "" || strings.HasPrefix(want.User, "0") || want.User == "root" {
		t.Errorf("user %q, Dockerfile says %q (and it must not be root)", got.User, want.User)
	}
	labels := maps.Clone(got.Labels)
	maps.DeleteFunc(labels, func(k, _ string) bool { return strings.HasPrefix(k, "io.buildah.") })
	if !maps.Equal(labels, want.Labels) {
		t.Errorf("labels %v, Dockerfile says %v", labels, want.Labels)
	}
	for _, k := range []string{"io.airbyte.name", "io.airbyte.version"} {
		if want.Labels[k] == "" {
			t.Errorf("the Dockerfile sets no %s label, which Airbyte needs", k)
		}
	}
	env := slices.DeleteFunc(slices.Clone(got.Env), func(kv string) bool { return strings.HasPrefix(kv, "PATH=") })
	if !slices.Equal(slices.Sorted(slices.Values(env)), slices.Sorted(slices.Values(want.Env))) {
		t.Errorf("environment %q, Dockerfile says %q", env, want.Env)
	}
	if !slices.Contains(got.Env, "AIRBYTE_ENTRYPOINT="+strings.Join(want.Entrypoint, " ")) {
		t.Errorf("AIRBYTE_ENTRYPOINT is not the entrypoint %q: %q", want.Entrypoint, got.Env)
	}
}

// compareImageFiles fails unless the image's files are exactly the
// Dockerfile's COPY destinations, the binary being the one CI built,
// static and executable.
func compareImageFiles(t *testing.T, want imageConfig, rootfs string) {
	t.Helper()
	var files []string
	err := filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(rootfs, p)
		files = append(files, "/"+rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if !slices.Equal(files, slices.Sorted(slices.Values(want.Files))) {
		t.Fatalf("image files %q, Dockerfile copies %q", files, want.Files)
	}
	bin := filepath.Join(rootfs, want.Entrypoint[0])
	if fileSHA(t, bin) != fileSHA(t, binPath) {
		t.Errorf("%s in the image is not the binary CI built", want.Entrypoint[0])
	}
	// The image has no CA certificates: the binary must carry them
	// (cmd/zoom-connector's TestEmbeddedRoots shows they are used).
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	roots := 0
	for r := range bundle.Roots() {
		if !bytes.Contains(data, r.Certificate) {
			t.Fatalf("%s lacks the embedded CA root %.60x…", want.Entrypoint[0], r.Certificate)
		}
		roots++
	}
	t.Logf("image: %s carries %d CA roots", want.Entrypoint[0], roots)
	if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o005 != 0o005 {
		t.Errorf("%s is not readable and executable by every user: %v %v", want.Entrypoint[0], fi.Mode(), err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked; the FROM scratch image needs CGO_ENABLED=0", want.Entrypoint[0])
		}
	}
}

func fileSHA(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// container runs the image's entrypoint in a buildah working container.
type container struct {
	bh         buildah
	name       string
	entrypoint []string
	labels     map[string]string
	e          *env
	s          *sim
}

// exec runs entrypoint+args inside the container with the host's network
// (the simulator listens on the host's 127.0.0.1) and the given bind
// mounts ("host:container[:ro]"), saving its output in the scanned folder.
func (c container) exec(t *testing.T, mounts []string, args ...string) result {
	t.Helper()
	cmdArgs := append(slices.Clone(c.bh.global), "run", "--isolation", "chroot", "--network", "host")
	for _, m := range mounts {
		cmdArgs = append(cmdArgs, "-v", m)
	}
	cmdArgs = append(append(append(cmdArgs, c.name, "--"), c.entrypoint...), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bh.path, cmdArgs...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.Bytes(), stderr: errb.Bytes(), elapsed: time.Since(start)}
	c.e.save(r, args)
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("buildah run %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

// airbyteCommands runs spec, check, discover and two reads (the second
// with the state the first ended with) as the Airbyte platform runs a
// source: each file mounted on its own under /config, read-only.
func (c container) airbyteCommands(t *testing.T) {
	cfgDir := t.TempDir() // holds the secret: not in the scanned folder
	mount := func(name string, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfgDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(cfgDir, name) + ":/config/" + name + ":ro"
	}
	cfg := mount("source_config.json", c.s.config())
	withConfig := func(cmd string, extra ...string) []string {
		return append([]string{cmd, "--config", "/config/source_config.json", "--allow-host", c.s.host}, extra...)
	}
	var outputs [][]byte
	ok := func(label string, r result, wantType string) {
		t.Helper()
		outputs = append(outputs, r.stdout)
		if r.code != 0 || !bytes.Contains(r.stdout, []byte(`"type":"`+wantType+`"`)) {
			t.Fatalf("%s in the image: no %s message\nstdout: %.500s\n%s", label, wantType, r.stdout, r)
		}
	}

	r := c.exec(t, nil, "spec")
	ok("spec", r, "SPEC")
	var spec struct {
		Spec struct {
			ConnectorVersion string `json:"connector_version"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(r.stdout), &spec); err != nil || spec.Spec.ConnectorVersion == "" ||
		spec.Spec.ConnectorVersion != c.labels["io.airbyte.version"] {
		t.Errorf("SPEC in the image: connector_version %q (%v), label io.airbyte.version %q: they must be one value",
			spec.Spec.ConnectorVersion, err, c.labels["io.airbyte.version"])
	}
	r = c.exec(t, []string{cfg}, withConfig("check")...)
	ok("check", r, "CONNECTION_STATUS")
	if !bytes.Contains(r.stdout, []byte(`"status":"SUCCEEDED"`)) {
		t.Fatalf("check in the image did not succeed: %s", r.stdout)
	}
	r = c.exec(t, []string{cfg}, withConfig("discover")...)
	ok("discover", r, "CATALOG")
	catalog := configuredCatalog(t, r.stdout, map[string]string{"users": "full_refresh", "report_activities": "incremental"})
	cat := mount("source_catalog.json", catalog)

	streams := []string{"report_activities", "users"}
	truth := truthSets(t, c.s.Server)
	requests := func() int { return c.s.Counters().Snapshot().Requests["GET /report/activities"] }
	before := requests()
	r = c.exec(t, []string{cfg, cat}, withConfig("read", "--catalog", "/config/source_catalog.json")...)
	ok("read", r, "STATE")
	first := parseAirbyte(t, r.stdout, true)
	expectExact(t, "read in the image", first.Records, truth, streams)
	firstRequests := requests() - before
	var states []json.RawMessage
	for _, n := range streams {
		if first.States[n] == nil || len(truth[n]) == 0 {
			t.Fatalf("read in the image: stream %s has %d records in the truth and state %s", n, len(truth[n]), first.States[n])
		}
		states = append(states, first.States[n])
	}

	state := mount("input_state.json", states)
	before = requests()
	r = c.exec(t, []string{cfg, cat, state}, withConfig("read", "--catalog", "/config/source_catalog.json", "--state", "/config/input_state.json")...)
	ok("read with a state", r, "STATE")
	second := parseAirbyte(t, r.stdout, true)
	expectExact(t, "full-refresh stream read again with a state", second.Records, truth, []string{"users"})
	if d := compare(second.Records, truth, []string{"report_activities"}); d.unexpected+d.duplicates > 0 {
		t.Errorf("incremental read in the image: %s", d)
	}
	if n := requests() - before; n >= firstRequests {
		t.Errorf("the state was not used: the incremental stream sent %d requests, the first read %d", n, firstRequests)
	}
	t.Logf("image reads: %d records then %d with the state; report_activities requests %d then %d",
		first.Total(), second.Total(), firstRequests, requests()-before)
	if _, err := protocoltest.ProtocolDir(); err == nil {
		for _, out := range outputs {
			protocoltest.ValidateLines(t, out)
		}
	}
}

// configuredCatalog turns a CATALOG message into a configured catalog of
// the named streams with the given sync modes.
func configuredCatalog(t *testing.T, discover []byte, modes map[string]string) map[string]any {
	t.Helper()
	var msg struct {
		Catalog struct {
			Streams []map[string]any `json:"streams"`
		} `json:"catalog"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(discover), &msg); err != nil {
		t.Fatalf("discover output: %v\n%.300s", err, discover)
	}
	var out []map[string]any
	for _, s := range msg.Catalog.Streams {
		name, _ := s["name"].(string)
		mode, ok := modes[name]
		if !ok {
			continue
		}
		cs := map[string]any{"stream": s, "sync_mode": mode, "destination_sync_mode": "overwrite"}
		if mode == "incremental" {
			cs["destination_sync_mode"] = "append_dedup"
			cs["cursor_field"] = s["default_cursor_field"]
			cs["primary_key"] = s["source_defined_primary_key"]
		}
		out = append(out, cs)
	}
	if len(out) != len(modes) {
		t.Fatalf("discover lacks some of %v", slices.Sorted(maps.Keys(modes)))
	}
	return map[string]any{"streams": out}
}

// runsAsImageUser writes a read's output into a folder mounted from the
// host and checks the files belong to the image's user.
func (c container) runsAsImageUser(t *testing.T, user string) {
	t.Helper()
	dir := c.e.path("out")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config.json")
	b, _ := json.Marshal(c.s.config())
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := c.exec(t, []string{cfg + ":/config/config.json:ro", dir + ":/out"}, "read", "--config", "/config/config.json",
		"--allow-host", c.s.host, "--streams", "users", "--format", "jsonl", "--output", "/out")
	if r.code != 0 {
		t.Fatalf("read to a mounted folder: %s", r)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "users-*.jsonl"))
	if len(matches) == 0 {
		t.Fatalf("no users file in the mounted folder")
	}
	fi, err := os.Stat(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	uid, gid, hasGID := strings.Cut(user, ":")
	if fmt.Sprint(st.Uid) != uid || hasGID && fmt.Sprint(st.Gid) != gid {
		t.Errorf("the container wrote %s as %d:%d, the image's user is %s", matches[0], st.Uid, st.Gid, user)
	}
}
