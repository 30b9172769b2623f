"""Publish the explorers' precomputed frames with the book.

``cnnlib.explorer.web_explorer`` runs while a chapter executes and writes its frames to
``notebooks/_frames/<name>/<index>.jpg`` (git ignores that folder); the page fetches them on
demand from ``_frames/`` at the site's root. After the build this copies the folder there.
"""
import pathlib
import shutil

from sphinx.util import logging

LOG = logging.getLogger(__name__)


def copy_frames(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    src = pathlib.Path(app.srcdir) / "notebooks" / "_frames"
    pages = list(pathlib.Path(app.outdir).glob("notebooks/*.html"))
    wanted = any("cnnlib-explorer" in p.read_text(errors="ignore") for p in pages)
    if wanted and not src.is_dir():
        LOG.warning("explorer frames missing: %s (delete the execution cache and rebuild)", src)
        return
    if src.is_dir():
        shutil.copytree(src, pathlib.Path(app.outdir) / "_frames", dirs_exist_ok=True)


def setup(app):
    app.connect("build-finished", copy_frames)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
