"""vocode's own answer to Twilio's inbound-call webhook, for comparison (vocode venv).

    python connection_twiml.py BASE_URL CALL_ID

Prints `{"twiml": ...}`: what vocode's `TelephonyServer` returns for a call
(`vocode.streaming.telephony.templater.get_connection_twiml`, its
`twilio_connect_call.xml` template) with that base URL and conversation id.
"""

# mypy: ignore-errors
# (runs in the vocode venv, where vocode is importable; not in voicegraph's)
from __future__ import annotations

import json
import sys

from vocode.streaming.telephony.templater import get_connection_twiml


def main() -> None:
    response = get_connection_twiml(call_id=sys.argv[2], base_url=sys.argv[1])
    print(json.dumps({"twiml": response.body.decode(), "media_type": response.media_type}))


if __name__ == "__main__":
    main()
