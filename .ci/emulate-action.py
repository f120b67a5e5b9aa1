#!/usr/bin/env python3
"""Run a composite action.yml the way the GitHub runner does, without a runner.

    emulate-action.py ACTION_DIR --workspace DIR --temp DIR [--event-name NAME]
                      [--event-path FILE] [--input NAME=VALUE]... [--path DIR]...

What it emulates (enough to test action/*.sh against the runner's file protocol):
- inputs: the action's defaults, overridden by --input;
- expressions `${{ inputs.x }}`, `${{ steps.<id>.outputs.<name> }}`, `${{ github.* }}`,
  `${{ runner.* }}` in `run`, `env`, `with` and `if`; `if` supports `&&`, `==`, `!=`,
  `always()`, `success()`, `failure()` and `!cancelled()`;
- per step, fresh GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH files, parsed back after the step
  in both the `name=value` and the heredoc `name<<DELIMITER` forms; one GITHUB_STEP_SUMMARY;
- GITHUB_ACTION_PATH, GITHUB_WORKSPACE, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, RUNNER_TEMP,
  RUNNER_OS=Linux, RUNNER_ARCH=X64, CI=true; `bash --noprofile --norc -eo pipefail`;
- `uses:` steps are not run: they are reported under "remote" with their evaluated `with`.

Prints one JSON object: conclusion, outputs (the action's), steps, summary, remote.
Exit 0 if every step that ran succeeded, 1 otherwise.
"""

import argparse
import json
import os
import re
import subprocess
import sys

from ruamel.yaml import YAML

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def parse_env_file(path):
    """Parse a GITHUB_OUTPUT / GITHUB_ENV file: `k=v` lines and `k<<DELIM` heredocs."""
    values = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise SystemExit(f"unterminated heredoc for {name} in {path}")
            i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        else:
            raise SystemExit(f"malformed line in {path}: {line!r}")
    return values


class Context:
    def __init__(self, inputs, github, runner):
        self.inputs = inputs
        self.github = github
        self.runner = runner
        self.steps = {}
        self.failed = False

    def lookup(self, ref):
        parts = ref.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs.get(parts[1], "")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "github" and len(parts) == 2:
            return self.github.get(parts[1], "")
        if parts[0] == "runner" and len(parts) == 2:
            return self.runner.get(parts[1], "")
        raise SystemExit(f"unsupported expression: {ref}")

    def value(self, term):
        term = term.strip()
        if term.startswith("'") and term.endswith("'"):
            return term[1:-1].replace("''", "'")
        return self.lookup(term)

    def substitute(self, text):
        return EXPR.sub(lambda m: str(self.value(m.group(1))), str(text))

    def condition(self, cond):
        """Evaluate an `if:`; a missing one means success()."""
        if cond is None:
            return not self.failed
        cond = str(cond).strip()
        m = re.fullmatch(r"\$\{\{\s*(.*?)\s*\}\}", cond)
        if m:
            cond = m.group(1)
        status_checked = False
        result = True
        for term in cond.split("&&"):
            term = term.strip()
            if term in ("always()", "!cancelled()"):
                status_checked = True
            elif term == "success()":
                status_checked = True
                result = result and not self.failed
            elif term == "failure()":
                status_checked = True
                result = result and self.failed
            elif "==" in term or "!=" in term:
                op = "==" if "==" in term else "!="
                left, right = term.split(op, 1)
                equal = str(self.value(left)) == str(self.value(right))
                result = result and (equal if op == "==" else not equal)
            else:
                raise SystemExit(f"unsupported condition term: {term}")
        if not status_checked:
            result = result and not self.failed
        return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action_dir")
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--temp", required=True)
    ap.add_argument("--event-name", default="push")
    ap.add_argument("--event-path", default="")
    ap.add_argument("--input", action="append", default=[])
    args = ap.parse_args()

    action_dir = os.path.abspath(args.action_dir)
    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        action = YAML(typ="safe").load(f)
    if action["runs"]["using"] != "composite":
        raise SystemExit("not a composite action")

    inputs = {k: str(v.get("default", "")) for k, v in (action.get("inputs") or {}).items()}
    for kv in args.input:
        name, value = kv.split("=", 1)
        if name not in inputs:
            raise SystemExit(f"input {name} is not defined in action.yml")
        inputs[name] = value

    temp = os.path.abspath(args.temp)
    os.makedirs(temp, exist_ok=True)
    summary_path = os.path.join(temp, "step_summary.md")
    open(summary_path, "w").close()
    github = {
        "workspace": os.path.abspath(args.workspace),
        "event_name": args.event_name,
        "event_path": args.event_path,
        "action_path": action_dir,
        "run_id": "1",
        "run_attempt": "1",
    }
    runner = {"os": "Linux", "arch": "X64", "temp": temp}
    ctx = Context(inputs, github, runner)

    env = {k: v for k, v in os.environ.items()}
    env.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": action_dir,
            "GITHUB_WORKSPACE": github["workspace"],
            "GITHUB_EVENT_NAME": args.event_name,
            "GITHUB_EVENT_PATH": args.event_path,
            "GITHUB_STEP_SUMMARY": summary_path,
            "RUNNER_TEMP": temp,
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
        }
    )
    for k in list(env):
        if k.startswith("INPUT_"):
            del env[k]
    path_prefix = []
    steps_report = []
    remote = []

    for n, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", f"__step{n}")
        if not ctx.condition(step.get("if")):
            steps_report.append({"id": sid, "conclusion": "skipped"})
            continue
        if "uses" in step:
            with_ = {k: ctx.substitute(v) for k, v in (step.get("with") or {}).items()}
            remote.append({"id": sid, "uses": step["uses"], "with": with_})
            steps_report.append({"id": sid, "conclusion": "not-run-remote"})
            continue
        if step.get("shell") != "bash":
            raise SystemExit(f"step {sid}: only shell: bash is emulated")
        files = {}
        for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"):
            files[name] = os.path.join(temp, f"{name.lower()}_{n}")
            open(files[name], "w").close()
        step_env = dict(env)
        step_env.update(files)
        for k, v in (step.get("env") or {}).items():
            step_env[k] = ctx.substitute(v)
        step_env["PATH"] = os.pathsep.join(path_prefix + [env.get("PATH", "")])
        script = os.path.join(temp, f"step_{n}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(ctx.substitute(step["run"]))
        cwd = os.path.join(github["workspace"], ctx.substitute(step.get("working-directory", ".")))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
        )
        outputs = parse_env_file(files["GITHUB_OUTPUT"])
        ctx.steps[sid] = outputs
        env.update(parse_env_file(files["GITHUB_ENV"]))
        with open(files["GITHUB_PATH"], encoding="utf-8") as f:
            path_prefix = [p for p in f.read().split("\n") if p] + path_prefix
        ok = proc.returncode == 0
        if not ok:
            ctx.failed = True
        steps_report.append(
            {
                "id": sid,
                "conclusion": "success" if ok else "failure",
                "exit_code": proc.returncode,
                "outputs": outputs,
                "stdout": proc.stdout,
                "stderr": proc.stderr,
            }
        )

    outputs = {k: ctx.substitute(v.get("value", "")) for k, v in (action.get("outputs") or {}).items()}
    with open(summary_path, encoding="utf-8") as f:
        summary = f.read()
    result = {
        "conclusion": "failure" if ctx.failed else "success",
        "outputs": outputs,
        "steps": steps_report,
        "summary": summary,
        "remote": remote,
    }
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 1 if ctx.failed else 0


if __name__ == "__main__":
    sys.exit(main())
