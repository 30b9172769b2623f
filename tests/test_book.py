"""Build the whole book as the README says (executing every chapter, -W: warnings are errors) and look at it."""
import pathlib
import re

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.book


# The `html` fixture (one build shared with tests/test_browser.py) is in conftest.py.


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
        assert "Traceback (most recent call last)" not in text, f"{name}: a traceback on the page"
        # An exception or warning as Python prints it starts a line ("ValueError: ...",
        # "file.py:3: UserWarning: ..."); a docstring shown with its source lists errors indented.
        bad = re.search(r"(?m)^\S*Error: .*|\w*Warning: .*", text)
        assert not bad, f"{name}: {bad and bad.group(0)!r} on the page"
        assert 'class="output stderr"' not in raw, f"{name}: stderr output on the page"
        # Live ipywidgets would be dead sliders here: they must be removed from the page.
        assert "application/vnd.jupyter.widget-view+json" not in raw, f"{name}: a dead widget"
        assert re.search(r'class="[^"]*exercise', raw), f"{name}: no exercises rendered"
        assert "colab.research.google.com" in raw, f"{name}: no Colab launch button"
        assert "bibliography.html#id" in raw, f"{name}: no citation linked to the bibliography"
        assert re.search(r'class="math notranslate', raw), f"{name}: no math"
        # Math is rendered by the MathJax copy shipped with the book, not by a CDN.
        assert "_static/mathjax/tex-chtml.js" in raw and "cdn.jsdelivr.net/npm/mathjax" not in raw
        # Nothing from third-party servers: no widget state / require.js, no Font Awesome 4 CDN link.
        assert "widget-state+json" not in raw and "require.min.js" not in raw, f"{name}: widget state"
        assert "font-awesome/4.4.0" not in raw and "THEBE_JS_URL" not in raw, name
        assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', raw), f"{name}: a CDN file"
        assert "tag_colab-setup" not in raw, f"{name}: the Colab setup cell is on the page"


def test_mathjax_is_served_from_the_book(html):
    mathjax = html / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").stat().st_size > 1_000_000
    assert (mathjax / "output" / "chtml" / "fonts" / "woff-v2" / "MathJax_Main-Regular.woff").exists()


def test_bibliography_and_glossary(html):
    bib = page(html, "book/bibliography")
    assert len(bib.select("dl.citation > dt, .citation")) >= 6
    # Labels read like the author-year citations in the text ("Lin et al., 2014"), not "[LCY14]".
    labels = [lab.get_text(strip=True) for lab in bib.select("dl.citation > dt, .citation > .label")]
    assert labels and all(re.search(r"(19|20)\d\d[a-z]?\]?$", lab) for lab in labels), labels[:5]
    assert "{term}" not in page(html, "book/glossary").get_text()
    assert "합성곱" in page(html, "book/glossary").get_text()
