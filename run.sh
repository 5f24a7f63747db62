#!/usr/bin/env bash
# One command to set up and run reportqa.
#
#   ./run.sh [SERVE ARGS]         set up, fetch the models, start the web UI (reportqa serve)
#   ./run.sh test [PYTEST ARGS]   set up (plus Chromium for the browser tests), run the whole test suite
#   ./run.sh setup                set up only: virtualenv, dependencies, models
#   ./run.sh reportqa ARGS...     run any reportqa command inside the virtualenv
#
# Set-up is idempotent: the virtualenv is created once, dependencies are installed again only when
# pyproject.toml changed, and model weights are assembled once in ~/.cache/reportqa.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON=${PYTHON:-python3.11}
VENV=.venv
STAMP=$VENV/.reportqa-install-stamp  # sha256 of pyproject.toml at the last successful install

log() { printf '==> %s\n' "$*" >&2; }

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; }

ensure_venv() {
  if [[ -x $VENV/bin/python ]]; then
    return
  fi
  if ! command -v "$PYTHON" >/dev/null; then
    echo "run.sh: $PYTHON not found; install Python 3.11 or set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  log "creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
}

install_project() {
  local wanted
  wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [[ -x $VENV/bin/reportqa && -f $STAMP && $(<"$STAMP") == "$wanted" ]]; then
    return
  fi
  log "installing reportqa and its dependencies into $VENV"
  # torch is pinned in the same pip command so pip takes the CPU wheel (pip's find-links) rather
  # than resolving torch on its own and pulling the CUDA build and its libraries.
  "$VENV/bin/python" -m pip install --disable-pip-version-check torch==2.13.0 -e '.[dev]'
  echo "$wanted" >"$STAMP"
}

pull_models() {
  log "checking the model weights (embedder and chat model)"
  "$VENV/bin/reportqa" models pull
}

pull_test_models() {
  # The OpenAI-compatible back-end is tested against a local server running the small model.
  "$VENV/bin/reportqa" models pull qwen2.5-coder-0.5b-instruct-q4
  # The embedder export (`reportqa models export`, ~4 CPU min, 8.3 GB) is not made here: the default
  # backend is torch; tests/index/test_exported_embeddings_e2e.py skips (naming that command) without it.
}

ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    return
  fi
  log "installing Chromium for the browser tests"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo -n)  # -n: fail instead of prompting (CI has no stdin)
  fi
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei  # the font: Chinese in screenshots
}

setup() {
  ensure_venv
  install_project
  pull_models
}

main() {
  case "${1:-}" in
    -h | --help | help)
      usage
      ;;
    setup)
      setup
      ;;
    test)
      shift
      setup
      pull_test_models
      ensure_chromium
      # The whole suite, slow and browser tests included; pytest's exit code is ours
      # (5 = no tests collected counts as a failure).
      exec "$VENV/bin/python" -m pytest "$@"
      ;;
    reportqa)
      shift
      ensure_venv
      install_project
      exec "$VENV/bin/reportqa" "$@"
      ;;
    *)
      setup
      exec "$VENV/bin/reportqa" serve "$@"
      ;;
  esac
}

main "$@"
