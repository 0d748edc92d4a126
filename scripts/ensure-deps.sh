#!/usr/bin/env bash
# Makes sure the system tools the test suites need are installed: Debian's Chromium and
# Firefox ESR for Playwright, WebKitWebDriver and MiniBrowser for the WebKit suite, Xvfb to
# give MiniBrowser a display, redis-server for the Redis-backed tests, Prometheus (with
# promtool) for the alert rule tests and the tests that scrape a real server, and nginx for
# the tests behind a real reverse proxy and load balancer (ops/nginx, docs/deploy).
# Fast and silent when everything is present; as root it installs what is missing with
# apt-get, otherwise it stops and prints the command to run.
set -euo pipefail

# "<how to find it> <Debian package>": a command on PATH, or an absolute file path.
REQUIRED=(
  "chromium chromium"
  "firefox-esr firefox-esr"
  "WebKitWebDriver webkit2gtk-driver"
  "xvfb-run xvfb"
  "Xvfb xvfb"
  "xauth xauth"
  "redis-server redis-server"
  "prometheus prometheus"
  "promtool prometheus"
  "/usr/sbin/nginx nginx"
)

minibrowser_path() {
  if [[ -n "${WEBKIT_MINIBROWSER_PATH:-}" ]]; then
    printf '%s\n' "$WEBKIT_MINIBROWSER_PATH"
    return
  fi
  local candidate
  for candidate in /usr/lib/*-linux-gnu/webkit2gtk-4.1/MiniBrowser /usr/lib/*-linux-gnu/webkit2gtk-4.0/MiniBrowser; do
    if [[ -x "$candidate" ]]; then
      printf '%s\n' "$candidate"
      return
    fi
  done
}

missing_packages() {
  local entry tool pkg
  local -a pkgs=()
  for entry in "${REQUIRED[@]}"; do
    read -r tool pkg <<<"$entry"
    if ! command -v "$tool" >/dev/null 2>&1; then
      pkgs+=("$pkg")
    fi
  done
  # MiniBrowser ships in libwebkit2gtk-4.1-0, which webkit2gtk-driver depends on.
  if [[ -z "$(minibrowser_path)" ]]; then
    pkgs+=(libwebkit2gtk-4.1-0)
  fi
  if ((${#pkgs[@]})); then
    printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' '
  fi
}

missing="$(missing_packages)"
missing="${missing% }"
if [[ -z "$missing" ]]; then
  exit 0
fi

install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing"
if [[ "$(id -u)" -ne 0 ]]; then
  echo "ensure-deps: missing system packages: $missing" >&2
  echo "ensure-deps: install them as root, then run the tests again:" >&2
  echo "  sudo sh -c '$install_cmd'" >&2
  exit 1
fi

echo "ensure-deps: installing $missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq
# shellcheck disable=SC2086 # one word per package
apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing >&2

still_missing="$(missing_packages)"
if [[ -n "${still_missing% }" ]]; then
  echo "ensure-deps: still missing after apt-get install: ${still_missing% }" >&2
  exit 1
fi
