#!/usr/bin/env bash
# Set up a machine for ftl: the system libraries WebGPU needs without a GPU (Mesa's EGL and
# llvmpipe for Dawn's OpenGL ES backend), then the npm dependencies.
# Installs with apt-get when run as root or with sudo; otherwise says what to install.
# `--browser` (implied when CI=true) also installs chromium and libvulkan1.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(libegl1 libegl-mesa0 libgl1-mesa-dri libegl-dev)
# Headless Chromium (tests/browser) and SwiftShader's Vulkan ICD that chromium-common ships, with
# the Vulkan loader Dawn opens (tests/swiftshader): in CI, or when asked with --browser.
if [ "${CI:-}" = true ] || [ "${1:-}" = --browser ]; then PKGS+=(chromium libvulkan1); fi
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: cannot install system packages here (need root/sudo and apt-get)."
    echo "       On Debian/Ubuntu install: ${missing[*]}"
    echo "       With a GPU and its Vulkan driver (or on macOS/Windows) these are not needed."
  fi
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
