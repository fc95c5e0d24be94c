#!/usr/bin/env bash
# The converged, seeded, paired comparison of docs/results.md ("Converged comparison"): classification, then
# segmentation.
# Every step is an `adm experiment` that reuses finished runs and resumes interrupted ones, so running this
# script again continues where it stopped (after a crash, a reboot, or Ctrl-C). Run one training process at a
# time on a machine. Each step writes its runs and tables (results.md, results.csv, runs.csv, paired.csv, charts)
# in a directory of $OUT.
# The default $OUT, results/converged, is in the repository: committing its finished runs (results/.gitignore
# leaves out checkpoints and most networks) lets another machine continue the experiment from a clone.
#
#   tools/experiments/converged.sh            # everything, in order
#   tools/experiments/converged.sh main       # one step: curve, main, weights, hetero, three, seg-curve, seg
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT="${OUT:-results/converged}"
# The setting (chosen on a validation split of the training images, see the "curve" step): 5,000 training
# images without augmentation, 20 epochs, scored once at the end on the 10,000 test images.
SETTING=(--train-limit 5000 --no-augment --epochs 20 --batch 128 --lr 0.05 --seed 42 --workers 2 --score-every 20
  --no-progress)

curve() { # the baseline's learning curve on the validation split: 20 and 40 epochs
  for e in 20 40; do
    local dir="$OUT/curve/e$e" start=(--overwrite)   # nothing yet, or the remains of a run that never checkpointed
    [[ -f "$dir/results.json" ]] && continue          # finished (here or in the repository)
    [[ -f "$dir/checkpoint.zip" ]] && start=(--resume) # interrupted
    ./adm train classification --method baseline --teacher resnet20 --student resnet8 --train-limit 5000 \
      --no-augment --validation 10000 --epochs "$e" --seed 42 --workers 2 --score-every 5 --no-progress \
      --out "$dir" "${start[@]}"
  done
}

main() { # claims 1-3: online and offline bases against their ADM variants, the ablation and sensitivity
  # Cumulative stages into one directory, cheapest answer first: each stage reuses the runs of the ones before,
  # and its tables cover every run so far, so an interrupted experiment has answered claims, not scattered seeds.
  local pair=(--teacher resnet20 --student resnet8 --out "$OUT/resnet20-resnet8")
  local rows=dml:5,adm:5                                           # claim 1 with DML (the paper's main base)
  ./adm experiment classification "${SETTING[@]}" "${pair[@]}" --methods "$rows"
  rows+=,baseline:3,kd:3,adm-kd:3,dkd:3,adm-dkd:3                  # claim 2: offline bases
  ./adm experiment classification "${SETTING[@]}" "${pair[@]}" --methods "$rows"
  rows+=,kdcl:5,adm-kdcl:5                                         # claim 1 with KDCL
  ./adm experiment classification "${SETTING[@]}" "${pair[@]}" --methods "$rows"
  ./adm experiment classification "${SETTING[@]}" "${pair[@]}" --methods "$rows" --ablation adm-sweep --seeds 3 # 3
  rows+=,sokd:3,switokd:3,adm-switokd:3                            # claim 1 with SwitOKD; SOKD for reference
  ./adm experiment classification "${SETTING[@]}" "${pair[@]}" --methods "$rows" --ablation adm-sweep --seeds 3
}

hetero() { # a heterogeneous pair: ADM's similarity on attention maps (the channels differ)
  ./adm experiment classification "${SETTING[@]}" --teacher wrn_16_2 --student resnet8 --methods dml,adm \
    --param similarity=attention --seeds 3 --out "$OUT/wrn_16_2-resnet8"
}

three() { # claim 5: one teacher and two students, two teachers and one student
  ./adm experiment classification "${SETTING[@]}" --teacher resnet20 --student resnet8,resnet8 --methods dml,adm \
    --seeds 3 --out "$OUT/1t2s"
  ./adm experiment classification "${SETTING[@]}" --teacher resnet20,resnet20 --student resnet8 --methods dml,adm \
    --seeds 3 --out "$OUT/2t1s"
}

weights() { # claim 4: where the consensus and divergence weights land, for ADM pairs and DML pairs, every seed whose
  # checkpoint is on this machine (the repository keeps seed 42's)
  mkdir -p "$OUT/weights"
  for m in adm dml; do
    for dir in "$OUT/resnet20-resnet8/$m"/seed*; do
      [[ -f "$dir/checkpoint.zip" ]] || continue
      ./adm visualize --run "$dir" --images 6 --statistics 10000 --out "$OUT/weights/$m-${dir##*/}.png" \
        | tee "$OUT/weights/$m-${dir##*/}.txt"
    done
  done
}

# Segmentation (item 6 of the comparison): composed scenes of 32x32 with one or two items, 2,000 fixed training
# scenes without flips (as classification, no augmentation), batch 32, scored on 1,000 scenes.
SEG_SETTING=(--canvas 32 --items 1..2 --train-scenes 2000 --test-scenes 1000 --no-flip --aux --batch 32 --lr 0.05
  --seed 42 --workers 2 --no-progress)

seg-curve() { # the segmentation baseline's curve on scenes composed from 10,000 held-out training items
  for e in 20 40 80; do
    local dir="$OUT/segmentation-curve/e$e" start=(--overwrite)
    [[ -f "$dir/results.json" ]] && continue
    [[ -f "$dir/checkpoint.zip" ]] && start=(--resume)
    ./adm train segmentation "${SEG_SETTING[@]}" --method baseline --teacher deeplabv3-resnet20 --student fcn-resnet8 \
      --validation 10000 --epochs "$e" --score-every 5 --out "$dir" "${start[@]}"
  done
}

seg() { # item 6: ADM against DML and the offline methods on dense labels; 40 epochs while the curve's 80 is pending
  ./adm experiment segmentation "${SEG_SETTING[@]}" --epochs 40 --score-every 40 --teacher deeplabv3-resnet20 \
    --student fcn-resnet8 --methods baseline,pixel-kd,cwd,akd,rdd,dml,adm --seeds 3 --out "$OUT/segmentation"
}

if [[ $# -eq 0 ]]; then
  set -- main weights hetero three seg-curve seg
fi
for step in "$@"; do
  case "$step" in
    curve | main | hetero | three | weights | seg-curve | seg) "$step" ;;
    *) echo "unknown step '$step': give curve, main, hetero, three, weights, seg-curve or seg" >&2; exit 2 ;;
  esac
done
