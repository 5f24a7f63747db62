"""The real app in a real (headless) Chromium: questions in both languages, citations, copying an
answer, uploading and removing a report, stopping a model mid-answer; the phone layout (390x844),
the rating state, and the chat following answers on a desktop unless the user scrolled up.

Screenshots of every step are saved in the test's tmp dir, or for the layout tests under the app's
data dir in ``screenshots/`` (see the ``screenshots`` prints).
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ui.app import DEFAULT_EXAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ZH_QUESTION = "中国—尼泊尔跨境互联网光缆由哪家企业牵头、何时正式开通？"
EN_QUESTION = "How many jobs was South Korea's 'Korean New Deal' expected to create, and by what year?"
UPLOADED_REPORT = """# 海豚湾数字港年度报告

## 建设进展

海豚湾数字港项目于2031年建成投产，年吞吐量达到七百四十万标准箱，是区域内首个全自动化数字港口。

## 附录

报告原文中出现的代码片段 <script>alert(1)</script> 和图片链接 ![x](http://evil/x.png) 只应显示为文字。
"""
LONG_ANSWER_QUESTION = "“一带一路”数字经济合作面临哪些挑战？请逐条说明。"
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


def without_markers(text: str) -> str:
    """Text with citation markers and whitespace removed, to compare what is shown with what is copied."""
    return re.sub(r"\[\d+\]|\s", "", text)


def copy_answer(page, turn, *, copied_label: str) -> str:
    """Click the turn's copy button; returns what landed on the clipboard."""
    page.evaluate("navigator.clipboard.writeText('')")
    button = turn.locator(".rq-copy")
    button.click()
    expect(button).to_have_text(copied_label)  # the button confirms, then changes back
    return page.evaluate("navigator.clipboard.readText()")


def assert_copied_with_references(page, turn, copied: str, *, references: str) -> None:
    """The copied text is the answer as shown, then one reference line per citation with its
    title and the quoted span (what the sources panel highlights)."""
    answer, _, reference_block = copied.partition(f"\n\n{references}:\n")
    assert without_markers(answer) == without_markers(turn.locator(".rq-text").inner_text()), copied
    lines = reference_block.splitlines()
    numbers = sorted({int(n) for n in turn.locator(".rq-cite").evaluate_all("bs => bs.map(b => b.dataset.n)")})
    assert numbers and [int(re.match(r"\[(\d+)\] ", line).group(1)) for line in lines] == numbers, copied
    for n, line in zip(numbers, lines):
        turn.locator(f".rq-cite[data-n='{n}']").first.click()
        source = page.locator(f"#rq-sources .rq-src.active[data-n='{n}']")
        source.locator("mark").wait_for(timeout=30_000)
        title = source.locator(".rq-src-title").inner_text()
        quote = " ".join(source.locator("mark").inner_text().split())
        assert line.startswith(f"[{n}] {title}"), (line, title)
        assert line.endswith("”") and quote[:50] in line, (line, quote)


def assert_each_marker_highlights_its_own_claim(page, turn) -> None:
    """Clicking the second claim's marker highlights the second claim's span, not the first's."""
    numbers = list(dict.fromkeys(int(n) for n in turn.locator(".rq-cite").evaluate_all("bs => bs.map(b => b.dataset.n)")))
    assert len(numbers) >= 2, turn.inner_text()
    lines = turn.locator(".rq-text").inner_text().splitlines()
    highlighted = []
    for n in numbers[:2]:
        turn.locator(f".rq-cite[data-n='{n}']").first.click()
        mark = page.locator(f"#rq-sources .rq-src.active[data-n='{n}'] mark")
        mark.wait_for(state="visible", timeout=30_000)
        highlighted.append(without_markers(mark.inner_text()))
        claim = next(line for line in lines if f"[{n}]" in line)
        assert highlighted[-1] and highlighted[-1] in without_markers(claim).lstrip("-"), (n, claim, highlighted[-1])
    assert highlighted[0] != highlighted[1]


def choose_document(page, doc_id: str) -> None:
    page.locator("#rq-remove-choice input").click()
    page.get_by_role("option", name=re.compile(re.escape(f"({doc_id})"))).click()
    expect(page.locator("#rq-remove-choice input")).to_have_value(re.compile(re.escape(doc_id)))


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
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000},
                                   permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served_app.url)
    page.locator(".rq-title h1").wait_for(timeout=60_000)
    yield page
    context.close()
    assert dialogs == [], f"a script ran in the page: {dialogs}"


