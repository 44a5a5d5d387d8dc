"""Loading a Pipecat service by class path: the optional `pipecat-ai` import, kept lazy."""

from __future__ import annotations

import importlib
import inspect
import warnings
from typing import Any, Literal

from voicegraph.framework.errors import ErrorCode, VoiceError

Kind = Literal["stt", "tts", "llm", "realtime", "vad"]


def _quiet_import(module: str) -> Any:
    # Pipecat's modules import `audioop` and their own moved aliases, which warn at import
    # time (DeprecationWarning); that is Pipecat's business, not a fault of the graph.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module(module)


def import_pipecat(node: str | None = None) -> None:
    """Import `pipecat` (and quiet its loguru DEBUG chatter) or fail with a coded error.

    Raises:
        VoiceError: (missing_dependency) `pipecat-ai` is not installed.
    """
    from voicegraph.processors.pipecat_service.pipecat_logs import quiet_pipecat_logs

    try:
        quiet_pipecat_logs()  # before the import, which logs a banner
        _quiet_import("pipecat.frames.frames")
    except ImportError as exc:
        msg = "the pipecat_service node needs pipecat-ai: pip install 'voicegraph[pipecat]'"
        raise VoiceError(ErrorCode.MISSING_DEPENDENCY, msg, node=node) from exc


def load_service_class(path: str, node: str | None = None) -> type[Any]:
    """The Pipecat service class at `path` (`package.module.ClassName`).

    Raises:
        VoiceError: (missing_dependency) pipecat-ai or the service's own extra is not
            installed; (invalid_config) `path` names no class, or not a FrameProcessor.
    """
    import_pipecat(node)
    from pipecat.processors.frame_processor import FrameProcessor

    module_name, _, attr = path.rpartition(".")
    if not module_name:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"service {path!r}: give module.ClassName", node=node)
    try:
        module = _quiet_import(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and not module_name.startswith(exc.name) and exc.name != module_name:
            msg = f"service {path!r} needs {exc.name!r}, which is not installed"
            raise VoiceError(ErrorCode.MISSING_DEPENDENCY, msg, node=node) from exc
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"service {path!r}: no module {module_name!r}",
                         node=node) from exc  # fmt: skip
    except Exception as exc:  # a service module whose own extra is missing raises at import
        msg = f"service {path!r}: cannot import {module_name!r}: {exc}"
        raise VoiceError(ErrorCode.MISSING_DEPENDENCY, msg, node=node) from exc
    cls = getattr(module, attr, None)
    if not (inspect.isclass(cls) and issubclass(cls, FrameProcessor)):
        msg = f"service {path!r}: {attr!r} is not a Pipecat FrameProcessor class in {module_name!r}"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=node)
    return cls


def _build_object(path: str, args: dict[str, Any], node: str | None) -> Any:
    module_name, _, attr = path.rpartition(".")
    try:
        cls = getattr(_quiet_import(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"class {path!r}: {exc}", node=node) from exc
    try:
        return cls(**{k: resolve_arg(v, node) for k, v in args.items()})
    except (TypeError, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"class {path!r}: {exc}", node=node) from exc


def resolve_arg(value: Any, node: str | None = None) -> Any:
    """An argument as given, except `{"class": "pkg.mod.Name", "args": {...}}`, which becomes
    that object (nested ones too): how YAML passes a Pipecat `VADParams`, `SileroVADAnalyzer`
    or `LiveOptions`.

    Raises:
        VoiceError: (invalid_config) the class is not found or refuses its args.
    """
    if isinstance(value, dict) and isinstance(value.get("class"), str) and set(value) <= {"class", "args"}:
        return _build_object(value["class"], dict(value.get("args") or {}), node)
    return value


def create_service(path: str, args: dict[str, Any], node: str | None = None) -> Any:
    """An instance of the service at `path` built with `args`; a `settings` dict becomes the
    class's `Settings` object (Pipecat's canonical way to pass model, voice, language), and
    `{"class": ..., "args": ...}` values become objects (`resolve_arg`), in `settings` too
    (a realtime service's `session_properties`).

    Raises:
        VoiceError: as `load_service_class`; (invalid_config) the class refused `args`.
    """
    cls = load_service_class(path, node)
    kwargs = {k: resolve_arg(v, node) for k, v in args.items()}
    settings = kwargs.get("settings")
    try:
        if isinstance(settings, dict) and hasattr(cls, "Settings"):
            kwargs["settings"] = cls.Settings(**{k: resolve_arg(v, node) for k, v in settings.items()})
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"service {path!r}: {exc}", node=node) from exc


def service_kind(service: Any) -> Kind:
    """What the service is, from Pipecat's base classes: vad (`VADProcessor`), realtime
    (speech-to-speech LLM), llm, stt or tts.

    Raises:
        VoiceError: (invalid_config) none of them; pass `kind` to the node then.
    """
    vad_processor = _quiet_import("pipecat.processors.audio.vad_processor").VADProcessor
    stt_service = _quiet_import("pipecat.services.stt_service").STTService
    tts_service = _quiet_import("pipecat.services.tts_service").TTSService
    llm_service = _quiet_import("pipecat.services.llm_service").LLMService

    if isinstance(service, vad_processor):
        return "vad"
    if isinstance(service, stt_service):
        return "stt"
    if isinstance(service, tts_service):
        return "tts"
    if isinstance(service, llm_service):
        return "realtime" if "realtime" in type(service).__module__.lower() else "llm"
    msg = f"{type(service).__name__} is not a Pipecat STT, TTS, LLM service or VADProcessor; set `kind`"
    raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
