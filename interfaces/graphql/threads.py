"""Reads in a worker thread: the event loop's `run_in_executor`, as Litestar's own sync handlers
do, on a pool of the GraphQL reads' own.

anyio's `to_thread.run_sync` costs ~35 us more a round trip (checkpoints, a capacity limiter, a
shielded cancel scope) and every GraphQL answer makes one or two. The pool has as many threads as
anyio's default limiter allows (40), made as needed, so reads wait for each other no more than
before and never for Litestar's or anyio's other work. The context is copied into the thread, as
both do. One difference, harmless for reads: a task cancelled while its read runs stops waiting
at once (anyio would wait for the thread); the read finishes and its result is dropped.
Under anything but asyncio, anyio as before.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from threading import Lock
from typing import Any, TypeVar

import anyio.to_thread
import sniffio

T = TypeVar("T")

MAX_THREADS = 40  # anyio's default thread limiter

_pool: ThreadPoolExecutor | None = None
_pool_lock = Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 - one pool for the process, made when first needed
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="graphql-read")
    return _pool


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a worker thread."""
    try:
        library = sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        library = None
    if library != "asyncio":
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_executor(), partial(context.run, fn, *args, **kwargs))
