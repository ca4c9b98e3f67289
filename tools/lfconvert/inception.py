# inception.py: pytorch-fid's FID InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth, a
# torch.save'd state_dict, zip or legacy) -> tensors with the official torchvision key names.
# Every key and shape is checked against Inception3(num_classes=1008, aux_logits=False) with the FID
# blocks; BatchNorm num_batches_tracked is optional (kept as I64 when present).
import collections
import json

from . import ConvertError
from . import torchfile as tf


def expected_layout():
    """name -> shape, in torchvision's registration order."""
    out = collections.OrderedDict()

    def conv(p, cin, cout, kh, kw=None):
        kw = kh if kw is None else kw
        out[p + ".conv.weight"] = [cout, cin, kh, kw]
        for s in ("weight", "bias", "running_mean", "running_var"):
            out[f"{p}.bn.{s}"] = [cout]
        out[p + ".bn.num_batches_tracked"] = []

    def block_a(p, cin, pool):
        conv(p + ".branch1x1", cin, 64, 1)
        conv(p + ".branch5x5_1", cin, 48, 1)
        conv(p + ".branch5x5_2", 48, 64, 5)
        conv(p + ".branch3x3dbl_1", cin, 64, 1)
        conv(p + ".branch3x3dbl_2", 64, 96, 3)
        conv(p + ".branch3x3dbl_3", 96, 96, 3)
        conv(p + ".branch_pool", cin, pool, 1)

    def block_b(p, cin):
        conv(p + ".branch3x3", cin, 384, 3)
        conv(p + ".branch3x3dbl_1", cin, 64, 1)
        conv(p + ".branch3x3dbl_2", 64, 96, 3)
        conv(p + ".branch3x3dbl_3", 96, 96, 3)

    def block_c(p, cin, c7):
        conv(p + ".branch1x1", cin, 192, 1)
        conv(p + ".branch7x7_1", cin, c7, 1)
        conv(p + ".branch7x7_2", c7, c7, 1, 7)
        conv(p + ".branch7x7_3", c7, 192, 7, 1)
        conv(p + ".branch7x7dbl_1", cin, c7, 1)
        conv(p + ".branch7x7dbl_2", c7, c7, 7, 1)
        conv(p + ".branch7x7dbl_3", c7, c7, 1, 7)
        conv(p + ".branch7x7dbl_4", c7, c7, 7, 1)
        conv(p + ".branch7x7dbl_5", c7, 192, 1, 7)
        conv(p + ".branch_pool", cin, 192, 1)

    def block_d(p, cin):
        conv(p + ".branch3x3_1", cin, 192, 1)
        conv(p + ".branch3x3_2", 192, 320, 3)
        conv(p + ".branch7x7x3_1", cin, 192, 1)
        conv(p + ".branch7x7x3_2", 192, 192, 1, 7)
        conv(p + ".branch7x7x3_3", 192, 192, 7, 1)
        conv(p + ".branch7x7x3_4", 192, 192, 3)

    def block_e(p, cin):
        conv(p + ".branch1x1", cin, 320, 1)
        conv(p + ".branch3x3_1", cin, 384, 1)
        conv(p + ".branch3x3_2a", 384, 384, 1, 3)
        conv(p + ".branch3x3_2b", 384, 384, 3, 1)
        conv(p + ".branch3x3dbl_1", cin, 448, 1)
        conv(p + ".branch3x3dbl_2", 448, 384, 3)
        conv(p + ".branch3x3dbl_3a", 384, 384, 1, 3)
        conv(p + ".branch3x3dbl_3b", 384, 384, 3, 1)
        conv(p + ".branch_pool", cin, 192, 1)

    conv("Conv2d_1a_3x3", 3, 32, 3)
    conv("Conv2d_2a_3x3", 32, 32, 3)
    conv("Conv2d_2b_3x3", 32, 64, 3)
    conv("Conv2d_3b_1x1", 64, 80, 1)
    conv("Conv2d_4a_3x3", 80, 192, 3)
    block_a("Mixed_5b", 192, 32)
    block_a("Mixed_5c", 256, 64)
    block_a("Mixed_5d", 288, 64)
    block_b("Mixed_6a", 288)
    block_c("Mixed_6b", 768, 128)
    block_c("Mixed_6c", 768, 160)
    block_c("Mixed_6d", 768, 160)
    block_c("Mixed_6e", 768, 192)
    block_d("Mixed_7a", 768)
    block_e("Mixed_7b", 1280)
    block_e("Mixed_7c", 2048)
    out["fc.weight"] = [1008, 2048]
    out["fc.bias"] = [1008]
    return out


def convert(path):
    name = path.rsplit("/", 1)[-1]
    with tf.TorchFile(path) as f:
        sd = f.obj
        if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
            sd = sd["state_dict"]
        if not isinstance(sd, dict) or not all(isinstance(v, tf.Tensor) for v in sd.values()):
            raise ConvertError(f"{name} is not a state_dict of tensors (expected pytorch-fid's "
                               f"pt_inception-2015-12-05 weights)")
        layout = expected_layout()
        for key, shape in layout.items():
            t = sd.get(key)
            if t is None:
                if key.endswith(".num_batches_tracked"):
                    continue
                raise ConvertError(f"{name}: tensor {key} is missing (not the pytorch-fid FID Inception "
                                   f"weights)")
            if list(t.shape) != shape:
                raise ConvertError(f"{name}: tensor {key} has shape {list(t.shape)}, the FID InceptionV3 "
                                   f"has {shape}")
        extra = [k for k in sd if k not in layout]
        if extra:
            raise ConvertError(f"{name}: tensor {extra[0]} is not part of the FID InceptionV3 "
                               f"({len(extra)} unexpected keys)")
        tensors = {k: tf.materialize(k, t) for k, t in sd.items()}
        nbt = sum(1 for k in sd if k.endswith(".num_batches_tracked"))
        container = f.container
    meta = {
        "architecture": "inception_fid",
        "config": json.dumps({"aux_logits": False, "blocks": "pytorch-fid FIDInceptionA/C/E_1/E_2",
                              "bn_eps": 0.001, "num_classes": 1008}, sort_keys=True),
        "batchnorm": ("num_batches_tracked kept as I64" if nbt else "no num_batches_tracked in source"),
        "container": container,
    }
    return tensors, meta
