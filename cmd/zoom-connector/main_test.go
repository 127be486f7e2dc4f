package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// rootsReport is what the child process finds out about its CA roots.
type rootsReport struct {
	PoolErr       string // x509.SystemCertPool's error
	BundleRoots   int    // unconstrained roots of the embedded bundle
	BundleTrusted int    // of those, how many verify against the system pool
	TLSErr        string // GET of the test server with the default client
}

// TestRootsChild runs only as the child of TestEmbeddedRoots: it reports,
// as JSON on stdout, which roots this binary (linked like the command,
// with the fallback bundle) trusts under the environment it was given.
func TestRootsChild(t *testing.T) {
	url := os.Getenv("ZC_ROOTS_CHILD_URL")
	if url == "" {
		t.Skip("child of TestEmbeddedRoots only")
	}
	var r rootsReport
	if _, err := x509.SystemCertPool(); err != nil {
		r.PoolErr = err.Error()
	}
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		c, err := x509.ParseCertificate(root.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		r.BundleRoots++
		if _, err := c.Verify(x509.VerifyOptions{}); err == nil {
			r.BundleTrusted++
		}
	}
	resp, err := http.Get(url)
	if err == nil {
		resp.Body.Close()
	} else {
		r.TLSErr = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		t.Fatal(err)
	}
}

// TestEmbeddedRoots runs this package's test binary (which links the
// fallback roots exactly as the command does) in a child process with
// SSL_CERT_FILE and SSL_CERT_DIR steered, as in the FROM scratch image
// where no system roots exist, and as on a system that has roots.
func TestEmbeddedRoots(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	serverCA := filepath.Join(dir, "server-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(serverCA, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	emptyDir := t.TempDir()
	child := func(certFile string) rootsReport {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestRootsChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ZC_ROOTS_CHILD_URL="+srv.URL, "SSL_CERT_FILE="+certFile, "SSL_CERT_DIR="+emptyDir)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		var r rootsReport
		if err := json.Unmarshal(firstLine(out), &r); err != nil {
			t.Fatalf("child output: %v\n%s", err, out)
		}
		return r
	}

	t.Run("no system roots: the embedded bundle is the pool", func(t *testing.T) {
		r := child(filepath.Join(dir, "absent.pem"))
		// Without the bundle linked in, no root verifies here (checked
		// by removing the import: BundleTrusted is then 0).
		if r.PoolErr != "" || r.BundleRoots < 100 || r.BundleTrusted != r.BundleRoots {
			t.Fatalf("system pool is not the embedded bundle: %+v", r)
		}
		// The pool is the bundle, not "trust anything": a server whose CA
		// is not in it is refused.
		var unknown x509.UnknownAuthorityError
		if r.TLSErr == "" || !strings.Contains(r.TLSErr, unknown.Error()) {
			t.Fatalf("TLS to a server outside the bundle: %q, want %q", r.TLSErr, unknown.Error())
		}
	})
	t.Run("system roots present: the bundle is not used", func(t *testing.T) {
		r := child(serverCA)
		if r.PoolErr != "" || r.TLSErr != "" {
			t.Fatalf("system roots not used: %+v", r)
		}
		if r.BundleTrusted != 0 {
			t.Fatalf("%d bundle roots trusted although the system has roots", r.BundleTrusted)
		}
	})
}

// firstLine returns out up to its first newline (the test binary prints
// PASS after the child's report).
func firstLine(out []byte) []byte {
	for i, b := range out {
		if b == '\n' {
			return out[:i]
		}
	}
	return out
}
