#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only if some are missing.
# With CI=true or --all, also what the sanitizer and fuzzing runs need (clang,
# its sanitizer/libFuzzer runtimes, llvm-symbolizer for readable reports).
set -euo pipefail
packages=(cmake g++ ninja-build qt6-base-dev qt6-websockets-dev libqt6sql6-sqlite qt6-qpa-plugins)
if [ "${CI:-}" = true ] || [ "${1:-}" = --all ]; then
    packages+=(clang libclang-rt-14-dev llvm)
fi
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
