"""A bounded concurrent HTTP load client (asyncio + httpx) and the figures taken from one run."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class LoadRun:
    """One timed run against one URL. Latencies are kept only in memory, not in the JSON."""

    label: str
    planned: int
    ok_status: int = 201  # the answer that counts as done (the webhook answers 200)
    elapsed_s: float = 0.0
    timed_out: bool = False
    statuses: Counter[int] = field(default_factory=Counter)  # 0 = transport error
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def created(self) -> int:
        return self.statuses[self.ok_status]

    @property
    def errors(self) -> int:
        """Everything that was not a 201, including requests a timeout left unsent or unanswered."""
        return self.planned - self.created

    @property
    def rps(self) -> float:
        # Only successes count: a server that answers errors fast must not look fast.
        return self.created / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, pct: float) -> float:
        """Nearest-rank percentile; NaN when nothing completed."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        rank = max(1, math.ceil(pct / 100 * len(ordered)))
        return ordered[rank - 1]

    def summary(self) -> dict[str, object]:
        return {
            "label": self.label,
            "planned": self.planned,
            "completed": self.completed,
            "elapsed_s": round(self.elapsed_s, 3),
            "timed_out": self.timed_out,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile_ms(50), 2),
            "p99_ms": round(self.percentile_ms(99), 2),
            "errors": self.errors,
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
        }


async def _worker(
    client: httpx.AsyncClient, url: str, bodies: list[bytes], next_index: list[int], run: LoadRun,
    headers: dict[str, str],
) -> None:
    """Take the next request number until `planned` are taken; record status and latency."""
    while next_index[0] < run.planned:
        index = next_index[0]
        next_index[0] += 1  # no await between read and write: safe on one event loop
        started = time.perf_counter()
        try:
            response = await client.post(url, content=bodies[index % len(bodies)], headers=headers)
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        run.latencies_ms.append((time.perf_counter() - started) * 1000)
        run.statuses[status] += 1


async def _load(label: str, url: str, bodies: list[bytes], total: int, concurrency: int, timeout_s: float,
                headers: dict[str, str], ok_status: int) -> LoadRun:
    run = LoadRun(label=label, planned=total, ok_status=ok_status)
    # One keep-alive connection per worker, as many app clients behind a proxy would hold.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(30.0), trust_env=False) as client:
        next_index = [0]
        started = time.perf_counter()
        tasks = [asyncio.create_task(_worker(client, url, bodies, next_index, run, headers)) for _ in range(concurrency)]
        _done, pending = await asyncio.wait(tasks, timeout=timeout_s)
        run.elapsed_s = time.perf_counter() - started
        run.timed_out = bool(pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return run


def run_load(label: str, url: str, bodies: list[bytes], total: int, concurrency: int, timeout_s: float,
             headers: dict[str, str] | None = None, ok_status: int = 201) -> LoadRun:
    """POST `total` bodies to `url` from `concurrency` workers; stop at `timeout_s` whatever happens."""
    return asyncio.run(_load(label, url, bodies, total, concurrency, timeout_s, headers or JSON_HEADERS, ok_status))
