"""Every string the interface shows, in both interface languages.

The interface language is independent of the answer language: answers follow the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.stage_names import stage_names

UILanguage = Literal["zh", "en"]
UI_LANGUAGES: tuple[UILanguage, ...] = ("zh", "en")


@dataclass(frozen=True)
class UILabels:
    # page
    app_title: str
    app_subtitle: str
    language_switch: str
    tab_chat: str
    tab_library: str
    tab_settings: str
    # chat
    question: str
    question_placeholder: str
    send: str
    stop: str
    new_chat: str
    examples: str
    empty_chat: str
    searching: str
    preview_badge: str
    generating: str
    stopped: str
    stopped_note: str
    partial_output: str
    error_prefix: str
    refused_badge: str
    unsupported: str
    copy: str
    copied: str
    copy_box: str
    references: str
    busy: str
    empty_question: str
    # sources panel
    sources: str
    sources_empty: str
    related_passages: str
    related_note: str
    page: str  # formatted with the page number
    passage_missing: str
    # timings (keys of Answer.timings; one table for both languages: ui/stage_names.py)
    timing_names: dict[str, str]
    seconds: str  # formatted with the seconds
    # waiting for the model (formatted with ahead, wait / total, left, read, write)
    queued: str
    queued_estimate: str
    expected: str
    # feedback
    feedback_title: str
    thumbs_up: str
    thumbs_down: str
    feedback_comment: str
    feedback_comment_placeholder: str
    feedback_saved: str
    feedback_comment_kept: str  # formatted with the stored comment
    feedback_nothing: str
    # library
    documents: str
    doc_columns: tuple[str, str, str, str]
    upload: str
    upload_hint: str  # formatted with types and max size
    add_to_library: str
    no_files: str
    remove_document: str
    remove: str
    confirm_remove: str  # formatted with the title
    confirm: str
    cancel: str
    removed: str  # formatted with the title
    nothing_selected: str
    added: str  # formatted with the file name and chunk count
    unchanged: str  # formatted with the file name
    rejected: str  # formatted with the file name and reason
    reject_reasons: dict[str, str]  # UploadRejected codes -> message templates
    index_status: str
    status_names: dict[str, str]
    progress_copy: str
    progress_index: str
    # settings
    backend: str
    backend_names: dict[str, str]
    passages: str
    settings_note: str


LABELS: dict[UILanguage, UILabels] = {
    "zh": UILabels(
        app_title="报告问答",
        app_subtitle="就资料库中的报告提问（中文或英文），每个回答都附有可核对的出处。",
        language_switch="界面语言",
        tab_chat="问答",
        tab_library="资料库",
        tab_settings="设置",
        question="问题",
        question_placeholder="输入问题，按回车发送（Shift+回车换行）",
        send="发送",
        stop="停止生成",
        new_chat="新对话",
        examples="示例问题",
        empty_chat="还没有提问。可以点下面的示例问题开始。",
        searching="正在检索资料…",
        preview_badge="即时摘录 · 模型正在生成完整回答",
        generating="模型正在生成…",
        stopped="已停止",
        stopped_note="生成已停止，下面是即时摘录的回答。",
        partial_output="已生成的部分",
        error_prefix="出错了",
        refused_badge="无法回答",
        unsupported="以下内容没有得到所引段落的支持：",
        copy="复制",
        copied="已复制",
        copy_box="回答及参考文献（可复制）",
        references="参考文献",
        busy="上一个问题还在回答中，请稍候或先停止生成。",
        empty_question="请输入问题。",
        sources="出处",
        sources_empty="回答的出处会显示在这里。点击回答中的 [1]、[2] 查看对应段落。",
        related_passages="相关段落",
        related_note="资料中没有找到答案。以下是最接近的段落，供参考：",
        page="第 {page} 页",
        passage_missing="该文档已不在资料库中，只能显示引用的文字。",
        timing_names=stage_names("zh"),
        seconds="{seconds} 秒",
        queued="排队等候模型：前面还有 {ahead} 个回答。",
        queued_estimate="排队等候模型：前面还有 {ahead} 个回答，约 {wait} 后开始。",
        expected="本机实测每个回答约需 {total}，还剩约 {left}（读入 {read} 词元/秒，生成 {write} 词元/秒）。",
        feedback_title="评价最新的回答",
        thumbs_up="👍 有帮助",
        thumbs_down="👎 有问题",
        feedback_comment="意见（可选）",
        feedback_comment_placeholder="哪里不对？正确答案是什么？",
        feedback_saved="谢谢，评价已保存。",
        feedback_comment_kept="意见：“{comment}”",
        feedback_nothing="还没有可以评价的回答。",
        documents="资料库中的文档",
        doc_columns=("标题", "文件", "段落数", "索引时间"),
        upload="上传报告",
        upload_hint="支持 {types}，每个文件不超过 {max_mb} MB。",
        add_to_library="加入资料库",
        no_files="请先选择要上传的文件。",
        remove_document="移除文档",
        remove="移除",
        confirm_remove="确定要从资料库中移除《{title}》吗？文件会移到回收目录。",
        confirm="确定移除",
        cancel="取消",
        removed="已移除《{title}》。",
        nothing_selected="请先选择一个文档。",
        added="已加入 {name}（{chunks} 个段落）。",
        unchanged="{name} 已在资料库中，内容相同，未做改动。",
        rejected="未加入 {name}：{reason}",
        reject_reasons={
            "name": "文件名不可用（不能含文件夹、控制字符，也不能以点开头）",
            "type": "不支持 {suffix} 文件，只能上传 {types}",
            "too_big": "文件有 {size_mb} MB，超过了 {max_mb} MB 的上限",
            "empty": "文件是空的",
            "binary": "这不像文本文件（含有二进制数据）",
            "not_pdf": "文件内容不是 PDF",
            "not_docx": "文件内容不是 Word（.docx）文档",
            "exists": "资料库里已有另一个内容不同的 {name}；请改名后上传，或先移除旧文档",
            "duplicate": "这次上传里有两个文件都叫 {name}",
            "unreadable": "无法读取：{detail}",
            "index_failed": "建立索引失败：{detail}",
            "index_busy": "资料库正由另一个进程建立索引，请稍后再添加",
        },
        index_status="索引状态",
        status_names={
            "embedder": "向量模型",
            "documents": "文档数",
            "chunks": "段落数",
            "manifest_sha256": "清单哈希",
            "built_at": "上次构建",
            "build_seconds": "构建用时（秒）",
            "dimension": "向量维度",
        },
        progress_copy="检查并保存文件",
        progress_index="建立索引",
        backend="回答方式",
        backend_names={
            "local": "本地模型（离线生成）",
            "openai": "OpenAI 兼容接口",
            "extractive": "只摘录原文（最快）",
        },
        passages="每个回答使用的段落数",
        settings_note="设置只对本窗口之后的提问生效。",
    ),
    "en": UILabels(
        app_title="Report Q&A",
        app_subtitle="Ask about the reports in the library (in Chinese or English); every answer cites its sources.",
        language_switch="Interface language",
        tab_chat="Chat",
        tab_library="Library",
        tab_settings="Settings",
        question="Question",
        question_placeholder="Type a question and press Enter (Shift+Enter for a new line)",
        send="Send",
        stop="Stop generating",
        new_chat="New chat",
        examples="Example questions",
        empty_chat="No questions yet. Try one of the examples below.",
        searching="Searching the library…",
        preview_badge="Instant extract · the model is writing the full answer",
        generating="The model is writing…",
        stopped="Stopped",
        stopped_note="Generation stopped; showing the instant extract.",
        partial_output="Partial output",
        error_prefix="Error",
        refused_badge="Not answerable",
        unsupported="Not supported by the cited passages:",
        copy="Copy",
        copied="Copied",
        copy_box="Answer with references (copyable)",
        references="References",
        busy="The previous question is still being answered; wait or stop it first.",
        empty_question="Please type a question.",
        sources="Sources",
        sources_empty="The sources of an answer appear here. Click [1], [2] in an answer to see the passage.",
        related_passages="Related passages",
        related_note="The reports do not answer this. The closest passages, for reference:",
        page="p. {page}",
        passage_missing="This document is no longer in the library; only the cited text is shown.",
        timing_names=stage_names("en"),
        seconds="{seconds} s",
        queued="Waiting for the model: {ahead} answer(s) ahead.",
        queued_estimate="Waiting for the model: {ahead} answer(s) ahead, starting in about {wait}.",
        expected="An answer takes about {total} on this machine, about {left} left "
                 "(reads {read} tokens/s, writes {write} tokens/s).",
        feedback_title="Rate the latest answer",
        thumbs_up="👍 Helpful",
        thumbs_down="👎 Wrong",
        feedback_comment="Comment (optional)",
        feedback_comment_placeholder="What is wrong? What is the right answer?",
        feedback_saved="Thank you, your rating was saved.",
        feedback_comment_kept="Comment: “{comment}”",
        feedback_nothing="There is no answer to rate yet.",
        documents="Documents in the library",
        doc_columns=("Title", "File", "Chunks", "Indexed at"),
        upload="Upload reports",
        upload_hint="{types}; at most {max_mb} MB per file.",
        add_to_library="Add to library",
        no_files="Choose the files to upload first.",
        remove_document="Remove a document",
        remove="Remove",
        confirm_remove="Remove “{title}” from the library? The file is moved to the removed-files folder.",
        confirm="Yes, remove",
        cancel="Cancel",
        removed="Removed “{title}”.",
        nothing_selected="Choose a document first.",
        added="Added {name} ({chunks} passages).",
        unchanged="{name} is already in the library with the same content; nothing changed.",
        rejected="{name} was not added: {reason}",
        reject_reasons={},  # UploadRejected's own (English) messages
        index_status="Index status",
        status_names={
            "embedder": "embedder",
            "documents": "documents",
            "chunks": "chunks",
            "manifest_sha256": "manifest hash",
            "built_at": "last build",
            "build_seconds": "build time (s)",
            "dimension": "dimension",
        },
        progress_copy="Checking and saving the files",
        progress_index="Indexing",
        backend="Answering back-end",
        backend_names={
            "local": "Local model (offline generation)",
            "openai": "OpenAI-compatible API",
            "extractive": "Extracts only (fastest)",
        },
        passages="Passages per answer",
        settings_note="Settings apply to the next questions in this window.",
    ),
}


def labels_for(language: str) -> UILabels:
    """The label table for ``language``; anything unknown falls back to English."""
    return LABELS.get(language, LABELS["en"])  # type: ignore[arg-type]


def language_from_accept(header: str | None) -> UILanguage:
    """The interface language for an HTTP ``Accept-Language`` header: the first of zh/en
    by the browser's preference order (quality values respected), English otherwise."""
    if not header:
        return "en"
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if primary in UI_LANGUAGES:
            return primary  # type: ignore[return-value]
    return "en"
