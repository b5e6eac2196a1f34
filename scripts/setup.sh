#!/usr/bin/env bash
# Installs what Klartekst needs from Debian (only what is missing). Safe to run again.
#   scripts/setup.sh           runtime + build dependencies
#   scripts/setup.sh --tests   also PostgreSQL (the store's tests run against it)
set -euo pipefail

# Build: libxml2 and SQLite headers. Run: poppler (pdftotext, pdftoppm), tesseract with Danish
# data (OCR), Danish word list (scoring text layers), coreutils/util-linux (timeout, prlimit),
# espeak-ng (the spoken summaries, Danish voice), libstemmer (Snowball Danish for the search index).
packages=(libxml2-dev libsqlite3-dev libstemmer-dev pkg-config poppler-utils tesseract-ocr tesseract-ocr-dan wdanish util-linux coreutils espeak-ng)
if [[ "${1:-}" == "--bench" ]]; then
  # Benchmarks drive the release server with wrk (HTTP load generator).
  packages+=(wrk time gcc python3-venv postgresql postgresql-contrib)
fi
if [[ "${1:-}" == "--tests" ]]; then
  # Tests also run PostgreSQL, make English-OCR'd PDFs to prove broken layers are caught, and
  # drive a headless Chromium (answers with and without JavaScript, screenshots).
  packages+=(postgresql postgresql-contrib tesseract-ocr-eng chromium chromium-driver fonts-dejavu-core python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: Swift 6.3 is required (swift not on PATH)" >&2; exit 1; }

if [[ "${1:-}" == "--tests" ]]; then
  # Selenium and pytest for the browser tests, in a venv outside the work tree (shared by clones).
  venv=${KLARTEKST_MODEL_HOME:-$HOME/.cache/klartekst}/venv-browser
  if ! "$venv/bin/python" -c 'import selenium, pytest' 2>/dev/null; then
    echo "setup: installing Selenium and pytest into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'selenium==4.40.0' 'pytest==9.0.3'
  fi
  # axe-core (Deque, MPL-2.0) for the accessibility checks: PyPI ships it inside
  # axe-playwright-python; only its axe.min.js is used (injected through Selenium), so the
  # package is installed without its Playwright dependency.
  if ! "$venv/bin/python" -c 'import importlib.util, pathlib, sys; s = importlib.util.find_spec("axe_playwright_python"); sys.exit(0 if s and (pathlib.Path(s.origin).parent / "axe.min.js").exists() else 1)' 2>/dev/null; then
    echo "setup: installing axe-core (axe-playwright-python 0.1.8, without Playwright) into $venv"
    "$venv/bin/pip" install -q --no-deps 'axe-playwright-python==0.1.8'
  fi
fi
