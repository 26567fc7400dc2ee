"""One run's figures (`Result`) and the table `fanout.py` prints."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

PROBES = 8  # clients per run that keep what they receive, with its time

if TYPE_CHECKING:
    from storm import Storm


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else math.nan


@dataclass
class Result:
    target: str
    n: int  # sinks in all
    rate: float
    hubs: int = 1  # hall's hubs sharing the sinks (and the probes), one core each
    achieved: float = 0.0
    commands: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    expected: int = 0  # frames (calls on the wall) the sinks should have received
    received: int = 0
    closed: int = 0  # sinks the server closed during the run
    samples: list[float] = field(default_factory=list)  # ms
    probe_missing: int = 0
    rtts: list[float] = field(default_factory=list)  # ms, each command's answer
    deliveries: int = 0
    server_cpu: float = 0.0  # seconds over the run
    softirq: float = 0.0  # seconds of softirq on the server's core (loopback receive work)
    others: float = 0.0  # cores' worth of CPU used by other processes on the machine
    elapsed: float = 0.0  # seconds, publishing + draining
    rss_per_conn: float = 0.0  # bytes
    gen_cpu: float = 0.0  # share of one core
    redis_cpu: float = 0.0
    connect_s: float = 0.0
    note: str = ""

    @property
    def name(self) -> str:
        return self.target if self.hubs == 1 else f"{self.target} ({self.hubs} hubs)"

    @property
    def saturated(self) -> bool:
        return self.achieved < 0.95 * self.rate

    @property
    def loss(self) -> float:
        return max(0, self.expected - self.received) / self.expected if self.expected else 0.0

    @property
    def cpu_us(self) -> float:
        return self.server_cpu / self.deliveries * 1e6 if self.deliveries else math.nan

    def pct(self, q: float) -> float:
        return percentile(self.samples, q)

    def line(self) -> str:
        sat = "SATURATED" if self.saturated else "ok"
        codes = {k: v for k, v in self.statuses.items() if k != 200}
        what = "calls" if self.target == "hall-wall" else "frames"
        return (
            f"{self.name} N={self.n} R={self.rate:g}: achieved {self.achieved:.1f}/s ({sat}), "
            f"{self.commands} commands{f', non-200 {codes}' if codes else ''}\n"
            f"  loss {self.expected - self.received:,} of {self.expected:,} {what} "
            f"({self.loss:.3%}); sinks closed by the server: {self.closed}\n"
            f"  latency ms p50 {self.pct(0.5):.2f} p99 {self.pct(0.99):.2f} "
            f"p99.9 {self.pct(0.999):.2f} max {max(self.samples, default=math.nan):.2f} "
            f"({len(self.samples):,} samples from {PROBES} probes, "
            f"{self.probe_missing} not received); command answer ms p50 "
            f"{percentile(self.rtts, 0.5):.2f} p99 {percentile(self.rtts, 0.99):.2f}\n"
            f"  server CPU {self.cpu_us:.1f} us/delivery ({self.deliveries:,} deliveries, "
            f"{self.server_cpu / self.elapsed:.0%} of a core; of which softirq on its core, "
            f"the receivers' TCP work, {self.softirq / max(1, self.deliveries) * 1e6:.1f} "
            f"us/delivery); RSS "
            f"{self.rss_per_conn / 1024:.1f} KiB/connection; load generator "
            f"{self.gen_cpu:.0%} of a core, Redis {self.redis_cpu:.0%}, other processes "
            f"{self.others:.0%}; "
            f"connected in {self.connect_s:.1f} s{self.note}"
        )


def table(results: Iterable[Result], storm_result: Storm | None) -> str:
    rows = [
        "| target | N | R/s | achieved/s | loss | p50 ms | p99 ms | p99.9 ms | max ms "
        "| CPU µs/delivery | RSS KiB/conn |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        achieved = f"{r.achieved:.1f}" + (" (saturated)" if r.saturated else "")
        rows.append(
            f"| {r.name} | {r.n:,} | {r.rate:g} | {achieved} | {r.loss:.2%} "
            f"| {r.pct(0.5):.1f} | {r.pct(0.99):.1f} | {r.pct(0.999):.1f} "
            f"| {max(r.samples, default=math.nan):.1f} | {r.cpu_us:.1f} "
            f"| {r.rss_per_conn / 1024:.1f} |"
        )
    if storm_result is not None:
        s = storm_result
        rows.append("")
        rows.append(
            f"reconnect storm (hall-wall, N={s.n:,}): all {s.resynced:,} full views "
            f"{s.resync_s:.2f} s after the new hub listened (p50 {s.p50_s:.2f} s, p99 "
            f"{s.p99_s:.2f} s); {s.down_s + s.resync_s:.2f} s from SIGTERM "
            f"(of which {s.start_s:.2f} s starting the new process)"
        )
    return "\n".join(rows)
