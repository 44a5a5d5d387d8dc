"""The Vapi provider tests' config: credentials, assistants, tools, an agent graph."""

from __future__ import annotations

from typing import Any

SECRET = "server-url-secret-0123456789"
LLM_KEY = "custom-llm-key-0123456789"
HMAC_SECRET = "hmac-secret-0123456789abcdef"
TOOLS = "tests.backends.providers.vapi_tools"


ENV = {"VAPI_SERVER_SECRET": SECRET, "VAPI_LLM_API_KEY": LLM_KEY, "VAPI_HMAC_SECRET": HMAC_SECRET}
"""Credentials come from the environment (a config file must not hold secrets)."""


def vapi_config(
    graph: dict[str, Any] | str, *, keep_completed_s: float = 3600, **options: Any
) -> dict[str, Any]:
    """A `vapi` backend on a free loopback port serving `graph` per call."""
    return {
        "backend": {
            "provider": "vapi",
            "options": {
                "host": "127.0.0.1", "port": 0,
                "assistants": {
                    "support": {"assistantId": "asst-support"},
                    "sales": {"name": "Sales", "firstMessage": "Hi, sales here.",
                              "model": {"provider": "custom-llm", "model": "voicegraph", "url": "http://x"}},
                },
                "default_assistant": "support",
                "assistant_hook": f"{TOOLS}:choose_assistant",
                "tools": [f"{TOOLS}:order_status", f"{TOOLS}:whose_call"],
                **options,
            },
        },
        "graph": graph,
        "persistence": {"url": "memory://"},
        "health": {"enabled": False},
        "hooks": {"retention": {"keep_completed_s": keep_completed_s}},
    }  # fmt: skip


def scripted_graph(*script: str) -> dict[str, Any]:
    """An agent graph of one scripted agent (replies in order, per graph instance)."""
    return {
        "name": "scripted",
        "nodes": [{"id": "agent", "type": "scripted_agent", "params": {"script": list(script)}}],
    }


LLM_GRAPH = f"{TOOLS}:llm_agent_graph"
"""A Python graph factory: one LLMNode on `VAPI_TEST_LLM_URL` (tools with `VAPI_TEST_LLM_TOOLS=1`)."""
