"""While `regolite serve` runs, what Python would print to stderr as text is a JSON line."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import warnings

from regolite.server.metrics import JsonLog, everything_as_json


def test_warnings_thread_crashes_and_stray_loggers_become_json_lines(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    hooks, handlers = (sys.excepthook, threading.excepthook, sys.unraisablehook), list(logging.getLogger().handlers)
    with everything_as_json(JsonLog()):
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a library's warning", RuntimeWarning)
        logging.getLogger("asyncio").error("Task exception was never retrieved")
        thread = threading.Thread(target=lambda: 1 / 0, name="eval-7")
        thread.start()
        thread.join()
    lines = stderr.getvalue().splitlines()
    events = [json.loads(line) for line in lines]  # every line is JSON
    assert any(e["event"] == "server" and "a library's warning" in e["message"] for e in events)
    assert any(e["event"] == "server" and e["logger"] == "asyncio" for e in events)
    crash = next(e for e in events if e["event"] == "uncaught_exception")
    assert crash["thread"] == "eval-7" and crash["error"].startswith("ZeroDivisionError") and crash["traceback"]
    assert (sys.excepthook, threading.excepthook, sys.unraisablehook) == hooks  # put back on the way out
    assert logging.getLogger().handlers == handlers
