"""What a long command is doing: a line per stage with its counts and time, bars on long loops."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

__all__ = ["Progress", "SILENT"]


class Progress:
    """Reports the stages of a build on standard error (nothing when not `enabled`).

    Each stage prints its name when it starts and, when it ends, what it made and how long
    it took; loops that may run for more than a couple of seconds show a tqdm bar.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress(stream=out, clock=iter([0.0, 1.5]).__next__)
    >>> with p.stage("reading works") as done:
    ...     done("3 works")
    >>> print(out.getvalue(), end="")
    reading works ...
      3 works (1.5 s)
    """

    def __init__(self, enabled: bool = True, *, stream=None, clock=time.perf_counter):
        self.enabled = enabled
        self.stream = stream
        self.clock = clock

    def say(self, text: str) -> None:
        """Print one line (when enabled)."""
        if self.enabled:
            stream = self.stream or sys.stderr
            print(text, file=stream, flush=True)

    @contextmanager
    def stage(self, title: str):
        """Announce a stage; the yielded function sets the summary printed at its end."""
        summary: list[str] = []
        self.say(f"{title} ...")
        started = self.clock()
        yield summary.append
        seconds = self.clock() - started
        text = "; ".join(summary)
        self.say(f"  {text + ' ' if text else ''}({seconds:.1f} s)")

    def bar(self, total: int | None, desc: str, unit: str = ""):
        """A tqdm bar shown only when enabled and after two seconds; ``update(n)`` moves it."""
        from tqdm.auto import tqdm

        return tqdm(
            total=total,
            desc=f"  {desc}",
            unit=unit,
            unit_scale=True,
            leave=False,
            delay=2,
            mininterval=0.5,
            disable=not self.enabled,
            file=self.stream or sys.stderr,
        )


#: A progress reporter that says nothing (notebooks and library calls).
SILENT = Progress(enabled=False)
