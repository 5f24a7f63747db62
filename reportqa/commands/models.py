"""``reportqa models list`` and ``reportqa models pull``: the offline model cache."""

from __future__ import annotations

import argparse

from reportqa.errors import CommandError
from reportqa.models import ENV_PATH_PREFIX, ModelRegistry, PullReport, env_key
from reportqa.models_export import QUANTIZATIONS
from reportqa.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    # --cache-dir sits on each sub-command (a flag on both levels would let the inner default win).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--cache-dir", dest="models.cache_dir", metavar="DIR",
        help="where model weights are assembled (default ~/.cache/reportqa)",
    )  # fmt: skip

    parser = subparsers.add_parser("models", help="list the models and fetch their weights")
    actions = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", parents=[common], help="show every model and whether it is available")
    listing.set_defaults(func=run_list)

    pull = actions.add_parser(
        "pull", parents=[common],
        help="download, assemble and verify model weights (default: the embedder and chat model in use)",
    )  # fmt: skip
    pull.add_argument("names", nargs="*", metavar="NAME", help="models to pull (see `reportqa models list`)")
    pull.add_argument("--all", action="store_true", help="pull every model of the registry")
    pull.add_argument("--force", action="store_true", help="assemble again even if a verified copy exists")
    pull.add_argument("--no-progress", action="store_true", help="do not draw progress bars")
    pull.set_defaults(func=run_pull)

    export = actions.add_parser(
        "export", parents=[common],
        help="export an embedder once to an ONNX graph (models.embedder_quantization) for the onnx/openvino backends",
    )  # fmt: skip
    export.add_argument("name", nargs="?", metavar="NAME", help="the embedder (default: the one in use)")
    export.add_argument("--quantization", dest="models.embedder_quantization", choices=QUANTIZATIONS,
                        help="the recipe (default: models.embedder_quantization)")
    export.add_argument("--force", action="store_true", help="export again even if a current export exists")
    export.add_argument("--no-progress", action="store_true", help="do not draw progress bars")
    export.set_defaults(func=run_export)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    registry = ModelRegistry.from_settings(settings)
    in_use = {registry.canonical(name) for name in [settings.models.embedder, *settings.models.in_use()]}
    rows = [("NAME", "KIND", "LICENCE", "SIZE", "STATE", "PATH")]
    for spec in registry.entries():
        status = registry.status(spec.name)
        name = spec.name + (" *" if spec.name in in_use else "")
        where = str(status.path) if status.path else status.detail
        rows.append((name, spec.kind, spec.licence, _size(status.size_bytes), status.state, where))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
    print(f"\n* used by the current settings. Cache: {registry.models_dir}")
    example = env_key(settings.models.embedder)
    print(f"Use a local copy instead: {ENV_PATH_PREFIX}<NAME>=/path (e.g. {ENV_PATH_PREFIX}{example}).")
    return 0


def run_pull(args: argparse.Namespace, settings: Settings) -> int:
    registry = ModelRegistry.from_settings(settings)
    if args.all and args.names:
        raise CommandError("give model names or --all, not both")
    if args.all:
        names = [spec.name for spec in registry.entries()]
    else:
        names = list(dict.fromkeys(args.names or settings.models.in_use()))
    unknown = [name for name in names if name not in registry]
    if unknown:
        known = ", ".join(spec.name for spec in registry.entries())
        raise CommandError(f"unknown model(s): {', '.join(unknown)}; known models: {known}")
    names = list(dict.fromkeys(registry.canonical(name) for name in names))  # a former name and its new one
    for name in names:
        print(_describe(registry.pull(name, progress=not args.no_progress, force=args.force)), flush=True)
    if settings.models.embedder_backend != "torch" and settings.models.embedder in names:
        _export(registry, settings, settings.models.embedder, settings.models.embedder_quantization, force=False,
                progress=not args.no_progress)
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    registry = ModelRegistry.from_settings(settings)
    name = args.name or settings.models.embedder
    if name.startswith("openai:"):
        raise CommandError(f"{name} is embedded by its endpoint; there is nothing to export")
    if registry.get(name).kind != "sentence-transformers":
        raise CommandError(f"{name} is not a sentence-transformers model; only those can be exported")
    _export(registry, settings, name, settings.models.embedder_quantization, force=args.force,
            progress=not args.no_progress)
    return 0


def _export(registry: ModelRegistry, settings: Settings, name: str, quantization: str, *, force: bool,
            progress: bool) -> None:
    from reportqa.factory import weights_sha256
    from reportqa.models_export import export_embedder

    spec = registry.get(name)
    path = registry.resolve(name)
    print(f"{name}: checking for a current {quantization} ONNX export (making one takes several minutes once)",
          flush=True)
    done = export_embedder(path, models_dir=registry.models_dir, name=name, quantization=quantization,
                           source_sha256=weights_sha256(settings, registry, spec, path), force=force,
                           threads=settings.models.threads, progress=progress)
    if done.action == "up-to-date":
        print(f"{name}: the {quantization} export is current at {done.path} (sha256 {done.sha256[:12]}…)")
    else:
        print(f"{name}: exported in {done.seconds:.0f} s to {done.path} (sha256 {done.sha256[:12]}…)")


def _describe(report: PullReport) -> str:
    if report.action == "up-to-date":
        return f"{report.name}: already verified at {report.path}"
    if report.action == "installed":
        return f"{report.name}: installed Python package at {report.path}"
    if report.action == "override":
        return f"{report.name}: uses the local copy {report.path}"
    if report.action == "verified":
        return f"{report.name}: existing copy verified in {report.verify_seconds:.0f} s at {report.path}"
    total = report.download_seconds + report.assemble_seconds + report.verify_seconds
    if not report.downloaded_bytes:  # a hub override: huggingface_hub did the work
        return f"{report.name}: downloaded from the hub in {total:.0f} s to {report.path}"
    return (
        f"{report.name}: {report.downloaded_bytes / 1e6:,.0f} MB downloaded and verified in {total:.0f} s "
        f"(download {report.download_seconds:.0f} s, assembly {report.assemble_seconds:.0f} s, "
        f"sha256 {report.verify_seconds:.0f} s) at {report.path}"
    )


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.2f} {unit}"
    return f"{size} B"
