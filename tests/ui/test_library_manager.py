"""Uploading and removing reports through the interface, on a real (small) index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ui_fakes import HashEmbeddings

from index.library import Library
from index.library_index import LibraryIndex
from ingest.pipeline import IngestPipeline
from ui.labels import labels_for
from ui.library_handlers import LibraryHandlers
from ui.library_manager import LibraryManager
from ui.upload_policy import UploadPolicy

REPORTS = {
    "alpha": "# 数字经济\n\n数字经济是以数据资源为关键要素的经济形态。2023年数字经济规模达到53.9万亿元。",
    "beta": "# Green Finance\n\nGreen bonds financed renewable energy projects in 2022.",
}


@pytest.fixture
def setup(tmp_path: Path):
    library = tmp_path / "reports"
    library.mkdir()
    for doc_id, text in REPORTS.items():
        (library / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    embeddings, pipeline = HashEmbeddings(), IngestPipeline(chunk_size=120, chunk_overlap=20)
    LibraryIndex.build(tmp_path / "index", library, embeddings=embeddings, pipeline=pipeline, progress=False)
    shared = Library(tmp_path / "index", folders=[library], upload_dir=tmp_path / "uploads", embeddings=embeddings,
                     pipeline=pipeline,
                     check_interval=0)  # look at the manifest on every call (the server looks every few seconds)
    manager = LibraryManager(library=shared, work_dir=tmp_path / "work", policy=UploadPolicy(max_bytes=4096),
                             show_progress=False)
    return manager, tmp_path


def upload(tmp_path: Path, name: str, content: str | bytes) -> tuple[Path, str]:
    folder = tmp_path / "gradio-tmp" / str(abs(hash((name, str(content)))))
    folder.mkdir(parents=True)
    path = folder / "upload"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path, name


def snapshot(manager: LibraryManager, tmp_path: Path) -> tuple:
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                   if p.is_file() and "gradio-tmp" not in p.parts and "work" not in p.parts
                   and "index" not in p.parts)
    return files, manager.status()["manifest_sha256"], [d.doc_id for d in manager.documents()]


def test_a_new_report_is_copied_and_indexed(setup):
    manager, tmp_path = setup
    listened = []
    manager.subscribe(listened.append)
    text = "# 蓝色经济\n\n海洋经济总产值在2023年首次突破9.9万亿元，蓝碳交易开始试点。"
    report = manager.add_files([upload(tmp_path, "蓝色 经济.txt", text)])

    assert report.rejected == [] and [(a, b) for a, b, _ in report.added] == [("蓝色 经济.txt", "蓝色_经济.txt")]
    assert (tmp_path / "uploads" / "蓝色_经济.txt").read_text(encoding="utf-8") == text
    assert "蓝色_经济" in [d.doc_id for d in manager.documents()]
    assert "9.9万亿元" in manager.document_text("蓝色_经济")
    assert listened == [manager.index] and report.added[0][2] == manager.index.status()["chunks"] - 2


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("notes.exe", "text", "type"),
        ("empty.txt", "", "empty"),
        ("big.txt", "长" * 3000, "too_big"),
        ("binary.txt", b"\x00\x01\x02garbage", "binary"),
        ("../../escape.txt", "把文件写到外面去。", "name"),
        ("/etc/evil.txt", "绝对路径。", "name"),
        ("alpha.txt", "同名但内容不同的报告。", "exists"),
        ("alpha.md", "# 同一个文档编号\n\n换了扩展名。", "exists"),
        ("gbk-but-pdf.pdf", "不是PDF", "not_pdf"),
    ],
)
def test_a_bad_upload_is_refused_and_changes_nothing(setup, name, content, code):
    manager, tmp_path = setup
    before = snapshot(manager, tmp_path)
    report = manager.add_files([upload(tmp_path, name, content)])
    assert [r.code for _, r in report.rejected] == [code] and report.added == []
    assert snapshot(manager, tmp_path) == before
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path.parent / "escape.txt").exists()
    assert list((tmp_path / "work").glob("staging-*")) == []  # staging cleaned up


def test_reuploading_the_same_file_changes_nothing(setup):
    manager, tmp_path = setup
    before = snapshot(manager, tmp_path)
    report = manager.add_files([upload(tmp_path, "alpha.txt", REPORTS["alpha"])])
    assert report.unchanged == [("alpha.txt", "alpha.txt")] and report.added == report.rejected == []
    assert snapshot(manager, tmp_path) == before


def test_good_files_go_in_even_when_others_in_the_batch_fail(setup):
    manager, tmp_path = setup
    report = manager.add_files([
        upload(tmp_path, "gamma.md", "# Gamma\n\nQuantum networks link three cities since 2021."),
        upload(tmp_path, "empty.txt", "   "),
        upload(tmp_path, "gamma.txt", "# Gamma again\n\nSame id as the markdown file."),
    ])
    assert [b for _, b, _ in report.added] == ["gamma.md"]
    assert sorted((n, r.code) for n, r in report.rejected) == [("empty.txt", "empty"), ("gamma.txt", "duplicate")]
    assert sorted(d.doc_id for d in manager.documents()) == ["alpha", "beta", "gamma"]


def test_a_work_dir_inside_an_indexed_folder_is_refused(tmp_path):
    library = tmp_path / "reports"
    library.mkdir()
    with pytest.raises(ValueError, match="work_dir"):
        LibraryManager(library=Library(tmp_path / "index", folders=[library], upload_dir=tmp_path / "uploads"),
                       work_dir=tmp_path / "uploads" / "work", policy=UploadPolicy(max_bytes=10))


def test_removing_moves_the_file_aside_and_drops_it_from_the_index(setup):
    manager, tmp_path = setup
    (tmp_path / "reports" / "beta.meta.json").write_text('{"title": "Green Finance"}', encoding="utf-8")
    info = manager.remove("beta")
    assert info.doc_id == "beta"
    assert [d.doc_id for d in manager.documents()] == ["alpha"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["alpha.txt"]
    parked = sorted(p.name for p in (tmp_path / "work" / "removed").rglob("*") if p.is_file())
    assert parked == ["beta.meta.json", "beta.txt"]
    with pytest.raises(KeyError):
        manager.remove("beta")


def test_library_handlers_report_in_the_interface_language(setup):
    manager, tmp_path = setup
    handlers = LibraryHandlers(manager=manager)
    progress = []
    view = handlers.add([str(upload(tmp_path, "x.exe", "text")[0].rename(tmp_path / "gradio-tmp" / "x.exe"))], "zh",
                        progress=lambda fraction, desc: progress.append(desc))
    assert "未加入 x.exe：不支持 .exe 文件" in view.message
    assert list(view.documents.columns) == list(labels_for("zh").doc_columns)
    assert sorted(view.documents[labels_for("zh").doc_columns[1]]) == ["alpha.txt", "beta.txt"]
    indexed_at = view.documents[labels_for("zh").doc_columns[3]]  # to the minute: the column stays narrow
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", value) for value in indexed_at), list(indexed_at)

    ok = tmp_path / "gradio-tmp" / "<i>delta.txt"
    ok.write_text("# Delta\n\nDelta report says tidal power grew 12 percent.", encoding="utf-8")
    view = handlers.add([str(ok)], "en", progress=lambda fraction, desc: progress.append(desc))
    assert "Added i_delta.txt (" in view.message and "<i>delta" not in view.message
    assert "Indexing" in progress
    assert ("Delta (i_delta)", "i_delta") in view.choices

    show, question = handlers.ask_remove("i_delta", "en")
    assert show and "Remove “Delta” from the library?" in question
    assert handlers.ask_remove(None, "en")[0] is False
    view = handlers.remove("i_delta", "en")
    assert "Removed “Delta”." in view.message and "i_delta" not in [c[1] for c in view.choices]
    assert "manifest hash" in handlers.status_html("en") and "<code>" in handlers.status_html("en")


def test_a_build_by_another_process_shows_in_the_library(setup):
    # Regression: the Library tab and answers kept the snapshot loaded at start until restart.
    manager, tmp_path = setup
    listened = []
    manager.subscribe(listened.append)
    library = tmp_path / "reports"
    (library / "gamma.txt").write_text("# 人工智能\n\n人工智能治理需要国际合作。", encoding="utf-8")
    result = LibraryIndex.update(tmp_path / "index", [library, tmp_path / "uploads"], embeddings=manager.library.embeddings,
                                 pipeline=manager.pipeline, progress=False)  # as `reportqa index update`
    assert "gamma" in [d.doc_id for d in manager.documents()]
    assert manager.status()["manifest_sha256"] == result.index.status()["manifest_sha256"]
    assert manager.document_text("gamma").startswith("# 人工智能")
    assert len(listened) == 1


def test_an_upload_is_read_once_and_the_version_grows(setup, monkeypatch):
    manager, tmp_path = setup
    pipeline, read = manager.library.pipeline, []
    original = pipeline.run
    monkeypatch.setattr(pipeline, "run", lambda path: read.append(Path(path).name) or original(path))
    before = manager.version
    report = manager.add_files([upload(tmp_path, "gamma.md", "# Gamma\n\nQuantum networks link three cities since 2021.")])
    assert [b for _, b, _ in report.added] == ["gamma.md"]
    assert read.count("gamma.md") == 1  # checked once; the index took that reading
    assert manager.version == before + 1
    gamma = next(d for d in manager.documents() if d.doc_id == "gamma")
    assert gamma.source == str((tmp_path / "uploads" / "gamma.md").resolve())
    manager.remove("gamma")
    assert manager.version == before + 2
