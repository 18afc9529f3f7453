#!/bin/bash
# `hf-absa train` with its defaults, then the same with --torch_compile (transformers' TrainingArguments flag:
# inductor), one after the other: Laptop14, bert_spc, seed 1. Prints each run's whole wall time and its
# all_results.json figures. Not a test of the library; a measurement.
#
#     bash benchmarks/train_compile.sh DATA_DIR OUT_DIR
set -euo pipefail
data_dir=${1:?usage: train_compile.sh DATA_DIR OUT_DIR}
out=${2:?usage: train_compile.sh DATA_DIR OUT_DIR}
export HF_HUB_OFFLINE=1
for variant in default compile; do
  flags=()
  [ "$variant" = compile ] && flags=(--torch_compile)
  rm -rf "$out/$variant"
  start=$(date +%s.%N)
  python -m hf_absa train --dataset laptop14 --data_dir "$data_dir" --output_dir "$out/$variant" --seed 1 \
    "${flags[@]}" > "$out/$variant.log" 2>&1
  end=$(date +%s.%N)
  python - "$out/$variant/all_results.json" "$variant" "$start" "$end" <<'P'
import json, sys
results = json.load(open(sys.argv[1]))
keys = ("train_runtime", "train_samples_per_second", "eval_accuracy", "test_accuracy", "test_f1")
print(json.dumps({"variant": sys.argv[2], "wall_s": round(float(sys.argv[4]) - float(sys.argv[3]), 1),
                  **{key: results[key] for key in keys if key in results}}))
P
done
