"""Engines behind the nodes: load and warm a built graph's engines before its first session.

`preload_engines` (engine_preload) and `warm_engines` (engine_warmup) know the concrete
nodes that hold engines (VAD, local LLM, STT, TTS), so they sit in the processors layer,
below both `voicegraph serve` (backends/preload.py) and the offline demo that call them.
"""
