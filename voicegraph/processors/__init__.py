"""Processors: the nodes of voicegraph graphs (VAD, STT, agents, TTS, text, audio)."""
