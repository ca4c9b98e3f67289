#!/usr/bin/env python3
# make_stylegan2_golden.py: writes the committed StyleGAN2 golden files under tests/golden/stylegan2/
# (checked by tests/golden/test_stylegan2_golden.cpp): for each tiny case a seeded random-weight model
# <case>.safetensors (official G_ema names, written by stylegan2_reference.init_random) and the
# outputs of the PyTorch reference (tools/reference/stylegan2_reference.py, CPU float32, TF32 off):
#   <case>_z.npy            [3, z_dim] float64, np.random.RandomState(seed).randn(1, z_dim), seeds 0..2
#   <case>_ws_psi10.npy     [3, num_ws, w_dim] f32, mapping(z, c, psi=1)
#   <case>_ws_psi07.npy     [3, num_ws, w_dim] f32, mapping(z, c, psi=0.7, cutoff from cases.json)
#   <case>_img_psi10.npy    [3, C, R, R] f32, synthesis(ws_psi10, noise_mode='const')
#   <case>_img_psi07.npy    [3, C, R, R] f32, synthesis(ws_psi07, noise_mode='const')
#   <case>_img_nonoise.npy  [3, C, R, R] f32, synthesis(ws_psi10, noise_mode='none')
#   <case>_wplus.npy        [3, num_ws, w_dim] f32, ws_psi10 + 0.5*N(0,1) per layer (a W+ input)
#   <case>_img_wplus.npy    [3, C, R, R] f32, synthesis(wplus, noise_mode='const')
# and cases.json (configs, seeds, psi, cutoff, class index, tolerances, file names).
# Conditional cases use class index 1 (one-hot label) for every seed.
# Run by hand (needs torch; Debian's python has it):
#   /usr/bin/python3 tools/reference/make_stylegan2_golden.py [--out tests/golden/stylegan2]
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stylegan2_reference as ref  # noqa: E402
from reference_common import f32  # noqa: E402

REPO_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DEFAULT = os.path.join(REPO_DIR, "tests", "golden", "stylegan2")
COMMAND = "/usr/bin/python3 tools/reference/make_stylegan2_golden.py"
SEEDS = [0, 1, 2]
CLASS_INDEX = 1
WS_TOL = 1e-5   # max abs; the mapping is a few small GEMMs, float32 rounding only
IMG_TOL = 1e-3  # max abs; images span several units, float32 accumulation order (conv/GEMM) differs


def gen_config(z, w, res, ch_base, ch_max, layers, arch, clamp, c_dim=0, img_channels=3):
    return {"z_dim": z, "c_dim": c_dim, "w_dim": w, "img_resolution": res, "img_channels": img_channels,
            "mapping_kwargs": {"num_layers": layers},
            "synthesis_kwargs": {"channel_base": ch_base, "channel_max": ch_max, "num_fp16_res": 0,
                                 "conv_clamp": clamp, "architecture": arch}}


# z_dim != w_dim and channel counts that change from block to block so that transposed shapes fail.
CASES = [
    {"name": "cond_skip16", "seed": 101, "cutoff": None, "exercise_clamp": False,
     "description": "skip 16x16, conditional (c_dim 3, class 1), 2 mapping layers, conv_clamp None",
     "config": gen_config(16, 24, 16, 192, 24, 2, "skip", None, c_dim=3)},
    {"name": "resnet16", "seed": 102, "cutoff": None, "exercise_clamp": False,
     "description": "resnet 16x16, 4 mapping layers, conv_clamp None",
     "config": gen_config(16, 24, 16, 192, 24, 4, "resnet", None)},
    {"name": "orig16", "seed": 103, "cutoff": None, "exercise_clamp": False,
     "description": "orig 16x16, 3 mapping layers, conv_clamp None",
     "config": gen_config(16, 24, 16, 192, 24, 3, "orig", None)},
    {"name": "skip32_clamp", "seed": 104, "cutoff": 5, "exercise_clamp": True,
     "description": "skip 32x32, 3 mapping layers, conv_clamp 256 (b8.conv1 / b8.torgb biases set so the "
                    "clamp engages on part of the elements), psi 0.7 with truncation cutoff 5",
     "config": gen_config(20, 32, 32, 256, 24, 3, "skip", 256)},
    {"name": "gray8", "seed": 105, "cutoff": None, "exercise_clamp": False,
     "description": "skip 8x8, img_channels 1 (grayscale), 2 mapping layers, conv_clamp None",
     "config": gen_config(8, 12, 8, 64, 16, 2, "skip", None, img_channels=1)},
]


