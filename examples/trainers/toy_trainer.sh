#!/bin/sh
# A toy trainer that speaks lawsweep's protocol without a GPU: the "training" loss of a model of
# N parameters after D tokens follows Hoffmann et al.'s (Chinchilla) published law
#   L(N, D) = 1.69 + 406.4 / N^0.34 + 410.7 / D^0.28
# times a little noise seeded by the run id. Use it to try a sweep end to end:
#   trainer: { type: command, command: ["sh", "examples/trainers/toy_trainer.sh", "{N}", "{D}"] }
# TOY_SECONDS (environment, default 1) is how long one run pretends to train.
set -eu
N="${1:?usage: toy_trainer.sh N D}"
D="${2:?usage: toy_trainer.sh N D}"
SECS="${TOY_SECONDS:-1}"
SEED=$(printf '%s' "${LAWSWEEP_RUN_ID:-toy}" | cksum | cut -d' ' -f1)
trap 'echo "toy_trainer: stopped" >&2; exit 143' TERM
echo "toy_trainer: N=$N D=$D run=${LAWSWEEP_RUN_ID:-none} dir=${LAWSWEEP_RUN_DIR:-none}"
for k in 1 2 3 4; do
  sleep "$(awk "BEGIN { print $SECS / 5 }")"
  awk -v n="$N" -v d="$D" -v k="$k" 'BEGIN {
    t = d * k / 5; printf "{\"tokens\": %.6g, \"loss\": %.6f}\n", t, 1.69 + 406.4 / n^0.34 + 410.7 / t^0.28 }'
done
sleep "$(awk "BEGIN { print $SECS / 5 }")"
awk -v n="$N" -v d="$D" -v s="$SEED" 'BEGIN {
  srand(s); z = sqrt(-2 * log(1 - rand())) * cos(6.283185307 * rand());
  printf "{\"final\": true, \"loss\": %.6f}\n", (1.69 + 406.4 / n^0.34 + 410.7 / d^0.28) * exp(0.005 * z) }'
