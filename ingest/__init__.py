"""Files -> cleaned ``Document`` + sentence-aligned ``Chunk``s."""

from ingest.document import Chunk, Document, Page
from ingest.errors import IngestError
from ingest.language import detect_language
from ingest.pipeline import IngestPipeline, IngestResult
from ingest.sentence_chunker import SentenceChunker
from ingest.text_cleaner import TextCleaner

__all__ = [
    "Chunk",
    "Document",
    "IngestError",
    "IngestPipeline",
    "IngestResult",
    "Page",
    "SentenceChunker",
    "TextCleaner",
    "detect_language",
]
