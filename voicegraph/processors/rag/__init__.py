"""Retrieval-augmented generation: chunking, BM25 and vector search, embedders, the Retriever node."""

from voicegraph.processors.rag.bm25_index import BM25Index as BM25Index
from voicegraph.processors.rag.document_chunker import DocumentChunker as DocumentChunker
from voicegraph.processors.rag.document_indexer import IndexReport as IndexReport
from voicegraph.processors.rag.document_indexer import index_folder as index_folder
from voicegraph.processors.rag.embedder import Embedder as Embedder
from voicegraph.processors.rag.index_loader import make_embedder as make_embedder
from voicegraph.processors.rag.index_loader import open_index as open_index
from voicegraph.processors.rag.minilm_embedder import MiniLMEmbedder as MiniLMEmbedder
from voicegraph.processors.rag.openai_embedder import OpenAIEmbedder as OpenAIEmbedder
from voicegraph.processors.rag.passage import Passage as Passage
from voicegraph.processors.rag.retriever import Retriever as Retriever
from voicegraph.processors.rag.sqlite_vector_store import SQLiteVectorStore as SQLiteVectorStore
from voicegraph.processors.rag.vector_index import SearchIndex as SearchIndex
from voicegraph.processors.rag.vector_index import VectorIndex as VectorIndex
from voicegraph.processors.rag.vector_store import MemoryVectorStore as MemoryVectorStore
from voicegraph.processors.rag.vector_store import VectorStore as VectorStore

__all__ = [
    "BM25Index",
    "DocumentChunker",
    "Embedder",
    "IndexReport",
    "MemoryVectorStore",
    "MiniLMEmbedder",
    "OpenAIEmbedder",
    "Passage",
    "Retriever",
    "SQLiteVectorStore",
    "SearchIndex",
    "VectorIndex",
    "VectorStore",
    "index_folder",
    "make_embedder",
    "open_index",
]
