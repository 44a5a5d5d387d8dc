"""Lazy imports of the optional audio engines (extra `audio`): soxr, opuslib."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import missing_dependency

if TYPE_CHECKING:
    from types import ModuleType

EXTRA = "audio"
"""The pip extra that installs the audio engines: `voicegraph[audio]`."""


def import_soxr() -> ModuleType:
    """Import `soxr` or raise `missing_dependency` naming the `audio` extra."""
    try:
        import soxr
    except ImportError as exc:
        raise missing_dependency(EXTRA, "soxr") from exc
    module: ModuleType = soxr
    return module


def import_opuslib() -> ModuleType:
    """Import `opuslib` (needs the system libopus) or raise `missing_dependency`."""
    try:
        import opuslib
    except Exception as exc:  # opuslib raises a plain Exception when libopus is missing
        raise missing_dependency(EXTRA, "opuslib (and the system libopus0)") from exc
    module: ModuleType = opuslib
    return module
