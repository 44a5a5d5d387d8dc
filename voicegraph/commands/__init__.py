"""Subcommands of the `voicegraph` CLI, one module each (see `voicegraph.cli`)."""
