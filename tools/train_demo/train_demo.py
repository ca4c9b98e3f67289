#!/usr/bin/env python3
# train_demo.py: trains the bundled demo generator (weights/demo/shapes64.safetensors), a small
# StyleGAN2 with the official architecture and config keys, on the procedural shapes of shapes.py.
# Run by hand with Debian's python3 (numpy + torch), never in CI:
#   /usr/bin/python3 tools/train_demo/train_demo.py --minutes 80 --threads 1 -o run1.safetensors
#   /usr/bin/python3 tools/train_demo/train_demo.py --init run1.safetensors --minutes 40 --threads 2 \
#       -o weights/demo/shapes64.safetensors
# (a run can continue an exported one with --init; the metadata keeps every run's command and
# settings: "training_command", "training", "training_history").
#
# Objective. The dataset is defined through the latent: an image of the dataset is render(factors(z))
# with z ~ N(0, I), every factor read from one coordinate of the normalized z (shapes.factors). The
# generator is trained to reproduce exactly that image from the same z (L2 + L1 on pixels, optionally
# weighted up on and around the shape, --shape-weight, where the shape's identity shows). At zero
# loss the generator's output distribution IS the dataset's distribution, so it is the same target
# a GAN aims at, reached with a stable regression instead of an adversarial game: that is what fits
# a CPU budget of about an hour on two cores. The mapping network still learns its own W space
# (nonlinear, of its own choosing), which is where PCA, ICA and SeFa then look for directions; the
# known z -> factor assignment is only the ground truth the disentanglement score checks against.
#
# Forward pass: the official training-mode path (fused_modconv=False: styles scale the input, one
# shared-weight conv, demodulation coefficients scale the output), mathematically the eval-mode
# fused modconv that lfgen runs; noise_mode "none" during training so the noise strengths stay 0.
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import shapes  # noqa: E402
import stylegan2_reference as ref  # noqa: E402

CONFIG = {
    "z_dim": 8, "c_dim": 0, "w_dim": 32, "img_resolution": 64, "img_channels": 3,
    "mapping_kwargs": {"num_layers": 4},
    "synthesis_kwargs": {"channel_base": 2048, "channel_max": 64, "num_fp16_res": 0, "conv_clamp": None},
}


def modulated_conv2d_training(x, weight, styles, noise=None, up=1, padding=0, resample_filter=None,
                              demodulate=True, flip_weight=True):
    """The official fused_modconv=False path (training mode); same result as the fused form."""
    n = x.shape[0]
    if demodulate:
        w = weight.unsqueeze(0) * styles.reshape(n, 1, -1, 1, 1)  # [N, O, I, k, k]
        dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()  # [N, O]
    x = x * styles.reshape(n, -1, 1, 1)
    x = ref.conv2d_resample(x, weight, f=resample_filter, up=up, padding=padding, flip_weight=flip_weight)
    if demodulate:
        x = x * dcoefs.reshape(n, -1, 1, 1)
    if noise is not None:
        x = x + noise
    return x


def official_init(cfg, seed):
    """The official parameter init: weights N(0,1) (mapping / lr_multiplier), biases 0 except the
    affine biases (1), noise strengths 0, const and noise_const N(0,1), w_avg 0."""
    rng = np.random.RandomState(seed)
    tensors = {}
    for name, shape in ref.expected_shapes(cfg):
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "resample_filter":
            v = ref.fir_filter()
        elif leaf in ("noise_strength", "w_avg"):
            v = np.zeros(shape)
        elif leaf == "bias":
            v = np.ones(shape) if ".affine." in name else np.zeros(shape)
        elif name.startswith("mapping.fc"):
            v = rng.randn(*shape) / cfg.lr_multiplier
        else:
            v = rng.randn(*shape)
        tensors[name] = np.asarray(v, dtype=np.float32).reshape(shape)
    return tensors


def trainable(name):
    leaf = name.rsplit(".", 1)[-1]
    return leaf not in ("resample_filter", "noise_const", "w_avg", "noise_strength")


