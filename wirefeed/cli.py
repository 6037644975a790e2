"""The `wirefeed` command."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from shared.logging import configure_logging
from shared.settings import Settings, get_settings
from wirefeed.up_state import running_up


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if args.service == "ingest":
        host, port, factory = (
            settings.ingest_host,
            settings.ingest_port,
            "wirefeed.apps:ingest_app",
        )
    else:
        host, port, factory = settings.api_host, settings.api_port, "wirefeed.apps:api_app"
    uvicorn.run(
        factory,
        factory=True,
        host=args.host or host,
        port=args.port or port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    if args.metrics_port:
        # Before prometheus_client is imported: the prefork children then share one metrics view.
        os.environ.setdefault(
            "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="wirefeed-metrics-")
        )
        from services.enrich.telemetry import serve_metrics

        serve_metrics(
            port=args.metrics_port,
            broker_url=get_settings().broker_url,
            queue=get_settings().task_queue,
        )
    from wirefeed.apps import worker_app

    settings = _worker_settings(args)
    # Listed first, fresh articles are taken before re-enrichment (priority queue order).
    queues = args.queues or f"{settings.task_queue},{settings.effective_reenrich_queue}"
    argv = [
        "worker",
        "--queues",
        queues,
        "--hostname",
        f"enrich-{os.getpid()}@%h",
        "--loglevel",
        get_settings().log_level,
        "--without-gossip",
        "--without-mingle",
        "--pool",
        args.pool,
    ]
    if args.concurrency:
        argv += ["--concurrency", str(args.concurrency)]
    if settings.worker_max_tasks_per_child > 0:
        argv += ["--max-tasks-per-child", str(settings.worker_max_tasks_per_child)]
    if settings.worker_max_memory_per_child > 0:
        argv += ["--max-memory-per-child", str(settings.worker_max_memory_per_child)]
    worker_app(settings).worker_main(argv)
    return 0


def _deliverer(args: argparse.Namespace) -> int:
    """Webhook deliveries: a worker on the deliver queue plus the pump that feeds it."""
    from services.deliver.tasks import create_deliver_app, start_pump

    settings = get_settings()
    app = create_deliver_app(settings)
    start_pump(app, settings)
    app.worker_main(
        [
            "worker",
            "--queues",
            settings.deliver_queue,
            "--hostname",
            f"deliver-{os.getpid()}@%h",
            "--loglevel",
            settings.log_level,
            "--without-gossip",
            "--without-mingle",
            "--pool",
            "threads",
            "--concurrency",
            str(args.concurrency),
        ]
    )
    return 0


def _worker_settings(args: argparse.Namespace) -> Settings:
    """The settings, with what the command line says about limits taking precedence."""
    overrides = {
        "task_soft_time_limit": args.soft_time_limit,
        "task_time_limit": args.time_limit,
        "task_time_limit_per_million_chars": args.time_limit_per_million_chars,
        "worker_max_memory_per_child": args.max_memory_per_child,
        "worker_max_tasks_per_child": args.max_tasks_per_child,
    }
    chosen = {k: v for k, v in overrides.items() if v is not None}
    return get_settings().model_copy(update=chosen) if chosen else get_settings()


def _ping_worker(args: argparse.Namespace) -> int:
    """Exit 0 if a worker on this host answers a control ping (a container health check).
    Without WIREFEED_BROKER_URL, a running `wirefeed up` is asked where its broker is."""
    import socket

    from shared.celery_app import make_celery

    settings = get_settings()
    running = running_up(settings)
    if "WIREFEED_BROKER_URL" not in os.environ and running and running.get("broker_url"):
        settings = settings.model_copy(update={"broker_url": running["broker_url"]})
    app = make_celery(settings)
    try:
        replies = app.control.ping(timeout=args.timeout)
    finally:
        app.close()
    host = socket.gethostname()
    answering = [name for reply in replies or [] for name in reply]
    mine = [name for name in answering if name.endswith(f"@{host}")]
    if answering:
        print(f"workers answering on {settings.broker_url}: {', '.join(answering)}")
    else:
        print(
            f"no worker answered on {settings.broker_url} within {args.timeout:g} s"
            + ("" if running else " (no running `wirefeed up` found; set WIREFEED_BROKER_URL)")
        )
    return 0 if (mine or (args.any and answering)) else 1


def _relay(_: argparse.Namespace) -> int:
    from services.ingest.relay import run_relay
    from shared.celery_app import make_celery
    from shared.db import make_engine

    settings = get_settings()
    with contextlib.suppress(KeyboardInterrupt):
        run_relay(
            engine=make_engine(settings.effective_database_url),
            celery=make_celery(settings, producer=True),
            settings=settings,
        )
    return 0


def _reenrich(args: argparse.Namespace) -> int:
    from shared.celery_app import make_celery
    from shared.db import make_engine
    from shared.reenrich_jobs import Selector
    from wirefeed.reenrich_cli import run_reenrich

    settings = get_settings()
    selector = Selector(stale=args.stale, source=args.source, since=args.since, rule=args.rule)
    celery = make_celery(settings)
    try:
        return run_reenrich(
            selector=selector,
            settings=settings,
            engine=make_engine(settings.effective_database_url),
            celery=celery,
            out=sys.stdout,
            dry_run=args.dry_run,
            wait=not args.no_wait,
            window=args.window,
            job_id=args.job,
        )
    except KeyboardInterrupt:
        print("stopped; run the same command again to resume")
        return 130
    finally:
        celery.close()


def _since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or time: {value!r} (e.g. 2026-11-30)"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _migrate(_: argparse.Namespace) -> int:
    from wirefeed.migrate import upgrade

    upgrade(get_settings().effective_database_url)
    print("database schema is up to date")
    return 0


def _up(args: argparse.Namespace) -> int:
    from wirefeed.up import run_up

    return run_up(get_settings(), seeds=args.seeds, worker_concurrency=args.concurrency)


def _ingest(args: argparse.Namespace) -> int:
    from wirefeed.ingest_client import ingest_paths

    settings = get_settings()
    running = running_up(settings)
    token = args.token or os.environ.get("WIREFEED_TOKEN")
    totals = ingest_paths(
        args.paths,
        base_url=args.url or (running or {}).get("ingest_url") or settings.effective_ingest_url,
        token=token,
        progress=not args.quiet,
        source=args.source,
        wait_api=(args.api_url or _api_url(settings)) if args.wait else None,
        read_token=args.read_token or os.environ.get("WIREFEED_READ_TOKEN"),
    )
    print(", ".join(f"{key} {value}" for key, value in totals.items()))
    return 1 if totals["rejected"] or totals.get("failed") or totals.get("unfinished") else 0


def _api_url(settings: Settings) -> str:
    running = running_up(settings)
    if running and running.get("api_url"):
        return str(running["api_url"])
    return f"http://{settings.api_host}:{settings.api_port}"


def _search(args: argparse.Namespace) -> int:
    from wirefeed.consumer_cli import search

    token = args.read_token or os.environ.get("WIREFEED_READ_TOKEN")
    api = args.api_url or _api_url(get_settings())
    return search(api, args.text, token=token, limit=args.limit, source=args.source)


def _follow(args: argparse.Namespace) -> int:
    from wirefeed.consumer_cli import follow

    token = args.read_token or os.environ.get("WIREFEED_READ_TOKEN")
    api = args.api_url or _api_url(get_settings())
    filters = {"entity": args.entity, "source": args.source, "q": args.q}
    return follow(api, after=args.after, token=token, filters=filters, count=args.count)


def _enrich(args: argparse.Namespace) -> int:
    from wirefeed.enrich_cli import run_enrich

    html = args.html or (args.file != "-" and Path(args.file).suffix.lower() in {".html", ".htm"})
    if args.file == "-":
        return run_enrich(
            sys.stdin, sys.stdout.buffer, html=html, ndjson=args.ndjson, settings=get_settings()
        )
    with open(args.file, encoding="utf-8") as source:
        return run_enrich(
            source, sys.stdout.buffer, html=html, ndjson=args.ndjson, settings=get_settings()
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wirefeed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run everything on this machine (embedded defaults)")
    up.add_argument("--seeds", type=Path, default=Path("seeds"), help="articles to load at start")
    up.add_argument("--concurrency", type=int, default=None, help="worker processes")
    up.set_defaults(run=_up)

    serve = commands.add_parser("serve", help="run one HTTP service")
    serve.add_argument("service", choices=["ingest", "api"])
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=None)
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="run an enrichment worker (Celery)")
    worker.add_argument("--concurrency", type=int, default=None)
    worker.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    worker.add_argument(
        "--max-tasks-per-child",
        type=int,
        default=None,
        help="replace a child by a fresh fork after this many tasks "
        "(default WIREFEED_WORKER_MAX_TASKS_PER_CHILD, 0: never)",
    )
    worker.add_argument(
        "--queues",
        default=None,
        help="comma-separated queues, first polled first; default: the enrich queue, then "
        "the reenrich queue (give only the reenrich queue for a re-enrichment-only worker)",
    )
    worker.add_argument(
        "--max-memory-per-child",
        type=int,
        default=None,
        metavar="KIB",
        help="replace a child whose resident memory is above this after a task "
        "(KiB; default WIREFEED_WORKER_MAX_MEMORY_PER_CHILD, 716800 = 700 MiB; 0: off)",
    )
    worker.add_argument(
        "--soft-time-limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a task is stopped and its article fails after this plus the per-size allowance "
        "(default WIREFEED_TASK_SOFT_TIME_LIMIT, 60)",
    )
    worker.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a task's process is killed and its article fails after this plus the per-size "
        "allowance (default WIREFEED_TASK_TIME_LIMIT, 120)",
    )
    worker.add_argument(
        "--time-limit-per-million-chars",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds added to both limits per 1,000,000 characters of the article "
        "(default WIREFEED_TASK_TIME_LIMIT_PER_MILLION_CHARS, 240)",
    )
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="serve Prometheus metrics on this port (e.g. 9100); 0 (default) means off",
    )
    worker.set_defaults(run=_worker)

    deliverer = commands.add_parser(
        "deliverer", help="send webhook deliveries (a worker on the deliver queue)"
    )
    deliverer.add_argument("--concurrency", type=int, default=4, help="subscriptions at once")
    deliverer.set_defaults(run=_deliverer)

    commands.add_parser("relay", help="re-send articles left pending or lost").set_defaults(
        run=_relay
    )
    commands.add_parser("migrate", help="upgrade the database schema").set_defaults(run=_migrate)

    reenrich = commands.add_parser(
        "reenrich",
        help="re-run the current pipeline over stored articles (low-priority reenrich queue)",
        description="Selectors combine (AND); none selects every enriched article. Stop with "
        "Ctrl-C; the same command resumes. A record changes (and the feed gets an `updated` "
        "event) only if its entities, clean text, removals or stats change.",
    )
    reenrich.add_argument(
        "--stale", action="store_true", help="only records made by another pipeline"
    )
    reenrich.add_argument("--source", help="only this source")
    reenrich.add_argument("--since", type=_since, help="only articles received since (ISO 8601)")
    reenrich.add_argument("--rule", help="only records this boilerplate rule removed text from")
    reenrich.add_argument(
        "--job",
        type=int,
        help="go on with this stored job instead (e.g. an entity correction's re-tagging, if "
        "the broker was down when it was made); other selectors are ignored",
    )
    reenrich.add_argument("--dry-run", action="store_true", help="count, queue nothing")
    reenrich.add_argument("--no-wait", action="store_true", help="return once all are queued")
    reenrich.add_argument(
        "--window", type=int, default=1000, help="most tasks outstanding at once (default 1000)"
    )
    reenrich.set_defaults(run=_reenrich)

    ping = commands.add_parser(
        "ping-worker", help="health check: does a worker on this host answer"
    )
    ping.add_argument("--timeout", type=float, default=5.0)
    ping.add_argument("--any", action="store_true", help="any worker will do, not only this host's")
    ping.set_defaults(run=_ping_worker)

    ingest = commands.add_parser("ingest", help="post text/HTML/JSON/NDJSON files")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--url", help="ingest service base URL")
    ingest.add_argument("--token", help="ingest API key (or WIREFEED_TOKEN)")
    ingest.add_argument("--quiet", action="store_true")
    ingest.add_argument("--source", help="source of every article (JSON items keep their own)")
    ingest.add_argument("--wait", action="store_true", help="then wait until all are enriched")
    ingest.add_argument("--api-url", help="read API base URL (for --wait)")
    ingest.add_argument("--read-token", help="read API key for --wait (or WIREFEED_READ_TOKEN)")
    ingest.set_defaults(run=_ingest)

    search = commands.add_parser("search", help="full-text search of the store")
    search.add_argument("text", help='websearch syntax: "a phrase", a OR b, -word')
    search.add_argument("--source")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--api-url")
    search.add_argument("--read-token", help="read API key (or WIREFEED_READ_TOKEN)")
    search.set_defaults(run=_search)

    follow = commands.add_parser("follow", help="print feed items as they arrive (Ctrl-C stops)")
    follow.add_argument("--after", type=int, default=0, help="feed position already seen")
    follow.add_argument("--entity")
    follow.add_argument("--source")
    follow.add_argument("--q", help="only items matching this search")
    follow.add_argument("--count", type=int, default=0, help="stop after this many (0: never)")
    follow.add_argument("--api-url")
    follow.add_argument("--read-token", help="read API key (or WIREFEED_READ_TOKEN)")
    follow.set_defaults(run=_follow)

    enrich = commands.add_parser("enrich", help="run the pipeline in-process, print JSON")
    enrich.add_argument("file", help="a file, or - for standard input")
    enrich.add_argument("--html", action="store_true", help="input is HTML")
    enrich.add_argument(
        "--ndjson",
        action="store_true",
        help="one JSON object per line ({'text'|'html', ...}); one result per line",
    )
    enrich.set_defaults(run=_enrich)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
