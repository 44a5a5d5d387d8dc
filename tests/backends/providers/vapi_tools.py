"""Tools the Vapi provider tests serve (import strings in configs point here)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from voicegraph.processors.agent.tool import tool
from voicegraph.processors.agent.tool_context import ToolContext

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph


@tool
def order_status(order_id: str) -> str:
    """Where an order is.

    Args:
        order_id: the order number.
    """
    if not order_id.isdigit():
        raise ValueError(f"no order {order_id}")
    return f"Order {order_id} ships tomorrow."


@tool
def whose_call(context: ToolContext) -> str:
    """The call this conversation belongs to."""
    return str(context.metadata.get("session_id", ""))


def choose_assistant(message: dict[str, object]) -> str | None:
    """The assistant hook: customers from +1555 get `sales`, others the default."""
    customer = message.get("customer")
    number = customer.get("number", "") if isinstance(customer, dict) else ""
    return "sales" if str(number).startswith("+1555") else None


def llm_agent_graph(conn: Any) -> Graph:
    """An agent graph of one `LLMNode` on the endpoint in `VAPI_TEST_LLM_URL`, running the
    tools above itself when `VAPI_TEST_LLM_TOOLS=1` (a Python factory: see the report on
    `LLMNodeParams`, which a YAML spec cannot validate yet)."""
    from voicegraph.framework.graph import Graph
    from voicegraph.processors.agent.llm_node import LLMNode

    tools = [order_status, whose_call] if os.environ.get("VAPI_TEST_LLM_TOOLS") == "1" else None
    node = LLMNode(base_url=os.environ["VAPI_TEST_LLM_URL"], model="fake", api_key="k", tools=tools)
    return Graph.chain(conn.input(), node, conn.output())


def rag_agent_graph(conn: Any) -> Graph:
    """A retriever (BM25 over two passages) before an `LLMNode` on `VAPI_TEST_LLM_URL`."""
    from voicegraph.framework.graph import Graph
    from voicegraph.processors.agent.llm_node import LLMNode
    from voicegraph.processors.rag import BM25Index, Passage, Retriever

    passages = [
        Passage("Visitors park on Mill Street.", "parking.md"),
        Passage("We open at nine.", "hours.md"),
    ]
    node = LLMNode(base_url=os.environ["VAPI_TEST_LLM_URL"], model="fake", api_key="k")
    return Graph.chain(conn.input(), Retriever(index=BM25Index(passages)), node, conn.output())
