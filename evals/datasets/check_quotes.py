"""Validate the reportqa dev evaluation dataset (stdlib only).

Usage::

    python evals/datasets/check_quotes.py [DATASET] [--reports DIR]

Checks, for every JSONL item:

* schema: exactly the fields ``id, lang, type, question, answer, key_facts,
  evidence`` with the right types; ``lang`` in {zh, en}; ``type`` in
  {fact, list, explanation, multi_doc, unanswerable}; unique ids;
* optional ``history`` (follow-up items): a non-empty list of
  ``{"q": str, "a": str}`` turns, oldest first, with non-empty strings;
* ``unanswerable`` <=> empty ``evidence`` (and empty ``key_facts``);
  answerable items have 1-4 key facts and at least one evidence quote;
* ``multi_doc`` items cite at least two distinct reports;
* every cited doc id exists as ``<reports>/<doc_id>.txt``;
* every quote, with all whitespace removed, is a substring of its report's
  text with all whitespace removed.

Exit status 1 (and one line per failure) on any problem, else 0 with a
summary of item counts per language and type.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASET = REPO_ROOT / "evals" / "datasets" / "reports_dev.jsonl"
DEFAULT_REPORTS = REPO_ROOT / "data" / "reports"

FIELDS = ("id", "lang", "type", "question", "answer", "key_facts", "evidence")
OPTIONAL_FIELDS = ("history",)
LANGS = {"zh", "en"}
TYPES = {"fact", "list", "explanation", "multi_doc", "unanswerable"}
ID_RE = re.compile(r"^(zh|en)-\d{3}$")
QUOTE_MIN, QUOTE_MAX = 20, 150

_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    """Remove all whitespace (spaces, newlines, tabs, full-width spaces...)."""
    return _WS.sub("", text)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load_reports(reports_dir: Path) -> dict[str, str]:
    reports: dict[str, str] = {}
    for path in sorted(reports_dir.glob("*.txt")):
        reports[path.stem] = squash(path.read_text(encoding="utf-8"))
    return reports


def _check_item(item: object, where: str, reports: dict[str, str]) -> list[str]:
    errors: list[str] = []
    if not isinstance(item, dict):
        return [f"{where}: item is not a JSON object"]

    iid = item.get("id", where)
    tag = f"[{iid}]"
    keys = set(item)
    missing = [f for f in FIELDS if f not in keys]
    extra = sorted(keys - set(FIELDS) - set(OPTIONAL_FIELDS))
    if missing:
        errors.append(f"{tag} missing field(s): {', '.join(missing)}")
    if extra:
        errors.append(f"{tag} unexpected field(s): {', '.join(extra)}")

    for name in ("id", "lang", "type", "question", "answer"):
        if name in item and (not isinstance(item[name], str) or not item[name].strip()):
            errors.append(f"{tag} field {name!r} must be a non-empty string")

    if "history" in item:
        history = item["history"]
        if not isinstance(history, list) or not history:
            errors.append(f"{tag} history must be a non-empty list of {{'q', 'a'}} turns")
        else:
            for n, turn in enumerate(history):
                if (
                    not isinstance(turn, dict)
                    or set(turn) != {"q", "a"}
                    or not all(isinstance(turn[k], str) and turn[k].strip() for k in ("q", "a"))
                ):
                    errors.append(f"{tag} history[{n}] must be an object with non-empty string 'q' and 'a'")

    lang, typ = item.get("lang"), item.get("type")
    if isinstance(item.get("id"), str) and not ID_RE.match(item["id"]):
        errors.append(f"{tag} id must look like 'zh-001' / 'en-001'")
    elif isinstance(item.get("id"), str) and isinstance(lang, str) and not item["id"].startswith(lang + "-"):
        errors.append(f"{tag} id prefix does not match lang {lang!r}")
    if "lang" in item and lang not in LANGS:
        errors.append(f"{tag} lang {lang!r} not in {sorted(LANGS)}")
    if "type" in item and typ not in TYPES:
        errors.append(f"{tag} type {typ!r} not in {sorted(TYPES)}")

    key_facts = item.get("key_facts")
    if "key_facts" in item:
        if not isinstance(key_facts, list) or not all(isinstance(k, str) and k.strip() for k in key_facts):
            errors.append(f"{tag} key_facts must be a list of non-empty strings")
            key_facts = None

    evidence = item.get("evidence")
    valid_evidence: list[dict] = []
    if "evidence" in item:
        if not isinstance(evidence, list):
            errors.append(f"{tag} evidence must be a list")
            evidence = None
        else:
            for n, ev in enumerate(evidence):
                etag = f"{tag} evidence[{n}]"
                if not isinstance(ev, dict) or set(ev) != {"doc", "quote"}:
                    errors.append(f"{etag} must be an object with exactly 'doc' and 'quote'")
                    continue
                if not isinstance(ev["doc"], str) or not isinstance(ev["quote"], str):
                    errors.append(f"{etag} 'doc' and 'quote' must be strings")
                    continue
                valid_evidence.append(ev)

    if typ == "unanswerable":
        if evidence:
            errors.append(f"{tag} unanswerable item must have empty evidence")
        if key_facts:
            errors.append(f"{tag} unanswerable item must have empty key_facts")
    elif typ in TYPES:
        if evidence is not None and not evidence:
            errors.append(f"{tag} answerable item ({typ}) must have evidence")
        if key_facts is not None and not 1 <= len(key_facts) <= 4:
            errors.append(f"{tag} answerable item must have 1-4 key_facts (has {len(key_facts)})")
    if typ == "multi_doc":
        docs = {ev["doc"] for ev in valid_evidence}
        if len(docs) < 2:
            errors.append(f"{tag} multi_doc item needs evidence from >=2 distinct docs (has {sorted(docs)})")

    for n, ev in enumerate(valid_evidence):
        doc, quote = ev["doc"], ev["quote"]
        etag = f"{tag} evidence[{n}] doc={doc}"
        if doc not in reports:
            errors.append(f"{etag}: unknown doc id (no {doc}.txt in reports dir); quote: {_short(quote)!r}")
            continue
        q = squash(quote)
        if not QUOTE_MIN <= len(q) <= QUOTE_MAX:
            errors.append(f"{etag}: quote length {len(q)} outside {QUOTE_MIN}-{QUOTE_MAX}: {_short(quote)!r}")
        if not q:
            continue
        if q not in reports[doc]:
            errors.append(f"{etag}: quote not found in report: {quote!r}")
    return errors


def check_dataset(dataset_path: str | Path, reports_dir: str | Path) -> list[str]:
    """Return a list of human-readable error messages (empty list = valid)."""
    dataset_path, reports_dir = Path(dataset_path), Path(reports_dir)
    if not dataset_path.is_file():
        return [f"dataset not found: {dataset_path}"]
    if not reports_dir.is_dir():
        return [f"reports dir not found: {reports_dir}"]
    reports = _load_reports(reports_dir)
    if not reports:
        return [f"no *.txt reports in {reports_dir}"]

    errors: list[str] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(dataset_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: invalid JSON: {exc}")
            continue
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in seen:
                errors.append(f"[{item['id']}] duplicate id (also on line {seen[item['id']]})")
            else:
                seen[item["id"]] = lineno
        errors.extend(_check_item(item, where, reports))
    if not seen and not errors:
        errors.append(f"dataset is empty: {dataset_path}")
    return errors


def summarize(dataset_path: str | Path) -> Counter:
    """Counter keyed by (lang, type) over the dataset items."""
    counts: Counter = Counter()
    for line in Path(dataset_path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            counts[(item.get("lang"), item.get("type"))] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", default=str(DEFAULT_DATASET))
    parser.add_argument("--reports", default=str(DEFAULT_REPORTS), help="directory holding <doc_id>.txt")
    args = parser.parse_args(argv)

    errors = check_dataset(args.dataset, args.reports)
    if errors:
        for err in errors:
            print(f"FAIL {err}")
        print(f"\n{len(errors)} problem(s) in {args.dataset}", file=sys.stderr)
        return 1

    counts = summarize(args.dataset)
    total = sum(counts.values())
    print(f"OK {args.dataset}: {total} items, all quotes found in {args.reports}")
    for lang in sorted({lang for lang, _ in counts}):
        per = {t: counts[(lang, t)] for t in sorted(TYPES) if counts[(lang, t)]}
        print(f"  {lang}: {sum(per.values()):3d}  " + "  ".join(f"{t}={n}" for t, n in per.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
