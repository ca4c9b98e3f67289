# cli.py: command line of tools/convert.py. Subcommands stylegan2 / fastgan / inception; every
# failure is one line "convert.py: error: ..." on stderr and exit code 1 (2 for usage errors).
import argparse
import hashlib
import os
import sys

from . import FORMAT, FORMAT_VERSION, VERSION, ConvertError
from . import safetensors


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_parser():
    p = argparse.ArgumentParser(
        prog="convert.py",
        description="Convert official GAN / FID checkpoints to latentfactor safetensors "
                    "(NumPy only; never executes code embedded in the input).")
    p.add_argument("--version", action="version", version=f"convert.py {VERSION}")
    sub = p.add_subparsers(dest="command", required=True, metavar="{stylegan2,fastgan,inception}")
    s = sub.add_parser("stylegan2",
                       help="stylegan2-ada-pytorch network pickle, or a TensorFlow-era StyleGAN2 one (.pkl)")
    s.add_argument("input")
    s.add_argument("output")
    s.add_argument("--net", choices=["G_ema", "G"], default="G_ema",
                   help="which generator to convert (default: G_ema)")
    f = sub.add_parser("fastgan", help="FastGAN-pytorch checkpoint (.pth)")
    f.add_argument("input")
    f.add_argument("output")
    f.add_argument("--weights", choices=["g", "g_ema"], default="g",
                   help="'g' state_dict or the 'g_ema' EMA parameter list (default: g)")
    i = sub.add_parser("inception", help="pytorch-fid pt_inception-2015-12-05-6726825d.pth")
    i.add_argument("input")
    i.add_argument("output")
    return p


def run(args):
    if not os.path.isfile(args.input):
        raise ConvertError(f"cannot open {args.input}: no such file")
    if args.command == "stylegan2":
        from . import stylegan2
        tensors, meta = stylegan2.convert(args.input, args.net)
    elif args.command == "fastgan":
        from . import fastgan
        tensors, meta = fastgan.convert(args.input, args.weights)
    else:
        from . import inception
        tensors, meta = inception.convert(args.input)
    meta.update({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "source_file": os.path.basename(args.input),
        "source_sha256": sha256_file(args.input),
        "converter": f"tools/convert.py {VERSION}",
    })
    safetensors.write(args.output, tensors, meta)


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        run(args)
    except ConvertError as e:
        print(f"convert.py: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("convert.py: error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # never a traceback for a user; LF_CONVERT_DEBUG=1 shows it
        if os.environ.get("LF_CONVERT_DEBUG"):
            raise
        msg = " ".join(str(e).split()) or "no details"
        print(f"convert.py: error: {args.input}: {type(e).__name__}: {msg}", file=sys.stderr)
        return 1
    return 0
