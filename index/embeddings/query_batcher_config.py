"""How the queries of concurrent requests are batched: the ``retrieval.query_batcher`` settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QueryBatcherConfig(BaseModel):
    """Bounds of :class:`~index.embeddings.query_batcher.QueryBatcher` (see benchmarks/README.md,
    "Load", for the measurements)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Queries per model call. EmbeddingGemma (torch fp32, 2 cores) cost per question 0.61 s one
    # by one, 0.25 s in calls of 4, 0.17 s of 8, 0.16 s of 20 (benchmarks/README.md "Load"); 32
    # lets a burst of 20 chats share one call.
    max_batch: int = Field(32, ge=1, le=256)
    # How long the first query after an idle spell waits for company. Queries arriving while the
    # model is busy are batched without waiting, so a window only helps the first of a burst; it
    # has not been measured to help, so none by default.
    max_wait_ms: float = Field(0.0, ge=0, le=1000)
