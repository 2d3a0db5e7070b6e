#!/usr/bin/env bash
# Installs what amlauth needs on a fresh Debian/Ubuntu machine: the three C libraries it links
# (libyaml, libcurl with OpenSSL, OpenSSL). Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(libyaml-dev libcurl4-openssl-dev libssl-dev pkg-config openssl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