def make_case(case, out):
    name, config = case["name"], case["config"]
    tensors = ref.init_random(config, seed=case["seed"], exercise_clamp=case["exercise_clamp"])
    comment = (f"latentfactor StyleGAN2 golden model '{name}': {case['description']}; random weights "
               f"(seed {case['seed']}). Regenerate: {COMMAND}")
    model_path = os.path.join(out, name + ".safetensors")
    ref.write_model(model_path, tensors, config, {"comment": comment, "generator": COMMAND})
    m = ref.StyleGAN2Reference.load(model_path)  # exactly what the C++ test reads
    cfg = m.cfg

    z = ref.seeds_to_z(SEEDS, cfg.z_dim)  # float64 [3, z_dim]
    c = m.class_labels(CLASS_INDEX, len(SEEDS)) if cfg.c_dim > 0 else None
    cutoff = case["cutoff"]
    ws10 = m.mapping(z, c, 1.0)
    ws07 = m.mapping(z, c, 0.7, cutoff)
    rng = np.random.RandomState(case["seed"] + 7)
    wplus = f32(ws10.numpy() + 0.5 * rng.randn(*ws10.shape))
    ref.CLAMP_STATS.update(enabled=True, elements=0, clamped=0)
    img10 = m.synthesis(ws10, "const")
    img07 = m.synthesis(ws07, "const")
    img_none = m.synthesis(ws10, "none")
    img_wplus = m.synthesis(wplus, "const")
    clamp = dict(ref.CLAMP_STATS)
    ref.CLAMP_STATS["enabled"] = False
    arrays = {"z": np.ascontiguousarray(z, dtype=np.float64), "ws_psi10": f32(ws10), "ws_psi07": f32(ws07),
              "img_psi10": f32(img10), "img_psi07": f32(img07), "img_nonoise": f32(img_none),
              "wplus": wplus, "img_wplus": f32(img_wplus)}
    files = {"model": name + ".safetensors"}
    for key, arr in arrays.items():
        files[key] = f"{name}_{key}.npy"
        np.save(os.path.join(out, files[key]), arr)
    imgs = np.stack([arrays[k] for k in ("img_psi10", "img_psi07", "img_nonoise", "img_wplus")])
    entry = {"name": name, "description": case["description"], "config": config, "init_seed": case["seed"],
             "seeds": SEEDS, "class_index": CLASS_INDEX if cfg.c_dim > 0 else None,
             "psi": [1.0, 0.7], "truncation_cutoff": cutoff, "num_ws": cfg.num_ws,
             "noise": {"img_psi10": "const", "img_psi07": "const", "img_nonoise": "none", "img_wplus": "const"},
             "tolerances": {"ws_max_abs": WS_TOL, "img_max_abs": IMG_TOL},
             "image_range": [float(imgs.min()), float(imgs.max())], "files": files}
    if cfg.conv_clamp is not None:
        entry["clamp_fraction"] = clamp["clamped"] / max(clamp["elements"], 1)
    return entry


def main():
    ap = argparse.ArgumentParser(description="writes tests/golden/stylegan2/*")
    ap.add_argument("--out", default=OUT_DEFAULT)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)  # results do not depend on it beyond float32 rounding
    os.makedirs(args.out, exist_ok=True)
    entries = [make_case(case, args.out) for case in CASES]
    doc = {
        "_comment": ["StyleGAN2 golden cases for tests/golden/test_stylegan2_golden.cpp: tiny random-weight "
                     "models and the outputs of the PyTorch reference tools/reference/stylegan2_reference.py "
                     "(a restatement of NVlabs stylegan2-ada-pytorch, eval mode, CPU float32, TF32 off).",
                     "z = np.random.RandomState(seed).randn(1, z_dim) per seed (float64); ws_psiXX = "
                     "mapping(z, c, psi=XX/10, truncation_cutoff); img_* = synthesis(ws, noise_mode) with "
                     "the noise named under 'noise'; wplus = ws_psi10 + 0.5*N(0,1) per layer.",
                     "Conditional models use the one-hot label of class_index for every seed.",
                     "Tolerances: ws max abs 1e-5 (float32 GEMM rounding); images max abs 1e-3 "
                     "(float32 accumulation order of convs/GEMMs on images spanning several units).",
                     "Regenerate: " + COMMAND],
        "generator": COMMAND,
        "cases": entries,
    }
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    for e in entries:
        print(f"{e['name']:14s} num_ws {e['num_ws']:2d} image range [{e['image_range'][0]:8.3f}, "
              f"{e['image_range'][1]:8.3f}]" + (f" clamp fraction {e['clamp_fraction']:.4f}"
                                                 if "clamp_fraction" in e else ""))
    print(f"wrote {len(os.listdir(args.out))} files, {total / 1024:.0f} KiB, to {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
