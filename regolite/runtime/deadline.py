"""Evaluation deadlines that cost nothing until they expire.

Generated code has no clock checks in its loops. Instead one watchdog thread
keeps the pending deadlines; when one passes it raises `_Expired`
asynchronously in the evaluating thread (CPython's `PyThreadState_SetAsyncExc`,
delivered at the next bytecode boundary), and `deadline()` turns it into
`eval_cancel_error`. `_Expired` derives from BaseException so that no
`except Exception` inside a builtin can swallow it. Code running inside C (a
long regex match) stops when it returns to Python.
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

from regolite.errors import EVAL_CANCEL_ERROR, RegoEvalError

# Two prototypes of the same C function: one passes an exception class, the
# other NULL (which withdraws a pending one; passing None would queue None).
_set_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))
_clear_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))


# How long a fired deadline waits before firing again when still running.
_REFIRE_SECONDS = 0.02


class _Expired(BaseException):
    """Raised into the evaluating thread when its deadline passes."""


class _Watchdog:
    """One daemon thread for all deadlines of the process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list = []  # (when, token)
        self._active: dict = {}  # token -> [thread id, fired]
        self._ids = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def add(self, seconds: float) -> int:
        with self._cond:
            token = next(self._ids)
            self._active[token] = [threading.get_ident(), False]
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="regolite-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def finish(self, token: int) -> None:
        """Drop the deadline; withdraw its exception if it fired but is still pending."""
        with self._cond:
            entry = self._active.pop(token, None)
            if entry is not None and entry[1]:
                _clear_async_exc(entry[0], None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when, token = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                entry = self._active.get(token)
                if entry is not None:
                    entry[1] = True
                    _set_async_exc(entry[0], _Expired)
                    # An exception delivered where Python swallows it (a gc
                    # callback, __del__, a weakref callback) is lost: fire
                    # again until the deadline is finished.
                    heapq.heappush(self._heap, (time.monotonic() + _REFIRE_SECONDS, token))


_WATCHDOG = _Watchdog()


@contextmanager
def deadline(seconds: Optional[float]) -> Iterator[None]:
    """Run the body with a deadline of `seconds` (None or 0: no deadline).

    Raises RegoEvalError(eval_cancel_error) when the body runs past it.
    """
    if not seconds or seconds <= 0:
        yield
        return
    token = None
    try:
        try:
            token = _WATCHDOG.add(seconds)
            yield
        finally:
            _finish(token)
    except _Expired:
        raise RegoEvalError(EVAL_CANCEL_ERROR, f"evaluation exceeded its deadline of {seconds:g}s") from None


def _finish(token: Optional[int]) -> None:
    """Drop the deadline; an exception delivered meanwhile no longer applies."""
    while True:
        try:
            if token is not None:
                _WATCHDOG.finish(token)
            return
        except _Expired:
            continue
