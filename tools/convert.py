#!/usr/bin/env python3
# convert.py: converts official checkpoints to latentfactor safetensors (Python stdlib + NumPy only):
#   convert.py stylegan2 IN.pkl OUT.safetensors [--net G_ema|G]     stylegan2-ada-pytorch network pickle
#   convert.py fastgan   IN.pth OUT.safetensors [--weights g|g_ema] FastGAN-pytorch checkpoint
#   convert.py inception IN.pth OUT.safetensors                     pytorch-fid FID InceptionV3 weights
# Run it with the interpreter tools/find_python.sh prints. The code lives in tools/lfconvert/.
import os
import sys

sys.dont_write_bytecode = True  # keep tools/lfconvert free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import numpy  # checked here so that the error names the interpreter
    del numpy
except ImportError:
    sys.stderr.write("convert.py: error: NumPy is not importable by %s; run convert.py with the "
                     "interpreter tools/find_python.sh prints\n" % sys.executable)
    sys.exit(1)

from lfconvert.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
