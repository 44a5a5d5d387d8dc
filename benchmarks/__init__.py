"""Benchmarks: voicegraph's runtime side by side with Pipecat's (see README.md)."""