def test_each_claims_marker_highlights_that_claims_own_span(page, served_app, tmp_path):
    # A list question: one claim per listed item, several from the same passage.
    turn = ask(page, "安晓明的文章认为“一带一路”数字经济合作面临哪些挑战？")
    assert_each_marker_highlights_its_own_claim(page, turn)
    page.screenshot(path=tmp_path / "second_claim_highlighted.png", full_page=True)


def test_questions_citations_copy_upload_and_removal_in_both_languages(page, served_app, tmp_path):
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

    # Copy puts the answer and its references on the clipboard, the same text as the copy box.
    copied = copy_answer(page, turn, copied_label="已复制")
    assert_copied_with_references(page, turn, copied, references="参考文献")
    page.get_by_role("button", name="回答及参考文献（可复制）").click()
    expect(page.locator("#rq-copy-box textarea")).to_have_value(copied)

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
    assert_table_fits_with_one_line_headers(page)
    assert (served_app.settings.uploads_dir / "海豚湾数字港_2031.txt").read_text(encoding="utf-8") == UPLOADED_REPORT

    page.get_by_role("tab", name="Chat").click()
    page.locator("#rq-new").click()
    page.locator("#rq-chat .rq-empty").wait_for(timeout=30_000)
    fact_turn = turn = ask(page, "海豚湾数字港项目哪一年建成投产？")
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

    # Remove the uploaded report: the UI asks first; Cancel keeps it, confirming removes it.
    page.get_by_role("tab", name="Library").click()
    documents = page.locator("#rq-documents")
    choose_document(page, "海豚湾数字港_2031")
    page.locator("#rq-remove").click()
    expect(page.locator(".rq-confirm")).to_contain_text("海豚湾数字港年度报告")
    page.screenshot(path=shots / "08_remove_confirm_en.png", full_page=True)
    page.locator("#rq-cancel").click()
    expect(page.locator("#rq-confirm")).to_be_hidden()
    expect(documents.get_by_text("海豚湾数字港_2031.txt")).to_be_visible()
    page.locator("#rq-remove").click()
    page.locator("#rq-confirm").click()
    expect(page.locator("#rq-library-message .rq-msg-ok")).to_have_text("Removed “海豚湾数字港年度报告”.",
                                                                       timeout=ANSWER_TIMEOUT)
    expect(documents.get_by_text("海豚湾数字港_2031.txt")).to_have_count(0)
    expect(page.locator("#rq-confirm")).to_be_hidden()
    page.screenshot(path=shots / "09_removed_en.png", full_page=True)
    page.locator("#rq-remove-choice input").click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    assert not any("海豚湾" in text for text in options.all_inner_texts()), options.all_inner_texts()
    page.keyboard.press("Escape")
    settings = served_app.settings
    assert not (settings.uploads_dir / "海豚湾数字港_2031.txt").exists()
    [parked] = (settings.data_dir / "ui" / "removed").glob("*/海豚湾数字港_2031.txt")
    assert parked.read_text(encoding="utf-8") == UPLOADED_REPORT  # moved aside, not deleted

    # Its passages are gone: an old citation says so, and a new question no longer finds it.
    page.get_by_role("tab", name="Chat").click()
    fact_turn.locator(".rq-cite").first.click()
    expect(page.locator("#rq-sources .rq-src.active .rq-note")).to_have_text(
        "This document is no longer in the library; only the cited text is shown.")
    turn = ask(page, "海豚湾数字港项目哪一年建成投产？")
    expect(page.locator("#rq-sources")).not_to_contain_text("海豚湾数字港年度报告")
    assert "2031" not in turn.locator(".rq-text").inner_text()
    page.screenshot(path=shots / "10_after_removal_en.png", full_page=True)


def assert_table_fits_with_one_line_headers(page) -> None:
    """The library table fits its box, and every column title shows in full on one line."""
    header_table = page.locator("#rq-documents table").first
    width, box = header_table.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert width <= box + 1, f"the table ({width}px) overflows its box ({box}px)"
    for header in page.locator("#rq-documents thead th .header").all():
        text, lines, clipped = header.evaluate(
            "h => [h.textContent.trim(), Math.round(h.getBoundingClientRect().height"
            " / parseFloat(getComputedStyle(h).lineHeight)), h.scrollWidth > h.clientWidth + 1]")
        assert lines == 1 and not clipped, f"column title {text!r}: {lines} lines, clipped: {clipped}"


