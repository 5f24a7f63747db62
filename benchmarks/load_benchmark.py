"""Many people chatting at once: latency and errors of one server under N concurrent chats.

    python benchmarks/load_benchmark.py [--clients 20] [--rounds 3] [--backend extractive]
                                        [--data-dir var] [--max-seconds 300] [--json out.json]
                                        [--variant NAME:ENV=VALUE[,ENV=VALUE...]]...

Starts ``reportqa serve`` on 127.0.0.1 (a free port) in a child process over the index in
``--data-dir`` (build it first: ``reportqa index build``), then runs ``--clients`` gradio_client
sessions at once, each asking ``--rounds`` dev-set questions one after the other (client n starting
``n x --stagger`` seconds after the first) the way the browser does: the ``/start`` step (question, retrieval, preview; for the extractive back-end the
whole answer), then the ``/generate`` step (the model's answer). Every chat asks a different
question (the server remembers recent query vectors, so a repeated question would cost nothing),
and the warm-up question is asked by no client. No new question is sent after ``--max-seconds``.
Reports p50/p95 of the time to the first visible answer (end of ``/start``) and to the final
answer, per-chat throughput and errors (exceptions and error bubbles). With the local back-end it
also reports how many chats were shown their place in the model's queue when their preview
arrived, and the most answers shown ahead of one; ``--previews-only`` puts every chat in line for
the model without waiting for the answers, which bounds a run on a slow machine.

Each ``--variant`` is one server started with those settings on top of ``--set``; the variants
run back to back in one invocation (the machine's load average is printed before each), so that
their ratios are measured under the same conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV_SET = REPO / "evals" / "datasets" / "reports_dev.jsonl"


@dataclass
class Chat:
    client: int
    round: int
    question: str
    first_visible: float | None = None  # seconds from sending to the end of /start
    total: float | None = None  # seconds from sending to the end of /generate
    error: str | None = None
    queue_ahead: int | None = None  # answers ahead shown with the preview (None: no queue place shown)


def questions() -> list[tuple[str, str]]:
    """(question, language) pairs, alternating zh and en."""
    items = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    zh = [(i["question"], "zh") for i in items if i["lang"] == "zh"]
    en = [(i["question"], "en") for i in items if i["lang"] == "en"]
    return [pair for both in zip(zh, en) for pair in both]


def chat_question(asked: list[tuple[str, str]], client: int, round_number: int, clients: int) -> tuple[str, str]:
    """A different question for every chat while there are enough; ``asked[0]`` is the warm-up's."""
    return asked[1 + (round_number * clients + client) % (len(asked) - 1)]


_WAIT_NOTE = re.compile(r'<div class="rq-wait">\D*(\d+)')


def queue_place(chat_html: str) -> int | None:
    """The number of answers shown ahead of the pending one, if a queue place is shown."""
    match = _WAIT_NOTE.search(chat_html)
    return int(match.group(1)) if match else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(data_dir: Path, backend: str, port: int, env_overrides: dict[str, str],
                 repo: Path = REPO) -> subprocess.Popen:
    env = {**os.environ, "REPORTQA_ASSISTANT__BACKEND": backend, **env_overrides}
    command = [sys.executable, "-m", "reportqa", "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1",
               "--port", str(port)]
    return subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_until_serving(server: subprocess.Popen, timeout: float) -> str | None:
    """The server's URL once it prints it (it loads models and the index first); None if it
    stopped or took longer than ``timeout`` (the end of its output is printed)."""
    deadline = time.monotonic() + timeout
    assert server.stdout is not None
    seen: list[str] = []
    for line in server.stdout:
        match = re.search(r"at (http://127\.0\.0\.1:\d+/?)", line)
        if match:
            threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained
            return match.group(1)
        seen = [*seen[-9:], line.rstrip()]
        if time.monotonic() > deadline:
            break
    server.kill()
    print("the server did not start; is there an index in --data-dir? Its last lines:", *seen, sep="\n  ")
    return None


def serve(args: argparse.Namespace, overrides: dict[str, str], repo: Path, attempts: int = 3):
    """A started server and its URL. Gradio gives up when its own server thread is slow to
    answer (seen on a machine at load 16), so a failed start is tried again."""
    for _ in range(attempts):
        server = start_server(args.data_dir, args.backend, free_port(), overrides, repo)
        url = wait_until_serving(server, timeout=600)
        if url is not None:
            return server, url
    raise SystemExit(f"the server did not start in {attempts} attempts")


