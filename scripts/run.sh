#!/usr/bin/env bash
# Installs what the app needs (system packages, the UI's npm packages), builds the desktop app
# and starts it. The database is the app's own (in the user's data directory) unless OMS_DB is
# set; on first run the app offers to load demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
npm --prefix ui ci --no-audit --no-fund --loglevel=error
npm --prefix ui run build
cargo build -p oms-desktop --release --locked
exec ./target/release/oms-desktop "$@"
