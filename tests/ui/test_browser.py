"""The real app in a real (headless) Chromium: questions in both languages, citations, upload.

Screenshots of every step are saved in the test's tmp dir (see the ``screenshots`` print).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ZH_QUESTION = "中国—尼泊尔跨境互联网光缆由哪家企业牵头、何时正式开通？"
EN_QUESTION = "How many jobs was South Korea's 'Korean New Deal' expected to create, and by what year?"
UPLOADED_REPORT = """# 海豚湾数字港年度报告

## 建设进展

海豚湾数字港项目于2031年建成投产，年吞吐量达到七百四十万标准箱，是区域内首个全自动化数字港口。

## 附录

报告原文中出现的代码片段 <script>alert(1)</script> 和图片链接 ![x](http://evil/x.png) 只应显示为文字。
"""
ANSWER_TIMEOUT = 180_000  # ms; the machine's two cores are shared


def last_turn(page):
    return page.locator("#rq-chat .rq-turn").last


def ask(page, question: str, *, timeout: int = ANSWER_TIMEOUT):
    """Type the question, press Enter, wait for the finished answer (its footer); returns the turn."""
    before = page.locator("#rq-chat .rq-turn").count()
    box = page.locator("#rq-question textarea")
    box.fill(question)
    box.press("Enter")
    page.locator("#rq-chat .rq-turn").nth(before).locator(".rq-foot").wait_for(timeout=timeout)
    return page.locator("#rq-chat .rq-turn").nth(before)


def open_citation(page, turn, shots: Path, name: str) -> str:
    """Click the turn's first citation; returns the highlighted span's text."""
    cite = turn.locator(".rq-cite").first
    n = cite.get_attribute("data-n")
    cite.click()
    active = page.locator(f"#rq-sources .rq-src.active[data-n='{n}']")
    active.wait_for(timeout=30_000)
    mark = active.locator("mark")
    mark.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=shots / name, full_page=True)
    return mark.inner_text()


@pytest.fixture
def page(chromium, served_app, tmp_path):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served_app.url)
    page.locator(".rq-title h1").wait_for(timeout=60_000)
    yield page
    context.close()
    assert dialogs == [], f"a script ran in the page: {dialogs}"


def test_questions_citations_and_upload_in_both_languages(page, served_app, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots: {shots}")

    # The browser asks for Chinese: the interface is in Chinese.
    page.wait_for_function("document.querySelector('.rq-title h1').textContent === '报告问答'", timeout=30_000)
    page.get_by_role("tab", name="资料库").wait_for(timeout=30_000)
    page.screenshot(path=shots / "01_start_zh.png", full_page=True)

    turn = ask(page, ZH_QUESTION)
    assert turn.locator(".rq-cite").count() >= 1, turn.inner_text()
    assert re.search(r"检索 \d+\.\d 秒", turn.locator(".rq-timings").inner_text())
    page.screenshot(path=shots / "02_answer_zh.png", full_page=True)
    span = open_citation(page, turn, shots, "03_citation_zh.png")
    assert span.strip()

    # Switch the interface to English; the next question is answered in English.
    page.locator("#rq-lang label", has_text="English").click()
    page.wait_for_function("document.querySelector('.rq-title h1').textContent === 'Report Q&A'", timeout=30_000)
    page.get_by_role("tab", name="Library").wait_for(timeout=30_000)
    turn = ask(page, EN_QUESTION)
    assert turn.locator(".rq-cite").count() >= 1, turn.inner_text()
    assert re.search(r"retrieval \d+\.\d s", turn.locator(".rq-timings").inner_text())
    span = open_citation(page, turn, shots, "04_citation_en.png")
    assert span.strip()
    # The passage about the Korean New Deal (903,000 jobs = 90.3万个工作岗位) is among the sources.
    assert "90.3万" in page.locator("#rq-sources").inner_text(), page.locator("#rq-sources").inner_text()

    # Upload a report with a fact nothing else contains, then find it by asking.
    page.get_by_role("tab", name="Library").click()
    report = tmp_path / "海豚湾数字港 2031.txt"
    report.write_text(UPLOADED_REPORT, encoding="utf-8")
    page.locator("#rq-upload input[type=file]").set_input_files(str(report))
    page.locator("#rq-add").click()
    page.locator("#rq-library-message .rq-msg-ok").wait_for(timeout=ANSWER_TIMEOUT)
    assert "Added 海豚湾数字港_2031.txt" in page.locator("#rq-library-message").inner_text()
    page.locator("#rq-documents").get_by_text("海豚湾数字港_2031.txt").wait_for(timeout=30_000)
    page.screenshot(path=shots / "05_library_en.png", full_page=True)
    assert (served_app.settings.uploads_dir / "海豚湾数字港_2031.txt").read_text(encoding="utf-8") == UPLOADED_REPORT

    page.get_by_role("tab", name="Chat").click()
    page.locator("#rq-new").click()
    page.locator("#rq-chat .rq-empty").wait_for(timeout=30_000)
    turn = ask(page, "海豚湾数字港项目哪一年建成投产？")
    assert "海豚湾数字港" in turn.inner_text() or turn.locator(".rq-cite").count() >= 1
    span = open_citation(page, turn, shots, "06_uploaded_fact_en.png")
    sources = page.locator("#rq-sources")
    assert "海豚湾数字港年度报告" in sources.locator(".rq-src.active .rq-src-title").inner_text()
    assert "2031" in span or "2031" in sources.locator(".rq-src.active").inner_text()

    # The report's markup is shown as text, never run or loaded.
    page.locator("#rq-question textarea").fill("")
    turn = ask(page, "报告中的代码片段和图片链接是什么？")
    for cite in turn.locator(".rq-cite").all():
        cite.click()
        page.wait_for_timeout(300)
        if "<script>" in sources.inner_text():
            break
    assert page.locator("#rq-chat img, #rq-sources img, #rq-chat script, #rq-sources script").count() == 0
    page.screenshot(path=shots / "07_markup_as_text.png", full_page=True)


def test_a_local_model_answer_streams_after_the_instant_extract(page, served_app, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots: {shots}")
    page.get_by_role("tab", name="设置").click()
    page.locator("#rq-backend label", has_text="本地模型").click()
    page.locator("#rq-passages input[type=number]").fill("3")
    page.locator("#rq-passages input[type=number]").press("Enter")
    page.get_by_role("tab", name="问答").click()

    box = page.locator("#rq-question textarea")
    box.fill(ZH_QUESTION)
    box.press("Enter")
    preview = page.locator("#rq-chat .rq-a.rq-preview")
    preview.wait_for(timeout=ANSWER_TIMEOUT)  # the extract is shown while the model writes
    page.screenshot(path=shots / "01_preview_zh.png", full_page=True)
    turn = last_turn(page)
    turn.locator(".rq-foot").wait_for(timeout=ANSWER_TIMEOUT)
    assert page.locator("#rq-chat .rq-preview").count() == 0  # replaced by the final answer
    assert "本地模型" in turn.locator(".rq-timings").inner_text()
    assert "生成" in turn.locator(".rq-timings").inner_text()
    page.screenshot(path=shots / "02_final_zh.png", full_page=True)
    if turn.locator(".rq-cite").count():
        assert open_citation(page, turn, shots, "03_citation_zh.png").strip()

    # Thumbs down with a comment is stored with the answer.
    page.locator("#rq-comment textarea").fill("应写明开通时间")
    page.locator("#rq-down").click()
    page.locator("#rq-feedback-message", has_text="评价已保存").wait_for(timeout=30_000)
    from ui.feedback_store import FeedbackStore

    [entry] = FeedbackStore(served_app.settings.feedback_path).entries("down")
    assert (entry.question, entry.comment, entry.backend) == (ZH_QUESTION, "应写明开通时间", "local")
