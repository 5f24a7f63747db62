"""Vectors and BM25 in Milvus: Milvus Lite (a local ``.db`` path) or a server (``http://``).

Each snapshot writes a new collection (``<alias>_<snapshot>``; another record set ``name``:
``<alias>_<name>_<snapshot>``) holding ``id`` (int64, the chunk's vector id), ``dense`` (unit
float vectors, inner product), ``text`` (analysed by jieba) and ``sparse`` (filled by Milvus's
built-in BM25 function from ``text``). Publishing moves the alias onto the new collection and
drops the older ones except the previous one (which a crash between the folder's two renames
falls back to) and those a reader still holds (``index.snapshot_leases``: every open
``MilvusStore`` leases its snapshot until it is closed or collected, or its process ends).
Readers open the collection named in their manifest, so a snapshot's vectors always match its
chunk store.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.bm25_index import B, K1
from index.mixed_language_tokenizer import STOPWORDS
from index.snapshot_leases import SnapshotLeases
from index.store_config import StoreConfig

_INSERT_BATCH = 2000  # rows per insert call: keeps one gRPC message well under its 64 MB cap at 768-d
_MAX_TEXT = 65_535  # Milvus VARCHAR limit (bytes); chunks are ~350 characters


# Tokens of symbols alone, which our tokenizer drops (no letter or digit) but jieba emits when it
# cuts "+" or "#" off a word ("5G+" -> "5g", "+"; "G20+机制"; "#话题#"); inside a word ("c++",
# "c#") they stay. As stop words, Milvus drops them after segmenting, as ours does.
_SYMBOL_TOKENS = frozenset({"+", "#", "++", "##", "+#", "#+"})


def analyzer_params() -> dict[str, Any]:
    """jieba (search mode: long words also yield their parts, as in ``MixedLanguageTokenizer``),
    lower-cased, without our stopwords and symbol-only tokens. Lite lower-cases in its jieba
    analyzer and ignores the string filter; a server applies it."""
    return {"tokenizer": "jieba",
            "filter": ["lowercase", {"type": "stop", "stop_words": sorted(STOPWORDS | _SYMBOL_TOKENS)}]}


# Milvus's BM25 (Lite's ``SparseInvertedIndex``) multiplies each term's score by (k1 + 1), which
# the Lucene variant of bm25s leaves out; dividing by it reports the same numbers with either store.
_SCORE_SCALE = 1.0 / (K1 + 1.0)


# Tokens our tokenizer drops but Milvus's analyzer keeps, which then match chunks and count in
# their length (see store_parity_benchmark.py): symbols jieba cuts off on their own ("," "?" "-"
# "&"; "+", "#", "." and "%" stay, inside "c++", "c#", "5.5%") and single Latin letters ("s" of
# "it's", "r" of "r&d"). Blanked out here, on both the chunk texts and the queries.
_LONE_SYMBOL = re.compile(r"[^\w\s+#.%]|(?<!\d)\.|\.(?!\d)|(?<!\d)%")
_LONE_LETTER = re.compile(r"(?<![a-z0-9_])[a-z](?![a-z0-9_+#])")


def keyword_text(text: str) -> str:
    # NFKC as our tokenizer does: full-width letters and digits match their ASCII forms.
    return _LONE_LETTER.sub(" ", _LONE_SYMBOL.sub(" ", unicodedata.normalize("NFKC", text).lower()))


_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(uri: str, token: str | None = None) -> Any:
    """One ``MilvusClient`` per address and process (Milvus Lite runs one server per file)."""
    from pymilvus import MilvusClient

    key = (uri, token or "")
    with _CLIENTS_LOCK:
        if key not in _CLIENTS:
            if uri.endswith(".db"):
                Path(uri).expanduser().parent.mkdir(parents=True, exist_ok=True)
            _CLIENTS[key] = MilvusClient(uri=uri, token=token or "")
        return _CLIENTS[key]


def close_clients() -> None:
    with _CLIENTS_LOCK:
        for client in _CLIENTS.values():
            client.close()
        _CLIENTS.clear()


def collection_name(alias: str, name: str, snapshot: str) -> str:
    return f"{alias}_{snapshot}" if name == "chunks" else f"{alias}_{name}_{snapshot}"


def alias_name(alias: str, name: str) -> str:
    return alias if name == "chunks" else f"{alias}_{name}"


class MilvusStore:
    kind = "milvus"

    def __init__(self, client: Any, collection: str, *, dimension: int, count: int, ef_search: int = 128,
                 nprobe: int = 16):
        self._client = client
        self.collection = collection
        self._dimension = dimension
        self._count = count
        self._ef_search = ef_search
        self._nprobe = nprobe
        self._release: Callable[[], None] = lambda: None

    @classmethod
    def open(cls, record: dict[str, Any], name: str, *, config: StoreConfig | None = None,
             leases: SnapshotLeases | None = None) -> MilvusStore:
        """The record set ``name`` of the snapshot ``record``; with ``leases``, held there (no
        build drops its collection) until :meth:`close` or garbage collection."""
        uri = record["uri"]
        token = config.milvus_token if config is not None and config.milvus_uri == uri else None
        client = client_for(uri, token)
        collection = collection_name(record["alias"], name, record["snapshot"])
        if not client.has_collection(collection):
            raise FileNotFoundError(f"Milvus collection {collection} is missing at {uri}")
        client.load_collection(collection)
        description = client.describe_collection(collection)
        dense = next(f for f in description["fields"] if f["name"] == "dense")
        dimension = int(dense["params"]["dim"])
        count = int(client.get_collection_stats(collection)["row_count"])
        config = config or StoreConfig()
        store = cls(client, collection, dimension=dimension, count=count, ef_search=config.hnsw_ef_search,
                    nprobe=config.ivf_nprobe)
        if leases is not None:
            store._release = leases.hold(record["snapshot"], store)
        return store

    @property
    def dimension(self) -> int:
        return self._dimension

    def __len__(self) -> int:
        return self._count

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._count == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        hits = self._client.search(
            self.collection, data=[np.asarray(query_vector, dtype=np.float32).tolist()], anns_field="dense",
            limit=min(k, self._count), search_params={"metric_type": "IP",
                                                    "params": {"ef": max(self._ef_search, k), "nprobe": self._nprobe}},
        )[0]
        return (np.array([h["distance"] for h in hits], dtype=np.float32),
                np.array([h["id"] for h in hits], dtype=np.int64))

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        wanted = [int(i) for i in np.asarray(ids).tolist()]
        if not wanted:
            return np.zeros((0, self._dimension), dtype=np.float32)
        rows = self._client.get(self.collection, ids=wanted, output_fields=["dense"])
        found = {int(r["id"]): r["dense"] for r in rows}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise KeyError(f"ids not in {self.collection}: {missing[:5]}")
        return np.asarray([found[i] for i in wanted], dtype=np.float32)

    def _bm25(self, query: str, limit: int, filter_: str = "") -> list[dict[str, Any]]:
        text = keyword_text(query).strip()
        if not text or self._count == 0:
            return []
        hits = self._client.search(self.collection, data=[text], anns_field="sparse", limit=limit,
                                   filter=filter_, search_params={"metric_type": "BM25"})[0]
        # Milvus Lite reports BM25 as a negative distance (smaller is closer), a server as the
        # positive score: the magnitude is the score either way.
        return [h for h in hits if h["distance"] != 0]

    def keyword_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        hits = self._bm25(query, min(k, max(self._count, 1)))
        return (np.array([abs(h["distance"]) * _SCORE_SCALE for h in hits], dtype=np.float32),
                np.array([h["id"] for h in hits], dtype=np.int64))

    def keyword_scores(self, query: str, ids: np.ndarray) -> np.ndarray:
        wanted = [int(i) for i in np.asarray(ids).tolist()]
        if not wanted:
            return np.zeros(0, dtype=np.float32)
        hits = self._bm25(query, len(wanted), filter_=f"id in {wanted}")
        score = {int(h["id"]): abs(h["distance"]) * _SCORE_SCALE for h in hits}
        return np.array([score.get(i, 0.0) for i in wanted], dtype=np.float32)

    def close(self) -> None:
        self._release()  # the client stays: it is shared per process (see client_for)


class MilvusWriter:
    """Writes each record set of one snapshot into a new collection."""

    def __init__(self, config: StoreConfig, *, leases: SnapshotLeases | None = None):
        self.config = config
        self.leases = leases
        self.client = client_for(config.milvus_uri, config.milvus_token)
        self.snapshot = uuid.uuid4().hex[:12]
        self.sets: list[str] = []

    def record(self) -> dict[str, Any]:
        return {"kind": "milvus", "uri": self.config.milvus_uri, "alias": self.config.milvus_collection,
                "snapshot": self.snapshot, "sets": list(self.sets)}

    def write(self, staged: Path, name: str, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str], *,
              progress: bool = False) -> dict[str, Any]:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        config = self.config
        collection = collection_name(config.milvus_collection, name, self.snapshot)
        dimension = int(vectors.shape[1])
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_field("text", DataType.VARCHAR, max_length=_MAX_TEXT, enable_analyzer=True,
                         analyzer_params=analyzer_params())
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text"], output_field_names=["sparse"]))
        params = self.client.prepare_index_params()
        if len(ids) > config.approximate_above and config.approximate == "ivf":
            params.add_index("dense", index_type="IVF_FLAT", metric_type="IP",
                             params={"nlist": config.ivf_lists(len(ids))})
        elif len(ids) > config.approximate_above:
            params.add_index("dense", index_type="HNSW", metric_type="IP",
                             params={"M": config.hnsw_m, "efConstruction": config.hnsw_ef_construction})
        else:
            params.add_index("dense", index_type="FLAT", metric_type="IP")
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"bm25_k1": K1, "bm25_b": B})
        self.sets.append(name)
        self.client.create_collection(collection, schema=schema, index_params=params)
        for start in range(0, len(ids), _INSERT_BATCH):
            stop = start + _INSERT_BATCH
            rows = [{"id": int(i), "dense": v.tolist(), "text": _fit(keyword_text(t))}
                    for i, v, t in zip(ids[start:stop], vectors[start:stop], texts[start:stop])]
            self.client.insert(collection, rows)
        self.client.flush(collection)
        self.client.load_collection(collection)
        return self.record()

    def publish(self, record: dict[str, Any]) -> None:
        """Point the alias of every record set at this snapshot; drop the older snapshots but the
        previous one and those a reader holds."""
        client = self.client
        held = self.leases.held() if self.leases is not None else set()
        for name in record["sets"]:
            alias = alias_name(record["alias"], name)
            collection = collection_name(record["alias"], name, record["snapshot"])
            previous = client.describe_alias(alias)["collection_name"] if alias in _aliases(client) else None
            if previous is None:
                client.create_alias(collection, alias)
            else:
                client.alter_alias(collection, alias)
            keep = {collection, previous, *(collection_name(record["alias"], name, s) for s in held)}
            prefix = collection_name(record["alias"], name, "")
            for other in client.list_collections():
                if other.startswith(prefix) and len(other) == len(collection) and other not in keep:
                    client.drop_collection(other)

    def discard(self, record: dict[str, Any] | None = None) -> None:
        """Drop every collection this writer created (a failed or interrupted build)."""
        for name in self.sets:
            collection = collection_name(self.config.milvus_collection, name, self.snapshot)
            try:
                if self.client.has_collection(collection):
                    self.client.drop_collection(collection)
            except Exception:  # noqa: BLE001 - cleaning up after another error: never mask it
                pass


def _aliases(client: Any) -> list[str]:
    return list(client.list_aliases().get("aliases", []))


def _fit(text: str) -> str:
    encoded = text.encode("utf-8")
    return text if len(encoded) <= _MAX_TEXT else encoded[:_MAX_TEXT].decode("utf-8", "ignore")


def current_collection(config: StoreConfig, name: str = "chunks") -> str | None:
    """The collection the alias points at (``None`` before the first build)."""
    client = client_for(config.milvus_uri, config.milvus_token)
    alias = alias_name(config.milvus_collection, name)
    if alias not in _aliases(client):
        return None
    return client.describe_alias(alias)["collection_name"]
