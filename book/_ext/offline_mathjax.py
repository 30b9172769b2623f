"""Serve MathJax from the book itself, so formulas render with no network (offline, behind a firewall).

Sphinx loads MathJax from a CDN by default. The ``django-static-mathjax`` wheel (pinned in
requirements.txt) ships MathJax 3 as plain static files, importable as ``mathjax``; after the
build we copy the self-contained SVG renderer and the parts it loads on demand into
``_static/mathjax``, and ``mathjax_path`` in ``_config.yml`` points there.
"""
import pathlib
import shutil

PARTS = ("tex-svg.js", "input", "ui", "a11y")   # the renderer (fonts included) + lazily loaded pieces


def mathjax_files():
    import mathjax
    return pathlib.Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    src, dst = mathjax_files(), pathlib.Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, dst / part, dirs_exist_ok=True)
        else:
            dst.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / part, dst / part)


def setup(app):
    mathjax_files()   # fail early, with an ImportError naming the package, if it is not installed
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
