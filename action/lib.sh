# shellcheck shell=bash
# Helpers shared by the action's scripts: writing the runner's files safely.

# set_output NAME VALUE: append one output to $GITHUB_OUTPUT in the heredoc form, with a random
# delimiter, so that no value (a path with newlines, say) can inject another output.
set_output() {
  local name=$1 value=$2 delim
  delim="lockproof_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  case $value in
    *"$delim"*) die "output $name contains its own delimiter" ;;
  esac
  printf '%s<<%s\n%s\n%s\n' "$name" "$delim" "$value" "$delim" >>"$GITHUB_OUTPUT"
}

# die MESSAGE: print a workflow error annotation and exit 2 (an operational error).
die() {
  printf '::error title=lockproof::%s\n' "$(escape_data "$*")"
  exit 2
}

# escape_data TEXT: workflow-command escaping of a message (%, CR, LF).
escape_data() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}

# escape_property TEXT: workflow-command escaping of a property value (also : and ,).
escape_property() {
  local s
  s=$(escape_data "$1")
  s=${s//:/%3A}
  s=${s//,/%2C}
  printf '%s' "$s"
}

# sha256_of FILE: the lowercase hex SHA-256 of FILE (Linux, macOS and Git Bash on Windows).
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "neither sha256sum nor shasum is installed"
  fi
}

# require_choice NAME VALUE CHOICE...: fail unless VALUE is one of the CHOICEs.
require_choice() {
  local name=$1 value=$2 c
  shift 2
  for c in "$@"; do
    [ "$value" = "$c" ] && return 0
  done
  die "input $name must be one of: $* (got '$value')"
}
