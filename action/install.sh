#!/usr/bin/env bash
# Step 2 of the lockproof action: put a lockproof binary on the runner.
#
# Inputs (env):
#   LOCKPROOF_BINARY   a binary already on the runner: used as is, nothing installed.
#   LOCKPROOF_INSTALL  release | source
#   LOCKPROOF_VERSION  release to download; empty = the version of this action's checkout.
# Output: bin (absolute path of the binary); its directory is also appended to GITHUB_PATH.
#
# A release download is checked against action/checksums.txt, committed in the action's own
# repository at the same commit, before anything is unpacked; an asset without an entry there
# is refused. `source` builds this checkout with `cargo build --release --locked`.
set -euo pipefail
# shellcheck source=action/lib.sh
. "$GITHUB_ACTION_PATH/action/lib.sh"

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
install=${LOCKPROOF_INSTALL:-release}
version=${LOCKPROOF_VERSION:-}
binary=${LOCKPROOF_BINARY:-}
exe=lockproof
[ "${RUNNER_OS:-}" = Windows ] && exe=lockproof.exe

publish() {
  local bin=$1
  [ -x "$bin" ] || die "$bin is not an executable file"
  dirname "$bin" >>"$GITHUB_PATH"
  "$bin" --version
  set_output bin "$bin"
}

if [ -n "$binary" ]; then
  case $binary in
    /*) ;;
    *) binary="$PWD/$binary" ;;
  esac
  publish "$binary"
  exit 0
fi

require_choice install "$install" release source

if [ "$install" = source ]; then
  command -v cargo >/dev/null 2>&1 || die "install: source needs cargo on the runner"
  target_dir=${CARGO_TARGET_DIR:-$RUNNER_TEMP/lockproof-target}
  echo "::group::cargo build --release --locked (lockproof from the action's checkout)"
  CARGO_TARGET_DIR="$target_dir" cargo build --release --locked --bin lockproof \
    --manifest-path "$GITHUB_ACTION_PATH/Cargo.toml"
  echo "::endgroup::"
  publish "$target_dir/release/$exe"
  exit 0
fi

if [ -z "$version" ]; then
  # The [workspace.package] version of this checkout: at a release tag, that release.
  version=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' \
    "$GITHUB_ACTION_PATH/Cargo.toml")
  [ -n "$version" ] || die "cannot read the version from the action's Cargo.toml; set the version input"
fi
case $version in
  v*) version=${version#v} ;;
esac
case $version in
  *[!0-9A-Za-z.+-]* | "") die "version '$version' is not a release version" ;;
esac

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) die "no lockproof release for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; use install: source" ;;
esac

asset="lockproof-v$version-$target.tar.gz"
table="$GITHUB_ACTION_PATH/action/checksums.txt"
want=$(awk -v a="$asset" '$2 == a { print $1 }' "$table")
[ -n "$want" ] || die "$asset has no SHA-256 in action/checksums.txt at this action commit; pin an action commit that lists it, or use install: source"
case $want in
  *[!0-9a-f]*) die "malformed SHA-256 for $asset in action/checksums.txt" ;;
esac
[ ${#want} -eq 64 ] || die "malformed SHA-256 for $asset in action/checksums.txt"

repo=${GITHUB_ACTION_REPOSITORY:-}
[ -n "$repo" ] || repo=lockproof/lockproof
base=${LOCKPROOF_RELEASE_BASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download}
dir="$RUNNER_TEMP/lockproof-install"
rm -rf "$dir"
mkdir -p "$dir/bin"
# file: is allowed only for the initial URL (a base URL given for offline tests); redirects
# are https only.
curl --proto '=https,file' --proto-redir '=https' --tlsv1.2 -fsSL --retry 5 \
  -o "$dir/$asset" "$base/v$version/$asset"
got=$(sha256_of "$dir/$asset")
if [ "$got" != "$want" ]; then
  die "checksum mismatch for $asset: action/checksums.txt has $want, the download has $got"
fi
tar -xzf "$dir/$asset" -C "$dir/bin" "$exe"
publish "$dir/bin/$exe"
