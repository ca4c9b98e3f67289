#!/usr/bin/env python3
# fastgan_reference.py: PyTorch reference of the FastGAN-pytorch generator (models.py Generator),
# written from ../shared/docs/fastgan-inception-ganspace-sefa.md §A and mirroring the upstream module
# structure (InitLayer, UpBlock, UpBlockComp, SEBlock, GLU, NoiseInjection, Swish, Generator with the
# same attribute names and Sequential indices), so a latentfactor safetensors model (tools/convert.py
# output: spectral norm folded into `<m>.weight`) loads into it with a strict load_state_dict. CPU,
# float32, TF32 off. Outputs as upstream: [to_big, to_128], tanh only at im_size 1024.
#   BatchNorm: "eval" (running statistics) or "batch" (train-mode statistics of the mini-batch, biased
#              variance; momentum 0 so the running statistics are not modified).
#   Noise:     "none" (NoiseInjection skipped), or "random": the draws of lf::FastGan (nets/fastgan.cpp):
#              sample i of a batch uses np.random.RandomState(noise_seed + sample_offset + i), one
#              standard_normal() per pixel of each NoiseInjection in forward order.
# init_random() rebuilds the weights of nets/fastgan_init.cpp (lfgen init fastgan) bit for bit.
#
# Needs numpy + torch (Debian's /usr/bin/python3). Commands:
#   /usr/bin/python3 tools/reference/fastgan_reference.py check-fixture [--fixtures DIR]
#       converts ../shared/fixtures/fastgan_tiny256.pth (g) with tools/convert.py and compares img,
#       img_128, feat_init, feat_feat_8/16/32 with the golden .npz (1e-4 of max |golden|, per output)
#   /usr/bin/python3 tools/reference/fastgan_reference.py init OUT.safetensors --im-size 512 [--ngf 64]
#       [--nz 256] [--nc 3] [--seed 0]          the same file as `lfgen init fastgan`
#   /usr/bin/python3 tools/reference/fastgan_reference.py generate -m MODEL --seeds 0-3 --npy OUT.npy
#       [--npy128 OUT.npy] [--bn eval|batch] [--noise none|random] [--noise-seed S] [--batch B]
# As a module: m = FastGANReference.load(path); img, img128, taps = m.forward(z, bn="eval", noise="none").
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # keep tools/lfconvert free of __pycache__
TOOLS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
REPO_DIR = os.path.dirname(TOOLS_DIR)
sys.path.insert(0, TOOLS_DIR)
from lfconvert import safetensors as st  # noqa: E402  (numpy-only safetensors reader/writer)
from reference_common import max_rel, parse_seeds, seeds_to_z, write_safetensors  # noqa: E402,F401

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

NFC_MULT = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}
CONV_GAIN = float(np.sqrt(2.0))  # nets/fastgan_init.cpp kConvGain
OUTPUT_GAIN = 0.25  # nets/fastgan_init.cpp kOutputGain (to_big, to_128)


def nfc_table(ngf):
    return {r: int(m * ngf) for r, m in NFC_MULT.items()}


# ---- upstream modules (models.py), spectral norm already folded into the weights ----------------

class GLU(nn.Module):
    def forward(self, x):
        nc = x.size(1)
        assert nc % 2 == 0, "channels dont divide 2!"
        nc = int(nc / 2)
        return x[:, :nc] * torch.sigmoid(x[:, nc:])


class NoiseSource:
    """Per-sample legacy RandomState streams, as lf::FastGan draws NoiseInjection noise."""

    def __init__(self, batch, seed, offset):
        self.states = [np.random.RandomState(seed + offset + i) for i in range(batch)]

    def draw(self, height, width):
        n = np.stack([rs.standard_normal(height * width).reshape(height, width) for rs in self.states])
        return torch.from_numpy(n.astype(np.float32))[:, None]  # [B, 1, H, W]


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1), requires_grad=True)
        self.source = None  # None: noise off ("none"); else a NoiseSource

    def forward(self, feat):
        if self.source is None:
            return feat
        batch, _, height, width = feat.shape
        return feat + self.weight * self.source.draw(height, width)


class Swish(nn.Module):
    def forward(self, feat):
        return feat * torch.sigmoid(feat)


class SEBlock(nn.Module):
    def __init__(self, ch_in, ch_out):
        super().__init__()
        self.main = nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Conv2d(ch_in, ch_out, 4, 1, 0, bias=False), Swish(),
                                  nn.Conv2d(ch_out, ch_out, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, feat_small, feat_big):
        return feat_big * self.main(feat_small)


