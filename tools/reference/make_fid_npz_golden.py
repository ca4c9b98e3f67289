#!/usr/bin/env python3
# make_fid_npz_golden.py: writes tests/fid/data/savez.npz and savez_compressed.npz, tiny FID-style
# statistics archives ('mu' = 0.5 * arange(4) - 3, 'sigma' = 0.5 * arange(16).reshape(4, 4) - 3,
# float64) exactly as pytorch-fid writes them (np.savez) and as np.savez_compressed does, so
# test_npz.cpp checks that lf::npz reads NumPy's own archives. NumPy only:
#   "$(tools/find_python.sh)" tools/reference/make_fid_npz_golden.py
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fid", "data")


def main():
    os.makedirs(OUT, exist_ok=True)
    mu = 0.5 * np.arange(4, dtype=np.float64) - 3.0
    sigma = 0.5 * np.arange(16, dtype=np.float64).reshape(4, 4) - 3.0
    np.savez(os.path.join(OUT, "savez.npz"), mu=mu, sigma=sigma)
    np.savez_compressed(os.path.join(OUT, "savez_compressed.npz"), mu=mu, sigma=sigma)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
