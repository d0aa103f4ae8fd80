# Replays grid cells on a GPU in CPU-equivalent steps (see bench/recipe_grid.py); MPS lets
# the small RNN kernels of several runs share the GPU. Usage: bash bench/grids/gpu_grid.sh GRID...
# Plan the grids first on the CPU machine (recipe_grid.py plan). The GPU machine needs the
# corpora the grids name in .gridcorpora/ (same layout as ../shared/corpora) and wheels of
# packages its image lacks (platformdirs) in .whl/, both carried and kept out of git.
set -o pipefail
export PYTHONUNBUFFERED=1 RNN_STUDIO_CACHE=/tmp/rnn-cache RNN_STUDIO_LOGS=/tmp/rnn-logs \
  RNN_STUDIO_CORPORA=$PWD/.gridcorpora OMP_NUM_THREADS=1
OUT=${OUT:-bench/out/grid}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \
  && export PYTHONPATH=/tmp/site
nvidia-smi -L; (nvidia-cuda-mps-control -d && echo MPS started) 2>&1 | tail -1
for g in "$@"; do
  timeout ${GRID_TIMEOUT:-330} python3 bench/recipe_grid.py run bench/grids/$g.json --device cuda \
    --parallel 6 --out "$OUT/grid.jsonl" --workspace /tmp/gws > "$OUT/$g.log" 2>&1 &
done
wait
(cd /tmp/gws && tar czf "$OUT/metrics.tgz" runs/*/metrics.jsonl runs/*/run.json logs)
cut -c1-300 "$OUT/grid.jsonl"
