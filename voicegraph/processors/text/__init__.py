"""Text nodes: sentence aggregation for TTS."""

from voicegraph.processors.text.sentence_aggregator import SentenceAggregator as SentenceAggregator
from voicegraph.processors.text.sentence_splitter import SentenceSplitter as SentenceSplitter

__all__ = ["SentenceAggregator", "SentenceSplitter"]
