"""The text variant for `vapi`: Vapi is not an audio-session server (it carries the call's
audio and does its own STT and TTS); voicegraph is its custom LLM. So Vapi's side of the
swap conversation is the question's text in an OpenAI-style `POST /chat/completions`
(streamed, with the call id, as Vapi sends it: tests/fakes/vapi_caller.py), answered by the
same graph spec, whose scripted agent's words stream back as SSE chunks."""

from __future__ import annotations

from tests.fakes.vapi_caller import VapiCaller, new_call_id, sse_events
from tests.serving.question import QUESTION

from .call_result import CallResult

LLM_KEY = "swap-custom-llm-key-0123456789"
SECRET = "swap-server-url-secret-0123456789"
ENV = {"VAPI_LLM_API_KEY": LLM_KEY, "VAPI_SERVER_SECRET": SECRET}
"""Vapi's credentials, from the environment as in production."""


async def vapi_chat(url: str) -> CallResult:
    """Ask the question as Vapi's custom-LLM request; the streamed reply's text in `notes`."""
    vapi = VapiCaller(url, llm_key=LLM_KEY, secret=SECRET)
    messages = [{"role": "user", "content": QUESTION}]
    response = await vapi.chat(vapi.chat_body(new_call_id(), messages))
    chunks = [e for e in sse_events(response.text) if isinstance(e, dict)]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    result = CallResult("vapi", user_text=QUESTION)
    result.notes.update(status=response.status_code, reply_text=text)
    return result