def wait_until_no_thread(name: str, *, timeout: float = ANSWER_TIMEOUT / 1000) -> None:
    """The app runs in this process: wait until no thread called ``name`` is alive."""
    deadline = time.monotonic() + timeout
    while any(t.name == name for t in threading.enumerate()):
        assert time.monotonic() < deadline, f"a {name} thread is still running {timeout:.0f} s later"
        time.sleep(0.2)


def test_a_local_model_answer_streams_after_the_instant_extract_and_can_be_stopped(page, served_app, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots: {shots}")
    page.get_by_role("tab", name="设置").click()
    page.locator("#rq-backend label", has_text="本地模型").click()
    page.locator("#rq-passages input[type=number]").fill("3")
    page.locator("#rq-passages input[type=number]").press("Enter")
    page.get_by_role("tab", name="问答").click()

    box = page.locator("#rq-question textarea")
    # Stop as soon as the extract shows (the question asks for a list, so the model writes for a
    # while): the extract stays, whatever the model wrote so far is kept apart, nothing spins.
    box.fill(LONG_ANSWER_QUESTION)
    box.press("Enter")
    preview = page.locator("#rq-chat .rq-a.rq-preview")
    extract = preview.locator(".rq-text").inner_text(timeout=ANSWER_TIMEOUT)
    page.locator("#rq-stop").click()
    turn = last_turn(page)
    turn.locator(".rq-foot").wait_for(timeout=30_000)
    if turn.locator(".rq-partial").count():
        turn.locator(".rq-partial summary").click()
        assert turn.locator(".rq-partial .rq-draft").inner_text().strip()
    page.screenshot(path=shots / "01_stopped_zh.png", full_page=True)
    assert turn.locator(".rq-spinner, .rq-preview").count() == 0
    assert turn.locator(".rq-badge").inner_text() == "生成已停止，下面是即时摘录的回答。"
    assert turn.locator(".rq-text").inner_text() == extract
    stopped = turn.inner_html()
    wait_until_no_thread("llamacpp-stream")  # the model itself stopped writing
    assert last_turn(page).inner_html() == stopped  # and nothing arrived after the stop

    page.locator("#rq-new").click()
    page.locator("#rq-chat .rq-empty").wait_for(timeout=30_000)
    box.fill(ZH_QUESTION)
    box.press("Enter")
    preview.wait_for(timeout=ANSWER_TIMEOUT)  # the extract is shown while the model writes
    page.screenshot(path=shots / "02_preview_zh.png", full_page=True)
    turn = last_turn(page)
    turn.locator(".rq-foot").wait_for(timeout=ANSWER_TIMEOUT)
    assert page.locator("#rq-chat .rq-preview").count() == 0  # replaced by the final answer
    assert "本地模型" in turn.locator(".rq-timings").inner_text()
    assert "生成" in turn.locator(".rq-timings").inner_text()
    page.screenshot(path=shots / "03_final_zh.png", full_page=True)
    if turn.locator(".rq-cite").count():
        assert open_citation(page, turn, shots, "04_citation_zh.png").strip()

    # Thumbs down with a comment is stored with the answer.
    page.locator("#rq-comment textarea").fill("应写明开通时间")
    page.locator("#rq-down").click()
    page.locator("#rq-feedback-message", has_text="评价已保存").wait_for(timeout=30_000)
    from ui.feedback_store import FeedbackStore

    [entry] = FeedbackStore(served_app.settings.feedback_path).entries("down")
    assert (entry.question, entry.comment, entry.backend) == (ZH_QUESTION, "应写明开通时间", "local")


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 1000}
# The chat's scrolling box, found as the page's script finds it (ui/phone_layout.py).
CHAT_SCROLLER_JS = """() => {
  for (let node = document.querySelector('#rq-chat .rq-chat'); node && node !== document.body; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight + 1) {
      return {top: node.scrollTop, height: node.scrollHeight, client: node.clientHeight};
    }
  }
  return null;
}"""


def screenshots_dir(served_app) -> Path:
    """Screenshots to look at, kept under the app's data dir (a pytest tmp dir)."""
    shots = served_app.settings.data_dir / "screenshots"
    shots.mkdir(exist_ok=True)
    print(f"screenshots: {shots}")
    return shots


