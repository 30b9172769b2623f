"""Serve MathJax from the book itself, so formulas render with no network (offline, behind a firewall).

Sphinx loads MathJax from a CDN by default. The ``django-static-mathjax`` wheel (pinned in
requirements.txt) ships MathJax 3 as plain static files, importable as ``mathjax``; after the
build we copy the renderer that ``mathjax_path`` in ``_config.yml`` names (``tex-chtml.js``: HTML
output, 1.2 MB, with its web fonts, against 2.1 MB for ``tex-svg.js``) and the parts it loads on
demand into ``_static/mathjax``.
"""
import pathlib
import shutil

PARTS = ("input", "ui", "a11y")             # lazily loaded pieces
FONTS = {"tex-chtml.js": "output/chtml/fonts/woff-v2"}   # CHTML's web fonts (SVG draws its own glyphs)


def mathjax_files():
    import mathjax
    return pathlib.Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    src, dst = mathjax_files(), pathlib.Path(app.outdir) / "_static" / "mathjax"
    renderer = pathlib.PurePosixPath(app.config.mathjax_path).name
    parts = (renderer, *PARTS, *([FONTS[renderer]] if renderer in FONTS else []))
    for part in parts:
        if (src / part).is_dir():
            shutil.copytree(src / part, dst / part, dirs_exist_ok=True)
        else:
            (dst / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / part, dst / part)


def setup(app):
    mathjax_files()   # fail early, with an ImportError naming the package, if it is not installed
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
