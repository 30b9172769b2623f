"""Chapter 6, "Pooling": the pooling explorer and its static companion.

One pooling window sliding over a small real activation map. Controls: the pool (max,
avg, min), window ``K`` (1-4), stride ``S`` (1-4) and the input's size ``n`` (2-8, a
crop of the map). Left: the input map with its values, the outline of every window
position (the first one highlighted) and, for max/min pooling, a circle on each value
that survives. Right: the pooled output with its values and shape. When the window is
larger than the input the right panel says so instead of raising.

:func:`make_pool_explorer` returns the :class:`cnnlib.explorer.Explorer`; :data:`WEB_GRID`
is the grid of settings that :func:`cnnlib.explorer.web_explorer` precomputes for the web
page (the full 8x8 input, every pool, window and stride: 48 frames).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from cnnlib.explorer import Explorer

from . import MAX_SIZE, POOLS, example_map, pool_map


#: The web page's grid: every pool, window and stride on the full input.
WEB_GRID = dict(pool=list(POOLS), window=[1, 2, 3, 4], stride=[1, 2, 3, 4])


def _outline(r0, c0, k):
    """The four edges of the k x k square with top-left cell (r0, c0), for imshow."""
    x0, y0, x1, y1 = c0 - 0.5, r0 - 0.5, c0 + k - 0.5, r0 + k - 0.5
    return [
        [(x0, y0), (x1, y0)],
        [(x1, y0), (x1, y1)],
        [(x1, y1), (x0, y1)],
        [(x0, y1), (x0, y0)],
    ]


def _pool_panels(x=None):
    """The explorer's figure, its ``update(pool, window, stride, size)`` and artists.

    Args:
        x: a square 2D map (default :func:`~cnnlib.chapters.ch06_pooling.example_map`).

    Returns:
        ``(fig, update, changing)``: ``update`` changes the figure in place, clamps its
        arguments to the controls' ranges (so no setting raises) and returns
        ``"redraw"`` when the input size, and with it the axes limits, changed;
        ``changing`` lists the artists that a move of the other controls changes, for
        the explorer's blitting (:class:`cnnlib.explorer.Explorer`).

    Raises:
        ValueError: when ``x`` is not a square 2D map.
    """
    x_full = example_map() if x is None else np.asarray(x, dtype=float)
    if x_full.ndim != 2 or x_full.shape[0] != x_full.shape[1]:
        raise ValueError(f"x has shape {x_full.shape}; expected a square 2D map")
    n_max = x_full.shape[0]
    vmin, vmax = float(x_full.min()), float(x_full.max())
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(8.4, 4.2), dpi=84)
    im_in = ax_in.imshow(x_full, cmap="Blues", vmin=vmin, vmax=vmax)
    im_out = ax_out.imshow(x_full, cmap="Blues", vmin=vmin, vmax=vmax)
    fig.colorbar(
        im_out, ax=[ax_in, ax_out], shrink=0.8, label="activation (ReLU of Sobel x)"
    )
    txt_kw = dict(ha="center", va="center", fontsize=7)
    t_in = [
        [ax_in.text(j, i, "", **txt_kw) for j in range(n_max)] for i in range(n_max)
    ]
    t_out = [
        [ax_out.text(j, i, "", **txt_kw) for j in range(n_max)] for i in range(n_max)
    ]
    # the window outlines and circles lie above the values and the axes frame (zorder 4)
    grid = LineCollection([], colors="tab:orange", linewidths=0.8, alpha=0.8, zorder=4)
    first = LineCollection([], colors="tab:red", linewidths=2.5, zorder=4)
    ax_in.add_collection(grid), ax_in.add_collection(first)
    (kept,) = ax_in.plot(
        [], [], "o", ms=11, mfc="none", mec="tab:red", mew=1.5, zorder=4
    )
    message = ax_out.text(
        0.5, 0.5, "", transform=ax_out.transAxes, ha="center", va="center", fontsize=10
    )
    for ax in (ax_in, ax_out):
        ax.set_xticks([]), ax.set_yticks([])
    mid = 0.5 * (vmin + vmax)

    def show(ax, im, texts, a, frame):
        """Draw ``a`` in the top-left corner of a ``frame x frame`` grid of cells."""
        h, w = a.shape
        im.set_data(a)
        im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        ax.set_xlim(-0.5, frame - 0.5), ax.set_ylim(frame - 0.5, -0.5)
        for i in range(n_max):
            for j in range(n_max):
                t = texts[i][j]
                if i < h and j < w:
                    t.set_text(f"{a[i, j]:.1f}")
                    t.set_color("white" if a[i, j] > mid else "black")
                    t.set_visible(True)
                else:
                    t.set_visible(False)

    def update(pool="max", window=2, stride=2, size=n_max):
        pool = pool if pool in POOLS else "max"
        size = int(np.clip(size, 2, n_max))
        window, stride = int(np.clip(window, 1, 4)), int(np.clip(stride, 1, 4))
        x = x_full[:size, :size]
        redraw = size != shown["size"]  # the input and both frames change: redraw all
        shown["size"] = size
        show(ax_in, im_in, t_in, x, size)
        ax_in.set_title(
            f"input {size}x{size}: {window}x{window} windows, stride {stride}",
            fontsize=10,
        )
        out, pos, msg = pool_map(x, pool, window, stride)
        message.set_text(msg)
        if out is None:
            grid.set_segments([]), first.set_segments([])
            kept.set_data([], [])
            im_out.set_visible(False)
            for row in t_out:
                for t in row:
                    t.set_visible(False)
            ax_out.set_title("no output", fontsize=10)
            return "redraw" if redraw else None
        m = out.shape[0]
        grid.set_segments(
            [
                seg
                for i in range(m)
                for j in range(m)
                for seg in _outline(i * stride, j * stride, window)
            ]
        )
        first.set_segments(_outline(0, 0, window))
        kept.set_data(pos[:, 1], pos[:, 0]) if len(pos) else kept.set_data([], [])
        im_out.set_visible(True)
        show(ax_out, im_out, t_out, out, size)  # same cells: the output is smaller
        ax_out.set_title(f"{pool} pool: output {m}x{m}", fontsize=10)
        return "redraw" if redraw else None

    shown = {"size": None}
    update()
    # What a move changes when the input size stays: repainted on the still background
    # (the input map and its values), in this order, which is also their drawing order.
    changing = [grid, first, kept, ax_in.title, im_out, *ax_out.spines.values()]
    changing += [t for row in t_out for t in row] + [message, ax_out.title]
    return fig, update, changing


def make_pool_explorer():
    """The explorer: pool, window, stride and input size, clamped so nothing raises.

    Returns a :class:`cnnlib.explorer.Explorer`; its ``.fig``, ``.update`` and
    ``.controls`` work headless.
    """
    import ipywidgets as w

    fig, update, changing = _pool_panels()
    controls = {
        "pool": w.Dropdown(options=list(POOLS), value="max", description="pool"),
        "window": w.IntSlider(value=2, min=1, max=4, description="window K"),
        "stride": w.IntSlider(value=2, min=1, max=4, description="stride S"),
        "size": w.IntSlider(value=MAX_SIZE, min=2, max=MAX_SIZE, description="input n"),
    }
    return Explorer(fig, update, controls, animated=changing)
