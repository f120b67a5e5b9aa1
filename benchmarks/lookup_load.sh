#!/usr/bin/env bash
# End-to-end throughput of `lockproof log` against Go's x/mod reference checksum server
# (issue 3, "Performance"; results in benchmarks/server.md). Both servers serve the same
# RECORDS records, signed with the same key, and take turns:
#
#   * /lookup for 20,000 random keys (hot set), /lookup uniform over every key, and random
#     full level-0 hash tiles;
#   * pinned: the server under test on CPU 0, the load generator on CPU 1, so that the
#     generator never takes CPU from the server (the Go reference then runs with
#     GOMAXPROCS = 1, ours with one worker thread: `log serve` sizes both by the CPUs it may
#     use);
#   * shared (SHARED=1): both float over every CPU, as a busy host would have them;
#   * h2load (HTTP/1.1, 32 connections, one request in flight per connection, the URI list
#     in order), 3 s of warm-up, then 6 s measured; p50/p99 from its per-request log.
#
# Needs: cargo, go with Debian's golang-golang-x-mod-dev (.ci/run installs both), h2load
# (Debian: nghttp2-client), taskset, at least 2 CPUs.
#
# Usage: benchmarks/lookup_load.sh            # RECORDS=1000000 ROUNDS=2 WORK=<temp dir>
set -euo pipefail

records=${RECORDS:-1000000}
rounds=${ROUNDS:-2}
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
for tool in h2load taskset go; do
    command -v "$tool" > /dev/null || { echo "lookup_load.sh: $tool is not installed" >&2; exit 2; }
done

echo "== building (release) into $work"
cargo build --quiet --release --locked -p lockproof-log --example log_bench \
    --manifest-path "$root/Cargo.toml"
bench="$root/target/release/examples/log_bench"
(cd "$root/tests/go" && env -i PATH="$PATH" HOME="$work" GOCACHE="$work/gocache" \
    GOPATH="$work/gopath" GOPROXY=off GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    go build -o "$work/gotest" ./gotest)

if [ ! -e "$work/log/config.json" ]; then
    echo "== filling a log of $records records"
    "$bench" fill "$work/log" "$records"
fi
[ -e "$work/hot/lookups.txt" ] || "$bench" paths "$work/log" 20000 "$work/hot"
[ -e "$work/uniform/lookups.txt" ] || "$bench" paths "$work/log" "$records" "$work/uniform"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT

# start_server ours|ref PIN: starts it, sets $addr and $pid
start_server() {
    local pin=()
    [ "$2" = pinned ] && pin=(taskset -c 0)
    rm -f "$work/addr"
    if [ "$1" = ours ]; then
        "${pin[@]}" "$bench" serve "$work/log" 127.0.0.1:0 > "$work/ours.out" 2>&1 &
        pid=$!
        for _ in $(seq 100); do grep -q serving "$work/ours.out" 2> /dev/null && break; sleep 0.1; done
        addr=$(sed 's#serving http://##' "$work/ours.out")
        sleep 5 # the key index loads into memory in the background, as in `log serve`
    else
        "${pin[@]}" "$work/gotest" refsumdb -skey "$work/log/signer.key" \
            -records "$work/log.records" -addrfile "$work/addr" > "$work/ref.out" 2>&1 &
        pid=$!
        for _ in $(seq 600); do [ -s "$work/addr" ] && break; sleep 0.1; done
        addr=$(cat "$work/addr")
    fi
    pids+=("$pid")
}

# measure LABEL PATHS MODE: one h2load line (warm-up, then 6 s with a per-request log)
measure() {
    local gen=() threads=2
    [ "$3" = pinned ] && gen=(taskset -c 1) && threads=1
    sed "s#^#http://$addr#" "$2" > "$work/uris.txt"
    "${gen[@]}" h2load --h1 -c32 -t"$threads" -m1 -D 3 -i "$work/uris.txt" > /dev/null 2>&1
    local out
    rm -f "$work/h2.log" # h2load appends to its log
    out=$("${gen[@]}" h2load --h1 -c32 -t"$threads" -m1 -D 6 -i "$work/uris.txt" \
        --log-file="$work/h2.log" 2>&1)
    local rps ok p50 p99
    rps=$(echo "$out" | awk '/finished in/{print $4}')
    ok=$(echo "$out" | awk '/status codes/{print $3}')
    read -r p50 p99 < <(cut -f3 "$work/h2.log" | sort -n |
        awk '{a[NR]=$1} END{print a[int(NR*0.5)], a[int(NR*0.99)]}')
    printf '%s %-6s %-4s %-14s req/s=%s 2xx=%s p50=%sus p99=%sus rss_kb=%s\n' \
        "$(date -u +%H:%M:%S)" "$3" "$1" "$(basename "$(dirname "$2")")/$(basename "$2" .txt)" \
        "$rps" "$ok" "$p50" "$p99" "$(ps -o rss= -p "$pid" | tr -d ' ')"
}

modes=(pinned)
[ "${SHARED:-0}" = 1 ] && modes+=(shared)
for mode in "${modes[@]}"; do
    for _ in $(seq "$rounds"); do
        for which in ours ref; do
            start_server "$which" "$mode"
            for paths in "$work/hot/lookups.txt" "$work/uniform/lookups.txt" "$work/hot/tiles.txt"; do
                measure "$which" "$paths" "$mode"
            done
            kill "$pid"
            wait "$pid" 2> /dev/null || true
        done
    done
done