def run_client(url: str, number: int, args: argparse.Namespace, asked: list[tuple[str, str]],
               start: threading.Barrier, deadline: float, results: list[Chat]) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # noqa: BLE001 - counted as an error of this client's chats
        start.wait()
        results.append(Chat(number, 0, "", error=f"connect: {exc}"))
        return
    start.wait()
    time.sleep(number * args.stagger)
    for round_number in range(args.rounds):
        if time.monotonic() > deadline:
            break
        question, language = chat_question(asked, number, round_number, args.clients)
        chat = Chat(number, round_number, question)
        results.append(chat)
        sent = time.monotonic()
        try:
            shown = client.submit(question, args.backend, args.passages, language,
                                  api_name="/start").result(timeout=args.timeout)
            chat.first_visible = time.monotonic() - sent
            chat.queue_ahead = queue_place(str(shown[0]))
            if "rq-error" in str(shown[0]):
                chat.error = "error bubble in the preview"
            generating = client.submit(language, api_name="/generate")  # in line for the model, as a browser
            if args.previews_only:
                continue
            final = generating.result(timeout=args.timeout)
            chat.total = time.monotonic() - sent
            if "rq-error" in str(final[0]):
                chat.error = "error bubble in the answer"
        except Exception as exc:  # noqa: BLE001 - reported per chat
            chat.error = f"{type(exc).__name__}: {exc}"


def warm_up(url: str, asked: tuple[str, str], backend: str, passages: int, timeout: float, *,
            answer: bool = True) -> None:
    """One chat before the clock starts: models and caches load on first use. Without
    ``answer`` it is an extractive chat (nothing left in line for the model, which then loads
    during the first measured answer)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    backend = backend if answer else "extractive"
    client.submit(asked[0], backend, passages, asked[1], api_name="/start").result(timeout=timeout)
    client.submit(asked[1], api_name="/generate").result(timeout=timeout)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_seconds(pid: int | None = None) -> float | None:
    """User + system CPU seconds of a process (all its threads), or of this one."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # not Linux, or the process is gone
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarise(chats: list[Chat], wall: float, *, previews_only: bool = False,
              server_cpu: float | None = None, client_cpu: float | None = None) -> dict:
    done = (lambda c: c.first_visible is not None) if previews_only else (lambda c: c.total is not None)
    answered = [c for c in chats if c.error is None and done(c)]
    first = [c.first_visible for c in chats if c.first_visible is not None]
    total = [c.total for c in answered if c.total is not None]
    places = [c.queue_ahead for c in chats if c.queue_ahead is not None]
    return {
        "chats": len(chats), "answered": len(answered), "errors": len(chats) - len(answered),
        "first_visible_max": max(first) if first else None,
        "queue_place_shown": len(places), "most_ahead_shown": max(places) if places else None,
        "first_visible_p50": statistics.median(first) if first else None,
        "first_visible_p95": percentile(first, 0.95) if first else None,
        "total_p50": statistics.median(total) if total else None,
        "total_p95": percentile(total, 0.95) if total else None,
        "answers_per_second": len(answered) / wall if wall else None, "wall_seconds": wall,
        # CPU seconds per chat over the measured phase: the server's is what one chat costs it
        # (a burst of N on C cores cannot all be answered before N x this / C); the clients' is
        # this benchmark's own cost, which shares the cores with the server.
        "server_cpu_per_chat": server_cpu / len(chats) if server_cpu is not None and chats else None,
        "client_cpu_per_chat": client_cpu / len(chats) if client_cpu is not None and chats else None,
    }


def parse_variant(text: str) -> tuple[str, Path, dict[str, str]]:
    """``NAME[@CHECKOUT]:ENV=VALUE[,ENV=VALUE...]`` (or just ``NAME`` for no extra settings);
    ``@CHECKOUT`` runs the server from another checkout of reportqa (e.g. the main branch, as
    the baseline of a change)."""
    head, _, rest = text.partition(":")
    name, _, checkout = head.partition("@")
    settings = dict(item.split("=", 1) for item in rest.split(",") if item)
    return name, Path(checkout) if checkout else REPO, settings


