#!/usr/bin/env bash
# Measures the real desktop app on a database: cold start until the order list shows its first
# rows (the UI reports it; OMS_LOG_STARTUP=1 makes the shell print it), then memory after 5 s
# idle: the app's own process and all its processes (WebKit's web and network processes are its
# children). Usage: scripts/measure-app.sh DB [runs]   (build first: cargo build --release -p oms-desktop)
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:?usage: scripts/measure-app.sh DB [runs]}
runs=${2:-3}
app=$PWD/target/release/oms-desktop
[ -x "$app" ] || { echo "build first: cargo build --release -p oms-desktop"; exit 1; }
for n in $(seq 150 199); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { disp=$n; break; }; done
Xvfb ":$disp" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
export DISPLAY=":$disp"
for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
rss_tree() { # RSS in MB of a process and all its descendants
  local pids=$1 all=$1 next
  while next=$(pgrep -d, -P "$pids" 2>/dev/null); [ -n "$next" ]; do all="$all,$next"; pids=$next; done
  ps -o rss= -p "$all" | awk '{s+=$1} END {printf "%.0f", s/1024}'
}
for i in $(seq 1 "$runs"); do
  log=$(mktemp)
  OMS_LOG_STARTUP=1 OMS_DB="$db" dbus-run-session -- "$app" orders 2>"$log" &
  runner=$!
  for _ in $(seq 1 300); do grep -q '^startup:' "$log" && break; sleep 0.05; done
  line=$(grep '^startup:' "$log" || echo "startup: no ready signal within 15 s")
  sleep 5
  pid=$(pgrep -n -f "^$app" || true)
  if [ -n "$pid" ]; then
    own=$(ps -o rss= -p "$pid" | awk '{printf "%.0f", $1/1024}')
    echo "run $i: $line; memory after 5 s idle: app process ${own} MB, all processes $(rss_tree "$pid") MB"
    kill "$pid"
  else
    echo "run $i: $line; the app is not running"
  fi
  wait $runner 2>/dev/null || true
  rm -f "$log"
  sleep 1
done