class InitLayer(nn.Module):
    def __init__(self, nz, channel):
        super().__init__()
        self.init = nn.Sequential(nn.ConvTranspose2d(nz, channel * 2, 4, 1, 0, bias=False),
                                  nn.BatchNorm2d(channel * 2), GLU())

    def forward(self, noise):
        noise = noise.view(noise.shape[0], -1, 1, 1)
        return self.init(noise)


def UpBlock(in_planes, out_planes):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                         nn.Conv2d(in_planes, out_planes * 2, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(out_planes * 2), GLU())


def UpBlockComp(in_planes, out_planes):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                         nn.Conv2d(in_planes, out_planes * 2, 3, 1, 1, bias=False), NoiseInjection(),
                         nn.BatchNorm2d(out_planes * 2), GLU(),
                         nn.Conv2d(out_planes, out_planes * 2, 3, 1, 1, bias=False), NoiseInjection(),
                         nn.BatchNorm2d(out_planes * 2), GLU())


class Generator(nn.Module):
    def __init__(self, ngf=64, nz=100, nc=3, im_size=1024):
        super().__init__()
        nfc = nfc_table(ngf)
        self.im_size = im_size
        self.init = InitLayer(nz, channel=nfc[4])
        self.feat_8 = UpBlockComp(nfc[4], nfc[8])
        self.feat_16 = UpBlock(nfc[8], nfc[16])
        self.feat_32 = UpBlockComp(nfc[16], nfc[32])
        self.feat_64 = UpBlock(nfc[32], nfc[64])
        self.feat_128 = UpBlockComp(nfc[64], nfc[128])
        self.feat_256 = UpBlock(nfc[128], nfc[256])
        self.se_64 = SEBlock(nfc[4], nfc[64])
        self.se_128 = SEBlock(nfc[8], nfc[128])
        self.se_256 = SEBlock(nfc[16], nfc[256])
        self.to_128 = nn.Conv2d(nfc[128], nc, 1, 1, 0, bias=False)
        self.to_big = nn.Conv2d(nfc[im_size], nc, 3, 1, 1, bias=False)
        if im_size > 256:
            self.feat_512 = UpBlockComp(nfc[256], nfc[512])
            self.se_512 = SEBlock(nfc[32], nfc[512])
        if im_size > 512:
            self.feat_1024 = UpBlock(nfc[512], nfc[1024])

    def forward(self, input, taps=None):
        def tap(name, t):
            if taps is not None:
                taps[name] = t.detach().numpy().copy()
            return t

        feat_4 = tap("init", self.init(input))
        feat_8 = tap("feat_8", self.feat_8(feat_4))
        feat_16 = tap("feat_16", self.feat_16(feat_8))
        feat_32 = tap("feat_32", self.feat_32(feat_16))
        feat_64 = tap("feat_64", self.se_64(feat_4, self.feat_64(feat_32)))
        feat_128 = tap("feat_128", self.se_128(feat_8, self.feat_128(feat_64)))
        feat_256 = tap("feat_256", self.se_256(feat_16, self.feat_256(feat_128)))
        if self.im_size == 256:
            return [self.to_big(feat_256), self.to_128(feat_128)]
        feat_512 = tap("feat_512", self.se_512(feat_32, self.feat_512(feat_256)))
        if self.im_size == 512:
            return [self.to_big(feat_512), self.to_128(feat_128)]
        feat_1024 = tap("feat_1024", self.feat_1024(feat_512))
        im_128 = torch.tanh(self.to_128(feat_128))
        im_1024 = torch.tanh(self.to_big(feat_1024))
        return [im_1024, im_128]


# ---- latentfactor models ---------------------------------------------------------------------------

