#!/usr/bin/env bash
# A real GPT sweep on this machine, end to end: a private redis-server, `lawsweep planner`, one
# `lawsweep worker` running examples/trainers/gpt_trainer.py, the sweep of SPEC, followed until it
# ends; then the runs (CSV) and the fit are printed and everything is stopped.
#
#   GPT_DATA=/path/to/text-or-tokens.bin bash examples/gpt-sweep.sh [SPEC] [WORKER FLAGS...]
#   GPT_DATA=corpus.txt bash examples/gpt-sweep.sh                                # CPU, examples/specs/gpt-tiny-cpu.yaml
#   GPT_DATA=tokens.bin bash examples/gpt-sweep.sh my-gpu-spec.yaml --gpus 0,1    # one run per GPU
#
# Needs: redis-server, python3 with torch and numpy (PYTHON=/usr/bin/python3 picks another python;
# Debian: apt-get install python3-torch), a built checkout (npm ci). Ports: PORT (default 3917) for
# the planner, REDIS_PORT (default 6917). Output: lawsweep-gpt/ (runs.csv, fit.txt, logs).
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${1:-examples/specs/gpt-tiny-cpu.yaml}
shift || true
: "${GPT_DATA:?set GPT_DATA to the training data: a .bin of uint16 token ids, or any text file}"
[ -r "$GPT_DATA" ] || { echo "GPT_DATA=$GPT_DATA is not a readable file" >&2; exit 2; }
PORT=${PORT:-3917}
REDIS_PORT=${REDIS_PORT:-6917}
OUT=lawsweep-gpt
mkdir -p "$OUT"
PY=${PYTHON:-python3}
"$PY" -c 'import torch, numpy' 2>/dev/null || { echo "$PY cannot import torch and numpy (PYTHON=... picks another python)" >&2; exit 2; }
# The worker starts `python3` from the spec; put the chosen python first on its PATH. A wrapper that
# execs it, not a symlink: a venv's python found through a link elsewhere does not see the venv's
# pyvenv.cfg, so it would run without the venv's packages (torch).
PYDIR=$(mktemp -d)
printf '#!/bin/sh\nexec "%s" "$@"\n' "$(command -v "$PY")" > "$PYDIR/python3"
chmod +x "$PYDIR/python3"

pids=()
cleanup() {
  # Newest first (worker, planner, then Redis): the worker hands its runs back through Redis.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  rm -rf "$PYDIR"
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no > "$OUT/redis.log" 2>&1 &
pids+=($!)
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
PORT=$PORT node bin/lawsweep.js planner > "$OUT/planner.log" 2>&1 &
pids+=($!)
PATH="$PYDIR:$PATH" GPT_DATA=$GPT_DATA node bin/lawsweep.js worker --run-dir "$OUT/runs" "$@" > "$OUT/worker.log" 2>&1 &
pids+=($!)
PLANNER="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$PLANNER/health" > /dev/null && break; sleep 0.2; done

ID=$(node bin/lawsweep.js sweep create "$SPEC" --planner "$PLANNER" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).id))')
echo "sweep $ID ($SPEC); dashboard $PLANNER/sweeps/$ID/view"
node bin/lawsweep.js sweep watch "$ID" --planner "$PLANNER"
node bin/lawsweep.js sweep export "$ID" --planner "$PLANNER" > "$OUT/runs.csv"
node bin/lawsweep.js sweep fit "$ID" --planner "$PLANNER" | tee "$OUT/fit.txt"
echo "runs: $OUT/runs.csv; fit: $OUT/fit.txt; logs: $OUT/*.log"
