"""`fanout.py --profile`: py-spy on a server during a run, and a summary of where its time
went (self and inclusive shares per function)."""

from __future__ import annotations

import math
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

SAMPLE_HZ = 250  # py-spy's rate under --profile
# Frames under which everything runs (the CLI, the loop): left out of the inclusive list.
BOILERPLATE = re.compile(
    r"click/|runpy|uvicorn/(main|server|_compat)\.py|asyncio/(runners|base_events)\.py|"
    r"hall/(cli|__main__)\.py|uvloop/__init__"
)


def start_profile(pid: int, name: str, seconds: float, args: Any) -> subprocess.Popen[bytes] | None:
    if not args.profile:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("  (no py-spy: pip install py-spy to profile)")
        return None
    out = Path(args.profile) / f"{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [spy, "record", "--pid", str(pid), "--rate", str(SAMPLE_HZ), "--nonblocking"]
    argv += ["--format", "raw", "--output", str(out), "--duration", str(math.ceil(seconds))]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.output = out  # type: ignore[attr-defined]
    return proc


def finish_profile(spy: subprocess.Popen[bytes] | None, *, now_: bool = False) -> str:
    """Wait for py-spy (or stop it at once) and summarize what it wrote."""
    if spy is None:
        return ""
    if now_:
        spy.send_signal(signal.SIGINT)
    try:
        spy.wait(30)
    except subprocess.TimeoutExpired:
        spy.send_signal(signal.SIGINT)
        spy.wait(10)
    out: Path = spy.output  # type: ignore[attr-defined]
    return f"\n  profile: {out}\n" + summarize_profile(out) if out.exists() else ""


def summarize_profile(path: Path, top: int = 12) -> str:
    """Self and inclusive shares per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        k = int(count)
        total += k
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = [f.replace(str(Path(sys.prefix)), "~") for f in frames]
        own[frames[-1]] += k
        for f in set(frames):
            if not BOILERPLATE.search(f):
                incl[f] += k
    if not total:
        return "  (no samples)"
    rows = [f"  {total} samples at {SAMPLE_HZ} Hz; self time:"]
    rows += [f"    {k / total:6.1%}  {f}" for f, k in own.most_common(top)]
    rows += ["  inclusive time:"]
    rows += [f"    {k / total:6.1%}  {f}" for f, k in incl.most_common(top * 2)]
    return "\n".join(rows)
