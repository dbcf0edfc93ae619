"""The per-article pass on Dask workers (``warwatch ingest --workers N`` or ``--scheduler tcp://host:8786``).

What runs where:

* **workers** run :meth:`~warwatch.pipeline.Pipeline.first_isolated`: parse, extract, and place each
  toponym on its own. Each worker loads spaCy and opens the gazetteer once (:class:`Extractor`, a
  worker plugin), and gets the articles' text from the client in chunks of BATCH_SIZE (a worker needs
  no access to the client's files). An article whose extraction raises comes back as the reason.
* **the writer** (the ingest process) runs :meth:`~warwatch.pipeline.Pipeline.place_isolated`: the
  batch's places weigh namesakes (the theatre), confidence is settled, and it stores each article.
  It opens the gazetteer but never loads spaCy.

A one-process ingest runs the same two functions, in one place; the first pass of an article depends
on that article alone, so the result is the same whichever worker parsed it, and in whatever order.
The writer keeps at most ``ahead`` chunks in flight, so memory stays bounded on any input, and the
workers parse the next batch while the writer stores this one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin

from warwatch.errors import InputError, WarwatchError
from warwatch.pipeline import BATCH_SIZE, Interrupted

if TYPE_CHECKING:
    from warwatch.extract.extraction import Extraction
    from warwatch.models import Article
    from warwatch.pipeline import Pipeline

#: the name the worker plugin is registered under
PLUGIN = "warwatch-extractor"
#: seconds to wait for a scheduler given by address, and for a local cluster's workers to start
CONNECT_TIMEOUT = 30.0

# one per worker process: the plugin's setup loads it, every task of the process uses it
_PIPELINE: Pipeline | None = None
_LOADS = 0
_LOCK = threading.Lock()


class ClusterError(WarwatchError):
    """The Dask cluster cannot be reached or started."""

    exit_code = 2


def _worker_pipeline() -> Pipeline:
    """This process's pipeline, spaCy loaded: once per process, however often the plugin is registered
    (each ingest into a long-lived cluster registers it again)."""
    global _PIPELINE, _LOADS
    with _LOCK:
        if _PIPELINE is None:
            from warwatch.pipeline import Pipeline

            pipeline = Pipeline()
            pipeline.nlp  # noqa: B018 - loaded now, at the worker's start, not in its first task
            _PIPELINE = pipeline
            _LOADS += 1
        return _PIPELINE


def loads() -> int:
    """How many times this process loaded the pipeline (1 on a worker that has run the plugin):
    ``client.run(loads)`` asks every worker."""
    return _LOADS


class Extractor(WorkerPlugin):
    """Loads spaCy and the gazetteer once on each worker, as it joins the cluster (or when registered)."""

    name = PLUGIN

    def setup(self, worker: Any) -> None:
        _worker_pipeline()


def extract(articles: Sequence[Article]) -> list[Extraction | str]:
    """The task: the first pass of each article (or why it failed), on this worker's pipeline. One
    thread at a time: spaCy gains nothing from threads, and its pipeline is not shared safely."""
    pipeline = _worker_pipeline()
    with _LOCK:
        return pipeline.first_isolated(articles)


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}".rstrip(": ")


class Workers:
    """A Dask client for the first pass: to a running cluster (``scheduler``) or to a local one of
    ``workers`` processes that it starts and closes. Use it as a context manager."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *,
                 chunk: int = BATCH_SIZE, ahead: int | None = None, timeout: float | None = None) -> None:
        if (scheduler is None) == (workers is None):
            raise InputError("give either a Dask scheduler's address (--scheduler) or a number of workers (--workers)")
        if workers is not None and workers < 1:
            raise InputError(f"--workers wants a number of worker processes, 1 or more, not {workers}")
        self.scheduler = scheduler
        self.workers = workers
        self.chunk = max(1, chunk)
        self.ahead = ahead
        self.timeout = timeout
        self.client: Any = None
        self._cluster: Any = None
        self._pending: deque[tuple[Any, int]] = deque()  # (future, articles in its chunk)

    def __enter__(self) -> Workers:
        import dask
        from distributed import Client

        timeout = self.timeout or dask.config.get("distributed.comm.timeouts.connect", CONNECT_TIMEOUT)
        try:
            if self.scheduler is not None:
                self.client = Client(self.scheduler, timeout=timeout, set_as_default=False)
            else:
                from distributed import LocalCluster

                # one thread per process: spaCy holds the GIL; no dashboard (no port to take)
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=40)
                self.client = Client(self._cluster, set_as_default=False)
            self.client.register_plugin(Extractor(), name=PLUGIN)
        except Exception as error:  # unreachable, refused, a malformed address, a worker that cannot start
            self.close()
            where = f"the Dask scheduler at {self.scheduler}" if self.scheduler else "a local Dask cluster"
            raise ClusterError(f"cannot use {where}: {_one_line(error)}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Cancel what is still in flight and let go of the cluster (closing the one it started)."""
        if self.client is not None and self._pending:
            with suppress(Exception):  # the connection may be gone: nothing left to cancel then
                self.client.cancel([future for future, _ in self._pending])
        self._pending.clear()
        for closable in (self.client, self._cluster):
            if closable is not None:
                with suppress(Exception):  # best effort: what the run stored is stored
                    closable.close()
        self.client = self._cluster = None

    def first_pass(self, articles: Sequence[Article],
                   should_stop: Callable[[], bool] | None = None) -> Iterator[Extraction | str]:
        """The first pass of each article, in order (an article a worker failed on: the reason, as
        :meth:`Pipeline.first_isolated` gives it). At most ``ahead`` chunks are in flight (twice the
        cluster's threads by default). Raises :class:`Interrupted` between two articles when
        ``should_stop()`` is true."""
        chunks = (list(articles[i:i + self.chunk]) for i in range(0, len(articles), self.chunk))
        ahead = self.ahead or max(4, 2 * sum(self.client.nthreads().values()))
        pending = self._pending
        for chunk in chunks:
            pending.append(self._submit(chunk))
            if len(pending) >= ahead:
                yield from self._take(pending.popleft(), should_stop)
        while pending:
            yield from self._take(pending.popleft(), should_stop)

    def _submit(self, chunk: list[Article]) -> tuple[Any, int]:
        return self.client.submit(extract, chunk, pure=False), len(chunk)

    @staticmethod
    def _take(pending: tuple[Any, int], should_stop: Callable[[], bool] | None) -> Iterator[Extraction | str]:
        future, size = pending
        while not future.done():  # a stop asked for is heard while a chunk is still being parsed
            if should_stop is not None and should_stop():
                raise Interrupted
            time.sleep(0.02)
        try:
            results = future.result()
        except Exception as error:  # the task itself failed (its worker died, killed for memory)
            results = [f"cannot extract events on a Dask worker: {_one_line(error)}"] * size
        for result in results:
            if should_stop is not None and should_stop():
                raise Interrupted
            yield result
