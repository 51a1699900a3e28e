#!/usr/bin/env bash
# Runs a command where the OS keyring works without a desktop: inside its own D-Bus session with
# an unlocked GNOME Keyring (Secret Service). Used by the test command for the credential tests.
# On a desktop session with a keyring already running, the command runs as it is.
set -uo pipefail
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${CI:-}" ]; then
  exec "$@"
fi
# A keyring of its own for the run (a throwaway folder), so a keyring left by an earlier run
# with another password never stays locked.
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
exec dbus-run-session -- bash -c '
  eval "$(printf "%s" "oms-test-keyring" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)" >/dev/null
  export GNOME_KEYRING_CONTROL
  exec "$@"' keyring "$@"
