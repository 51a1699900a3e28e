#!/usr/bin/env bash
# Installs what the tests need (system packages, npm packages, tauri-driver) and runs every test:
# formatting and lints, the core crates' tests (no webkit), the UI's unit tests and type check,
# the desktop app's build, and the end-to-end test of the real app under Xvfb via WebDriver.
# Cheap stages run first. The last line is "N passed, N failed" over all test cases.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
passed=0
failed=0
failed_stages=()

count_cargo() { # sums "test result: ok. N passed; M failed" lines of a cargo test log
  local p f
  p=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$1" | awk '{s+=$4} END {print s+0}')
  f=$(grep -Eo '[0-9]+ failed;' "$1" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
}

stage() { # stage NAME COMMAND...: runs a step; a failing step counts as one failure
  local name=$1; shift
  echo "=== $name"
  local start=$(date +%s)
  if "$@"; then
    echo "=== $name: ok ($(( $(date +%s) - start )) s)"
    return 0
  else
    echo "=== $name: FAILED ($(( $(date +%s) - start )) s)"
    failed_stages+=("$name")
    return 1
  fi
}

CORE=(-p oms-domain -p oms-engine -p oms-geo -p oms-store -p oms-sync -p oms-mail -p oms-app -p oms-cli)

stage "system packages" bash scripts/setup-system.sh || { echo "0 passed, 1 failed"; exit 1; }
stage "rustfmt" cargo fmt --all --check || failed=$((failed + 1))
stage "clippy (core crates)" cargo clippy "${CORE[@]}" --all-targets --locked -- -D warnings || failed=$((failed + 1))

log=$(mktemp)
# The credential tests use the real OS keyring: a D-Bus session with GNOME Keyring (with-keyring.sh).
stage "core tests" bash -c "bash scripts/with-keyring.sh cargo test ${CORE[*]} --locked 2>&1 | tee '$log'; exit \${PIPESTATUS[0]}"
rc=$?
count_cargo "$log"
[ $rc -ne 0 ] && [ "$(grep -c 'test result' "$log")" -eq 0 ] && failed=$((failed + 1))

stage "ui: npm ci" npm --prefix ui ci --no-audit --no-fund --loglevel=error || failed=$((failed + 1))
ulog=$(mktemp)
stage "ui: unit tests" bash -c "npm --prefix ui test 2>&1 | tee '$ulog'; exit \${PIPESTATUS[0]}"
urc=$?
up=$(grep -E '^\s*Tests\s' "$ulog" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
uf=$(grep -E '^\s*Tests\s' "$ulog" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
passed=$((passed + up)); failed=$((failed + uf))
[ $urc -ne 0 ] && [ "$uf" -eq 0 ] && failed=$((failed + 1))
stage "ui: type check and build" npm --prefix ui run build || failed=$((failed + 1))

stage "clippy (desktop shell)" cargo clippy -p oms-desktop --all-targets --locked -- -D warnings || failed=$((failed + 1))
if stage "desktop app build" cargo build -p oms-desktop --locked; then
  dlog=$(mktemp)
  stage "desktop shell tests" bash -c "cargo test -p oms-desktop --locked 2>&1 | tee '$dlog'; exit \${PIPESTATUS[0]}"
  drc=$?
  count_cargo "$dlog"
  [ $drc -ne 0 ] && [ "$(grep -c 'test result' "$dlog")" -eq 0 ] && failed=$((failed + 1))
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    stage "install tauri-driver" cargo install tauri-driver --locked --version "^2" || failed=$((failed + 1))
  fi
  elog=$(mktemp)
  stage "end-to-end (real app, WebDriver)" bash -c "bash scripts/e2e.sh 2>&1 | tee '$elog'; exit \${PIPESTATUS[0]}"
  erc=$?
  ep=$(grep -Eo '^e2e: [0-9]+ passed, [0-9]+ failed' "$elog" | tail -1 | awk '{print $2}')
  ef=$(grep -Eo '^e2e: [0-9]+ passed, [0-9]+ failed' "$elog" | tail -1 | awk '{print $4}')
  passed=$((passed + ${ep:-0})); failed=$((failed + ${ef:-0}))
  [ $erc -ne 0 ] && [ "${ef:-0}" -eq 0 ] && failed=$((failed + 1))
else
  failed=$((failed + 1))
fi

if [ ${#failed_stages[@]} -gt 0 ]; then
  echo "failed stages: ${failed_stages[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