def to_grid_png(path, img, cols):
    """img [N, 3, H, W] in [0, 1] -> a PNG grid (zlib + struct, no imaging library)."""
    import struct
    import zlib
    a = (img.clamp(0, 1) * 255 + 0.5).byte().permute(0, 2, 3, 1).numpy()
    n, h, w, _ = a.shape
    rows = (n + cols - 1) // cols
    grid = np.zeros([rows * h, cols * w, 3], np.uint8)
    for i in range(n):
        grid[(i // cols) * h:(i // cols + 1) * h, (i % cols) * w:(i % cols + 1) * w] = a[i]
    raw = b"".join(b"\x00" + grid[y].tobytes() for y in range(grid.shape[0]))

    def chunk(t, b):
        return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", grid.shape[1], grid.shape[0], 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--minutes", type=float, default=75.0, help="wall-clock training budget")
    ap.add_argument("--max-steps", type=int, default=1 << 30)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--snapshot-dir", default=None, help="sample grids while training")
    ap.add_argument("--shape-weight", type=float, default=0.0,
                    help="extra loss weight on the shape and 2 px around it (0: plain L2 + 0.1 L1)")
    ap.add_argument("--init", default=None, help="continue from this exported model (same CONFIG)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    ref.modulated_conv2d = modulated_conv2d_training
    cfg = ref.Cfg(CONFIG)
    tensors = official_init(cfg, args.seed)
    history = []
    if args.init:  # continue training: the weights of an earlier run (Adam state starts afresh)
        loaded, meta = ref.st.read(args.init)
        assert json.loads(meta["config"]) == CONFIG, "--init: a model with another config"
        tensors.update({k: np.asarray(v, dtype=np.float32) for k, v in loaded.items() if k in tensors})
        earlier = dict(json.loads(meta["training"]), command=meta.get("training_command", ""))
        history = json.loads(meta.get("training_history", "[]")) + [earlier]
    model = ref.StyleGAN2Reference(tensors, CONFIG)
    mapping_params = [t for k, t in model.t.items() if k.startswith("mapping.") and trainable(k)]
    synthesis_params = [t for k, t in model.t.items() if not k.startswith("mapping.") and trainable(k)]
    for t in mapping_params + synthesis_params:
        t.requires_grad_(True)
    # Adam moves a stored weight by ~lr per step; the mapping's runtime weight is stored * lr_multiplier,
    # so its group gets lr / lr_multiplier to learn at the same speed as the synthesis network.
    opt = torch.optim.Adam([{"params": synthesis_params, "lr": args.lr},
                            {"params": mapping_params, "lr": args.lr / cfg.lr_multiplier}], betas=(0.9, 0.99))
    mapping = ref.StyleGAN2Reference.mapping.__wrapped__
    synthesis = ref.StyleGAN2Reference.synthesis.__wrapped__
    rng = np.random.RandomState(args.seed + 1)
    z_fixed = torch.from_numpy(np.random.RandomState(12345).randn(16, cfg.z_dim))
    t0 = time.time()
    budget = args.minutes * 60
    step, ema = 0, None
    if args.snapshot_dir:
        os.makedirs(args.snapshot_dir, exist_ok=True)
    while step < args.max_steps and time.time() - t0 < budget:
        frac = min(1.0, (time.time() - t0) / budget)
        lr_scale = 0.5 * (1 + math.cos(math.pi * frac)) * 0.95 + 0.05  # cosine decay to 5%
        opt.param_groups[0]["lr"] = args.lr * lr_scale
        opt.param_groups[1]["lr"] = args.lr / cfg.lr_multiplier * lr_scale
        z = torch.from_numpy(rng.randn(args.batch, cfg.z_dim))
        target, cover = shapes.render(shapes.factors(z), with_coverage=True)
        target = target * 2 - 1  # [N, 3, 64, 64] in [-1, 1]
        ws = mapping(model, z)
        img = synthesis(model, ws, noise_mode="none")
        diff = img - target
        # Pixel weights: 1, plus --shape-weight on the shape and 2 px around it (its coverage
        # dilated by a 5x5 max-pool), so the few pixels that tell a square from a circle count.
        weight = 1 + args.shape_weight * torch.nn.functional.max_pool2d(cover, 5, stride=1, padding=2)
        loss = (weight * (diff.square() + 0.1 * diff.abs())).mean() / weight.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % args.log_every == 0:
            print(f"step {step} loss {ema:.5f} lr {args.lr * lr_scale:.2e} {time.time() - t0:.0f}s", flush=True)
        if args.snapshot_dir and step % (args.log_every * 10) == 0:
            with torch.no_grad():
                out = synthesis(model, mapping(model, z_fixed), noise_mode="none")
                ref_img = shapes.render(shapes.factors(z_fixed))
            to_grid_png(os.path.join(args.snapshot_dir, f"step{step:06d}.png"),
                        torch.cat([(out + 1) / 2, ref_img]), 8)
    # w_avg as training would have tracked it: the mean mapping output.
    with torch.no_grad():
        zs = torch.from_numpy(np.random.RandomState(args.seed + 2).randn(10000, cfg.z_dim))
        w_avg = mapping(model, zs)[:, 0].mean(dim=0)
    out = {k: t.detach().numpy().astype(np.float32).reshape(tensors[k].shape) for k, t in model.t.items()}
    out["mapping.w_avg"] = w_avg.numpy().astype(np.float32)
    meta = {
        "training_command": " ".join(["tools/train_demo/train_demo.py"] + sys.argv[1:]),
        "training": json.dumps({"steps": step, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                                "threads": args.threads, "minutes": round((time.time() - t0) / 60, 1),
                                "final_loss_ema": ema, "shape_weight": args.shape_weight,
                                "objective": "pixel-weighted L2 + 0.1 L1 to render(factors(z))",
                                "dataset": "tools/train_demo/shapes.py", "factors": list(shapes.FACTOR_NAMES)}),
        "training_history": json.dumps(history),  # earlier runs this one continued (--init)
        "source": "trained by tools/train_demo/train_demo.py",
    }
    ref.write_model(args.out, out, CONFIG, meta)
    print(f"wrote {args.out} after {step} steps, loss {ema:.5f}")


if __name__ == "__main__":
    main()
