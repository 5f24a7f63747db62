"""Which uploads are accepted, and under which name."""

from __future__ import annotations

import pytest

from ui.upload_policy import UploadPolicy, UploadRejected


@pytest.fixture
def policy() -> UploadPolicy:
    return UploadPolicy(max_bytes=1000)


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "../../etc/passwd.txt", "/etc/cron.d/x.txt", "..\\..\\boot.ini.txt", "C:x.txt",
     "a/b.txt", ".hidden.txt", "..txt", "a\x00b.txt", "line\nbreak.txt", "rtl\u202eexe.txt", "   ", ""],
)
def test_paths_and_weird_names_are_refused(policy, name):
    with pytest.raises(UploadRejected) as caught:
        policy.safe_name(name)
    assert caught.value.code == "name"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.txt", "report.txt"),
        ("报告 2023 (终稿).PDF", "报告_2023_(终稿).pdf"),
        ("《数字经济》白皮书.docx", "数字经济_白皮书.docx"),
        ("  spaced   out .md", "spaced_out.md"),
        ("page.htm", "page.htm"),
    ],
)
def test_ordinary_names_are_kept_readable(policy, name, safe):
    assert policy.safe_name(name) == safe


@pytest.mark.parametrize("name", ["virus.exe", "notes", "data.json", "archive.tar.gz", "x.meta.json"])
def test_unsupported_types_are_refused(policy, name):
    with pytest.raises(UploadRejected) as caught:
        policy.safe_name(name)
    assert caught.value.code == "type"
    assert ".txt" in str(caught.value)


def rejection(policy, tmp_path, name, content: bytes) -> str:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    with pytest.raises(UploadRejected) as caught:
        policy.check(path, name)
    return caught.value.code


def test_content_checks(policy, tmp_path):
    assert rejection(policy, tmp_path, "a.txt", b"") == "empty"
    assert rejection(policy, tmp_path, "a.txt", b" \n\t \n") == "empty"
    assert rejection(policy, tmp_path, "a.txt", "很长".encode() * 200) == "too_big"
    assert rejection(policy, tmp_path, "a.txt", b"MZ\x90\x00\x03\x00\x00\x00") == "binary"
    assert rejection(policy, tmp_path, "a.pdf", b"<html>not a pdf</html>") == "not_pdf"
    assert rejection(policy, tmp_path, "a.docx", b"plain text pretending") == "not_docx"


def test_a_good_file_gets_its_safe_name(policy, tmp_path):
    path = tmp_path / "tmp123"
    path.write_text("数字经济报告正文。", encoding="utf-8")
    assert policy.check(path, "数字 经济.txt") == "数字_经济.txt"


def test_too_big_message_names_the_limit(tmp_path):
    policy = UploadPolicy(max_bytes=2 * 2**20)
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (3 * 2**20))
    with pytest.raises(UploadRejected) as caught:
        policy.check(path, "big.txt")
    assert str(caught.value) == "the file has 3 MB, more than the limit of 2 MB"
    assert caught.value.message({"too_big": "文件有 {size_mb} MB，超过了 {max_mb} MB 的上限"}) == "文件有 3 MB，超过了 2 MB 的上限"


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="max_bytes"):
        UploadPolicy(max_bytes=0)
    with pytest.raises(ValueError, match="suffixes"):
        UploadPolicy(suffixes=["txt"], max_bytes=10)
