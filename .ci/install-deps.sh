#!/usr/bin/env bash
# Installs what some tests need besides Go, from Debian's packages:
# PostgreSQL (internal/store runs its suite against it), Chromium (the
# serve form test drives it headless) and buildah (e2e/image_test.go builds
# the container image and runs it, daemonless). Idempotent and quiet: it
# does nothing when all are present, and never fails a run because of an
# already installed package. Needs root (CI containers run as root).
set -euo pipefail

have_pg() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1
}
have_chromium() {
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]
}
have_buildah() {
  command -v buildah >/dev/null 2>&1
}

pkgs=()
have_pg || pkgs+=(postgresql)
have_chromium || pkgs+=(chromium)
have_buildah || pkgs+=(buildah)
if [ ${#pkgs[@]} -eq 0 ]; then
  echo "install-deps: postgresql, chromium and buildah already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: not root; cannot install ${pkgs[*]} (the tests that need them will skip)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: no apt-get; cannot install ${pkgs[*]} (the tests that need them will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${pkgs[*]}"
apt-get update -qq >/dev/null
# Debian's postgresql package creates and starts a cluster; the tests make
# their own, so a service that cannot start in a container is harmless.
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null || {
  # A package configured before (for example a postgresql whose service
  # could not start) can fail its postinst; accept it when the binaries
  # are there.
  if ! { have_pg && have_chromium && have_buildah; }; then
    echo "install-deps: apt-get install ${pkgs[*]} failed" >&2
    exit 1
  fi
}
echo "install-deps: done"