class FastGANReference:
    def __init__(self, tensors, cfg):
        self.cfg = cfg
        self.g = Generator(ngf=cfg["ngf"], nz=cfg["nz"], nc=cfg["nc"], im_size=cfg["im_size"])
        sd = collections.OrderedDict()
        for k, v in tensors.items():
            sd[k] = torch.from_numpy(np.ascontiguousarray(v))
        self.g.load_state_dict(sd, strict=True)
        self.g.eval()
        self.noise_modules = [m for m in self.g.modules() if isinstance(m, NoiseInjection)]
        self.bn_modules = [m for m in self.g.modules() if isinstance(m, nn.BatchNorm2d)]

    @classmethod
    def load(cls, path):
        tensors, meta = st.read(path)
        if meta.get("architecture", "fastgan") != "fastgan":
            raise ValueError(f"{path}: not a FastGAN model")
        w = tensors["init.init.0.weight"]
        nz, ngf = int(w.shape[0]), int(w.shape[1]) // 32
        im_size = 1024 if "feat_1024.1.weight" in tensors else 512 if "feat_512.1.weight" in tensors else 256
        nc = int(tensors["to_big.weight"].shape[0])
        return cls(tensors, {"ngf": ngf, "nz": nz, "nc": nc, "im_size": im_size})

    @torch.no_grad()
    def forward(self, z, bn="eval", noise="none", noise_seed=0, sample_offset=0, taps=None):
        """z: [N, nz] (float64 or float32). Returns (img, img_128) as float32 numpy arrays."""
        z = torch.from_numpy(np.asarray(z, dtype=np.float64).astype(np.float32))
        source = NoiseSource(z.shape[0], noise_seed, sample_offset) if noise == "random" else None
        for m in self.noise_modules:
            m.source = source
        for m in self.bn_modules:
            m.train(bn == "batch")
            m.momentum = 0.0  # batch mode: use the batch statistics, leave the running ones untouched
        img, img128 = self.g(z, taps)
        return img.numpy(), img128.numpy()


def expected_names(im_size, ngf, nz, nc):
    """(name, shape, kind) in nets/fastgan_init.cpp / converter order; kind in conv, bn, noise."""
    nfc = nfc_table(ngf)
    out = []

    def conv(name, shape, fan_in, gain=CONV_GAIN):
        out.append((name, shape, ("conv", (fan_in, gain))))

    def bn(p, c):
        out.append((p, [c], ("bn", None)))

    def up_block(p, cin, cout):
        conv(p + ".1.weight", [2 * cout, cin, 3, 3], cin * 9)
        bn(p + ".2", 2 * cout)

    def up_block_comp(p, cin, cout):
        conv(p + ".1.weight", [2 * cout, cin, 3, 3], cin * 9)
        out.append((p + ".2.weight", [1], ("noise", None)))
        bn(p + ".3", 2 * cout)
        conv(p + ".5.weight", [2 * cout, cout, 3, 3], cout * 9)
        out.append((p + ".6.weight", [1], ("noise", None)))
        bn(p + ".7", 2 * cout)

    def se_block(p, cin, cout):
        conv(p + ".main.1.weight", [cout, cin, 4, 4], cin * 16)
        conv(p + ".main.3.weight", [cout, cout, 1, 1], cout)

    conv("init.init.0.weight", [nz, 2 * nfc[4], 4, 4], nz)
    bn("init.init.1", 2 * nfc[4])
    up_block_comp("feat_8", nfc[4], nfc[8])
    up_block("feat_16", nfc[8], nfc[16])
    up_block_comp("feat_32", nfc[16], nfc[32])
    up_block("feat_64", nfc[32], nfc[64])
    up_block_comp("feat_128", nfc[64], nfc[128])
    up_block("feat_256", nfc[128], nfc[256])
    se_block("se_64", nfc[4], nfc[64])
    se_block("se_128", nfc[8], nfc[128])
    se_block("se_256", nfc[16], nfc[256])
    conv("to_128.weight", [nc, nfc[128], 1, 1], nfc[128], OUTPUT_GAIN)
    conv("to_big.weight", [nc, nfc[im_size], 3, 3], nfc[im_size] * 9, OUTPUT_GAIN)
    if im_size > 256:
        up_block_comp("feat_512", nfc[256], nfc[512])
        se_block("se_512", nfc[32], nfc[512])
    if im_size > 512:
        up_block("feat_1024", nfc[512], nfc[1024])
    return out


def init_random(im_size, ngf, nz, nc=3, seed=0):
    """The weights of nets/fastgan_init.cpp (lfgen init fastgan --seed S), bit for bit."""
    if im_size not in (256, 512, 1024) or ngf < 8 or ngf % 8:
        raise ValueError(f"unsupported FastGAN config im_size {im_size}, ngf {ngf}")
    rs = np.random.RandomState(seed)
    t = collections.OrderedDict()
    for name, shape, (kind, arg) in expected_names(im_size, ngf, nz, nc):
        if kind == "conv":
            fan_in, gain = arg
            scale = gain / np.sqrt(float(fan_in))
            t[name] = (scale * rs.standard_normal(int(np.prod(shape)))).astype(np.float32).reshape(shape)
        elif kind == "noise":
            t[name] = (0.02 + 0.08 * rs.random_sample(1)).astype(np.float32)
        else:
            c = shape[0]
            t[name + ".weight"] = (1.0 + 0.1 * rs.standard_normal(c)).astype(np.float32)
            t[name + ".bias"] = (0.1 * rs.standard_normal(c)).astype(np.float32)
            t[name + ".running_mean"] = (0.1 * rs.standard_normal(c)).astype(np.float32)
            t[name + ".running_var"] = (0.8 + 0.4 * rs.random_sample(c)).astype(np.float32)
            t[name + ".num_batches_tracked"] = np.array(0, dtype=np.int64)
    return t


