"""Small drawing helpers shared by the chapters (matplotlib only)."""
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
