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
    """Draw a small 2D array as a coloured grid with each value written in its cell; returns the image artist."""
    a = np.asarray(a)
    im = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax)
    lo, hi = (np.nanmin(a), np.nanmax(a)) if a.size else (0, 1)
    for (i, j), v in np.ndenumerate(a):
        dark = hi > lo and (v - lo) / (hi - lo) > 0.6
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=fontsize, color="white" if dark else "black")
    ax.set_xticks([]), ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return im
