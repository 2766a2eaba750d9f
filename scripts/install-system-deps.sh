#!/usr/bin/env bash
# Installs the Debian packages the tests use (Xtensa cross compiler and simulator, clang,
# headless Chromium) when they are missing and we are root; otherwise says what is missing.
set -eu
need=()
command -v xtensa-lx106-elf-gcc >/dev/null || need+=(gcc-xtensa-lx106)
command -v qemu-system-xtensa   >/dev/null || need+=(qemu-system-misc)
command -v clang                >/dev/null || need+=(clang)
command -v chromium             >/dev/null || need+=(chromium)
command -v cmake                >/dev/null || need+=(cmake)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "note: missing ${need[*]} (run as root to install); tests that need them will fail" >&2
fi