def run_variant(args: argparse.Namespace, overrides: dict[str, str], repo: Path = REPO) -> tuple[dict, list[Chat]]:
    """Start a server with ``overrides`` (unless ``--url``), warm it up, run the clients."""
    server, url = (None, args.url) if args.url else serve(args, overrides, repo)
    try:
        asked = questions()
        if not args.cold:
            warm_up(url, asked[0], args.backend, args.passages, args.timeout, answer=not args.previews_only)
        results: list[Chat] = []
        barrier = threading.Barrier(args.clients + 1)
        deadline = time.monotonic() + args.max_seconds
        threads = [threading.Thread(target=run_client, args=(url, n, args, asked, barrier, deadline, results),
                                    daemon=True)
                   for n in range(args.clients)]
        for thread in threads:
            thread.start()
        barrier.wait()
        began = time.monotonic()
        server_began, client_began = cpu_seconds(server.pid if server else None), cpu_seconds()
        for thread in threads:
            thread.join()
        server_end = cpu_seconds(server.pid if server else None)
        server_cpu = server_end - server_began if server and None not in (server_began, server_end) else None
        return summarise(results, time.monotonic() - began, previews_only=args.previews_only,
                         server_cpu=server_cpu, client_cpu=cpu_seconds() - client_began), results
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="questions per client, one after the other")
    parser.add_argument("--backend", default="extractive", choices=("extractive", "local"))
    parser.add_argument("--passages", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=REPO / "var", help="data dir holding the index")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="no new question after this long")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one step may take")
    parser.add_argument("--set", action="append", default=[], metavar="ENV=VALUE",
                        help="extra REPORTQA_* settings for the server, e.g. REPORTQA_UI__CONCURRENCY=2")
    parser.add_argument("--json", type=Path, help="also write the summary and every chat here")
    parser.add_argument("--url", help="measure a server already running here instead of starting one")
    parser.add_argument("--stagger", type=float, default=0.0,
                        help="client n starts n x this many seconds after the first (arrivals while the model is busy)")
    parser.add_argument("--previews-only", action="store_true",
                        help="queue each chat for the model but do not wait for its answer: measures the previews "
                             "and queue places of a busy local model in bounded time (answers are not counted)")
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up chat: the first chat measured is the first the server answers")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME[@CHECKOUT]:ENV=VALUE[,ENV=VALUE]",
                        help="run once per variant, back to back, each with these extra settings "
                             "(and the server from CHECKOUT if given)")
    args = parser.parse_args()
    if args.previews_only and args.rounds != 1:
        parser.error("--previews-only asks one question per client (--rounds 1): a chat waits for its answer "
                     "before the next question")

    base = dict(item.split("=", 1) for item in args.set)
    variants = [parse_variant(v) for v in args.variant] or [("default", REPO, {})]

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    rows, report = [], []
    for name, repo, extra in variants:
        overrides = {**base, **extra}
        load = os.getloadavg()[0]
        print(f"[{name}] load average {load:.2f}, server from {repo}, settings {overrides or 'default'}", flush=True)
        summary, results = run_variant(args, overrides, repo)
        queue = (f" | {summary['queue_place_shown']} of {summary['chats']} | {summary['most_ahead_shown'] or 0}"
                 if args.backend == "local" else "")
        rows.append(f"| {name} | {load:.1f} | {summary['chats']} | {summary['answered']} | {summary['errors']} | "
                    f"{seconds(summary['first_visible_p50'])} | {seconds(summary['first_visible_p95'])} | "
                    f"{seconds(summary['first_visible_max'])} | {seconds(summary['total_p50'])} | "
                    f"{seconds(summary['total_p95'])} | {seconds(summary['answers_per_second'])} | "
                    f"{seconds(summary['server_cpu_per_chat'])} | {seconds(summary['client_cpu_per_chat'])}{queue} |")
        for chat in results:
            if chat.error:
                print(f"  [{name}] client {chat.client} round {chat.round}: {chat.error[:200]}")
        report.append({"variant": name, "checkout": str(repo), "settings": overrides, "load_average": load, "summary": summary,
                       "chats": [asdict(c) for c in results]})
        print(rows[-1], flush=True)

    queue_head = (" queue place shown | most ahead |", "---|---|") if args.backend == "local" else ("", "")
    print(f"\n{args.clients} clients x {args.rounds} rounds, {args.backend}, base settings {base or 'default'}")
    print("| variant | load | chats | answered | errors | first visible p50 | p95 | max | final p50 | p95 | "
          f"answers/s | server CPU s/chat | clients' CPU s/chat |{queue_head[0]}")
    print(f"|---|---|---|---|---|---|---|---|---|---|---|---|---|{queue_head[1]}")
    print("\n".join(rows))
    if args.json:
        args.json.write_text(json.dumps({"settings": vars(args) | {"json": str(args.json), "data_dir": str(args.data_dir)},
                                         "variants": report}, ensure_ascii=False, indent=2, default=str),
                             encoding="utf-8")


if __name__ == "__main__":
    main()
