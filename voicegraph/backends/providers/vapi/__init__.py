"""Vapi backend provider: voicegraph as Vapi's custom LLM and server URL (the call node is
`voicegraph.processors.s2s.vapi_call.VapiCall`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.providers.vapi.vapi_options import VapiOptions
from voicegraph.backends.providers.vapi.vapi_server import VapiServer

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.frames.base import Frame


class VapiProvider:
    """Backend provider `vapi`: Vapi carries the call's audio; voicegraph answers it.

    Serves, on one HTTP port, the OpenAI-compatible custom-LLM endpoint (`llm_path`,
    default `/chat/completions`; one agent graph per Vapi call id, from the config's
    `graph:`) and the server-URL webhook (`webhook_path`, default `/vapi/webhook`). See
    `VapiOptions` for the options; missing or too short credentials (`secret`,
    `llm_api_key`) fail `create` with invalid_config naming the field.
    """

    name: ClassVar[str] = "vapi"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        speech_to_speech=False, custom_rate_limiting=False, min_latency_ms=0.0, codecs=()
    )
    operations: ClassVar[dict[type[Frame], str]] = {}

    def create(self, manager: SessionManager, options: dict[str, Any]) -> VapiServer:
        """A `VapiServer` for `manager`'s graph factory, hooks and store.

        Raises:
            VoiceError: (invalid_config) unknown options, missing or too short credentials.
        """
        return VapiServer(manager, VapiOptions.parse(options))


__all__ = ["VapiOptions", "VapiProvider", "VapiServer"]
