"""Run the numbered notebooks headless (jupytext + papermill), in order, into one folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

from . import config
from .errors import CollabnetError

__all__ = ["notebook_sources", "select_notebooks", "run_notebooks"]


def notebook_sources(folder: str | Path | None = None) -> list[Path]:
    """The suite's notebooks (jupytext percent ``NN-verb-object.py`` files), in order."""
    folder = Path(folder) if folder else config.NOTEBOOKS_DIR
    found = sorted(p for p in folder.glob("[0-9][0-9]-*.py"))
    if not found:
        raise CollabnetError(f"no notebooks (NN-name.py) found in {folder}")
    return found


def select_notebooks(only: list[str] | None = None, folder: str | Path | None = None) -> list[Path]:
    """The notebooks whose names start with one of ``only`` (all when ``only`` is empty).

    Raises
    ------
    CollabnetError
        When a selection is blank or matches no notebook: the message names the notebooks.

    Examples
    --------
    >>> [p.stem for p in select_notebooks(["01"])]
    ['01-collect-works']
    """
    from .terminal import quote

    sources = notebook_sources(folder)
    if not only:
        return sources
    there = ", ".join(p.stem for p in sources)
    for o in only:
        if not o.strip():
            raise CollabnetError(
                f"--only is empty: name a notebook by its number; the notebooks are {there}"
            )
        if not any(p.stem.startswith(o) for p in sources):
            raise CollabnetError(
                f"--only {quote(o)} matches no notebook; the notebooks are {there}"
            )
    return [p for p in sources if any(p.stem.startswith(o) for o in only)]


def run_notebooks(
    out_dir: str | Path,
    *,
    parameters: dict | None = None,
    only: list[str] | None = None,
    kernel_name: str = "python3",
    progress: bool = True,
) -> list[Path]:
    """Execute each notebook with papermill, passing ``out_dir`` and ``parameters``.

    The executed notebooks (with their outputs) are written to ``out_dir/notebooks/``; the
    sources in ``notebooks/`` stay output-free. Returns the executed notebooks' paths.
    ``only`` selects notebooks by the start of their names (``["01", "05"]``); a selection
    that matches none is an error, raised before anything is written.
    """
    sources = select_notebooks(only)

    import jupytext
    import papermill

    from .pipeline import update_manifest

    out_dir = Path(out_dir).resolve()
    executed_dir = out_dir / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    params = {"out_dir": str(out_dir), **(parameters or {})}
    done, log = [], []
    for source in sources:
        nb = jupytext.read(source)
        nb.metadata["kernelspec"] = {
            "name": kernel_name,
            "display_name": "Python 3",
            "language": "python",
        }
        staged = executed_dir / f"{source.stem}.source.ipynb"
        target = executed_dir / f"{source.stem}.ipynb"
        jupytext.write(nb, staged)
        started = time.perf_counter()
        if progress:
            print(f"running {source.name} ...", flush=True)
        # each file the notebook writes records it as its writer in manifest.json
        os.environ["COLLABNET_WRITER"] = f"notebooks/{source.stem}"
        try:
            papermill.execute_notebook(
                str(staged),
                str(target),
                parameters=params,
                kernel_name=kernel_name,
                cwd=str(config.PROJECT_ROOT),
                progress_bar=False,
                # the kernel is local and short-lived: keep its start-up chatter off the console
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except papermill.PapermillExecutionError as exc:
            raise CollabnetError(
                f"notebook {source.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                f" (the executed notebook with the error is {target})"
            ) from None
        finally:
            staged.unlink(missing_ok=True)
            os.environ.pop("COLLABNET_WRITER", None)
        seconds = round(time.perf_counter() - started, 2)
        log.append(
            {
                "notebook": source.name,
                "executed": str(target.relative_to(out_dir)),
                "seconds": seconds,
            }
        )
        done.append(target)
    update_manifest(out_dir, "notebooks", {"parameters": params, "runs": log}, files=done)
    return done
