#!/usr/bin/env bash
# What `pnpm test` runs: system tools, the build, lint, typecheck, Vitest (unit and integration), then the
# browser suites (Playwright's Chromium, Firefox and mobile projects, and WebKit over
# WebDriver). Ends with `N passed, M failed` on the last line and exits non-zero when
# anything failed, a runner crashed, or a runner ran no test.
#   --e2e-only   the browser suites only (`pnpm test:e2e`)
# Failure artifacts (traces, screenshots, server logs) stay in e2e/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=all
case "${1:-}" in
  "") ;;
  --e2e-only) mode=e2e ;;
  *)
    echo "usage: scripts/test.sh [--e2e-only]" >&2
    exit 2
    ;;
esac

reports="$(mktemp -d "${TMPDIR:-/tmp}/sessionboard-test.XXXXXX")"
trap 'rm -rf "$reports"' EXIT
# Stop at Ctrl-C even when the runner it interrupted exits normally.
trap 'exit 130' INT
trap 'exit 143' TERM
results=()
started=$SECONDS

step() {
  printf '\n==> %s\n' "$*"
}

# In CI a runner that hangs is ended (with its whole process group) and counted as failed.
# Not at a terminal: timeout's own process group would keep Ctrl-C from the runner.
bounded() {
  local seconds=$1
  shift
  if [[ -n "${CI:-}" ]]; then
    timeout --kill-after=30s "$seconds" "$@"
  else
    "$@"
  fi
}

step "system dependencies"
deps_ok=1
bash scripts/ensure-deps.sh
deps_exit=$?
results+=(step ensure-deps "$deps_exit")
((deps_exit == 0)) || deps_ok=0

step "build"
bounded 600 pnpm build
build_exit=$?
results+=(step build "$build_exit")

if [[ $mode == all ]]; then
  step "lint"
  bounded 600 pnpm lint
  results+=(step lint $?)

  step "typecheck"
  bounded 900 pnpm typecheck
  results+=(step typecheck $?)

  step "vitest"
  bounded 1200 pnpm vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json"
  results+=(vitest $? "$reports/vitest.json")
fi

step "e2e: chromium, firefox, mobile (Playwright) and webkit (WebKitWebDriver)"
if ((build_exit != 0)); then
  results+=(skipped e2e "the build failed")
elif ((deps_ok == 0)); then
  results+=(skipped e2e "system dependencies are missing")
else
  PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/playwright.json" \
    bounded 2400 pnpm --filter @sessionboard/e2e exec playwright test --reporter=list,json
  results+=(playwright $? "$reports/playwright.json")
fi

printf '\n(%d s)\n' $((SECONDS - started))
node scripts/summarize-results.mjs "${results[@]}"
