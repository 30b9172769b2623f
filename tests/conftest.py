import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import matplotlib
import pytest

# Tests draw figures headless. Only this process: setting MPLBACKEND in the environment would
# reach the notebook kernels that the book build starts, and their figures would vanish.
matplotlib.use("Agg")

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _build_book(out):
    jb = shutil.which("jupyter-book") or str(pathlib.Path(sys.executable).with_name("jupyter-book"))
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}   # kernels must use the inline backend
    result = subprocess.run([jb, "build", "-W", "--keep-going", str(ROOT), "--path-output", str(out)],
                            capture_output=True, text=True, timeout=1800, env=env)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        return "book build failed:\n" + log[-6000:]
    if re.search(r"WARNING:|ERROR:|CRITICAL:", log):
        return "warnings in the build:\n" + log[-6000:]
    return ""


@pytest.fixture(scope="session")
def html(tmp_path_factory):
    """The whole book, built once per test run (-W: warnings are errors), shared by the book and
    browser tests. Under pytest-xdist every worker is its own session: the first to get here
    builds, under a file lock, into the run's common temporary folder; the others wait and reuse it."""
    if os.environ.get("BOOK_HTML"):   # a book you built yourself: skip the build (for working on tests)
        return pathlib.Path(os.environ["BOOK_HTML"])
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    out, status = root / "book", root / "book-status.json"
    from filelock import FileLock
    with FileLock(str(root / "book.lock")):
        if not status.exists():
            status.write_text(json.dumps({"error": _build_book(out)}))
    error = json.loads(status.read_text())["error"]
    assert not error, error
    return out / "_build" / "html"
