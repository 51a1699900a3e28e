#!/usr/bin/env bash
# Installs the system packages the app and its tests need on Debian/Ubuntu (idempotent).
set -euo pipefail
pkgs=(build-essential pkg-config libssl-dev file
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libsoup-3.0-dev libxdo-dev
  webkit2gtk-driver xvfb xauth dbus dbus-x11 at-spi2-core x11-utils imagemagick
  gnome-keyring libsecret-1-dev libdbus-1-dev keyutils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
