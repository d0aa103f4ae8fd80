#!/usr/bin/env bash
# The CUDA path in one go, for a machine with an NVIDIA GPU (see bench/README.md):
# the GPU-marked tests, and with a corpora folder, the recipes on CUDA with no flags
# (a character model on tinyshakespeare and a translator on Multi30k, MINUTES each,
# side by side under MPS when it starts), then the validation scores logged during
# training against `evaluate` of the same checkpoints on the same GPU.
#   bash bench/cuda_check.sh [CORPORA_DIR]
# Writes logs under $OUT (default bench/out/cuda); prints a JSON summary last.
set -uo pipefail
OUT=${OUT:-bench/out/cuda}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 RNN_STUDIO_CACHE=/tmp/rnn-cache RNN_STUDIO_LOGS=/tmp/rnn-logs
if ls .whl/*.whl >/dev/null 2>&1; then  # wheels carried for packages the image lacks
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
PY=${PY:-python3}
MINUTES=${MINUTES:-2}
nvidia-smi -L
(nvidia-cuda-mps-control -d && echo "MPS started") 2>&1 | tail -1
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
C=${1:-}
WS=/tmp/cuda-ws
if [ -n "$C" ]; then
  $PY main.py train lm --corpus "$C/tinyshakespeare/input.txt" --level char \
    --minutes "$MINUTES" --device cuda --workspace $WS --name lm > "$OUT/lm.log" 2>&1 &
  $PY main.py train mt --src "$C/multi30k/train.de" --tgt "$C/multi30k/train.en" \
    --valid-src "$C/multi30k/val.de" --valid-tgt "$C/multi30k/val.en" \
    --minutes "$MINUTES" --device cuda --workspace $WS --name mt > "$OUT/mt.log" 2>&1 &
fi
$PY -m pytest -q -p no:cacheprovider -o addopts= -m gpu tests/test_cuda.py \
  tests/test_generation.py tests/test_mt_task.py tests/test_validation_equals_evaluation.py \
  2>&1 | tee "$OUT/gpu-tests.log" | tail -4
wait
[ -n "$C" ] || exit 0
head -500 "$C/multi30k/val.de" > /tmp/val500.de; head -500 "$C/multi30k/val.en" > /tmp/val500.en
tail -c 111540 "$C/tinyshakespeare/input.txt" > /tmp/ts-val.txt  # the recipe's 90/10 split
for which in best last; do
  $PY main.py evaluate mt mt --src /tmp/val500.de --ref /tmp/val500.en --beam 1 \
    --checkpoint $which --device cuda --workspace $WS > "$OUT/mt-val-$which.txt" 2>&1
done
$PY main.py evaluate mt mt --src "$C/multi30k/test_2016_flickr.de" \
  --ref "$C/multi30k/test_2016_flickr.en" --beam 5 --device cuda --workspace $WS \
  > "$OUT/mt-test.txt" 2>&1
$PY main.py evaluate lm --corpus /tmp/ts-val.txt --checkpoint last --device cuda \
  --workspace $WS > "$OUT/lm-val-last.txt" 2>&1
cp $WS/runs/lm/metrics.jsonl "$OUT/lm.metrics.jsonl"; cp $WS/runs/mt/metrics.jsonl "$OUT/mt.metrics.jsonl"
$PY - "$WS" "$OUT" <<'EOF'
import json, sys
from pathlib import Path
ws, out = Path(sys.argv[1]), Path(sys.argv[2])
def printed(name):
    return {k: v for k, v in (line.split("\t", 1) for line in (out / name).read_text().splitlines()
                              if "\t" in line)}
summary = {}
for task in ("lm", "mt"):
    run = json.loads((ws / "runs" / task / "run.json").read_text())
    index = json.loads((ws / "runs" / task / "checkpoints" / "index.json").read_text())
    info = {w: json.loads((ws / "runs" / task / "checkpoints" / index[w] / "info.json").read_text())
            for w in ("best", "last")}
    summary[task] = {"recipe": run.get("recipe", {}).get("why"), "outcome": run.get("outcome"),
                     "train": {k: run["train"][k] for k in ("precision", "lr", "batch_size")},
                     "logged": {w: info[w]["metrics"] for w in info}}
for w in ("best", "last"):
    summary["mt"][f"evaluate_val_{w}"] = printed(f"mt-val-{w}.txt")
summary["mt"]["test_beam5"] = printed("mt-test.txt")
summary["lm"]["evaluate_val_last"] = printed("lm-val-last.txt")
print(json.dumps(summary, indent=1))
(out / "summary.json").write_text(json.dumps(summary, indent=1))
EOF
