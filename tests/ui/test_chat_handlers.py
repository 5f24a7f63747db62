"""The chat tab's handlers, called as plain Python with fake assistants and a fake library."""

from __future__ import annotations

import html
import re
import threading

import pytest
from ui_fakes import (
    EVIL_TEXT,
    FakeLibrary,
    ScriptedAssistant,
    answer,
    citation,
    generative_script,
    result,
    span,
)

from ui.chat_handlers import ChatHandlers
from ui.conversation import Conversation
from ui.feedback_store import FeedbackStore
from ui.passage_lookup import PassageLookup


def make_handlers(tmp_path, assistants, library=None, **options):
    """Handlers whose factory hands out ``assistants`` in order and records (backend, passages)."""
    library = library or FakeLibrary()
    requests = []

    def factory(backend, passages):
        requests.append((backend, passages))
        return assistants.pop(0)

    handlers = ChatHandlers(
        assistant_factory=factory,
        lookup=PassageLookup(library),
        feedback_store=FeedbackStore(tmp_path / "feedback.sqlite"),
        manifest_hash=lambda: "manifest-1",
        stream_interval=0.0,
        **options,
    )
    return handlers, requests


def ask(handlers, question, conversation=None, backend="local", passages=4, lang="zh"):
    """Run start + generate like the app's event chain; returns the conversation and every chat HTML shown."""
    shown = []
    for conversation, chat, _sources, _copy, _box in handlers.start(question, conversation, backend, passages, lang):
        shown.append(chat)
    for conversation, chat, _sources, _copy in handlers.generate(conversation, lang):
        shown.append(chat)
    return conversation, shown


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_streaming_shows_question_then_preview_then_tokens_then_final(tmp_path):
    script = generative_script()
    handlers, requests = make_handlers(tmp_path, [ScriptedAssistant(script)])
    conversation, shown = ask(handlers, "数字经济规模有多大？", backend="local", passages=3)

    assert requests == [("local", 3)]
    first = shown[0]  # the question at once, while retrieving
    assert "数字经济规模有多大？" in first and "正在检索资料" in first
    preview_at = next(i for i, h in enumerate(shown) if "即时摘录" in h and "摘录：2023年" in text_of(h))
    token_at = next(i for i, h in enumerate(shown) if 'class="rq-draft"' in h and "数字经济规模达到" in text_of(h))
    final_at = next(i for i, h in enumerate(shown) if "绿色债券也有提及" in text_of(h))
    assert 0 < preview_at < token_at < final_at == len(shown) - 1
    final = shown[-1]
    assert "即时摘录" not in final and "rq-draft" not in final and "摘录：" not in final  # preview replaced
    assert "检索 0.2 秒" in final and "生成 12.3 秒" in final  # timings under the answer
    turn = conversation.turns[0]
    assert turn.status == "done" and turn.answer is script[-1] and turn.stream is None


def test_extractive_backend_answers_in_the_first_step(tmp_path):
    final = answer("What about green bonds?", "Green bonds financed renewables [1].",
                   [citation(1, "green", "Green bonds financed renewable energy projects in 2022.")], backend="extractive")
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant([final])])
    steps = list(handlers.start("What about green bonds?", None, "extractive", 4, "en"))
    conversation = steps[-1][0]
    assert conversation.turns[0].status == "done"
    assert "Green bonds financed renewables" in text_of(steps[-1][1])
    assert "retrieval 0.2 s" in steps[-1][1]
    assert [update.chat for update in handlers.generate(conversation, "en")] == [steps[-1][1]]  # nothing pending


def test_follow_up_questions_send_the_conversation_history(tmp_path):
    first, second = ScriptedAssistant(generative_script("第一问")), ScriptedAssistant(generative_script("第二问"))
    handlers, _ = make_handlers(tmp_path, [first, second])
    conversation, _ = ask(handlers, "第一问")
    ask(handlers, "它的增长速度呢？", conversation)
    assert second.calls == [("它的增长速度呢？", [{"q": "第一问", "a": "数字经济规模达到53.9万亿元[1]，绿色债券也有提及[2]。"}])]


