#!/usr/bin/env python3
# make_fastgan_golden.py: writes the committed FastGAN golden files under tests/golden/fastgan/
# (checked by tests/golden/test_fastgan_golden.cpp). Three tiny random-weight generators, one per
# supported im_size (256, 512, 1024; ngf 16, nz 32, nc 3). Their weights are not committed (an
# ngf-16 generator is ~7 MB): they are `lfgen init fastgan --im-size S --ngf 16 --nz 32 --seed K`
# (nets/fastgan_init.cpp), rebuilt here bit for bit by fastgan_reference.init_random; cases.json
# carries a fingerprint of them (tensor count, element count, exact sums of the values and of their
# absolute values) that the C++ test checks before comparing outputs.
#
# Goldens are the outputs of the PyTorch reference (tools/reference/fastgan_reference.py: the
# upstream models.py modules) run in float64 from the float32 weights and the float32-rounded z,
# i.e. the exact answer up to float64 rounding; cases.json also records how far PyTorch's own
# float32 forward is from them. Per case, z = RandomState(seed).randn(1, 32) for seeds 0, 1, 2 as
# one batch of 3, and per mode (eval: running statistics, noise none; batch: mini-batch statistics
# of the batch of 3, noise none; eval_noise: running statistics, noise random with noise_seed 0,
# i.e. lf::FastGan's per-sample RandomState(i) draws):
#   <case>_z.npy                       [3, 32] float64
#   <case>_<mode>_img_grid.npy         [3, 3, 33, 33] f32: img at rows/cols (arange(33) * (S-1)) // 32
#   <case>_<mode>_img_stats.npy        [3, 3, 3] f64: per image and channel sum, sum |x|, sum x^2 of
#                                      the full S x S image (every pixel takes part)
#   <case>_<mode>_img128_grid.npy      [3, 3, 33, 33] f32: img_128 on the same kind of grid
#   <case>_<mode>_img128_stats.npy     [3, 3, 3] f64
#   <case>_<mode>_feat_init.npy        [3, 256, 4, 4] f32: the InitLayer output (eval and batch)
# Full images do not fit the size budget (3 x 3 x 1024 x 1024 f32 is 38 MB); the grids include the
# border rows and columns, and the sums cover every pixel.
# Run by hand (needs torch; Debian's python has it):
#   /usr/bin/python3 tools/reference/make_fastgan_golden.py [--out tests/golden/fastgan]
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fastgan_reference as ref  # noqa: E402

REPO_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DEFAULT = os.path.join(REPO_DIR, "tests", "golden", "fastgan")
COMMAND = "/usr/bin/python3 tools/reference/make_fastgan_golden.py"
SEEDS = [0, 1, 2]
NGF, NZ, NC = 16, 32, 3
GRID = 33
REL_TOL = 1e-4  # max |lf - golden| / max |golden| per output: the FastGAN fixture tolerance
CASES = [
    {"name": "fg256", "im_size": 256, "seed": 256},
    {"name": "fg512", "im_size": 512, "seed": 512},
    {"name": "fg1024", "im_size": 1024, "seed": 1024},
]
MODES = {  # name -> (bn, noise, with feat_init)
    "eval": ("eval", "none", True),
    "batch": ("batch", "none", True),
    "eval_noise": ("eval", "random", False),
}


def grid_index(size):
    return (np.arange(GRID) * (size - 1)) // (GRID - 1)


def grid(img):
    idx = grid_index(img.shape[-1])
    return np.ascontiguousarray(img[:, :, idx][:, :, :, idx].astype(np.float32))


def stats(img):
    x = np.asarray(img, dtype=np.float64)
    return np.stack([x.sum(axis=(2, 3)), np.abs(x).sum(axis=(2, 3)), (x * x).sum(axis=(2, 3))], axis=-1)


def fingerprint(tensors):
    floats = [v for v in tensors.values() if v.dtype == np.float32]
    return {"tensors": len(tensors),
            "elements": int(sum(v.size for v in tensors.values())),
            "sum": math.fsum(float(x) for v in floats for x in v.ravel().astype(np.float64)),
            "sum_abs": math.fsum(float(x) for v in floats for x in np.abs(v.ravel().astype(np.float64)))}


