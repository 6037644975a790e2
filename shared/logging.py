"""Structured JSON logs on stderr, one object per line, carrying article and task ids."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TaskContextFilter(logging.Filter):
    """Adds the running Celery task's id (and its article id, the task's only argument) to every
    record logged inside a task, so one article can be followed through all its log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        celery = sys.modules.get("celery")  # only processes that run Celery have tasks
        task = getattr(celery, "current_task", None) if celery else None
        request = getattr(task, "request", None) if task else None
        task_id = getattr(request, "id", None)
        if task_id:
            if not hasattr(record, "task_id"):
                record.task_id = task_id
            args: tuple[Any, ...] | list[Any] = getattr(request, "args", None) or ()
            if not hasattr(record, "article_id") and len(args) == 1:
                record.article_id = args[0]
        return True


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TaskContextFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
