#!/usr/bin/env bash
# Install Microsoft's SARIF multitool (the npm package @microsoft/sarif-multitool-linux, a
# self-contained .NET build) for validating lockproof's SARIF against the SARIF schema and
# GitHub's ingestion rules (`validate --rule-kind "Gh;Sarif"`).
#
# Idempotent: `npm pack` into .ci/cache once (checked against the registry's published
# integrity below), unpack, and link .ci/venv/bin/sarif-multitool so it is on the PATH that
# .ci/run sets up. Prints the path of the binary.
#
# Note: the multitool exits 0 even when it reports errors; read its --output SARIF.
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.7.0
integrity='sha512-NxUbpq6ISCWoTQ/NfOYEwEDKq1Heka/rMoJ5R5LMydcAZQX/X7g5mWHcgxDub+0M07LC96tZ5LZHvF1Qy3gjTA=='
cache=.ci/cache/sarif-multitool
tgz="$cache/microsoft-sarif-multitool-linux-$version.tgz"
bin="$cache/$version/package/Sarif.Multitool"

mkdir -p "$cache" .ci/venv/bin
if [ ! -x "$bin" ]; then
  if [ ! -f "$tgz" ]; then
    (cd "$cache" && npm pack --silent "@microsoft/sarif-multitool-linux@$version" >/dev/null)
  fi
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    rm -f "$tgz"
    echo "install-sarif-multitool: $tgz does not match the registry integrity $integrity (got $got)" >&2
    exit 1
  fi
  rm -rf "${cache:?}/${version:?}"
  mkdir -p "$cache/$version"
  tar -xzf "$tgz" -C "$cache/$version"
  chmod +x "$bin"
fi
ln -sfn "$PWD/$bin" .ci/venv/bin/sarif-multitool
echo "$PWD/$bin"
