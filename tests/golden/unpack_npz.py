#!/usr/bin/env python3
# unpack_npz.py: writes every array of a NumPy .npz archive as <OUTDIR>/<key>.npy (NumPy only), so
# C++ tests can read golden archives with lf::npy::load. Floating arrays keep their dtype (f32/f64);
# integer and boolean arrays are stored as int64 (the integer dtype lf::npy reads).
# Used by the ctest fixture setup of tests/golden (test_stylegan2_fixture):
#   "$(tools/find_python.sh)" tests/golden/unpack_npz.py ../shared/fixtures/sg2_tiny32_golden.npz OUTDIR
import os
import sys

try:
    import numpy as np
except ImportError:
    sys.stderr.write("unpack_npz.py: error: NumPy is not importable by %s; run it with the interpreter "
                     "tools/find_python.sh prints\n" % sys.executable)
    sys.exit(1)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: unpack_npz.py IN.npz OUTDIR\n")
        return 2
    src, out = argv[1], argv[2]
    try:
        archive = np.load(src, allow_pickle=False)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"unpack_npz.py: error: cannot read {src}: {e}\n")
        return 1
    os.makedirs(out, exist_ok=True)
    with archive:
        for key in archive.files:
            arr = np.asarray(archive[key])
            if arr.dtype.kind in "biu":
                arr = arr.astype(np.int64)
            elif arr.dtype.kind != "f" or arr.dtype.itemsize not in (2, 4, 8):
                sys.stderr.write(f"unpack_npz.py: error: {src}: array '{key}' has unsupported dtype {arr.dtype}\n")
                return 1
            np.save(os.path.join(out, key + ".npy"), np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"))))
    print(f"unpack_npz.py: {len(archive.files)} arrays from {os.path.basename(src)} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
