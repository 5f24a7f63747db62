"""Each format and encoding loads; each kind of bad file gets its own clear error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from ingest import IngestError, IngestPipeline

CHINESE = "数字经济是全球经济增长的重要动力。\n\n“一带一路”数字经济合作正逢其时。"


@pytest.fixture
def pipeline() -> IngestPipeline:
    return IngestPipeline()


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16-le-bom", "utf-16"),
        ("utf-16-be-bom", "utf-16"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
    ],
)
def test_text_encodings_are_detected(tmp_path, pipeline, encoding, expected):
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + CHINESE.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + CHINESE.encode("utf-16-be")
    else:
        data = CHINESE.encode(encoding)
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    result = pipeline.run(path)
    assert result.document.text == "数字经济是全球经济增长的重要动力。\n\n“一带一路”数字经济合作正逢其时。"
    assert result.document.metadata["encoding"] == expected
    assert result.document.doc_id == "report"
    assert result.document.metadata["language"] == "zh"


def test_gbk_text_with_rare_characters_decodes(tmp_path, pipeline):
    text = "镕基与喆、堃在会议上发言。" * 3
    path = tmp_path / "gb.txt"
    path.write_bytes(text.encode("gb18030"))
    assert pipeline.run(path).document.text == text


def test_sha256_is_of_the_raw_bytes(tmp_path, pipeline):
    import hashlib

    data = CHINESE.encode("gbk")
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    assert pipeline.run(path).document.sha256 == hashlib.sha256(data).hexdigest()


def _reason(pipeline: IngestPipeline, path) -> str:
    with pytest.raises(IngestError) as info:
        pipeline.run(path)
    assert info.value.path == str(path)
    return info.value.reason


def test_bad_files_each_get_a_specific_error(tmp_path, make_pdf):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n \t\n", encoding="utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 2)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(make_pdf([["Some text here."]])[:150])
    not_pdf = tmp_path / "fake.pdf"
    not_pdf.write_text("just text", encoding="utf-8")
    fake_docx = tmp_path / "fake.docx"
    fake_docx.write_text("this is not a zip archive", encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text("数字经济。" * 200, encoding="utf-8")
    unknown = tmp_path / "table.xlsx"
    unknown.write_bytes(b"PK\x03\x04")

    small = IngestPipeline(max_file_bytes=1000)
    assert "empty" in _reason(small, empty)
    assert "only whitespace" in _reason(small, blank)
    assert "binary" in _reason(small, binary)
    assert "PDF" in _reason(small, truncated)
    assert "not a PDF" in _reason(small, not_pdf)
    assert "not a valid .docx" in _reason(small, fake_docx)
    assert "over the limit of 1000 bytes" in _reason(small, big)
    assert "unsupported file type '.xlsx'" in _reason(small, unknown)
    assert "no such file" in _reason(small, tmp_path / "missing.txt")

    good = tmp_path / "good.txt"
    good.write_text(CHINESE, encoding="utf-8")
    paths = [empty, binary, good, truncated, fake_docx, big, unknown, tmp_path / "missing.txt"]
    results, errors = small.run_many(paths)
    assert [r.document.doc_id for r in results] == ["good"]
    assert [e.path for e in errors] == [str(p) for p in paths if p != good]


def test_undecodable_bytes_are_an_error_not_mojibake(tmp_path, pipeline):
    path = tmp_path / "random.txt"
    path.write_bytes(bytes([0x80 + (i * 37) % 127 for i in range(2000)]))
    assert "encoding" in _reason(pipeline, path) or "binary" in _reason(pipeline, path)


def test_docx_paragraphs_headings_and_tables(tmp_path, pipeline):
    document = docx.Document()
    document.add_heading("数字经济报告", level=1)
    document.add_paragraph("数字经济发展迅速。各国加强合作。")
    document.add_heading("合作机制", level=2)
    document.add_paragraph("第一段没有句号")  # a real paragraph: must not be merged with the next
    document.add_paragraph("第二段继续。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "国家", "协定数量"
    table.cell(1, 0).text, table.cell(1, 1).text = "中国", "20"
    path = tmp_path / "report.docx"
    document.save(path)

    result = pipeline.run(path)
    text = result.document.text
    assert "第一段没有句号\n\n第二段继续。" in text
    assert "国家 中国，协定数量 20" in text  # a table row names its columns
    assert result.document.title == "数字经济报告"
    sections = {chunk.section for chunk in result.chunks}
    assert "数字经济报告 > 合作机制" in sections


def test_docx_that_is_a_zip_but_not_a_document(tmp_path, pipeline):
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not word")
    assert "docx" in _reason(pipeline, path)


def test_html_drops_chrome_and_keeps_headings(tmp_path, pipeline):
    html = """<!doctype html><html><head><meta charset="gbk"><title>数字治理</title>
    <style>p { color: red }</style><script>var secret = 1;</script></head>
    <body><nav>首页 | 关于</nav><h1>全球数字治理</h1><p>数据跨境流动是焦点。</p>
    <h2>（一）人工智能</h2><p>人工智能治理<b>进入</b>调整期。</p>
    <table><tr><th>年份</th><th>事件</th></tr><tr><td>2022</td><td>G20 会议</td></tr></table>
    </body></html>"""
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("gbk"))
    result = pipeline.run(path)
    text = result.document.text
    assert "secret" not in text and "color" not in text and "首页" not in text
    assert "# 全球数字治理" in text
    assert "人工智能治理进入调整期。" in text
    assert "年份 2022，事件 G20 会议" in text
    assert result.document.title == "数字治理"
    assert {c.section for c in result.chunks} >= {"全球数字治理", "全球数字治理 > （一）人工智能"}


def test_markdown_headings_become_sections(tmp_path, pipeline):
    path = tmp_path / "notes.md"
    path.write_text("# Digital economy\n\nIntro line one\ncontinues here.\n\n## Trade\n\nRules matter.\n", encoding="utf-8")
    result = pipeline.run(path)
    assert "Intro line one continues here." in result.document.text
    assert [c.section for c in result.chunks] == ["Digital economy", "Digital economy > Trade"]
    assert result.document.metadata["language"] == "en"


def test_sidecar_title_and_fields(tmp_path, pipeline):
    path = tmp_path / "r1.txt"
    path.write_text("第一章 总论\n\n正文内容。", encoding="utf-8")
    (tmp_path / "r1.meta.json").write_text('{"title": "真正的标题", "year": 2022}', encoding="utf-8")
    result = pipeline.run(path)
    assert result.document.title == "真正的标题"
    assert result.document.metadata["year"] == 2022
    assert all(chunk.doc_title == "真正的标题" for chunk in result.chunks)


def test_broken_sidecar_is_a_warning(tmp_path, pipeline):
    path = tmp_path / "r2.txt"
    path.write_text("正文内容。", encoding="utf-8")
    (tmp_path / "r2.meta.json").write_text("{not json", encoding="utf-8")
    result = pipeline.run(path)
    assert any("r2.meta.json" in warning for warning in result.document.warnings)


def test_discover_lists_supported_files_without_sidecars(tmp_path):
    for name in ("a.txt", "b.PDF", "c.meta.json", "d.xlsx", "sub/e.md", ".hidden/f.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in IngestPipeline.discover(tmp_path)]
    assert found == ["a.txt", "b.PDF", "sub/e.md"]


def test_pipeline_validates_its_arguments():
    with pytest.raises(ValueError, match="chunk_overlap"):
        IngestPipeline(chunk_size=100, chunk_overlap=100)
    with pytest.raises(ValueError, match="max_file_bytes"):
        IngestPipeline(max_file_bytes=0)


# --- decoding (issue 12) -------------------------------------------------------------------

ENGLISH = "Digital economy report 2020: GDP grew by 3.5% a year.\n\nTrade rules matter.\n"


@pytest.mark.parametrize("text", [CHINESE, ENGLISH])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_by_its_zero_bytes(tmp_path, pipeline, text, encoding):
    # Regression: BOM-less UTF-16 was refused as "binary data".
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(encoding))
    document = pipeline.run(path).document
    assert document.metadata["encoding"] == encoding
    assert document.text.split() == text.split()


def test_ascii_text_with_a_stray_nul_byte_is_still_binary(tmp_path, pipeline):
    data = ENGLISH.encode()
    for at in (10, 11):  # either side of a 16-bit unit
        path = tmp_path / f"nul{at}.txt"
        path.write_bytes(data[:at] + b"\x00" + data[at:])
        assert "binary" in _reason(pipeline, path)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_stray_byte_in_a_real_report_is_replaced_with_a_warning(tmp_path, pipeline, real_reports, encoding):
    # Regression: one stray byte got a whole report refused.
    text = real_reports[4].read_text(encoding="utf-8")
    data = text.encode(encoding)
    middle = len(data) // 2
    path = tmp_path / "report.txt"
    path.write_bytes(data[:middle] + b"\xff" + data[middle:])
    document = pipeline.run(path).document
    assert document.metadata["encoding"] == encoding
    assert any("not valid" in warning and encoding in warning for warning in document.warnings)
    assert document.text.count("\ufffd") == 1
    clean = pipeline.run(real_reports[4]).document.text
    assert len(document.text) in range(len(clean) - 1, len(clean) + 2)


def test_a_short_utf8_file_cut_mid_character_is_utf8_not_mojibake(tmp_path, pipeline):
    # Regression: "数字经济" cut in its last character was read as cp932 (“謨ｰ蟄礼ｻ乗ｵ”).
    path = tmp_path / "cut.txt"
    path.write_bytes("数字经济合作报告".encode()[:-1])
    document = pipeline.run(path).document
    assert document.metadata["encoding"] == "utf-8"
    assert document.text == "数字经济合作报"
    assert any("middle of a character" in warning for warning in document.warnings)


def test_badly_damaged_utf8_is_refused_rather_than_read_as_mojibake(tmp_path, pipeline):
    data = bytearray(CHINESE.encode() * 3)
    for at in range(0, len(data), 20):  # one byte in 20 overwritten
        data[at] = 0x80 + at % 128
    path = tmp_path / "damaged.txt"
    path.write_bytes(bytes(data))
    try:
        document = pipeline.run(path).document
    except IngestError as exc:
        assert "encoding" in exc.reason
    else:  # whatever reading is taken must not be mostly half-width katakana or compatibility ideographs
        odd = sum(1 for char in document.text if "\uff61" <= char <= "\uff9f" or "\uf900" <= char <= "\ufaff")
        assert odd <= len(document.text) // 100


def test_survey_gives_every_skipped_entry_its_reason(tmp_path):
    # Regression: hidden names and unsupported files were skipped without a word, and a link
    # inside the library to any file on the machine got that file indexed.
    library = tmp_path / "library"
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    for name in ("a.txt", "a.meta.json", ".hidden.txt", "notes.xlsx", ".git/config.txt", "sub/b.md"):
        (library / name).parent.mkdir(parents=True, exist_ok=True)
        (library / name).write_text("x", encoding="utf-8")
    (library / "leak.txt").symlink_to(outside / "secret.txt")
    (library / "leaks").symlink_to(outside, target_is_directory=True)
    (library / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (library / "alias.txt").symlink_to(library / "sub" / "b.md")  # inside: allowed

    found, skipped = IngestPipeline.survey(library)
    assert [p.relative_to(library).as_posix() for p in found] == ["a.txt", "alias.txt", "sub/b.md"]
    reasons = {Path(error.path).name: error.reason for error in skipped}
    assert set(reasons) == {".hidden.txt", "notes.xlsx", ".git", "leak.txt", "leaks", "dangling.txt"}
    assert "hidden" in reasons[".hidden.txt"] and "hidden" in reasons[".git"]
    assert "unsupported file type '.xlsx'" in reasons["notes.xlsx"]
    assert "outside the library folder" in reasons["leak.txt"] and "outside" in reasons["leaks"]
    assert "broken link" in reasons["dangling.txt"]
    assert IngestPipeline.discover(library) == found
