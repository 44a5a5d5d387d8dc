"""The offline demo conversation of `voicegraph run`: not graphs, but what drives and measures one.

A scripted caller (its lines, voice and recording), the offline conversation runner,
the conversation recorder, per-request stage timing (`latency_probes`, `request_timing`) and the
latency table, and the runtime-only demo of `voicegraph demo`.
"""
