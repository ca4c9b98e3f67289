#!/usr/bin/env python3
# make_numpy_random_golden.py: writes the golden files that pin lf::NumpyRandomState to NumPy's
# legacy RandomState bit for bit (tests/golden/numpy_randn_len<L>.npy and numpy_sequence.npy).
# Run by hand with the interpreter tools/find_python.sh prints:
#   "$(tools/find_python.sh)" tools/reference/make_numpy_random_golden.py
import os
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden")
SEEDS = range(10)
LENGTHS = [1, 2, 7, 32, 512, 1001]  # odd lengths leave a cached Gaussian behind


def main():
    os.makedirs(OUT, exist_ok=True)
    for n in LENGTHS:
        rows = np.stack([np.random.RandomState(s).randn(1, n)[0] for s in SEEDS])  # [10, n] float64
        np.save(os.path.join(OUT, f"numpy_randn_len{n}.npy"), rows)
    # One state, successive calls: the cached Gaussian crosses call boundaries, random_sample
    # draws in between do not clear it. Seed 4294967295 checks the full 32-bit seed range.
    seq = []
    for s in (123, 4294967295):
        rs = np.random.RandomState(s)
        seq += [rs.randn(3), rs.randn(4), rs.random_sample(5), rs.randn(1), rs.randn(2)]
    np.save(os.path.join(OUT, "numpy_sequence.npy"), np.concatenate(seq))
    print("wrote golden files to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
