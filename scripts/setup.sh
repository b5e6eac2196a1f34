#!/usr/bin/env bash
# Installs what Klartekst needs from Debian (only what is missing). Safe to run again.
#   scripts/setup.sh           runtime + build dependencies
#   scripts/setup.sh --tests   also PostgreSQL (the store's tests run against it)
set -euo pipefail

# Build: libxml2 and SQLite headers. Run: poppler (pdftotext, pdftoppm), tesseract with Danish
# data (OCR), Danish word list (scoring text layers), coreutils/util-linux (timeout, prlimit).
packages=(libxml2-dev libsqlite3-dev pkg-config poppler-utils tesseract-ocr tesseract-ocr-dan wdanish util-linux coreutils)
if [[ "${1:-}" == "--tests" ]]; then
  # Tests also run PostgreSQL and make English-OCR'd PDFs to prove broken layers are caught.
  packages+=(postgresql postgresql-contrib tesseract-ocr-eng)
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
