#!/usr/bin/env bash
# The action's install step: a release binary when one matches the runner, else "build from source".
#
# Release binaries come from this repository's GitHub releases (built by the release script of
# issue 14 item 3), named amlauth-<tag>-linux-<x86_64|aarch64>.tar.gz with a .sha256 beside it.
# They link the Swift runtime statically and need libcurl, libyaml and OpenSSL from the system,
# which GitHub's Ubuntu runners have. The binary is used when the action is referenced by a tag
# (`uses: OWNER/amlauth@v1.2.3`, or the `version` input) and such a release exists; otherwise, and
# always for `uses: ./`, this prints build=true and action.yml builds with `swift build -c release`.
set -euo pipefail

version="${VERSION:-}"
repository="${ACTION_REPOSITORY:-}"
case "${RUNNER_OS:-Linux}/${RUNNER_ARCH:-X64}" in
  Linux/X64) arch=x86_64 ;;
  Linux/ARM64) arch=aarch64 ;;
  *) arch="" ;;
esac

if [[ -n "$arch" && -n "$repository" && "$version" == v* ]]; then
  name="amlauth-${version}-linux-${arch}.tar.gz"
  url="${GITHUB_SERVER_URL:-https://github.com}/${repository}/releases/download/${version}/${name}"
  directory="${RUNNER_TEMP:-/tmp}/amlauth-${version}"
  mkdir -p "$directory"
  if curl -fsSL --retry 3 -o "$directory/$name" "$url" && curl -fsSL --retry 3 -o "$directory/$name.sha256" "$url.sha256"; then
    (cd "$directory" && sha256sum -c "$name.sha256")
    tar -xzf "$directory/$name" -C "$directory"
    echo "AMLAUTH=$directory/amlauth" >>"$GITHUB_ENV"
    echo "build=false" >>"$GITHUB_OUTPUT"
    "$directory/amlauth" --version
    exit 0
  fi
  echo "amlauth-action: no release binary at $url; building from source" >&2
fi
echo "build=true" >>"$GITHUB_OUTPUT"
if command -v swift >/dev/null; then echo "need-swift=false" >>"$GITHUB_OUTPUT"; else echo "need-swift=true" >>"$GITHUB_OUTPUT"; fi
