"""read_safetensors: the tensors of a `.safetensors` file as numpy arrays, without torch."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from numpy.typing import NDArray

_DTYPES = {
    "F32": "<f4",
    "F16": "<f2",
    "F64": "<f8",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
}


def read_safetensors(path: str | Path) -> dict[str, NDArray[np.generic]]:
    """Every tensor in the file (format: 8-byte header length, JSON header, raw data).

    Raises:
        VoiceError: (invalid_input) the file is not a safetensors file or uses an
            unsupported dtype (bf16).
    """
    data = Path(path).read_bytes()
    try:
        (size,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + size])
    except (struct.error, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_INPUT, f"{path}: not a safetensors file") from exc
    base = 8 + size
    out: dict[str, NDArray[np.generic]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise VoiceError(
                ErrorCode.INVALID_INPUT, f"{path}: tensor {name} has unsupported dtype {info['dtype']}"
            )
        start, end = info["data_offsets"]
        array = np.frombuffer(
            data, dtype=dtype, count=(end - start) // np.dtype(dtype).itemsize, offset=base + start
        )
        out[name] = array.reshape(info["shape"])
    return out
