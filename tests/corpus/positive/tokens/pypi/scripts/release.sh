#!/usr/bin/env bash
set -euo pipefail
rm -rf dist/
python -m build
python -m twine check dist/*
python -m twine upload --non-interactive -u __token__ \
  -p pypi-AgEIcHlwaS5vcmcCJu2qjFytgA7Ylru2gI_xd5y0aZNb-_CKlXzAuhM_9XTE50VYkf-LLRk6ILV23RBbRTX2S1tNi9EPqqq6zUzaN-jlMa6Dh8-oM8CpUIu_c7k5L8-c3YvYmshK5GwJFE_LiRUmx9e76IYXwx2HG9qTsmR \
  dist/*
