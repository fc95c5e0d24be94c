#!/usr/bin/env bash
# The diffusion experiment of docs/diffusion.md ("Results"): a teacher U-Net trained for hours, with its FID curve,
# then the distillation table from it (3 seeds, each ADM variant paired with its base).
# Every step reuses finished runs and resumes interrupted ones, so running this script again continues where it
# stopped. Run one training process at a time on a machine.
# The default $OUT, results/diffusion, is in the repository: committing the teacher's student.zip and the finished
# runs (results/.gitignore leaves out the other networks) lets another machine continue from a clone.
#
#   tools/experiments/diffusion.sh            # everything, in order
#   tools/experiments/diffusion.sh teacher    # one step: teacher, table
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT="${OUT:-results/diffusion}"
# Fashion-MNIST at 14x14 padded to 16, all 60,000 training images, the cosine schedule with T = 1000, batch 64 split
# between two single-threaded workers, FIDs of 1,000 DDIM samples of 50 steps (and the real floor beside them).
SETTING=(--downsample 2 --schedule cosine --steps 1000 --batch 64 --workers 2 --fid-samples 1000 --no-progress)

teacher() { # unet-base with EMA weights: 12 epochs (11,256 Adam steps), MSE and FID every 2 epochs
  local dir="$OUT/teacher" start=(--overwrite) # nothing yet, or the remains of a run that never checkpointed
  [[ -f "$dir/results.json" ]] && return        # finished (here or in the repository)
  [[ -f "$dir/checkpoint.zip" ]] && start=(--resume)
  ./adm train diffusion "${SETTING[@]}" --method baseline --student unet-base --epochs 12 --ema 0.999 \
    --score-every 2 --fid-every 2 --seed 42 --out "$dir" "${start[@]}"
}

table() { # the students from that teacher, and the online pairs from scratch with the same steps, 3 seeds
  ./adm experiment diffusion "${SETTING[@]}" --teacher-checkpoint "$OUT/teacher/student.zip" --teacher unet-base \
    --student unet-small --methods baseline,output-kd,adm-output-kd,dml,adm --epochs 2 --ema 0.999 --seeds 3 \
    --seed 42 --out "$OUT/unet-base-unet-small"
}

if [[ $# -eq 0 ]]; then
  set -- teacher table
fi
for step in "$@"; do
  case "$step" in
    teacher | table) "$step" ;;
    *) echo "unknown step '$step': give teacher or table" >&2; exit 2 ;;
  esac
done