def test_citations_become_buttons_and_open_the_highlighted_span(tmp_path):
    library = FakeLibrary()
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant(generative_script())], library=library)
    conversation, shown = ask(handlers, "数字经济规模有多大？")

    buttons = re.findall(r'<button type="button" class="rq-cite" data-turn="(\d+)" data-n="(\d+)"', shown[-1])
    assert buttons == [("0", "1"), ("0", "2")]

    update = handlers.select_citation(conversation, 0, 1, "zh")
    opened = re.search(r'<details class="rq-src active" id="rq-src-0-1".*?</details>', update.sources, re.S).group(0)
    start, end = span(EVIL_TEXT, "2023年数字经济规模达到53.9万亿元")
    marked = re.search(r'<div class="rq-context">(.*?)<mark>(.*?)</mark>(.*?)</div>', opened, re.S)
    before, inside, after = (html.unescape(part) for part in marked.groups())
    assert inside == EVIL_TEXT[start:end]
    assert before == EVIL_TEXT[max(0, start - 300):start]  # the document is short: all of it around the span
    assert after == EVIL_TEXT[end:end + 300]
    assert "第 3 页" in opened and "第一章 总则" in opened

    other = handlers.select_citation(conversation, 0, 2, "zh").sources
    assert 'class="rq-src active" id="rq-src-0-2"' in other and 'class="rq-src" id="rq-src-0-1"' in other


def test_context_is_limited_around_the_span(tmp_path):
    long_text = "甲" * 1000 + "关键句子在这里。" + "乙" * 1000
    library = FakeLibrary(texts={"long": long_text}, titles={"long": "长文"})
    cite = citation(1, "long", "关键句子在这里。", library)
    html_out = handlers_sources(tmp_path, library, answer("问", "答[1]", [cite]))
    before, inside, after = re.search(r"<div class=\"rq-context\">(.*?)<mark>(.*?)</mark>(.*?)</div>", html_out).groups()
    assert before == "…" + "甲" * 300 and inside == "关键句子在这里。" and after == "乙" * 300 + "…"


def handlers_sources(tmp_path, library, final):
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant([final])], library=library)
    steps = list(handlers.start(final.question, None, "extractive", 4, "zh"))
    return steps[-1][2]


def test_document_and_answer_markup_is_shown_as_text(tmp_path):
    cites = [citation(1, "evil", "<script>alert(1)</script>报告指出")]
    evil_answer = answer(
        "<b>问题</b>", "见 <img src=x onerror=alert(1)> 与 ![x](http://evil/x.png) [1] <script>alert(2)</script>", cites
    )
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant([evil_answer])])
    steps = list(handlers.start("<b>问题</b>", None, "extractive", 4, "zh"))
    _, chat, sources, copy_text, _ = steps[-1]
    for fragment in (chat, sources):
        assert "<script" not in fragment and "<img" not in fragment and "<b>" not in fragment
        assert 'src="http' not in fragment
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in chat
    assert "![x](http://evil/x.png)" in chat  # Markdown is not interpreted: the characters stay
    assert "&lt;img src=x onerror=alert(1)&gt;" in chat
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;报告指出</mark>" in sources
    assert "![x](http://evil/x.png)" in sources
    assert "数字经济&lt;b&gt;报告&lt;/b&gt;" in sources  # titles too
    assert copy_text.startswith("见 <img src=x") and "[1] 数字经济<b>报告</b>" in copy_text  # plain text box


def test_refusals_list_related_passages(tmp_path):
    related = [result("green", "Green bonds financed renewable energy projects in 2022.")]
    refusal = answer("火星上有多少人？", "资料中没有找到能回答这个问题的内容。", [], refused=True, passages=related)
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant([refusal])])
    _, chat, sources, _, _ = list(handlers.start("火星上有多少人？", None, "extractive", 4, "zh"))[-1]
    assert "无法回答" in chat
    assert "相关段落" in sources and "Green bonds financed renewable energy projects in 2022." in sources
    assert "<mark>" not in sources


