# lfconvert: the package behind tools/convert.py (official GAN checkpoints -> latentfactor safetensors).
# Python standard library + NumPy only; never imports PyTorch and never executes code embedded in a file.
VERSION = "1.0.0"
FORMAT = "latentfactor-safetensors"
FORMAT_VERSION = "1"


class ConvertError(Exception):
    """A user-facing problem with an input file; printed as one line 'convert.py: error: ...'."""
