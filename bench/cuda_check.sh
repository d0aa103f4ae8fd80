#!/usr/bin/env bash
# The CUDA path in one go, for a machine with an NVIDIA GPU (see bench/README.md):
# the GPU-marked tests (autocast training step, checkpoint round trip, generation,
# beam search), then optionally a short Multi30k translator probe per config.
#   bash bench/cuda_check.sh [MULTI30K_DIR]
# Writes logs and metrics under $OUT (default bench/out/cuda).
set -uo pipefail
OUT=${OUT:-bench/out/cuda}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 RNN_STUDIO_CACHE=/tmp/rnn-cache RNN_STUDIO_LOGS=/tmp/rnn-logs
if ls .whl/*.whl >/dev/null 2>&1; then  # wheels carried for packages the image lacks
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
PY=${PY:-python3}
nvidia-smi -L
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
$PY -m pytest -q -p no:cacheprovider -o addopts= -m gpu tests/test_cuda.py \
  tests/test_generation.py tests/test_mt_task.py 2>&1 | tee "$OUT/gpu-tests.log" | tail -8
M30K=${1:-}
[ -n "$M30K" ] || exit 0
probe() {  # name, then model options
  local name=$1; shift
  $PY main.py train mt --src "$M30K/train.de" --tgt "$M30K/train.en" \
    --valid-src "$M30K/val.de" --valid-tgt "$M30K/val.en" --tied --vocab 8000 \
    --eval-sentences 1014 --eval-every 226 --epochs 8 --minutes "${PROBE_MIN:-2.2}" \
    --device cuda --workspace /tmp/ws --name "$name" "$@" > "$OUT/$name.log" 2>&1
  cp /tmp/ws/runs/"$name"/metrics.jsonl "$OUT/$name.metrics.jsonl"
}
probe h256 --hidden 256 --embed 256 --dropout 0.3 --lr 3e-3 &
probe h512 --hidden 512 --embed 256 --dropout 0.3 --lr 2e-3 &
wait
echo "probe metrics: $OUT/*.metrics.jsonl"
