#!/usr/bin/env bash
# lockproof in one minute, offline: start a local checksum log, fill it from a lockfile, verify
# the lockfile against it over HTTP with proofs, then show that a swapped checksum is caught.
#
#   bash scripts/demo.sh [LOCKFILE]        (default: this repository's Cargo.lock)
#
# Uses $LOCKPROOF when set (the tests do), otherwise builds the binary with cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
lockfile="${1:-Cargo.lock}"

if [ -z "${LOCKPROOF:-}" ]; then
  cargo build --locked --quiet -p lockproof
  LOCKPROOF="$PWD/target/debug/lockproof"
fi

work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Keep the demo's trust state and caches out of the user's own.
export XDG_STATE_HOME="$work/state" XDG_CACHE_HOME="$work/cache" XDG_DATA_HOME="$work/data"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "1. Create a log (embedded storage in $work/log); this prints its verifier key"
vkey="$("$LOCKPROOF" log init --dir "$work/log" --name demo.lockproof.test)"
echo "$vkey"

say "2. Fill it from $lockfile (trust on first use)"
"$LOCKPROOF" log import --dir "$work/log" "$lockfile"
"$LOCKPROOF" log status --dir "$work/log"

say "3. Serve it on 127.0.0.1 (sumdb and C2SP tlog-tiles faces)"
"$LOCKPROOF" log serve --dir "$work/log" --listen 127.0.0.1:0 >"$work/serve.out" 2>&1 &
server=$!
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.out" | head -n1 || true)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.out"; echo "demo: the server did not start" >&2; exit 2; }
echo "serving at $url"

say "4. Verify $lockfile against the log: signed checkpoint, inclusion proof per entry"
"$LOCKPROOF" verify "$lockfile" --log "$vkey $url"

say "5. Swap one checksum in a copy of $lockfile and verify again: it must fail"
mkdir -p "$work/tampered"
tampered="$work/tampered/$(basename "$lockfile")"
# Flip the first hex digit of the first 64-hex-digit checksum (perl: mawk has no {n}).
perl -pe 'if (!$done && s/\b([0-9a-f])([0-9a-f]{63})\b/($1 eq "0" ? "1" : "0") . $2/e) { $done = 1 }' \
  "$lockfile" >"$tampered"
set +e
"$LOCKPROOF" verify "$tampered" --log "$vkey $url"
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "demo: expected the tampered lockfile to fail with exit 1, got $status" >&2
  exit 1
fi
say "The swapped checksum was caught (exit 1). Demo passed."
