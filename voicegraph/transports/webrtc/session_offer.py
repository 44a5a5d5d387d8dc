"""SessionOffer: a client's SDP offer, checked before any peer connection is made."""

from __future__ import annotations

import json
from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, missing_dependency
from voicegraph.transports.webrtc.http_message import HttpError

MAX_SDP_CHARS = 32 * 1024
"""Largest SDP accepted (browser audio offers are 2-6 KB)."""
MAX_RESUME_CHARS = 128
"""Longest resume token or session id accepted."""
MAX_MEDIA_SECTIONS = 4
"""Most m= sections accepted (the page offers two: audio and the data channel)."""


@dataclass(frozen=True, slots=True)
class SessionOffer:
    """A validated offer: `{"type": "offer", "sdp": "...", "resume": "..."}` posted as JSON
    (`resume`, optional: the resume token of a dropped session to continue).

    I/O-free. `parse` rejects, with a coded error and before anything is allocated for
    a session: another content type (415 protocol_error), a body that is not a JSON
    object (400 protocol_error), a wrong `type` or an SDP that is empty, too long,
    malformed, has more than `MAX_MEDIA_SECTIONS` sections or lacks ICE credentials or a
    DTLS fingerprint (400 invalid_input), and an SDP without an audio section that
    offers Opus (400 not_negotiated).
    """

    sdp: str
    """The offer's SDP."""
    resume: str = ""
    """The resume token (or, for a persisted session, the id) to continue; "" for a new session."""

    @classmethod
    def parse(cls, content_type: str, body: bytes, *, max_sdp_chars: int = MAX_SDP_CHARS) -> SessionOffer:
        """Check a posted offer.

        Raises:
            HttpError: (415 protocol_error) not JSON; (400 protocol_error) not a JSON
                object; (400 invalid_input) bad fields or SDP; (400 not_negotiated) no Opus audio.
        """
        if content_type != "application/json":
            raise HttpError(415, ErrorCode.PROTOCOL_ERROR, f"expected application/json, got {content_type!r}")
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # deep nesting: RecursionError
            raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "the body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "the body must be a JSON object")
        if payload.get("type") != "offer":
            raise HttpError(400, ErrorCode.INVALID_INPUT, "'type' must be \"offer\"")
        sdp = payload.get("sdp")
        if not isinstance(sdp, str) or not sdp.strip():
            raise HttpError(400, ErrorCode.INVALID_INPUT, "'sdp' must be a non-empty string")
        if len(sdp) > max_sdp_chars:
            raise HttpError(400, ErrorCode.INVALID_INPUT, f"SDP longer than {max_sdp_chars} characters")
        resume = payload.get("resume", "")
        if not isinstance(resume, str) or len(resume) > MAX_RESUME_CHARS:
            raise HttpError(
                400, ErrorCode.INVALID_INPUT, f"'resume' must be a string of at most {MAX_RESUME_CHARS}"
            )
        check_sdp(sdp)
        return cls(sdp, resume)


def check_sdp(sdp: str) -> None:
    """Check that `sdp` is an offer aiortc can answer with Opus audio.

    Raises:
        HttpError: (400 invalid_input) malformed; (400 not_negotiated) no Opus audio.
        VoiceError: (missing_dependency) aiortc is not installed.
    """
    try:
        from aiortc.sdp import SessionDescription
    except ImportError:
        raise missing_dependency("webrtc", "aiortc") from None
    if not sdp.startswith("v=0"):
        raise HttpError(400, ErrorCode.INVALID_INPUT, "SDP must start with v=0")
    try:
        desc = SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc's parser raises assorted errors on malformed input
        raise HttpError(400, ErrorCode.INVALID_INPUT, f"malformed SDP ({type(exc).__name__})") from None
    if len(desc.media) > MAX_MEDIA_SECTIONS:
        raise HttpError(400, ErrorCode.INVALID_INPUT, f"more than {MAX_MEDIA_SECTIONS} media sections")
    audio = [m for m in desc.media if m.kind == "audio"]
    if not audio:
        raise HttpError(400, ErrorCode.NOT_NEGOTIATED, "the offer has no audio section")
    if not any(c.mimeType.lower() == "audio/opus" for m in audio for c in m.rtp.codecs):
        raise HttpError(400, ErrorCode.NOT_NEGOTIATED, "the offer's audio does not include Opus")
    for media in audio:
        if media.ice is None or not (media.ice.usernameFragment and media.ice.password):
            raise HttpError(400, ErrorCode.INVALID_INPUT, "the offer lacks ICE credentials")
        if not media.dtls or not media.dtls.fingerprints:
            raise HttpError(400, ErrorCode.INVALID_INPUT, "the offer lacks a DTLS fingerprint")
