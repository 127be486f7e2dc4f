package store

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgCluster is a throwaway PostgreSQL server started for this test binary.
type pgCluster struct {
	dir, data, bin string
	port           int
	asUser         string // run server commands as this user (when root)
	err            error  // why there is none, if there is none
	skip           bool   // PostgreSQL is not installed
}

var (
	pgOnce sync.Once
	pg     *pgCluster
	pgDBs  atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pg != nil && pg.err == nil && !pg.skip {
		pg.stop()
	}
	os.Exit(code)
}

// findPGBin returns the folder holding initdb and pg_ctl: PATH first, then
// Debian's /usr/lib/postgresql/*/bin (highest version).
func findPGBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				return filepath.Dir(real)
			}
			return filepath.Dir(p)
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	best, bestV := "", -1
	for _, m := range matches {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if v > bestV {
			best, bestV = filepath.Dir(m), v
		}
	}
	return best
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// run runs a PostgreSQL program, as c.asUser when set (initdb and postgres
// refuse to run as root).
func (c *pgCluster) run(name string, args ...string) ([]byte, error) {
	bin := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func startCluster() *pgCluster {
	c := &pgCluster{bin: findPGBin()}
	if c.bin == "" {
		c.skip = true
		return c
	}
	var err error
	if c.dir, err = os.MkdirTemp("", "zc-pg-"); err != nil {
		c.err = err
		return c
	}
	c.data = filepath.Join(c.dir, "data")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			c.err = fmt.Errorf("running as root and there is no postgres user to run initdb as: %v", err)
			return c
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			c.err = err
			return c
		}
		c.asUser = "postgres"
	}
	if out, err := c.run("initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--no-instructions"); err != nil {
		c.err = fmt.Errorf("initdb: %v\n%s", err, out)
		return c
	}
	if c.port, err = freePort(); err != nil {
		c.err = err
		return c
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", c.port, c.dir)
	if out, err := c.run("pg_ctl", "-D", c.data, "-o", opts, "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.err = fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
		return c
	}
	return c
}

func (c *pgCluster) stop() {
	_, _ = c.run("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
	_ = os.RemoveAll(c.dir)
}

// postgresDSN returns the DSN of a fresh, empty database in the test
// cluster, or skips the test when PostgreSQL is not installed.
func postgresDSN(t *testing.T) string {
	t.Helper()
	pgOnce.Do(func() { pg = startCluster() })
	if pg.skip {
		t.Skip("PostgreSQL is not installed (no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin); .ci/install-deps.sh installs it")
	}
	if pg.err != nil {
		t.Fatalf("start PostgreSQL: %v", pg.err)
	}
	name := fmt.Sprintf("zc_test_%d", pgDBs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port))
	if err != nil {
		t.Fatalf("connect to the test cluster: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.port, name)
}

func TestFindPGBinShape(t *testing.T) {
	if b := findPGBin(); b != "" && !strings.HasSuffix(b, "bin") {
		t.Errorf("findPGBin = %q, want a bin folder", b)
	}
}
