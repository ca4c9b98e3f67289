#!/usr/bin/env python3
# fid_reference.py: PyTorch reference of pytorch-fid's FID InceptionV3 (torchvision Inception3 with
# the FIDInceptionA/C/E_1/E_2 blocks, BatchNorm eps 1e-3, pool3 2048-d; the 64/192/768 block outputs
# too) and of its statistics / Fréchet distance (np.cov + scipy.linalg.sqrtm, as
# pytorch_fid.fid_score.calculate_frechet_distance), written from
# ../shared/docs/fastgan-inception-ganspace-sefa.md sections B.1-B.5 without torchvision or
# pytorch-fid installed. It reads latentfactor safetensors (tools/convert.py inception ...) or the
# .pth state_dict directly (torch.load).
#
# Needs numpy + torch (+ scipy for the Fréchet distance): Debian's /usr/bin/python3. Commands:
#   /usr/bin/python3 tools/reference/fid_reference.py check-fixture [--fixtures DIR]
#       runs the reference on ../shared/fixtures/fid_inception_random.pth and compares with the
#       golden .npz (features 1e-4 relative, Fréchet distance 1e-6 relative)
#   /usr/bin/python3 tools/reference/fid_reference.py features --weights W --images X.npy --npy F.npy
# As a module: net = FidInceptionV3(load_state_dict(path)); feats = net(x)[-1] (x NCHW in [0,1]);
#              frechet_distance_scipy(mu1, s1, mu2, s2).
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                         "shared", "fixtures"))
BLOCK_DIMS = (64, 192, 768, 2048)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dt = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "F16": np.float16}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[b:e], dtype=dt[v["dtype"]]).reshape(v["shape"]).copy())
    return out


def load_state_dict(path):
    if path.endswith(".safetensors"):
        return load_safetensors(path)
    return torch.load(path, map_location="cpu")


class FidInceptionV3:
    """Functional pytorch-fid InceptionV3 (eval mode) over a state_dict."""

    def __init__(self, sd):
        self.sd = {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}

    def conv(self, name, x, stride=1, padding=0):
        w = self.sd[name + ".conv.weight"]
        x = F.conv2d(x, w, stride=stride, padding=padding)
        x = F.batch_norm(x, self.sd[name + ".bn.running_mean"], self.sd[name + ".bn.running_var"],
                         self.sd[name + ".bn.weight"], self.sd[name + ".bn.bias"], False, 0.0, 0.001)
        return F.relu(x)

    def block_a(self, p, x):
        b1 = self.conv(p + ".branch1x1", x)
        b5 = self.conv(p + ".branch5x5_2", self.conv(p + ".branch5x5_1", x), padding=2)
        b3 = self.conv(p + ".branch3x3dbl_1", x)
        b3 = self.conv(p + ".branch3x3dbl_2", b3, padding=1)
        b3 = self.conv(p + ".branch3x3dbl_3", b3, padding=1)
        bp = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        bp = self.conv(p + ".branch_pool", bp)
        return torch.cat([b1, b5, b3, bp], 1)

    def block_b(self, p, x):
        b3 = self.conv(p + ".branch3x3", x, stride=2)
        bd = self.conv(p + ".branch3x3dbl_1", x)
        bd = self.conv(p + ".branch3x3dbl_2", bd, padding=1)
        bd = self.conv(p + ".branch3x3dbl_3", bd, stride=2)
        bp = F.max_pool2d(x, 3, stride=2)
        return torch.cat([b3, bd, bp], 1)

    def block_c(self, p, x):
        b1 = self.conv(p + ".branch1x1", x)
        b7 = self.conv(p + ".branch7x7_1", x)
        b7 = self.conv(p + ".branch7x7_2", b7, padding=(0, 3))
        b7 = self.conv(p + ".branch7x7_3", b7, padding=(3, 0))
        bd = self.conv(p + ".branch7x7dbl_1", x)
        bd = self.conv(p + ".branch7x7dbl_2", bd, padding=(3, 0))
        bd = self.conv(p + ".branch7x7dbl_3", bd, padding=(0, 3))
        bd = self.conv(p + ".branch7x7dbl_4", bd, padding=(3, 0))
        bd = self.conv(p + ".branch7x7dbl_5", bd, padding=(0, 3))
        bp = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        bp = self.conv(p + ".branch_pool", bp)
        return torch.cat([b1, b7, bd, bp], 1)

    def block_d(self, p, x):
        b3 = self.conv(p + ".branch3x3_1", x)
        b3 = self.conv(p + ".branch3x3_2", b3, stride=2)
        b7 = self.conv(p + ".branch7x7x3_1", x)
        b7 = self.conv(p + ".branch7x7x3_2", b7, padding=(0, 3))
        b7 = self.conv(p + ".branch7x7x3_3", b7, padding=(3, 0))
        b7 = self.conv(p + ".branch7x7x3_4", b7, stride=2)
        bp = F.max_pool2d(x, 3, stride=2)
        return torch.cat([b3, b7, bp], 1)

    def block_e(self, p, x, max_pool):
        b1 = self.conv(p + ".branch1x1", x)
        b3 = self.conv(p + ".branch3x3_1", x)
        b3 = torch.cat([self.conv(p + ".branch3x3_2a", b3, padding=(0, 1)),
                        self.conv(p + ".branch3x3_2b", b3, padding=(1, 0))], 1)
        bd = self.conv(p + ".branch3x3dbl_1", x)
        bd = self.conv(p + ".branch3x3dbl_2", bd, padding=1)
        bd = torch.cat([self.conv(p + ".branch3x3dbl_3a", bd, padding=(0, 1)),
                        self.conv(p + ".branch3x3dbl_3b", bd, padding=(1, 0))], 1)
        if max_pool:
            bp = F.max_pool2d(x, 3, stride=1, padding=1)
        else:
            bp = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        bp = self.conv(p + ".branch_pool", bp)
        return torch.cat([b1, b3, bd, bp], 1)

    @torch.no_grad()
    def __call__(self, x, resize=True, normalize=True, last_block=3):
        """x: [N,3,H,W] in [0,1]. Returns the outputs of blocks 0..last_block (each [N,C,1,1] pooled
        for block 3, spatial maps for blocks 0-2 as pytorch-fid returns them)."""
        out = []
        if resize:
            x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        if normalize:
            x = 2 * x - 1
        x = self.conv("Conv2d_1a_3x3", x, stride=2)
        x = self.conv("Conv2d_2a_3x3", x)
        x = self.conv("Conv2d_2b_3x3", x, padding=1)
        x = F.max_pool2d(x, 3, stride=2)
        out.append(x)
        if last_block == 0:
            return out
        x = self.conv("Conv2d_3b_1x1", x)
        x = self.conv("Conv2d_4a_3x3", x)
        x = F.max_pool2d(x, 3, stride=2)
        out.append(x)
        if last_block == 1:
            return out
        x = self.block_a("Mixed_5b", x)
        x = self.block_a("Mixed_5c", x)
        x = self.block_a("Mixed_5d", x)
        x = self.block_b("Mixed_6a", x)
        for b in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
            x = self.block_c(b, x)
        out.append(x)
        if last_block == 2:
            return out
        x = self.block_d("Mixed_7a", x)
        x = self.block_e("Mixed_7b", x, max_pool=False)
        x = self.block_e("Mixed_7c", x, max_pool=True)
        out.append(F.adaptive_avg_pool2d(x, (1, 1)))
        return out


