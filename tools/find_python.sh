#!/usr/bin/env bash
# find_python.sh: prints the path of the first Python interpreter among "$LF_PYTHON", /usr/bin/python3
# and python3 (on PATH) that can import NumPy; exits 1 with a one-line message if none can.
# Usage: "$(tools/find_python.sh)" tools/convert.py ...
set -u
for cand in "${LF_PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$cand" ] || continue
  path=$(command -v -- "$cand" 2>/dev/null) || continue
  if "$path" -c "import numpy" >/dev/null 2>&1; then
    printf '%s\n' "$path"
    exit 0
  fi
done
echo "find_python.sh: error: no Python interpreter that can import NumPy (tried" \
  "${LF_PYTHON:+\$LF_PYTHON=$LF_PYTHON, }/usr/bin/python3, python3);" \
  "install python3-numpy or set LF_PYTHON" >&2
exit 1
