#!/usr/bin/env bash
# Install gitlab-ci-local (npm), which runs GitLab CI pipelines on this host
# (`--force-shell-executor`: `script:` runs here, `image:` is ignored), for the tests that run
# the GitLab templates (tests/ci_gitlab.rs). Version 4.70.1 is the last that runs on Node 20.
#
# Idempotent: `npm install` into .ci/cache once, check the installed package's integrity
# against the value pinned below, and link .ci/venv/bin/gitlab-ci-local so it is on the PATH
# that .ci/run sets up. Needs Debian's rsync (.ci/apt-packages). Prints the path.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.70.1
integrity='sha512-TPPtExUGREtQXXVEt4aqkMyNtnCsO0acApH1S1ooyrtPQFh4DAh3ygr+QVt8gjPc87oHkYncVm5O14gkByxr7g=='
dir=.ci/cache/gitlab-ci-local/$version
bin="$dir/node_modules/.bin/gitlab-ci-local"

mkdir -p "$dir" .ci/venv/bin
if [ ! -x "$bin" ]; then
  npm install --prefix "$dir" --no-audit --no-fund --silent "gitlab-ci-local@$version"
fi
got=$(node -e 'const l=require(process.argv[1]); console.log(l.packages["node_modules/gitlab-ci-local"].integrity)' \
  "$PWD/$dir/node_modules/.package-lock.json")
if [ "$got" != "$integrity" ]; then
  echo "install-gitlab-ci-local: installed gitlab-ci-local has integrity $got, pinned $integrity" >&2
  exit 1
fi
ln -sfn "$PWD/$bin" .ci/venv/bin/gitlab-ci-local
echo "$PWD/$bin"
