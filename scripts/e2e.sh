#!/usr/bin/env bash
# End-to-end test of the real desktop app: starts Xvfb, a D-Bus session and tauri-driver
# (which drives WebKitWebDriver), then runs tests/e2e/run.mjs against target/debug/oms-desktop
# on a fresh database. Screenshots land in tests/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
app="$root/target/debug/oms-desktop"
[ -x "$app" ] || { echo "e2e: build the app first (cargo build -p oms-desktop)"; exit 1; }
td=$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")
[ -x "$td" ] || { echo "e2e: tauri-driver is not installed (cargo install tauri-driver --locked)"; exit 1; }
art="$root/tests/e2e/artifacts"
rm -rf "$art"; mkdir -p "$art"
export OMS_DB="$art/e2e.sqlite"
export OMS_E2E_APP="$app" OMS_E2E_ARTIFACTS="$art"
# A display number nobody uses.
for n in $(seq 90 140); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { disp=$n; break; }; done
Xvfb ":$disp" -screen 0 1280x800x24 -nolisten tcp >"$art/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
export DISPLAY=":$disp"
for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
port=$(( 4444 + disp ))
export OMS_E2E_PORT=$port
# Its own process group, so whatever the session leaves behind (dbus and accessibility daemons)
# is stopped with it; its output goes to a file so no stray process holds our stdout open.
# The session also runs a GNOME Keyring of its own (a throwaway folder), so that connection
# secrets go to a real Secret Service as on a desktop.
setsid dbus-run-session -- bash -c '
  eval "$(printf %s oms-e2e | XDG_DATA_HOME=$(mktemp -d) gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)" >/dev/null
  "$0" --port "$1" --native-port $(( $1 + 1 )) >"$2/tauri-driver.log" 2>&1 &
  td=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && break; sleep 0.1; done
  timeout 600 node tests/e2e/run.mjs >"$2/e2e-output.log" 2>&1
  rc=$?
  kill $td 2>/dev/null; wait $td 2>/dev/null
  pkill -f "^$3" 2>/dev/null
  exit $rc
' "$td" "$port" "$art" "$app" >"$art/session.log" 2>&1 &
session=$!
rc=0
wait $session || rc=$?
kill -- -"$session" 2>/dev/null || true
cat "$art/e2e-output.log" 2>/dev/null || echo "e2e: no output (see $art/session.log)"
exit $rc