def forward64(m, z, bn, noise):
    """The reference forward in float64 (weights, z and noise are the float32 values lf uses)."""
    m.g.double()
    try:
        src = ref.NoiseSource(z.shape[0], 0, 0) if noise == "random" else None
        for mod in m.noise_modules:
            mod.source = src
        for mod in m.bn_modules:
            mod.train(bn == "batch")
            mod.momentum = 0.0
        taps = {}
        with torch.no_grad():
            img, img128 = m.g(torch.from_numpy(z.astype(np.float32).astype(np.float64)), taps)
        return img.numpy(), img128.numpy(), taps["init"]
    finally:
        m.g.float()


def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / max(np.abs(b).max(), 1e-30))


def make_case(case, out):
    name, im = case["name"], case["im_size"]
    tensors = ref.init_random(im, NGF, NZ, NC, case["seed"])
    m = ref.FastGANReference(tensors, {"ngf": NGF, "nz": NZ, "nc": NC, "im_size": im})
    z = ref.seeds_to_z(SEEDS, NZ)
    files = {"z": f"{name}_z.npy"}
    np.save(os.path.join(out, files["z"]), z)
    modes = {}
    for mode, (bn, noise, with_init) in MODES.items():
        img, img128, feat = forward64(m, z, bn, noise)
        taps32 = {}
        img32, img128_32 = m.forward(z, bn=bn, noise=noise, noise_seed=0, taps=taps32)
        entry = {"bn": bn, "noise": noise, "noise_seed": 0, "files": {},
                 "pytorch_f32_rel_error": {"img": rel(img32, img), "img128": rel(img128_32, img128)}}
        arrays = {"img_grid": grid(img), "img_stats": stats(img), "img128_grid": grid(img128),
                  "img128_stats": stats(img128)}
        if with_init:
            arrays["feat_init"] = np.ascontiguousarray(feat.astype(np.float32))
            entry["pytorch_f32_rel_error"]["feat_init"] = rel(taps32["init"], feat)
        for key, arr in arrays.items():
            fname = f"{name}_{mode}_{key}.npy"
            np.save(os.path.join(out, fname), arr)
            entry["files"][key] = fname
        entry["img_max_abs"] = float(np.abs(img).max())
        entry["img_std"] = float(img.std())
        modes[mode] = entry
        print(f"{name} {mode:10s} max|img| {entry['img_max_abs']:.3f} std {entry['img_std']:.3f}  torch f32 rel err "
              + ", ".join(f"{k} {v:.1e}" for k, v in entry["pytorch_f32_rel_error"].items()), flush=True)
    return {"name": name, "im_size": im, "ngf": NGF, "nz": NZ, "nc": NC, "init_seed": case["seed"],
            "init_command": f"lfgen init fastgan --im-size {im} --ngf {NGF} --nz {NZ} --seed {case['seed']}",
            "weights_fingerprint": fingerprint(tensors), "seeds": SEEDS, "files": files, "modes": modes}


def main():
    ap = argparse.ArgumentParser(description="write tests/golden/fastgan (FastGAN golden outputs)")
    ap.add_argument("--out", default=OUT_DEFAULT)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    doc = {"comment": "FastGAN golden outputs (float64 PyTorch reference of models.py) for random-weight "
                      "generators written by `lfgen init fastgan` (weights not committed; fingerprint "
                      f"checked). Written by {COMMAND}; checked by tests/golden/test_fastgan_golden.cpp.",
           "torch": torch.__version__, "numpy": np.__version__, "grid": GRID,
           "tolerance": {"rel": REL_TOL, "why": "max |lf - golden| / max |golden| per output, the FastGAN "
                                                "fixture tolerance; stats: |d sum|, |d sum_abs| <= rel * sum_abs, "
                                                "|d sum_sq| <= 2 rel * sum_sq"},
           "cases": [make_case(c, args.out) for c in CASES]}
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