def statistics(act):
    act = np.asarray(act, dtype=np.float64)
    return np.mean(act, axis=0), np.cov(act, rowvar=False)


def frechet_distance_scipy(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch_fid.fid_score.calculate_frechet_distance (0.3.0), verbatim in behaviour."""
    from scipy import linalg
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component {}".format(np.max(np.abs(covmean.imag))))
        covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def check_fixture(fixtures):
    net = FidInceptionV3(load_state_dict(os.path.join(fixtures, "fid_inception_random.pth")))
    g = np.load(os.path.join(fixtures, "fid_inception_random_golden.npz"))
    ok = True
    for x, f in (("x64", "feat64"), ("x299", "feat299"), ("xodd", "featodd")):
        got = net(torch.from_numpy(g[x]))[-1].squeeze(3).squeeze(2).numpy()
        rel = np.abs(got - g[f]).max() / np.abs(g[f]).max()
        print(f"{f}: max rel error {rel:.3e}")
        ok &= rel <= 1e-4
    mu1, s1 = statistics(g["fd_A"])
    mu2, s2 = statistics(g["fd_B"])
    fd = frechet_distance_scipy(mu1, s1, mu2, s2)
    rel = abs(fd - float(g["fd_value"])) / abs(float(g["fd_value"]))
    print(f"fd: {fd!r} golden {float(g['fd_value'])!r} rel {rel:.3e}")
    ok &= rel <= 1e-6
    return 0 if ok else 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check-fixture")
    c.add_argument("--fixtures", default=FIXTURES)
    f = sub.add_parser("features")
    f.add_argument("--weights", required=True)
    f.add_argument("--images", required=True)
    f.add_argument("--npy", required=True)
    f.add_argument("--dims", type=int, default=2048, choices=BLOCK_DIMS)
    a = ap.parse_args(argv)
    torch.backends.cudnn.allow_tf32 = False
    if a.cmd == "check-fixture":
        return check_fixture(a.fixtures)
    net = FidInceptionV3(load_state_dict(a.weights))
    x = torch.from_numpy(np.load(a.images).astype(np.float32))
    blk = BLOCK_DIMS.index(a.dims)
    y = net(x, last_block=blk)[blk]
    y = F.adaptive_avg_pool2d(y, (1, 1)) if y.shape[2] != 1 else y
    np.save(a.npy, y.squeeze(3).squeeze(2).numpy())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