def write_model(path, tensors, cfg, extra_metadata=None):
    meta = {"architecture": "fastgan", "config": json.dumps(cfg, sort_keys=True),
            "im_size": str(cfg["im_size"]), "ngf": str(cfg["ngf"]), "nz": str(cfg["nz"]), "nc": str(cfg["nc"])}
    meta.update(extra_metadata or {})
    write_safetensors(path, tensors, meta)


# ---- CLI ---------------------------------------------------------------------------------------------

def cmd_check_fixture(args):
    fixtures = args.fixtures or os.path.normpath(os.path.join(REPO_DIR, "..", "shared", "fixtures"))
    golden = np.load(os.path.join(fixtures, "fastgan_tiny256_golden.npz"))
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "fastgan_tiny256.safetensors")
        subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "convert.py"), "fastgan",
                        os.path.join(fixtures, "fastgan_tiny256.pth"), model_path], check=True)
        m = FastGANReference.load(model_path)
    taps = {}
    img, img128 = m.forward(golden["z"], bn="eval", noise="none", taps=taps)
    rows = [("img", max_rel(img, golden["img"])), ("img_128", max_rel(img128, golden["img_128"])),
            ("feat_init", max_rel(taps["init"], golden["feat_init"]))]
    for k in ("feat_8", "feat_16", "feat_32"):
        rows.append(("feat_" + k, max_rel(taps[k], golden["feat_" + k])))
    ok = True
    for key, err in rows:
        print(f"{key:14s} max|diff|/max|golden| {err:.3e}  (tol 1e-4)  {'ok' if err <= 1e-4 else 'FAIL'}")
        ok &= err <= 1e-4
    return 0 if ok else 1


def cmd_init(args):
    tensors = init_random(args.im_size, args.ngf, args.nz, args.nc, args.seed)
    cfg = {"im_size": args.im_size, "ngf": args.ngf, "nz": args.nz, "nc": args.nc}
    write_model(args.out, tensors, cfg, {"weights": "random", "init_seed": str(args.seed),
                                          "source": "tools/reference/fastgan_reference.py init (random weights)"})
    print("wrote", args.out)
    return 0


def cmd_generate(args):
    m = FastGANReference.load(args.model)
    z = np.load(args.z) if args.z else seeds_to_z(parse_seeds(args.seeds), m.cfg["nz"])
    imgs, imgs128 = [], []
    for i in range(0, z.shape[0], args.batch):
        a, b = m.forward(z[i:i + args.batch], bn=args.bn, noise=args.noise, noise_seed=args.noise_seed,
                         sample_offset=i)
        imgs.append(a)
        imgs128.append(b)
    np.save(args.npy, np.concatenate(imgs).astype(np.float32))
    if args.npy128:
        np.save(args.npy128, np.concatenate(imgs128).astype(np.float32))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="PyTorch reference of the FastGAN generator")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check-fixture", help="compare with ../shared/fixtures/fastgan_tiny256_golden.npz")
    p.add_argument("--fixtures", default=None)
    p = sub.add_parser("init", help="write a random-weight model (same bytes of weights as lfgen init fastgan)")
    p.add_argument("out", metavar="OUT.safetensors")
    p.add_argument("--im-size", type=int, default=1024)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--nz", type=int, default=256)
    p.add_argument("--nc", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("generate", help="images as NCHW float32 .npy")
    p.add_argument("-m", "--model", required=True)
    p.add_argument("--seeds", default="0-3")
    p.add_argument("--z", default=None)
    p.add_argument("--bn", default="eval", choices=["eval", "batch"])
    p.add_argument("--noise", default="none", choices=["none", "random"])
    p.add_argument("--noise-seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--npy", required=True)
    p.add_argument("--npy128", default=None)
    args = ap.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    return {"check-fixture": cmd_check_fixture, "init": cmd_init, "generate": cmd_generate}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
