#!/usr/bin/env bash
# Builds the release binary of amlauth for this machine's architecture and packs it for a GitHub
# release: dist/amlauth-v<version>-linux-<x86_64|aarch64>.tar.gz and its .sha256, the names
# scripts/action/install.sh downloads.
#
# The Swift runtime and Foundation are linked statically (--static-swift-stdlib), so the binary
# runs without a Swift toolchain. libcurl, libyaml and OpenSSL come from the system; on Debian and
# Ubuntu the runtime packages are libcurl4 (OpenSSL flavour), libyaml-0-2, libssl3 and
# ca-certificates (the Dockerfile's runtime stage installs exactly these).
#
# The build uses its own scratch path (.build-release), so it never disturbs the debug build in
# .build. The commit `amlauth --version` prints comes from git (the BuildInfo plugin), or from
# AMLAUTH_COMMIT when the source has no .git (a tarball, a container build context).
#
# Usage: scripts/release.sh            (prints the tarball's path on stdout)
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(uname -s)" = Linux ] || { echo "release: Linux only (uname -s: $(uname -s))" >&2; exit 1; }
arch="$(uname -m)" # x86_64 or aarch64, as install.sh names them
case "$arch" in
  x86_64 | aarch64) ;;
  *) echo "release: unsupported architecture $arch" >&2; exit 1 ;;
esac

scratch=.build-release
echo "release: building amlauth (release, static Swift runtime) in $scratch" >&2
swift build -c release --product amlauth --static-swift-stdlib --scratch-path "$scratch" >&2
binary="$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/amlauth"

version_line="$("$binary" --version)" # "0.1.0 (abc1234)"
version="${version_line%% *}"
name="amlauth-v${version}-linux-${arch}"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
strip -o "$staging/amlauth" "$binary"
mkdir "$staging/completions"
for shell in bash zsh fish; do
  "$staging/amlauth" --generate-completion-script "$shell" >"$staging/completions/amlauth.$shell"
done

mkdir -p dist
# Fixed owner and mode order so the archive does not name the builder's account.
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$staging" -czf "dist/$name.tar.gz" amlauth completions
(cd dist && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")

echo "release: $version_line, stripped binary $(stat -c %s "$staging/amlauth") bytes" >&2
echo "release: needs from the system: $(readelf -d "$staging/amlauth" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')" >&2
echo "dist/$name.tar.gz"
