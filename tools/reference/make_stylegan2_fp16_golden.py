#!/usr/bin/env python3
# make_stylegan2_fp16_golden.py: writes tests/golden/stylegan2_fp16/ (checked by
# tests/emulated/test_stylegan2_ops.cpp, StyleGan2Fp16): a seeded random-weight skip model with
# num_fp16_res = 2 (blocks b16 and b32 of 32x32 are fp16 blocks) and conv_clamp 256 with biases set so
# that the clamp engages, and the outputs of the PyTorch reference (tools/reference/stylegan2_reference.py):
#   model.safetensors    the model (official G_ema names)
#   z.npy                [3, z_dim] float64, np.random.RandomState(seed).randn(1, z_dim), seeds 0..2
#   ws.npy               [3, num_ws, w_dim] float32, mapping(z, psi=1)
#   img_fp32.npy         [3, C, R, R] synthesis(ws, 'const') in float32 (force_fp32=True)
#   img_fp16.npy         [3, C, R, R] the same with the official fp16 numerics, batch 3 (non-fused form)
#   img_fp16_n1.npy      [1, C, R, R] the same for seed 0 alone, batch 1 (fused form)
# The fp16 results are the same-precision computation the CUDA kernels' fp16 path is measured against:
# torch has no half conv on the CPU, so the reference rounds every tensor the official fp16 block holds
# as half and runs the convs in float32 on those half values (exact products, float32 accumulation).
# Run by hand (needs torch; Debian's python has it):
#   /usr/bin/python3 tools/reference/make_stylegan2_fp16_golden.py [--out tests/golden/stylegan2_fp16]
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stylegan2_reference as ref  # noqa: E402
from reference_common import f32, seeds_to_z  # noqa: E402

REPO_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DEFAULT = os.path.join(REPO_DIR, "tests", "golden", "stylegan2_fp16")
COMMAND = "/usr/bin/python3 tools/reference/make_stylegan2_fp16_golden.py"
SEED = 106
CONFIG = {"z_dim": 20, "c_dim": 0, "w_dim": 32, "img_resolution": 32, "img_channels": 3,
          "mapping_kwargs": {"num_layers": 3},
          "synthesis_kwargs": {"channel_base": 512, "channel_max": 32, "num_fp16_res": 2, "conv_clamp": 256,
                               "architecture": "skip"}}


def main():
    ap = argparse.ArgumentParser(description="writes tests/golden/stylegan2_fp16/*")
    ap.add_argument("--out", default=OUT_DEFAULT)
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    tensors = ref.init_random(CONFIG, seed=SEED)
    # Clamp engagement inside the fp16 blocks: b16.conv1 channels 0/1 cross +-256 on part of the
    # pixels; b32.torgb channel 0 crosses +256.
    b = tensors["synthesis.b16.conv1.bias"]
    b[0], b[1] = 256 / ref.SQRT2, -256 / ref.SQRT2 / 0.2
    tensors["synthesis.b32.torgb.bias"][0] = 255.5
    comment = (f"latentfactor StyleGAN2 fp16 golden model: skip 32x32, num_fp16_res 2, conv_clamp 256, "
               f"random weights (seed {SEED}). Regenerate: {COMMAND}")
    model_path = os.path.join(args.out, "model.safetensors")
    ref.write_model(model_path, tensors, CONFIG, {"comment": comment, "generator": COMMAND})
    m = ref.StyleGAN2Reference.load(model_path)
    z = seeds_to_z([0, 1, 2], m.cfg.z_dim)
    ws = m.mapping(z)
    img32 = m.synthesis(ws, noise_mode="const")
    img16 = m.synthesis(ws, noise_mode="const", fp16=True)
    img16_n1 = m.synthesis(ws[:1], noise_mode="const", fp16=True)
    np.save(os.path.join(args.out, "z.npy"), np.asarray(z, dtype=np.float64))
    np.save(os.path.join(args.out, "ws.npy"), f32(ws))
    np.save(os.path.join(args.out, "img_fp32.npy"), f32(img32))
    np.save(os.path.join(args.out, "img_fp16.npy"), f32(img16))
    np.save(os.path.join(args.out, "img_fp16_n1.npy"), f32(img16_n1))
    scale = float(img32.abs().max())
    err = float((img16 - img32).abs().max()) / scale
    err_n1 = float((img16_n1 - img32[:1]).abs().max()) / scale
    info = {"generator": COMMAND, "config": CONFIG, "seeds": [0, 1, 2],
            "fp16_resolution": m.cfg.fp16_resolution, "image_max_abs": scale,
            "fp16_max_rel_error": err, "fp16_n1_max_rel_error": err_n1}
    with open(os.path.join(args.out, "info.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print(json.dumps(info, indent=1))


if __name__ == "__main__":
    main()
