"""Errors: one exception type with a stable code, so callers branch on codes, not text."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    """Stable error codes. Tests and clients match on these, never on messages."""

    INVALID_CONFIG = "invalid_config"
    PROVIDER_NOT_FOUND = "provider_not_found"
    CONNECTION_FAILED = "connection_failed"
    CONNECTION_TIMEOUT = "connection_timeout"
    SESSION_NOT_FOUND = "session_not_found"
    SESSION_LIMIT_EXCEEDED = "session_limit_exceeded"
    RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"
    AUTHENTICATION_FAILED = "authentication_failed"
    AUTHORIZATION_FAILED = "authorization_failed"
    PIPELINE_ERROR = "pipeline_error"
    AGENT_ERROR = "agent_error"
    TIMEOUT = "timeout"
    CONTEXT_CANCELED = "context_canceled"
    NOT_NEGOTIATED = "not_negotiated"
    INVALID_INPUT = "invalid_input"
    MISSING_DEPENDENCY = "missing_dependency"
    PROTOCOL_ERROR = "protocol_error"
    END_OF_STREAM = "end_of_stream"
    NOT_FOUND = "not_found"
    ENGINE_UNAVAILABLE = "engine_unavailable"


class VoiceError(Exception):
    """An error with a code, the node that failed (if any) and whether a retry may help.

    Args:
        code: the stable `ErrorCode`.
        message: human-readable detail.
        node: name of the node that failed, when the error comes from a graph.
        retriable: True when the same call may succeed later (timeouts, busy).
        details: one line per problem when several were found (e.g. config fields).
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        node: str | None = None,
        retriable: bool = False,
        details: tuple[str, ...] = (),
    ) -> None:
        text = f"[{code}] {message}" + (f" (node {node})" if node else "")
        super().__init__(text + "".join(f"\n  - {d}" for d in details))
        self.details = details
        self.code = code
        self.message = message
        self.node = node
        self.retriable = retriable

    def with_node(self, node: str) -> VoiceError:
        """Return a copy of this error attributed to `node` (keeps the traceback chain)."""
        err = type(self).__new__(type(self))
        VoiceError.__init__(
            err, self.code, self.message, node=node, retriable=self.retriable, details=self.details
        )
        err.__cause__ = self.__cause__ or self
        return err


class NotNegotiatedError(VoiceError):
    """Two linked nodes cannot agree on an audio format and no converter fits."""

    def __init__(self, message: str, *, node: str | None = None) -> None:
        super().__init__(ErrorCode.NOT_NEGOTIATED, message, node=node)


class EndOfStream(VoiceError):  # noqa: N818 - an end-of-stream signal, not a failure
    """Raised when sending into an edge that has already carried its end frame."""

    def __init__(self, message: str = "edge has ended", *, node: str | None = None) -> None:
        super().__init__(ErrorCode.END_OF_STREAM, message, node=node)


def missing_dependency(extra: str, package: str) -> VoiceError:
    """The error for an optional engine that is not installed: it names the extra."""
    return VoiceError(
        ErrorCode.MISSING_DEPENDENCY,
        f"{package} is not installed; install it with: pip install 'voicegraph[{extra}]'",
    )