def test_stop_keeps_the_preview_and_closes_the_stream(tmp_path):
    assistant = ScriptedAssistant(generative_script())
    handlers, _ = make_handlers(tmp_path, [assistant])
    conversation = list(handlers.start("数字经济规模有多大？", None, "local", 4, "zh"))[-1][0]
    assert conversation.turns[0].status == "generating"

    update = handlers.stop(conversation, "zh")
    turn = conversation.turns[0]
    # Stopped between the preview and the model: the model's stream was never started.
    assert turn.status == "stopped" and turn.stream is None and len(assistant.calls) == 1
    assert "生成已停止" in update.chat and "摘录：2023年" in text_of(update.chat)
    assert list(handlers.generate(conversation, "zh"))[-1].chat == update.chat  # nothing left to stream
    assert conversation.history() == [{"q": "数字经济规模有多大？", "a": turn.preview.answer}]


class GatedAssistant:
    """Streams ``script``'s preview at once, then each further item only when ``gate`` is released.
    Like a back-end that tracks its runs, it keeps every stream it handed out, so a stream ends
    only when it is closed (never by being garbage collected)."""

    def __init__(self, script: list):
        self.script = script
        self.gate = threading.Semaphore(0)
        self.waiting = threading.Event()
        self.closed = threading.Event()
        self.streams: list = []

    def preview(self, question, history=()):
        return self.script[0]

    def stream(self, question, history=(), *, preview=None):
        self.streams.append(stream := self._items())
        return stream

    def _items(self):
        try:
            for item in self.script[1:]:
                self.waiting.set()
                self.gate.acquire()
                yield item
        except GeneratorExit:
            self.closed.set()
            raise


def test_stop_while_a_worker_waits_on_the_model_closes_the_stream_there(tmp_path):
    assistant = GatedAssistant(generative_script())
    handlers, _ = make_handlers(tmp_path, [assistant])
    conversation = list(handlers.start("数字经济规模有多大？", None, "local", 4, "zh"))[-1][0]
    updates = []
    worker = threading.Thread(target=lambda: updates.extend(handlers.generate(conversation, "zh")))
    worker.start()
    assert assistant.waiting.wait(10)  # the worker is inside the stream, waiting for a token

    stopped = handlers.stop(conversation, "zh")
    assert not assistant.closed.is_set()  # a running generator cannot be closed from here
    assistant.gate.release()  # the model's next token arrives
    worker.join(10)
    assert not worker.is_alive()
    assert assistant.closed.is_set()  # so the back-end stops generating
    turn = conversation.turns[0]
    assert turn.status == "stopped" and turn.draft == ""  # the late token is not shown
    assert handlers.view(conversation, "zh").chat == stopped.chat
    assert all(update.chat == stopped.chat for update in updates)


def test_a_new_question_waits_for_the_pending_one(tmp_path):
    handlers, requests = make_handlers(tmp_path, [ScriptedAssistant(generative_script())])
    conversation = list(handlers.start("第一问", None, "local", 4, "zh"))[-1][0]
    with pytest.warns(UserWarning):
        steps = list(handlers.start("第二问", conversation, "local", 4, "zh"))
    assert len(conversation.turns) == 1 and steps[-1][-1] == "第二问"  # question kept in the box
    assert len(requests) == 1


def test_back_end_failures_are_shown_in_the_chat(tmp_path):
    def broken(backend, passages):
        raise RuntimeError("OpenAI back-end is not configured: set assistant.openai_base_url")

    handlers = ChatHandlers(assistant_factory=broken, lookup=PassageLookup(FakeLibrary()),
                            feedback_store=FeedbackStore(tmp_path / "f.sqlite"), stream_interval=0)
    conversation, _, _, _, _ = list(handlers.start("question", None, "openai", 4, "en"))[-1]
    assert conversation.turns[0].status == "error"
    assert "OpenAI back-end is not configured" in handlers.view(conversation, "en").chat
    assert conversation.history() == []


def test_new_chat_forgets_the_conversation(tmp_path):
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant(generative_script())])
    conversation, _ = ask(handlers, "第一问")
    update = handlers.new_chat(conversation, "en")
    assert update.conversation.turns == [] and "No questions yet" in update.chat and update.copy_text == ""


