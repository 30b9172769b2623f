"""Small drawing helpers shared by the chapters (matplotlib only)."""
import functools

import matplotlib.pyplot as plt
import numpy as np


def images(imgs, titles=None, ncols=None, size=2.6, cmap="gray", vmin=None, vmax=None):
    """Show a row (or grid) of images without axes; returns ``(fig, axes)``.

    ``imgs``: list of ``(H, W)`` or ``(H, W, 3)`` arrays. Grayscale images use ``cmap``;
    pass ``vmin``/``vmax`` to share a colour scale, else each image is scaled on its own.
    """
    n = len(imgs)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i], cmap=None if np.ndim(imgs[i]) == 3 else cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    return fig, axes


def grid_values(ax, a, fmt="{:g}", cmap="Blues", title=None, fontsize=10, vmin=None, vmax=None):
    """Draw a small 2D array as a coloured grid with each value written in its cell; returns the image artist.

    The text colour follows each cell's rendered colour (black on light cells, white on dark ones, by
    luminance), so the numbers stay readable for any colour map and scale.
    """
    a = np.asarray(a, dtype=float)
    im = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax)
    rgba = im.cmap(im.norm(a))
    luminance = rgba[..., :3] @ np.array([0.2126, 0.7152, 0.0722])
    for (i, j), v in np.ndenumerate(a):
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                color="black" if luminance[i, j] > 0.45 else "white")
    ax.set_xticks([]), ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return im


def box(ax, x, y, text, color, w=0.8, h=0.5, fontsize=9, pad=0.04, lw=0.8):
    """Draw a rounded box of width ``w`` and height ``h`` (data units) centred on ``(x, y)``,
    with ``text`` in it: a node of a network diagram (an RNN step, an encoder state)."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad={pad}",
                                fc=color, ec="0.3", lw=lw))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def labels(ax, color="black", zorder=5):
    """Many short labels (the numbers in a grid's cells) drawn as one artist.

    Returns an empty ``PathCollection``; fill it with :func:`set_labels` (its ``labels``
    attribute then lists the strings shown, for tests and readers of the figure). An explorer that
    writes a number in each of a hundred cells spends most of a redraw laying out a hundred
    ``Text`` artists (about 1 ms each); one collection of glyph outlines draws in one call.
    The labels scale with the figure's dpi, like text.
    """
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Affine2D

    coll = PathCollection([], offsets=np.zeros((0, 2)), offset_transform=ax.transData,
                          facecolors=color, edgecolors="none", zorder=zorder)
    coll.set_transform(Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans)   # points
    ax.add_collection(coll, autolim=False)
    coll.labels = []
    return coll


def set_labels(coll, xy, strings, fontsize=10):
    """Show ``strings`` centred on the data points ``xy`` ``(n, 2)`` in the collection of
    :func:`labels`, at ``fontsize`` points. Raises ValueError if the lengths differ."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    strings = list(strings)
    if len(strings) != len(xy):
        raise ValueError(f"{len(strings)} strings for {len(xy)} positions")
    coll.set_paths([_glyphs(s, float(fontsize)) for s in strings])
    coll.set_offsets(xy)
    coll.labels = strings


@functools.lru_cache(maxsize=4096)
def _glyphs(text, size):
    """The outline of ``text`` at ``size`` points, centred on the origin."""
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), text, size=size)
    if len(path.vertices) == 0:
        return path
    (x0, y0), (x1, y1) = path.get_extents().get_points()
    return Path(path.vertices - [(x0 + x1) / 2, (y0 + y1) / 2], path.codes)
