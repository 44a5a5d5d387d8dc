"""Seeded bad raw-PCM WebSocket traffic for the end-to-end fuzz test (deterministic per seed).

Each connection first sends a valid start or a bad one; after a valid start it sends bad
messages of every kind the protocol can meet (junk bytes, odd audio lengths, wrong types
and fields, deep JSON, a start again). The server answers each with a coded `error`
message, and closes the socket with a 44xx code after too many or on a bad start.
"""

from __future__ import annotations

import json
import random

GOOD_START = {"type": "start", "sample_rate": 16000}


def bad_start(rng: random.Random) -> str | bytes:
    """A first message the server must refuse (the connection is then closed)."""
    choices: list[str | bytes] = [
        rng.randbytes(rng.randint(1, 64)),
        json.dumps({"type": "start", "sample_rate": rng.choice([0, 7, 12345, -16000, 10**12])}),
        json.dumps({"type": "start", "sample_rate": 16000, "channels": rng.choice([0, 3, 99])}),
        json.dumps({"type": "start", "sample_rate": 16000, "encoding": "opus"}),
        json.dumps({"type": "text", "text": "before start"}),
        json.dumps({"type": rng.choice(["", "x", "START"])}),
        "[" * 5000 + "]" * 5000,
        "not json at all",
    ]
    return rng.choice(choices)


def bad_message(rng: random.Random) -> str | bytes:
    """A message after a valid start that the server must answer with a coded error."""
    odd = rng.randrange(1, 4001, 2)
    choices: list[str | bytes] = [
        rng.randbytes(odd),  # odd byte count: not whole 16-bit samples
        b"",
        json.dumps({"type": "text", "text": rng.choice(["", "  ", 5, None, "x" * 5000])}),
        json.dumps({"type": "dtmf", "digit": rng.choice(["55", "x", 5, ""])}),
        json.dumps({"type": rng.choice(["bogus", "", "Start", "clear"])}),
        json.dumps(GOOD_START),  # a second start
        json.dumps([1, 2, 3]),
        "{" * rng.randint(1, 40),
        '{"a":' * 3000 + "1" + "}" * 3000,
        rng.randbytes(8).decode("latin-1"),
    ]
    return rng.choice(choices)


def bad_pipecat(rng: random.Random) -> bytes:
    """A binary message for Pipecat's protobuf protocol that is bad in some way."""
    from voicegraph.transports.rtvi.protobuf_frames import PbAudio, PbFrame, PbMessage, PbText, encode_frame

    rtvi = {"label": "rtvi-ai", "type": rng.choice(["send-text", "dtmf", "x", "client-ready"]), "id": "f",
            "data": rng.choice([None, 5, {"content": ""}, {"content": 7}, {"buttons": ["55"]}])}  # fmt: skip
    frames: list[PbFrame] = [
        PbAudio(audio=rng.randbytes(rng.randrange(1, 641, 2)), sample_rate=16000),  # odd length
        PbAudio(audio=bytes(640), sample_rate=rng.choice([8000, 44100]), num_channels=rng.choice([1, 2])),
        PbMessage(data=json.dumps(rtvi)),
        PbMessage(data="[" * 3000 + "]" * 3000),
        PbMessage(data=rng.randbytes(16).decode("latin-1")),
        PbText(text="x" * 5000),
    ]
    whole = encode_frame(rng.choice(frames))
    return rng.choice([whole, whole[: rng.randint(0, len(whole) - 1)], rng.randbytes(rng.randint(1, 64))])
