# safetensors.py: writes (and, for tests, reads) safetensors files with NumPy + json only.
# Layout: u64 LE header length N, N bytes of JSON (space-padded to a multiple of 8), data buffer.
# The header lists "__metadata__" first, then tensors sorted by name. In the data buffer tensors are
# laid out by descending element size, then by name, contiguous without gaps: every tensor is then
# naturally aligned (offsets of 8-byte dtypes are multiples of 8, ...) when the buffer is mmap'ed.
import json
import os
import struct
import tempfile

import numpy as np

from . import ConvertError

DTYPES = {  # NumPy dtype -> safetensors dtype
    np.dtype("float32"): "F32",
    np.dtype("float16"): "F16",
    np.dtype("float64"): "F64",
    np.dtype("int64"): "I64",
}
NP_OF = {v: k for k, v in DTYPES.items()}


def safetensors_dtype(name, arr):
    st = DTYPES.get(arr.dtype.newbyteorder("="))
    if st is None:
        raise ConvertError(f"tensor {name} has dtype {arr.dtype}; only float32, float16, float64 and "
                           f"int64 are supported")
    return st


def write(path, tensors, metadata):
    """tensors: dict name -> np.ndarray; metadata: dict str -> str. Writes atomically (temp + rename)."""
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise ConvertError(f"metadata {k!r} is not a string")
    arrays = {}
    for name, arr in tensors.items():
        if not name or name == "__metadata__":
            raise ConvertError(f"invalid tensor name {name!r}")
        st = safetensors_dtype(name, arr)
        arrays[name] = (st, np.array(arr, dtype=arr.dtype.newbyteorder("<"), order="C"))  # keeps 0-d
    layout = sorted(arrays, key=lambda n: (-arrays[n][1].dtype.itemsize, n))
    offsets = {}
    pos = 0
    for name in layout:
        nbytes = arrays[name][1].nbytes
        offsets[name] = (pos, pos + nbytes)
        pos += nbytes
    header = {"__metadata__": dict(sorted(metadata.items()))}
    for name in sorted(arrays):
        st, arr = arrays[name]
        header[name] = {"dtype": st, "shape": [int(s) for s in arr.shape],
                        "data_offsets": list(offsets[name])}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    text += b" " * (-len(text) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".convert-", suffix=".tmp", dir=directory)
    except OSError as e:
        raise ConvertError(f"cannot write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for name in layout:
                f.write(arrays[name][1].tobytes())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ConvertError(f"cannot write {path}: {e.strerror}") from None


def read(path):
    """Returns (tensors: dict name -> np.ndarray, metadata: dict). Validates the layout strictly."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError("header length exceeds the file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors = {}
    spans = []
    for name, info in header.items():
        dt = NP_OF[info["dtype"]].newbyteorder("<")
        b, e = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if e - b != count * dt.itemsize:
            raise ValueError(f"{name}: byte span does not match shape and dtype")
        tensors[name] = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"]).astype(dt.newbyteorder("="))
        spans.append((b, e))
    spans.sort()
    pos = 0
    for b, e in spans:
        if b != pos:
            raise ValueError("data buffer has gaps or overlaps")
        pos = e
    if pos != len(data):
        raise ValueError("data buffer has trailing bytes")
    return tensors, meta
