"""`voicegraph doctor`: what is installed here and which processors and providers work."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

PACKAGES = (
    "numpy", "pydantic", "PyYAML", "soxr", "opuslib", "pyrnnoise", "webrtcvad-wheels", "onnxruntime",
    "faster-whisper", "pocketsphinx", "piper-tts", "espeakng-loader", "xllamacpp", "httpx",
    "websockets", "redis", "opentelemetry-sdk", "livekit",
)  # fmt: skip
BINARIES = ("redis-server", "espeak-ng", "livekit-server", "sox")


def packages() -> dict[str, str | None]:
    """Installed version of each optional package (None: not installed)."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _construct(factory: Any) -> str:
    """Create one instance with default params (loads engines and models)."""
    sig = inspect.signature(factory)
    required = [
        p.name
        for p in sig.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        and p.name not in ("self", "name")
    ]
    if required:
        return f"needs params: {', '.join(required)}"
    instance = factory()
    start = getattr(instance, "load", None)
    if callable(start) and not inspect.iscoroutinefunction(start):
        start()
    return "ok"


def check_kind(kind: str, deep: bool) -> dict[str, dict[str, Any]]:
    """Load every registered `kind` type; with `deep`, create a processor with default params."""
    from voicegraph.framework.errors import VoiceError
    from voicegraph.framework.registry import registry

    report: dict[str, dict[str, Any]] = {}
    for name in registry.names(kind):
        t0 = time.perf_counter()
        entry: dict[str, Any] = {}
        try:
            factory = registry.get(kind, name)
            entry["status"] = "ok"
            entry["class"] = f"{factory.__module__}.{getattr(factory, '__qualname__', factory)}"
            caps = getattr(factory, "capabilities", None)
            if caps is not None and hasattr(caps, "as_dict"):
                entry["capabilities"] = caps.as_dict()
            if deep and kind == "processors":
                entry["status"] = _construct(factory)
        except VoiceError as err:
            entry["status"], entry["error"] = "error", f"{err.code}: {err.message}"
        except Exception as exc:
            entry["status"], entry["error"] = "error", f"{type(exc).__name__}: {exc}"[:300]
        entry["seconds"] = round(time.perf_counter() - t0, 3)
        report[name] = entry
    return report


def diagnose(deep: bool = False) -> dict[str, Any]:
    """The whole report."""
    from voicegraph.backends.providers import register_builtin
    from voicegraph.framework.registry import GROUPS

    register_builtin()
    return {
        "python": sys.version.split()[0],
        "packages": packages(),
        "binaries": {b: shutil.which(b) for b in BINARIES},
        **{kind: check_kind(kind, deep) for kind in GROUPS},
    }


def _print_text(report: dict[str, Any]) -> None:
    print(f"python {report['python']}")
    print("packages:")
    for name, version in report["packages"].items():
        print(f"  {name:18} {version or '-- not installed'}")
    print("binaries:")
    for name, path in report["binaries"].items():
        print(f"  {name:18} {path or '-- not found'}")
    for kind in ("processors", "transports", "backends"):
        print(f"{kind}:")
        for name, entry in report[kind].items():
            extra = entry.get("error", "")
            print(f"  {name:30} {entry['status']:8} {extra}")


def _run(args: argparse.Namespace) -> int:
    report = diagnose(deep=args.deep)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        _print_text(report)
    failed = [n for k in ("processors", "backends") for n, e in report[k].items() if e["status"] == "error"]
    return 1 if failed and args.strict else 0


def add_parser(sub: Any) -> None:
    """Register `doctor`."""
    p = sub.add_parser("doctor", help="report installed packages and which processors and providers load")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--deep", action="store_true", help="also create each processor with default params")
    p.add_argument("--strict", action="store_true", help="exit 1 when something fails to load")
    p.set_defaults(fn=_run)