def test_copy_text_has_the_answer_and_numbered_references(tmp_path):
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant(generative_script())])
    conversation, _ = ask(handlers, "数字经济规模有多大？")
    copy_text = handlers.view(conversation, "zh").copy_text
    assert copy_text.splitlines()[0] == "数字经济规模达到53.9万亿元[1]，绿色债券也有提及[2]。"
    assert "参考文献:" in copy_text
    assert "[1] 数字经济<b>报告</b>, 第一章 总则 · 第 3 页: “2023年数字经济规模达到53.9万亿元”" in copy_text
    assert "[2] Green Finance" in copy_text


def test_rating_stores_the_answer_with_its_cited_spans(tmp_path):
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant(generative_script())])
    assert handlers.rate(Conversation(), "up", "", "en") == "There is no answer to rate yet."
    conversation, _ = ask(handlers, "数字经济规模有多大？")
    assert handlers.rate(conversation, "down", "  数字不对  ", "zh") == "谢谢，评价已保存。 意见：“数字不对”"
    handlers.rate(conversation, "up", "其实是对的", "zh")  # changing one's mind updates the same entry

    [entry] = handlers.feedback_store.entries()
    assert (entry.rating, entry.comment, entry.backend, entry.manifest_hash) == ("up", "其实是对的", "local", "manifest-1")
    assert entry.question == "数字经济规模有多大？" and entry.answer.startswith("数字经济规模达到")
    assert [c["quote"] for c in entry.citations] == ["2023年数字经济规模达到53.9万亿元", "Green bonds"]
    assert entry.citations[0]["start"] == span(EVIL_TEXT, "2023年数字经济规模达到53.9万亿元")[0]


def test_changing_the_rating_keeps_the_comment_and_the_chosen_thumb_is_known(tmp_path):
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant(generative_script())] * 2)
    conversation, _ = ask(handlers, "数字经济规模有多大？")
    assert handlers.feedback_state(conversation) == (None, "")
    handlers.rate(conversation, "down", "应写明年份", "zh")
    assert handlers.feedback_state(conversation) == ("down", "应写明年份")
    # The comment box is emptied after saving; switching to 👍 with it empty keeps the comment.
    assert handlers.rate(conversation, "up", "", "en") == "Thank you, your rating was saved. Comment: “应写明年份”"
    [entry] = handlers.feedback_store.entries()
    assert (entry.rating, entry.comment) == ("up", "应写明年份")
    assert handlers.feedback_state(conversation) == ("up", "应写明年份")
    handlers.rate(conversation, "up", "年份已补", "zh")  # a new comment replaces it
    assert handlers.feedback_store.entries()[0].comment == "年份已补"
    # The next answer starts unrated.
    conversation, _ = ask(handlers, "绿色债券呢？", conversation)
    assert handlers.feedback_state(conversation) == (None, "")


def test_a_second_generate_step_does_not_pull_from_the_same_stream(tmp_path):
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant(generative_script())])
    conversation = list(handlers.start("数字经济规模有多大？", None, "local", 4, "zh"))[-1][0]
    first = handlers.generate(conversation, "zh")
    next(first)  # claims the stream; one token in
    assert len(list(handlers.generate(conversation, "zh"))) == 1  # just the current view
    assert conversation.turns[0].status == "generating" and conversation.turns[0].draft == "数字经济"
    list(first)
    assert conversation.turns[0].status == "done"


def test_timings_leave_out_negligible_steps():
    from ui.chat_view import timings_text
    from ui.labels import labels_for

    timings = {"rewrite": 0.001, "retrieve": 0.04, "first_token": 2.5, "generate": 12.34, "check": 0.01, "total": 15.0}
    assert timings_text(timings, labels_for("zh")) == "检索 0.0 秒 · 首字 2.5 秒 · 生成 12.3 秒 · 合计 15.0 秒"
    assert timings_text({"retrieve": 0.2, "mystery_step": 1.0}, labels_for("en")) == "retrieval 0.2 s · mystery step 1.0 s"
