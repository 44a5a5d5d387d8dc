"""Scenario files: conversation tests written in YAML, for `voicegraph test`.

scenarios:
  - name: says its name
    options: {agent: scripted, agent_params: {rules: [[name, My name is Vee.]]}}
    turns:
      - say: What is your name?
        expect:
          - said: Vee
          - within: {first_text_ms: 800}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from voicegraph.framework.errors import ErrorCode, VoiceError


class ToolExpectation(BaseModel):
    """`called_tool: {name: get_weather, args: {city: Paris}}` (or just `called_tool: get_weather`)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Expectation(BaseModel):
    """One expectation: exactly one key, checked in the order listed (see `TurnExpectations`)."""

    model_config = ConfigDict(extra="forbid")
    said: str | None = None
    """A regex the agent's text matches (case-insensitive)."""
    called_tool: ToolExpectation | str | None = None
    interrupted: Literal[True] | None = None
    ended_call: Literal[True] | None = None
    transferred: str | Literal[True] | None = None
    """True, or the target."""
    within: dict[str, float] | None = None
    """Latency budgets in ms: `first_text_ms`, `reply_ms`, `first_audio_ms`."""
    judged: str | None = None
    """A yes/no statement about the reply, for the judge model."""

    @model_validator(mode="after")
    def _one_key(self) -> Expectation:
        keys = [k for k, v in self.__dict__.items() if v is not None]
        if len(keys) != 1:
            raise ValueError(f"an expectation has exactly one key (got {', '.join(keys) or 'none'})")
        return self

    @property
    def kind(self) -> str:
        """The key that is set."""
        return next(k for k, v in self.__dict__.items() if v is not None)


class TurnSpec(BaseModel):
    """What the user says, when (audio), and what is expected of the reply."""

    model_config = ConfigDict(extra="forbid")
    say: str = Field(min_length=1)
    barge_in_s: float | None = Field(None, ge=0)
    """Audio: speak this long after the bot starts its previous reply, cutting it off."""
    pause_s: float = Field(0.6, ge=0)
    """Audio: silence after the previous reply before speaking."""
    expect: list[Expectation] = Field(default_factory=list)


class JudgeSpec(BaseModel):
    """The judge's chat-completions endpoint; the key is read from an environment variable."""

    model_config = ConfigDict(extra="forbid")
    base_url: str
    model: str
    api_key_env: str | None = None


class Scenario(BaseModel):
    """One conversation: a graph, the user's turns and the expectations."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    graph: str | None = None
    """A graph spec YAML, relative to the scenario file; default: the stock voice agent."""
    options: dict[str, Any] = Field(default_factory=dict)
    """`VoiceAgentOptions` fields (agent, stt, tts, agent_params, params...)."""
    audio: bool = False
    clock: Literal["auto", "virtual", "real"] = "auto"
    reply_timeout_s: float = Field(30.0, gt=0)
    turns: list[TurnSpec] = Field(min_length=1)


class ScenarioFile(BaseModel):
    """A scenario file: the scenarios and, optionally, the judge endpoint."""

    model_config = ConfigDict(extra="forbid")
    judge: JudgeSpec | None = None
    scenarios: list[Scenario] = Field(min_length=1)


def load_scenarios(path: str | Path) -> ScenarioFile:
    """Read and validate a scenario file.

    Raises:
        VoiceError: (invalid_input) the file cannot be read or is not YAML;
            (invalid_config) it does not match the schema (the first mistake, with its place).
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VoiceError(ErrorCode.INVALID_INPUT, f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise VoiceError(ErrorCode.INVALID_INPUT, f"{path} is not valid YAML{at}") from None
    try:
        return ScenarioFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top)"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{path}: {loc}: {first['msg']}{more}") from None
