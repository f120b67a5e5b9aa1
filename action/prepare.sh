#!/usr/bin/env bash
# Step 1 of the lockproof action: name the state directory and the per-log cache key.
#
# Inputs (env): LOCKPROOF_LOG, LOCKPROOF_POLICY, LOCKPROOF_WORKING_DIRECTORY.
# Outputs: state-dir (where lockproof keeps trust state, tiles and its embedded log; cached),
#          log-id (a digest of the configured logs and policy: one cache per log set).
set -euo pipefail
# shellcheck source=action/lib.sh
. "$GITHUB_ACTION_PATH/action/lib.sh"

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
state_dir="$RUNNER_TEMP/lockproof-state"
mkdir -p "$state_dir"

id_input="$RUNNER_TEMP/lockproof-log-id.txt"
{
  printf 'log\n%s\n' "${LOCKPROOF_LOG:-}"
  if [ -n "${LOCKPROOF_POLICY:-}" ]; then
    policy="${LOCKPROOF_WORKING_DIRECTORY:-.}/$LOCKPROOF_POLICY"
    [ -f "$policy" ] || die "policy file $LOCKPROOF_POLICY not found in ${LOCKPROOF_WORKING_DIRECTORY:-.}"
    printf 'policy\n'
    cat "$policy"
  fi
} >"$id_input"
log_id=$(sha256_of "$id_input" | cut -c1-16)
rm -f "$id_input"

set_output state-dir "$state_dir"
set_output log-id "$log_id"
