package e2e

import (
	"encoding/json"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// imageConfig is the part of an OCI image config the Dockerfile sets.
type imageConfig struct {
	User       string
	Env        []string
	Entrypoint []string
	Labels     map[string]string
	// Files are the image's regular files (absolute paths), from COPY.
	Files []string
}

// parseDockerfile reads what the Dockerfile's final stage declares: the
// files it copies, its user, environment, labels and entrypoint, with
// ${ARG}s expanded from args and the ARG defaults. It knows only the
// instructions a FROM scratch stage can use and fails on any other, so
// that a new instruction is compared too rather than ignored.
func parseDockerfile(t *testing.T, file string, args map[string]string) imageConfig {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	global := map[string]string{}
	var stage []string
	stages := 0
	for _, line := range dockerfileLines(string(b)) {
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			stages++
			stage = nil
		case "ARG":
			if stages == 0 {
				name, def, _ := strings.Cut(rest, "=")
				global[name] = def
			}
		}
		stage = append(stage, line)
	}
	if stages == 0 {
		t.Fatalf("%s has no FROM", file)
	}
	return finalStage(t, stage, global, args)
}

// finalStage interprets the final stage's instructions; an ARG takes its
// value from the build args, else its own default, else the global one.
func finalStage(t *testing.T, lines []string, global, args map[string]string) imageConfig {
	t.Helper()
	vars := map[string]string{}
	expand := func(s string) string {
		return os.Expand(s, func(k string) string { return vars[k] })
	}
	cfg := imageConfig{Labels: map[string]string{}}
	for _, line := range lines {
		instr, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "FROM":
			if rest != "scratch" {
				t.Fatalf("the final stage is FROM %s; this test knows the files of FROM scratch only", rest)
			}
		case "ARG":
			name, def, hasDef := strings.Cut(rest, "=")
			v, ok := args[name]
			switch {
			case ok:
			case hasDef:
				v = def
			default:
				v = global[name]
			}
			vars[name] = v
		case "COPY":
			f := strings.Fields(rest)
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				f = f[1:]
			}
			if len(f) != 2 {
				t.Fatalf("COPY %s: this test knows one source and one destination only", rest)
			}
			dst := expand(f[1])
			if strings.HasSuffix(dst, "/") {
				dst += path.Base(f[0])
			}
			cfg.Files = append(cfg.Files, dst)
		case "USER":
			cfg.User = expand(rest)
		case "ENV":
			for k, v := range dockerfilePairs(t, line, rest) {
				cfg.Env = append(cfg.Env, k+"="+expand(v))
			}
		case "LABEL":
			for k, v := range dockerfilePairs(t, line, rest) {
				cfg.Labels[k] = expand(v)
			}
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &cfg.Entrypoint); err != nil {
				t.Fatalf("ENTRYPOINT %s: use the JSON form: %v", rest, err)
			}
		default:
			t.Fatalf("%s in the final stage: teach e2e/dockerfile_test.go to compare it with the image", instr)
		}
	}
	return cfg
}

// dockerfileLines joins continued lines and drops comments and blanks.
func dockerfileLines(s string) []string {
	var out []string
	cur := ""
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if cur == "" && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		out = append(out, strings.TrimSpace(cur+l))
		cur = ""
	}
	return out
}

var pairRE = regexp.MustCompile(`^([A-Za-z0-9_.\-]+)=("(?:[^"\\]|\\.)*"|\S+)\s*`)

// dockerfilePairs parses key=value pairs (values plain or double-quoted).
func dockerfilePairs(t *testing.T, line, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		m := pairRE.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("%s: expected key=value pairs at %q", line, s)
		}
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			var err error
			if v, err = strconv.Unquote(v); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
		}
		out[m[1]] = v
		s = s[len(m[0]):]
	}
	return out
}

// TestParseDockerfile checks the parser on a Dockerfile with every form it
// accepts.
func TestParseDockerfile(t *testing.T) {
	dir := t.TempDir()
	df := `# comment
ARG BINARY_FROM=build
ARG VERSION=1.2.3
FROM golang AS build
RUN go build
USER 0
FROM scratch
ARG VERSION
COPY --from=build /out/zoom-connector /zoom-connector
COPY notes.txt /doc/
USER 65532:65532
ENV A="x y" B=z
LABEL io.airbyte.version="${VERSION}" \
      other=plain
ENTRYPOINT ["/zoom-connector", "--x"]
`
	p := dir + "/Dockerfile"
	if err := os.WriteFile(p, []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	got := parseDockerfile(t, p, map[string]string{"BINARY_FROM": "prebuilt"})
	if got.User != "65532:65532" || strings.Join(got.Entrypoint, " ") != "/zoom-connector --x" ||
		strings.Join(got.Files, ",") != "/zoom-connector,/doc/notes.txt" ||
		got.Labels["io.airbyte.version"] != "1.2.3" || got.Labels["other"] != "plain" || len(got.Labels) != 2 ||
		len(got.Env) != 2 {
		t.Fatalf("parsed %+v", got)
	}
	got = parseDockerfile(t, p, map[string]string{"VERSION": "9.9.9"})
	if got.Labels["io.airbyte.version"] != "9.9.9" {
		t.Fatalf("build arg not applied: %v", got.Labels)
	}
}
