"""TwilioCallControl: hang up or transfer a Twilio call through its REST API."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.frames.call import TransferCallFrame

if TYPE_CHECKING:
    import httpx

    from voicegraph.framework.frames.call import CallActionFrame

DEFAULT_BASE_URL = "https://api.twilio.com"
_GONE = frozenset({20404, 21220})
"""Twilio's codes for a call that is over: 20404 no such resource (404), 21220 the call is
not in progress (400: completed calls stay resources but cannot be updated)."""


def dial_twiml(target: str) -> str:
    """The TwiML that connects the caller to `target`: a SIP URI, else a number or client."""
    if target.startswith("sip:"):
        noun = f"<Sip>{escape(target)}</Sip>"
    else:
        noun = escape(target)
    return f"<Response><Dial>{noun}</Dial></Response>"


class TwilioCallControl:
    """Acts on a live call with Twilio's REST API (shared/protocols/twilio_media_streams.md §4).

    `POST {base_url}/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json`, HTTP Basic
    auth, form body: `Status=completed` hangs up; `Twiml=<Response><Dial>...` transfers
    (Twilio leaves the stream and runs the new TwiML). Give it to the WebSocket transport
    (`call_control=`) and Twilio sessions carry out `EndCallFrame`/`TransferCallFrame`
    through it; without it a hang-up just closes the stream (Twilio then runs the TwiML
    after `<Connect>`: none, so the call ends) and a transfer is refused.

    Tested against a local fake that speaks this REST form; unreachable from CI itself.

    Args:
        account_sid: the account (`AC...`), also the Basic-auth user.
        auth_token: the account's auth token.
        base_url: the API's origin (a regional host, or a local fake in tests).
        timeout_s: deadline of one request.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "Twilio call control needs an account SID and token")
        self.account_sid = account_sid
        self._token = auth_token
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"TwilioCallControl(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    async def perform(self, frame: CallActionFrame, call_sid: str) -> None:
        """Hang up (`EndCallFrame`) or transfer (`TransferCallFrame`) call `call_sid`.

        Raises:
            VoiceError: invalid_input (no call SID, no target), authentication_failed,
                session_not_found (transfer of a call that has ended), connection_failed
                (refused, other HTTP errors) or timeout.
        """
        if not call_sid:
            raise VoiceError(ErrorCode.INVALID_INPUT, "no Twilio call SID (the stream has not started)")
        if isinstance(frame, TransferCallFrame):
            if not frame.target:
                raise VoiceError(ErrorCode.INVALID_INPUT, "a transfer needs a target")
            await self._update(call_sid, {"Twiml": dial_twiml(frame.target)}, gone_ok=False)
        else:
            await self._update(call_sid, {"Status": "completed"}, gone_ok=True)

    async def _update(self, call_sid: str, form: dict[str, str], *, gone_ok: bool) -> None:
        try:
            import httpx
        except ImportError:
            raise missing_dependency("agent", "httpx") from None
        account, call = quote(self.account_sid, safe=""), quote(call_sid, safe="")
        url = f"{self.base_url}/2010-04-01/Accounts/{account}/Calls/{call}.json"
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                resp = await client.post(url, data=form, auth=(self.account_sid, self._token))
        except httpx.TimeoutException:
            raise VoiceError(ErrorCode.TIMEOUT, f"Twilio did not answer within {self.timeout_s}s") from None
        except httpx.HTTPError as exc:
            raise VoiceError(ErrorCode.CONNECTION_FAILED, f"cannot reach Twilio: {exc}") from None
        if resp.status_code < 300:
            return
        code, message = _twilio_error(resp)
        if resp.status_code in (400, 404) and code in _GONE:
            if gone_ok:
                return  # hanging up a call that has ended: done
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, f"the call has ended: {message}")
        if resp.status_code in (401, 403):
            raise VoiceError(ErrorCode.AUTHENTICATION_FAILED, f"Twilio refused the credentials: {message}")
        raise VoiceError(ErrorCode.CONNECTION_FAILED, f"Twilio answered {resp.status_code}: {message}")


def _twilio_error(resp: httpx.Response) -> tuple[int | None, str]:
    """Twilio's error body: `{"code": 20404, "message": ..., "status": 404}` (JSON)."""
    try:
        body = resp.json()
    except ValueError:
        return None, resp.text[:200]
    if not isinstance(body, dict):
        return None, str(body)[:200]
    code = body.get("code")
    return (code if isinstance(code, int) else None), str(body.get("message", ""))[:200]
