"""Build the whole book as the README says (executing every chapter, -W: warnings are errors) and look at it."""
import os
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
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}   # kernels must use the inline backend
    result = subprocess.run([jb, "build", "-W", "--keep-going", str(ROOT), "--path-output", str(out)],
                            capture_output=True, text=True, timeout=1800, env=env)
    log = result.stdout + result.stderr
    assert result.returncode == 0, "book build failed:\n" + log[-6000:]
    assert not re.search(r"WARNING:|ERROR:|CRITICAL:", log), "warnings in the build:\n" + log[-6000:]
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
        raw = (html / f"{name}.html").read_text()
        soup = BeautifulSoup(raw, "html.parser")
        # Figures are PNG files in _images; animations are self-contained JavaScript players.
        figures = len(re.findall(r'<img[^>]+src="\.\./_images/', raw)) + raw.count('class="animation"')
        assert figures >= 3, f"{name}: only {figures} figures"
        text = "\n".join(out.get_text() for out in soup.find_all(class_="cell_output"))
        for bad in ("Traceback (most recent call last)", "Error:", "Warning:", "DeprecationWarning"):
            assert bad not in text, f"{name}: {bad!r} on the page"
        assert 'class="output stderr"' not in raw, f"{name}: stderr output on the page"
        # Live ipywidgets would be dead sliders here: they must be removed from the page.
        assert "application/vnd.jupyter.widget-view+json" not in raw, f"{name}: a dead widget"
        assert re.search(r'class="[^"]*exercise', raw), f"{name}: no exercises rendered"
        assert "colab.research.google.com" in raw, f"{name}: no Colab launch button"
        assert "bibliography.html#id" in raw, f"{name}: no citation linked to the bibliography"
        assert re.search(r'class="math notranslate', raw), f"{name}: no math"
        # Math is rendered by the MathJax copy shipped with the book, not by a CDN.
        assert "_static/mathjax/tex-svg.js" in raw and "cdn.jsdelivr.net/npm/mathjax" not in raw


def test_mathjax_is_served_from_the_book(html):
    assert (html / "_static" / "mathjax" / "tex-svg.js").stat().st_size > 1_000_000


def test_bibliography_and_glossary(html):
    assert len(page(html, "book/bibliography").select("dl.citation > dt, .citation")) >= 6
    assert "합성곱" in page(html, "book/glossary").get_text()
