"""Thumbs up/down on answers, kept in SQLite so evaluators can turn them into test items."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    language TEXT NOT NULL,
    refused INTEGER NOT NULL DEFAULT 0,
    citations TEXT NOT NULL DEFAULT '[]',
    backend TEXT NOT NULL DEFAULT '',
    manifest_hash TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class FeedbackEntry:
    """One rating. ``citations`` are ``Citation.to_dict()`` plus ``quote``: the exact
    supporting span as it was in the library when the answer was rated."""

    id: int
    created_at: str
    rating: Rating
    comment: str
    question: str
    answer: str
    language: str
    refused: bool
    citations: list[dict[str, Any]] = field(default_factory=list)
    backend: str = ""
    manifest_hash: str = ""


def _check_rating(rating: str) -> None:
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, got {rating!r}")


class FeedbackStore:
    """A SQLite file of ratings; one short connection per call, so any thread may use it.

    Args:
        path: the database file (created with its folder if missing).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise ValueError(f"feedback path {self.path} is a directory, expected a SQLite file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as db:
                db.execute(_SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path} is not a feedback database ({exc})") from exc

    def config(self) -> dict[str, Any]:
        return {"path": str(self.path)}

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commits, or rolls back on error
                yield db
        finally:
            db.close()

    def add(
        self,
        *,
        rating: Rating,
        question: str,
        answer: str,
        language: str,
        citations: Sequence[dict[str, Any]] = (),
        backend: str = "",
        manifest_hash: str = "",
        refused: bool = False,
        comment: str = "",
    ) -> int:
        """Store a rating; returns its id."""
        _check_rating(rating)
        if not question.strip():
            raise ValueError("question must not be empty")
        created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created_at, rating, comment, question, answer, language, refused,"
                " citations, backend, manifest_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    created_at,
                    rating,
                    comment.strip(),
                    question,
                    answer,
                    language,
                    int(refused),
                    json.dumps(list(citations), ensure_ascii=False),
                    backend,
                    manifest_hash,
                ),
            )
            return int(cursor.lastrowid)

    def update(self, entry_id: int, *, rating: Rating, comment: str = "") -> None:
        """Change a rating (the user clicked the other thumb, or added a comment)."""
        _check_rating(rating)
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE feedback SET rating = ?, comment = ? WHERE id = ?", (rating, comment.strip(), entry_id)
            )
            if cursor.rowcount == 0:
                raise KeyError(f"no feedback entry with id {entry_id}")

    def entries(self, rating: Rating | None = None) -> list[FeedbackEntry]:
        """All entries, oldest first; only those with ``rating`` when given."""
        if rating is not None:
            _check_rating(rating)
        query = "SELECT * FROM feedback" + (" WHERE rating = ?" if rating else "") + " ORDER BY id"
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(query, (rating,) if rating else ()).fetchall()
        return [
            FeedbackEntry(
                id=row["id"],
                created_at=row["created_at"],
                rating=row["rating"],
                comment=row["comment"],
                question=row["question"],
                answer=row["answer"],
                language=row["language"],
                refused=bool(row["refused"]),
                citations=json.loads(row["citations"]),
                backend=row["backend"],
                manifest_hash=row["manifest_hash"],
            )
            for row in rows
        ]

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])
