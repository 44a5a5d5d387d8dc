"""voicegraph: real-time voice agents as graphs of frame-processing nodes."""

__version__ = "0.1.0"
