"""SDP offers for signalling tests: a well-formed audio offer and broken variants of it."""

from __future__ import annotations

import json

_FINGERPRINT = ":".join(["3A"] * 32)

AUDIO_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 1 IN IP4 0.0.0.0",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0",
        "c=IN IP4 0.0.0.0",
        "a=mid:0",
        "a=sendrecv",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=rtpmap:0 PCMU/8000",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuv",
        f"a=fingerprint:sha-256 {_FINGERPRINT}",
        "a=setup:actpass",
        "",
    ]
)
"""A valid offer: Opus and PCMU audio, ICE credentials, a DTLS fingerprint, no candidates."""

PCMU_ONLY = AUDIO_OFFER.replace("111 0\r\n", "0\r\n").replace("a=rtpmap:111 opus/48000/2\r\n", "")
NO_FINGERPRINT = AUDIO_OFFER.replace(f"a=fingerprint:sha-256 {_FINGERPRINT}\r\n", "")
NO_ICE = AUDIO_OFFER.replace("a=ice-ufrag:abcd\r\n", "").replace("a=ice-pwd:abcdefghijklmnopqrstuv\r\n", "")
DATA_ONLY = AUDIO_OFFER.replace(
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel"
).replace("a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n", "")
MALFORMED = "v=0\r\nm=audio x\r\n"
NO_RTCP_MUX = AUDIO_OFFER.replace("a=rtcp-mux\r\n", "")
"""Well-formed, but aiortc refuses it (WebRTC requires RTCP multiplexing)."""
_SECTION = AUDIO_OFFER[AUDIO_OFFER.index("m=audio") :]
MANY_SECTIONS = AUDIO_OFFER + _SECTION * 4
"""Five audio sections: each would cost the server a transport and a decoder."""


def offer_body(sdp: str, kind: str = "offer") -> bytes:
    """The JSON body the page posts."""
    return json.dumps({"type": kind, "sdp": sdp}).encode()
