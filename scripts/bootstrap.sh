#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only if some are missing.
set -euo pipefail
packages=(cmake g++ ninja-build qt6-base-dev qt6-websockets-dev libqt6sql6-sqlite qt6-qpa-plugins)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "Installing: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