def box_of(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: r.height,"
        " lines: Math.round(r.height / parseFloat(getComputedStyle(e).lineHeight))}; }")


def test_phone_layout_example_answer_in_view_and_rating_state(chromium, served_app):
    shots = screenshots_dir(served_app)
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(served_app.url)
        page.wait_for_function("document.querySelector('.rq-title h1')?.textContent === '报告问答'", timeout=60_000)
        page.screenshot(path=shots / "phone_01_start.png")
        # A compact header: the title on one line, the subtitle on at most two, nothing wider than the screen.
        header, title, subtitle = box_of(page, "#rq-header"), box_of(page, ".rq-title h1"), box_of(page, ".rq-title p")
        assert title["lines"] == 1, title
        assert subtitle["lines"] <= 2, subtitle
        assert header["height"] <= 120, f"the header is {header['height']}px high on a 844px screen"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # Tapping an example brings its answer into view (on a phone it is above the examples).
        page.locator("#rq-examples button").first.tap()
        turn = last_turn(page)
        turn.locator(".rq-foot").wait_for(timeout=ANSWER_TIMEOUT)
        page.wait_for_timeout(800)  # the smooth scroll
        answer = box_of(page, "#rq-chat .rq-turn:last-child .rq-a")
        assert 0 <= answer["top"] < PHONE["height"] - 40, f"the answer starts at {answer['top']}px, off the screen"
        page.screenshot(path=shots / "phone_02_example_answer.png")

        # 👎 with a comment, then 👍: the chosen thumb shows as selected and the comment stays.
        page.locator("#rq-comment textarea").fill("应写明开通时间")
        page.locator("#rq-down").tap()
        expect(page.locator("#rq-feedback-message")).to_contain_text("应写明开通时间", timeout=30_000)
        expect(page.locator("#rq-down")).to_have_class(re.compile(r"\brq-rated\b"))
        page.locator("#rq-up").tap()
        expect(page.locator("#rq-up")).to_have_class(re.compile(r"\brq-rated\b"), timeout=30_000)
        expect(page.locator("#rq-down")).not_to_have_class(re.compile(r"\brq-rated\b"))
        page.locator("#rq-feedback").screenshot(path=shots / "phone_03_rated.png")
        from ui.feedback_store import FeedbackStore

        entry = FeedbackStore(served_app.settings.feedback_path).entries()[-1]
        assert (entry.rating, entry.comment) == ("up", "应写明开通时间")
    finally:
        context.close()


def test_desktop_chat_follows_answers_unless_scrolled_up(chromium, served_app):
    shots = screenshots_dir(served_app)
    context = chromium.new_context(locale="en-US", viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(served_app.url)
        page.wait_for_function("document.querySelector('.rq-title h1')?.textContent === 'Report Q&A'", timeout=60_000)
        for question in (EN_QUESTION, ZH_QUESTION, LONG_ANSWER_QUESTION, *DEFAULT_EXAMPLES):
            ask(page, question)
            page.wait_for_timeout(500)
            box = page.evaluate(CHAT_SCROLLER_JS)
            if box is not None and box["height"] > box["client"] + 200:  # the answers overflow the chat box
                break
        assert box is not None, "the answers should overflow the chat box"
        assert box["top"] + box["client"] >= box["height"] - 48, box  # followed to the end
        page.screenshot(path=shots / "desktop_01_followed.png")

        # The user scrolls up to read; a re-render (switching the interface language) leaves them there.
        page.locator("#rq-chat").hover()
        page.mouse.wheel(0, -5000)
        page.wait_for_timeout(500)
        assert page.evaluate(CHAT_SCROLLER_JS)["top"] == 0
        page.locator("#rq-lang label", has_text="中文").click()
        page.wait_for_function("document.querySelector('.rq-title h1').textContent === '报告问答'", timeout=30_000)
        page.wait_for_timeout(500)
        assert page.evaluate(CHAT_SCROLLER_JS)["top"] == 0, "the chat jumped while the user was reading above"

        # Asking again follows the new answer.
        ask(page, "What do the reports recommend for global digital governance?")
        page.wait_for_timeout(500)
        box = page.evaluate(CHAT_SCROLLER_JS)
        assert box["top"] + box["client"] >= box["height"] - 48, box
        page.screenshot(path=shots / "desktop_02_new_answer.png")
    finally:
        context.close()
