#!/usr/bin/env bash
# Step 3 of the lockproof action: run `lockproof verify` and write the runner's files.
#
# Inputs (env): LOCKPROOF_BIN, LOCKPROOF_STATE_DIR, LOCKPROOF_LOCKFILES, LOCKPROOF_WORKING_DIRECTORY,
#   LOCKPROOF_MODE, LOCKPROOF_FAIL_ON, LOCKPROOF_LOG, LOCKPROOF_POLICY, LOCKPROOF_SARIF_FILE,
#   LOCKPROOF_UPLOAD_SARIF, LOCKPROOF_SUMMARY; the runner's GITHUB_EVENT_NAME, GITHUB_EVENT_PATH,
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP.
# Outputs: result (pass|fail|error), checked, failed, checkpoint, sarif-file, report-json,
#          upload-sarif.
#
# The JSON report decides the outcome; annotations (--format github), the job summary
# (--format markdown) and SARIF come from further runs of the binary on the same inputs, cheap
# because the trust state and verified tiles are warm by then.
# Exit: 0 when the gate passes, 1 when it fails per fail-on, 2 on an operational error.
set -euo pipefail
# shellcheck source=action/lib.sh
. "$GITHUB_ACTION_PATH/action/lib.sh"

: "${LOCKPROOF_BIN:?LOCKPROOF_BIN is not set}" "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
mode=${LOCKPROOF_MODE:-auto}
fail_on=${LOCKPROOF_FAIL_ON:-error}
upload=${LOCKPROOF_UPLOAD_SARIF:-false}
summary=${LOCKPROOF_SUMMARY:-true}
require_choice mode "$mode" auto all changed
require_choice fail-on "$fail_on" error warning never
require_choice upload-sarif "$upload" false true auto
require_choice summary "$summary" true false
command -v jq >/dev/null 2>&1 || die "jq is required on the runner"

wd=${LOCKPROOF_WORKING_DIRECTORY:-.}
cd "$wd"
# lockproof names files relative to the working directory; annotations must be relative to the
# repository root, so prefix them with the working directory.
prefix=""
case $wd in
  . | ./ | "") ;;
  /*) die "working-directory must be relative to the workspace (got '$wd')" ;;
  *) prefix="${wd#./}" && prefix="${prefix%/}/" ;;
esac
out="$RUNNER_TEMP/lockproof"
mkdir -p "$out"

# lockproof keeps its trust state, verified tiles and embedded log under the XDG dirs; point
# them at the directory the cache step restored.
if [ -n "${LOCKPROOF_STATE_DIR:-}" ]; then
  export XDG_STATE_HOME="$LOCKPROOF_STATE_DIR/state"
  export XDG_CACHE_HOME="$LOCKPROOF_STATE_DIR/cache"
  export XDG_DATA_HOME="$LOCKPROOF_STATE_DIR/data"
fi

args=()
while IFS= read -r line; do
  line=${line%$'\r'}
  if [ -n "${line//[[:space:]]/}" ]; then args+=("$line"); fi
done <<<"${LOCKPROOF_LOCKFILES:-}"
while IFS= read -r line; do
  line=${line%$'\r'}
  if [ -n "${line//[[:space:]]/}" ]; then args+=(--log "$line"); fi
done <<<"${LOCKPROOF_LOG:-}"
if [ -n "${LOCKPROOF_POLICY:-}" ]; then
  args+=(--policy "$LOCKPROOF_POLICY")
fi

# PR mode: the base commit comes from the event payload, never from a branch name.
base=""
if [ "$mode" != all ]; then
  if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
    base=$(jq -r '.pull_request.base.sha // .merge_group.base_sha // empty' "$GITHUB_EVENT_PATH")
  fi
  if [ -z "$base" ] && [ "$mode" = changed ]; then
    die "mode: changed needs a pull_request or merge_group event with a base SHA"
  fi
fi
if [ -n "$base" ]; then
  case $base in
    *[!0-9a-f]*) die "the event's base SHA '$base' is not a commit id" ;;
  esac
  if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    git fetch --no-tags --depth=1 origin "$base" ||
      die "base commit $base is not available; check out with fetch-depth: 0"
  fi
  args+=(--changed-since "$base")
  echo "lockproof: pull-request mode, verifying entries changed since $base"
fi

report="$out/report.json"
status=0
"$LOCKPROOF_BIN" verify "${args[@]}" --format json --output "$report" || status=$?
set_output report-json "$report"
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  set_output result error
  set_output checked 0
  set_output failed 0
  set_output checkpoint ""
  set_output sarif-file ""
  set_output upload-sarif false
  die "lockproof verify stopped with exit $status (an operational error; see the log above)"
fi

checked=$(jq '.findings | length' "$report")
failed=$(jq '([.findings[] | select(.action == "fail")] | length) + (.log_failures | length)' "$report")
warned=$(jq '[.findings[] | select(.action == "warn")] | length' "$report")
result=pass
[ "$status" -eq 1 ] && result=fail
set_output result "$result"
set_output checked "$checked"
set_output failed "$failed"
# The checkpoints now trusted, one "<log> <tree size> <root hash>" line per log.
set_output checkpoint "$(jq -r '.checkpoints[] | "\(.log) \(.size) \(.root)"' "$report")"

# Annotations on the lockfile lines (the binary caps them at GitHub's 10 per level).
"$LOCKPROOF_BIN" verify "${args[@]}" --format github |
  P=$(escape_property "$prefix") awk '
    match($0, /^::(error|warning|notice) file=/) {
      print substr($0, 1, RLENGTH) ENVIRON["P"] substr($0, RLENGTH + 1); next
    }
    { print }' || true

if [ "$summary" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  md="$out/summary.md"
  "$LOCKPROOF_BIN" verify "${args[@]}" --format markdown --output "$md" || true
  # GitHub drops a step summary over 1 MiB whole; the renderer budgets below that.
  head -c 1000000 "$md" >>"$GITHUB_STEP_SUMMARY"
fi

# upload-sarif: auto uploads only for public repositories (private ones need Advanced Security).
if [ "$upload" = auto ]; then
  upload=false
  if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] &&
    [ "$(jq -r '.repository.private' "$GITHUB_EVENT_PATH")" = false ]; then
    upload=true
  fi
fi
sarif=${LOCKPROOF_SARIF_FILE:-}
if [ -z "$sarif" ] && [ "$upload" = true ]; then
  sarif="$out/lockproof.sarif"
fi
if [ -n "$sarif" ]; then
  case $sarif in
    /*) ;;
    *) sarif="$PWD/$sarif" ;;
  esac
  "$LOCKPROOF_BIN" verify "${args[@]}" --format sarif --output "$sarif" || true
  [ -s "$sarif" ] || die "lockproof verify wrote no SARIF to $sarif"
fi
set_output sarif-file "$sarif"
set_output upload-sarif "$upload"

echo "lockproof: $result, $checked checked, $failed failed, $warned warned"
case $fail_on in
  error) [ "$result" = pass ] || exit 1 ;;
  warning) [ "$result" = pass ] && [ "$warned" -eq 0 ] || exit 1 ;;
  never) ;;
esac
