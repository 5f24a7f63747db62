"""Where an index keeps its vectors and keyword statistics: the ``index`` settings section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StoreConfig(BaseModel):
    """Which vector store a build writes to, and how its dense index is made.

    ``store="faiss"`` (the default) keeps everything in the index folder: ``dense.faiss`` and
    ``bm25/``. ``store="milvus"`` puts vectors and BM25 into a Milvus collection: ``milvus_uri``
    is a path ending in ``.db`` for Milvus Lite (embedded, from ``pymilvus[milvus-lite]``) or
    ``http(s)://host:19530`` for a Milvus server or cluster (with ``milvus_token`` if it asks
    for one). The same code runs against both. Chunks, documents and the manifest stay in the
    index folder either way.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    store: Literal["faiss", "milvus"] = "faiss"
    milvus_uri: str = ""
    milvus_token: str | None = Field(None, repr=False)
    milvus_collection: str = Field("reportqa", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
                                   description="alias the current collection is published under")
    # Exact (flat) search up to this many chunks, an approximate index above. A flat query costs
    # 4.0 ms of CPU at 10k synthetic 768-d chunks and 40 ms at 100k (linear: ~400 ms at 1M);
    # IVF at 100k answered in 2.2 ms at recall@10 0.974 (benchmarks/scale_benchmark.py, see
    # benchmarks/README.md "Scale"). At 50k flat costs ~20 ms, a fifth of embedding the question.
    approximate_above: int = Field(50_000, ge=0)
    # IVF rather than HNSW: at 100k it built in 6.7 CPU s against 159 for HNSW (M=32,
    # efConstruction=80) and 47-87 for HNSW M=16/efC=40, and met recall@10 >= 0.95 from nprobe 4.
    # HNSW M=16/efC=40 on 1M chunks of 50,000 topics added ~900 rows per CPU s (~19 CPU min for
    # 1M, against ~80 s for IVF); its recall there was not measured (benchmarks/README.md "Scale").
    approximate: Literal["ivf", "hnsw"] = "ivf"
    ivf_lists_per_sqrt: float = Field(1.0, gt=0, description="IVF lists = this x sqrt(chunks)")
    # nprobe 16 of sqrt(n) lists: recall@10 0.974 at 100k (0.955 at nprobe 4, 0.994 at 64); at 1M,
    # 6.8 ms of CPU and recall 1.000 with 1,000 synthetic topics but 0.434 with 50,000 (0.641 at
    # nprobe 64): recall depends on the data (benchmarks/README.md "1M chunks measured").
    ivf_nprobe: int = Field(16, ge=1)
    hnsw_m: int = Field(32, ge=4, le=128)
    hnsw_ef_construction: int = Field(80, ge=8)
    # efSearch 128: recall@10 0.988 at 10k (0.972 at 64); at 100k (M=16, efC=40) 0.978 with 1,000
    # synthetic topics, 0.946 with 5,000 (0.971 at 256, 3.8 ms of CPU; benchmarks/README.md "Scale").
    hnsw_ef_search: int = Field(128, ge=10)

    def ivf_lists(self, chunks: int) -> int:
        return max(1, min(chunks, int(self.ivf_lists_per_sqrt * chunks ** 0.5)))

    @model_validator(mode="after")
    def _uri_for_milvus(self) -> StoreConfig:
        if self.store == "milvus":
            uri = self.milvus_uri.strip()
            if not uri:
                raise ValueError("index.store = 'milvus' needs index.milvus_uri: a path ending in .db "
                                 "(Milvus Lite) or http://host:19530 (a Milvus server)")
            if not (uri.startswith(("http://", "https://")) or uri.endswith(".db")):
                raise ValueError(f"index.milvus_uri {uri!r} is neither a Milvus Lite file (ending in .db) "
                                 "nor a server address (http://host:19530)")
        return self

    @classmethod
    def from_target(cls, target: str, *, base: StoreConfig | None = None) -> StoreConfig:
        """The configuration named by a copy target: ``milvus:///abs/path/lib.db`` or
        ``milvus://relative/lib.db`` (Milvus Lite), ``milvus://host:19530`` (server over http),
        ``milvus+https://host:443`` (server over https) or ``faiss``."""
        base = base or cls()
        values = base.model_dump()
        if target == "faiss":
            return cls(**{**values, "store": "faiss"})
        for scheme, server in (("milvus+https://", "https://"), ("milvus://", "http://")):
            if target.startswith(scheme):
                rest = target[len(scheme):]
                if not rest:
                    break
                uri = rest if rest.endswith(".db") else server + rest
                return cls(**{**values, "store": "milvus", "milvus_uri": uri})
        raise ValueError(f"copy target {target!r} is not milvus://PATH.db, milvus://HOST:PORT, "
                         "milvus+https://HOST:PORT or faiss")
