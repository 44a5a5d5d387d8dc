"""SmallWebRTCTransport: the signalling Pipecat's SmallWebRTC client speaks, on the WebRTC transport."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode
from voicegraph.transports.webrtc.http_message import HttpError, HttpResponse, json_response
from voicegraph.transports.webrtc.session_offer import SessionOffer
from voicegraph.transports.webrtc.small_webrtc_connection import SmallWebRTCConnection
from voicegraph.transports.webrtc.webrtc_transport import WebRTCTransport

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.transports.webrtc.http_message import HttpRequest
    from voicegraph.transports.webrtc.webrtc_connection import WebRTCConnection

log = logging.getLogger("voicegraph.transports.webrtc")

MAX_CANDIDATES = 64


def _json(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise HttpError(
            415, ErrorCode.PROTOCOL_ERROR, f"expected application/json, got {request.content_type!r}"
        )
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "the body must be a JSON object")
    return body


class SmallWebRTCTransport(WebRTCTransport):
    """`WebRTCTransport` plus Pipecat's SmallWebRTC signalling at `offer_path` (`/api/offer`).

    - `POST`: `{sdp, type: "offer", pc_id: null|str, restart_pc: bool, requestData?}`.
      Without a known `pc_id` (or with `restart_pc`, which ends the old session) it
      starts a session; with a live `pc_id` it renegotiates that peer connection.
      Answer: `{sdp, type: "answer", pc_id}`.
    - `PATCH`: `{pc_id, candidates: [{candidate, sdp_mid, sdp_mline_index}]}`, the ICE
      candidates the client trickles after the offer (an empty candidate string ends
      them). 204; an unknown `pc_id` is 404 session_not_found.
    - `OPTIONS`: a CORS preflight, answered for the origins in `cors_origins` (it
      carries no credentials, so it is never authenticated).
    Renegotiation and `PATCH` need the credentials of the offer (`authenticate`).
    RTVI runs on the client's data channel (`SmallWebRTCConnection`). Bad requests get
    the JSON errors of `WebRTCTransport`. Adds no latency.

    Args:
        offer_path: where the client posts (its `webrtcUrl`).
        cors_origins: origins allowed to call from a page elsewhere (`"*"`: any); empty:
            no CORS headers (same-origin pages only).
        options: `WebRTCTransport` arguments.
    """

    def __init__(
        self, *, offer_path: str = "/api/offer", cors_origins: Sequence[str] = (), **options: Any
    ) -> None:
        options.setdefault("serve_page", False)
        super().__init__(**options)
        self.cors_origins = tuple(cors_origins)
        self.offer_path = offer_path
        self.http.route("POST", offer_path, self._small_offer)
        self.http.route("PATCH", offer_path, self._candidates)
        self.http.route("OPTIONS", offer_path, self._preflight)

    def _cors(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        origin = request.headers.get("origin", "")
        if not origin or not ("*" in self.cors_origins or origin in self.cors_origins):
            return response
        headers = {**response.headers, "Access-Control-Allow-Origin": origin, "Vary": "Origin",
                   "Access-Control-Allow-Methods": "POST, PATCH, OPTIONS",
                   "Access-Control-Allow-Headers": "Content-Type, Authorization"}  # fmt: skip
        return HttpResponse(response.status, response.body, response.content_type, headers)

    async def _preflight(self, request: HttpRequest) -> HttpResponse:
        return self._cors(request, HttpResponse(204))

    async def _small_offer(self, request: HttpRequest) -> HttpResponse:
        body = _json(request)
        offer = SessionOffer.parse(
            "application/json", json.dumps({"type": body.get("type"), "sdp": body.get("sdp")}).encode()
        )
        pc_id, restart = body.get("pc_id"), body.get("restart_pc") is True
        live = self.sessions.get(pc_id) if isinstance(pc_id, str) else None
        if isinstance(live, SmallWebRTCConnection) and not restart:
            await self.authenticate(request)  # a new session is checked by `admit` instead
            sdp = await live.renegotiate(offer.sdp)
            log.info("session %s: renegotiated", live.session_id)
            return self._cors(request, json_response({"sdp": sdp, "type": "answer", "pc_id": live.pc_id}))
        if live is not None:
            live.finish(lost=True)  # restart_pc: the client made a new peer connection
        response = await self._start_session(request, offer)
        answer = json.loads(response.body)
        return self._cors(
            request, json_response({"sdp": answer["sdp"], "type": "answer", "pc_id": answer["session_id"]})
        )

    async def _candidates(self, request: HttpRequest) -> HttpResponse:
        from aiortc.sdp import candidate_from_sdp

        await self.authenticate(request)  # before the pc_id is looked up: no probing of ids
        body = _json(request)
        pc_id = body.get("pc_id")
        conn = self.sessions.get(pc_id) if isinstance(pc_id, str) else None
        if conn is None:
            raise HttpError(404, ErrorCode.SESSION_NOT_FOUND, "no peer connection with that pc_id")
        items = body.get("candidates")
        if not isinstance(items, list) or len(items) > MAX_CANDIDATES:
            raise HttpError(
                400, ErrorCode.INVALID_INPUT, f"candidates must be a list of at most {MAX_CANDIDATES}"
            )
        for item in items:
            text = item.get("candidate") if isinstance(item, dict) else None
            if not isinstance(text, str):
                raise HttpError(400, ErrorCode.INVALID_INPUT, "each candidate needs a 'candidate' string")
            try:
                candidate = candidate_from_sdp(text.removeprefix("candidate:")) if text else None
                if candidate is not None:
                    candidate.sdpMid, candidate.sdpMLineIndex = (
                        item.get("sdp_mid"),
                        item.get("sdp_mline_index"),
                    )
                await conn.pc.addIceCandidate(candidate)
            except (ValueError, IndexError, TypeError, AssertionError) as exc:  # aiortc asserts >= 8 fields
                raise HttpError(400, ErrorCode.INVALID_INPUT, f"bad ICE candidate: {exc!r}") from None
        return self._cors(request, HttpResponse(204))

    def _new_connection(self, session_id: str) -> WebRTCConnection:
        return SmallWebRTCConnection(
            ice_servers=self.ice_servers, input_format=self.input_format, output_format=self.output_format,
            connect_timeout_s=self.connect_timeout_s, session_id=session_id,
        )  # fmt: skip
