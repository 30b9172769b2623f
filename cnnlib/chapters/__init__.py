"""One package per chapter, named like its notebook: ``notebooks/04_dimensions_stride_padding.ipynb``
is ``cnnlib/chapters/ch04_dimensions_stride_padding/``.

Each holds what only that chapter uses:

* ``__init__.py``: plain computation (numpy; no matplotlib, no ipywidgets), so tests and other
  code can use it without a display;
* ``figures.py``: the chapter's figures, its explorer (``make_<thing>_explorer()``) and the
  explorer's static companion;
* ``checks.py``: the auto-checks of its exercises, ids ``chNN-*`` (see :mod:`cnnlib.checks`).

Chapters never import each other: what a second chapter needs moves to the topic modules
(:mod:`cnnlib.functional`, :mod:`cnnlib.kernels`, :mod:`cnnlib.counting`, :mod:`cnnlib.data`, ...).
"""
