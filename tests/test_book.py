"""Build the whole book as the README says (executing every chapter, -W: warnings are errors) and look at it."""
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    jb = shutil.which("jupyter-book") or str(pathlib.Path(sys.executable).with_name("jupyter-book"))
    result = subprocess.run([jb, "build", "-W", "--keep-going", str(ROOT), "--path-output", str(out)],
                            capture_output=True, text=True, timeout=1800)
    log = result.stdout + result.stderr
    assert result.returncode == 0, "book build failed:\n" + log[-6000:]
    assert not re.search(r"WARNING|ERROR", log), "warnings in the build:\n" + log[-6000:]
    return out / "_build" / "html"


def chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


def page(html, name):
    path = html / f"{name}.html"
    assert path.exists(), f"no page for {name}"
    return BeautifulSoup(path.read_text(), "html.parser")


def test_index_and_every_page_exist(html):
    assert (html / "index.html").exists()
    for name in chapters():
        page(html, name)


def test_chapters_show_figures_and_no_errors(html):
    for name in chapters():
        if not name.startswith("notebooks/"):
            continue
        soup = page(html, name)
        body = soup.find("main") or soup
        figures = body.select("img") + body.select("div.output video, div.output svg")
        assert len(figures) >= 3, f"{name}: only {len(figures)} figures"
        text = body.get_text()
        for bad in ("Traceback (most recent call last)", "Error:", "Warning:", "DeprecationWarning"):
            assert bad not in text, f"{name}: {bad!r} on the page"
        assert not body.select("div.output.stderr, div.cell_output .stderr"), f"{name}: stderr output on the page"
        # Live ipywidgets would be dead sliders here: they must be removed from the page.
        assert not soup.find("script", type="application/vnd.jupyter.widget-view+json"), f"{name}: a dead widget"
        assert body.select("div.exercise, .exercise"), f"{name}: no exercises rendered"
        assert "colab.research.google.com" in str(soup), f"{name}: no Colab launch button"
        assert "cite" in str(body) or "bibtex" in str(body), f"{name}: no citation"
        assert body.select("mjx-container, span.math, div.math"), f"{name}: no math"


def test_bibliography_and_glossary(html):
    assert len(page(html, "book/bibliography").select("dl.citation > dt, .citation")) >= 6
    assert "합성곱" in page(html, "book/glossary").get_text()
