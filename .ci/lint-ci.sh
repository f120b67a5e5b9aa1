#!/usr/bin/env bash
# Lint the GitHub Action, the workflows and the CI templates.
#
#   .ci/lint-ci.sh [LINTER] [ROOT]
#
# LINTER is one of schema | actionlint | shellcheck | zizmor | all (default all); ROOT is the
# tree to lint (default: this repository). The tools come from .ci/pip-requirements.txt:
#   schema      check-jsonschema with its vendored schemas: vendor.github-actions for every
#               action.yml, vendor.github-workflows for workflows and GitHub templates,
#               vendor.gitlab-ci for GitLab templates;
#   actionlint  actionlint (with shellcheck for run: blocks) on workflows and GitHub templates;
#   [shellcheck] shellcheck on the scripts the action runs (action/*.sh), the CI scripts here,
#               and the GitLab templates' job scripts (extracted with ruamel.yaml);
#   zizmor      zizmor --offline on the action, workflows and GitHub templates.
# Exit 0 when every linter is clean; otherwise non-zero, with the linters' own diagnostics.
set -euo pipefail

linter=${1:-all}
root=${2:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$root"
shopt -s nullglob globstar

actions=()
for f in action.yml action.yaml fixtures/ci/**/action.yml; do
  [ -f "$f" ] && actions+=("$f")
done
workflows=(.github/workflows/*.yml .github/workflows/*.yaml ci-templates/github/*.yml)
gitlab=(ci-templates/gitlab/*.yml .gitlab-ci.yml)
scripts=(action/*.sh .ci/lint-ci.sh .ci/install-sarif-multitool.sh .ci/install-gitlab-ci-local.sh)

status=0
run() {
  echo "+ $*"
  "$@" || status=1
}

lint_schema() {
  ((${#actions[@]})) && run check-jsonschema --builtin-schema vendor.github-actions "${actions[@]}"
  ((${#workflows[@]})) && run check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
  local g existing=()
  for g in "${gitlab[@]}"; do [ -f "$g" ] && existing+=("$g"); done
  ((${#existing[@]})) && run check-jsonschema --builtin-schema vendor.gitlab-ci "${existing[@]}"
  return 0
}

lint_actionlint() {
  ((${#workflows[@]})) || return 0
  run actionlint -shellcheck "$(command -v shellcheck)" "${workflows[@]}"
}

lint_shellcheck() {
  ((${#scripts[@]})) && run shellcheck -x "${scripts[@]}"
  # GitLab jobs' before_script/script/after_script, one bash file per job (anchors resolved).
  local g existing=() tmp
  for g in "${gitlab[@]}"; do [ -f "$g" ] && existing+=("$g"); done
  ((${#existing[@]})) || return 0
  tmp=$(mktemp -d)
  run python3 - "$tmp" "${existing[@]}" <<'PY'
import os, re, sys
from ruamel.yaml import YAML
out = sys.argv[1]
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        doc = YAML(typ="safe").load(f)
    for job, body in (doc or {}).items():
        if not isinstance(body, dict) or job.startswith("."):
            continue
        lines = []
        for key in ("before_script", "script", "after_script"):
            items = body.get(key) or []
            flat = []
            for item in items:
                flat.extend(item if isinstance(item, list) else [item])
            lines.extend(str(x) for x in flat)
        if lines:
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{path}__{job}") + ".sh"
            with open(os.path.join(out, name), "w", encoding="utf-8") as f:
                f.write("#!/usr/bin/env bash\n" + "\n".join(lines) + "\n")
PY
  local extracted=("$tmp"/*.sh)
  [ -e "${extracted[0]}" ] && run shellcheck -s bash "${extracted[@]}"
  rm -rf "$tmp"
  return 0
}

lint_zizmor() {
  local targets=("${actions[@]}" "${workflows[@]}")
  ((${#targets[@]})) || return 0
  run zizmor --offline --no-progress "${targets[@]}"
}

case $linter in
  schema | actionlint | shellcheck | zizmor) "lint_$linter" ;;
  all)
    lint_schema
    lint_actionlint
    lint_shellcheck
    lint_zizmor
    ;;
  *)
    echo "usage: $0 [schema|actionlint|shellcheck|zizmor|all] [ROOT]" >&2
    exit 2
    ;;
esac
exit "$status"
