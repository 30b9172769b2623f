"""Explorer for chapter 6: one pooling window sliding over a small real feature map.

Controls: pool type (max, avg, min), window ``K`` (1-4), stride ``S`` (1-4) and the
input's size ``n`` (2-8, a crop of the map). Left: the input activation map with its
values, the outline of every window position (the first one highlighted) and, for
max/min pooling, a dot on each value that survives. Right: the pooled output with its
values and shape. When the window is larger than the input the right panel says so
instead of raising.

``make_pool_explorer()`` returns the :class:`cnnlib.widgets.Explorer`;
``pool_figure()`` returns ``(fig, update)`` for tests, benchmarks and
:func:`cnnlib.widgets.animate`.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from .. import data, functional as F
from ..invariance import edge_features

KINDS = ("max", "avg", "min")
MAX_SIZE = 8
_POOL = {"max": F.max_pool2d, "avg": F.avg_pool2d, "min": F.min_pool2d}


def example_map(size=MAX_SIZE):
    """A ``(size, size)`` crop of a real activation map: ReLU(Sobel x) of the camera photo at 64x64.

    The crop sits where the photographer's head meets the sky, where the map has strong and weak
    values side by side. Values rounded to one decimal so the figure's labels are exact.
    """
    img = data.image("camera", gray=True, size=(64, 64))
    fmap = edge_features(img, padding="edge")[0, 0]
    return np.round(fmap[9:9 + size, 30:30 + size], 1)


def pool_map(x, kind="max", window=2, stride=2):
    """Pool a 2D map with a square window; returns ``(out, positions, message)``.

    Args:
        x: ``(n, n)`` map. kind: 'max', 'avg' or 'min'. window, stride: positive ints.

    Returns:
        ``out``: ``(m, m)`` pooled map with ``m = (n - window) // stride + 1`` (torch's rule),
        or None when the window does not fit; ``positions``: ``(m*m, 2)`` row, column of the
        value each max/min window keeps (first in row-major order on ties; empty for avg);
        ``message``: '' or why there is no output.

    Raises:
        ValueError: for an unknown kind or a non-positive window/stride (the explorer's
        controls never produce them).
    """
    x = np.asarray(x, dtype=float)
    if kind not in _POOL:
        raise ValueError(f"kind={kind!r}: expected one of {KINDS}")
    if window < 1 or stride < 1:
        raise ValueError(f"window={window} and stride={stride} must be positive")
    n = x.shape[0]
    if window > n:
        return None, np.zeros((0, 2), int), f"a {window}x{window} window does not fit\nin a {n}x{n} input"
    out = _POOL[kind](x[None, None], window, stride)[0, 0]
    if kind == "avg":
        return out, np.zeros((0, 2), int), ""
    m = out.shape[0]
    pos = []
    for i in range(m):
        for j in range(m):
            win = x[i * stride:i * stride + window, j * stride:j * stride + window]
            r, c = np.unravel_index(np.argmax(win) if kind == "max" else np.argmin(win), win.shape)
            pos.append((i * stride + r, j * stride + c))
    return out, np.array(pos), ""


def _outline(r0, c0, k):
    """The four edges of a k x k square whose top-left cell is (r0, c0), in imshow coordinates."""
    x0, y0, x1, y1 = c0 - 0.5, r0 - 0.5, c0 + k - 0.5, r0 + k - 0.5
    return [[(x0, y0), (x1, y0)], [(x1, y0), (x1, y1)], [(x1, y1), (x0, y1)], [(x0, y1), (x0, y0)]]


def pool_figure(x=None):
    """The figure and its in-place ``update(kind, window, stride, size)``; returns ``(fig, update)``."""
    x_full = example_map() if x is None else np.asarray(x, dtype=float)
    if x_full.ndim != 2 or x_full.shape[0] != x_full.shape[1]:
        raise ValueError(f"x has shape {x_full.shape}; expected a square 2D map")
    n_max = x_full.shape[0]
    vmin, vmax = float(x_full.min()), float(x_full.max())
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(8.4, 4.2))
    im_in = ax_in.imshow(x_full, cmap="Blues", vmin=vmin, vmax=vmax)
    im_out = ax_out.imshow(x_full, cmap="Blues", vmin=vmin, vmax=vmax)
    fig.colorbar(im_out, ax=[ax_in, ax_out], shrink=0.8, label="activation (ReLU of Sobel x)")
    txt_kw = dict(ha="center", va="center", fontsize=7)
    t_in = [[ax_in.text(j, i, "", **txt_kw) for j in range(n_max)] for i in range(n_max)]
    t_out = [[ax_out.text(j, i, "", **txt_kw) for j in range(n_max)] for i in range(n_max)]
    grid = LineCollection([], colors="tab:orange", linewidths=0.8, alpha=0.8)
    first = LineCollection([], colors="tab:red", linewidths=2.5)
    ax_in.add_collection(grid), ax_in.add_collection(first)
    (kept,) = ax_in.plot([], [], "o", ms=11, mfc="none", mec="tab:red", mew=1.5)
    message = ax_out.text(0.5, 0.5, "", transform=ax_out.transAxes, ha="center", va="center", fontsize=10)
    for ax in (ax_in, ax_out):
        ax.set_xticks([]), ax.set_yticks([])
    mid = 0.5 * (vmin + vmax)

    def show(ax, im, texts, a):
        h, w = a.shape
        im.set_data(a)
        im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        ax.set_xlim(-0.5, w - 0.5), ax.set_ylim(h - 0.5, -0.5)
        for i in range(n_max):
            for j in range(n_max):
                t = texts[i][j]
                if i < h and j < w:
                    t.set_text(f"{a[i, j]:.1f}")
                    t.set_color("white" if a[i, j] > mid else "black")
                    t.set_visible(True)
                else:
                    t.set_visible(False)

    def update(kind="max", window=2, stride=2, size=n_max):
        kind = kind if kind in KINDS else "max"
        size = int(np.clip(size, 2, n_max))
        window, stride = int(np.clip(window, 1, 4)), int(np.clip(stride, 1, 4))
        x = x_full[:size, :size]
        show(ax_in, im_in, t_in, x)
        ax_in.set_title(f"input {size}x{size}: {window}x{window} windows, stride {stride}", fontsize=10)
        out, pos, msg = pool_map(x, kind, window, stride)
        message.set_text(msg)
        if out is None:
            grid.set_segments([]), first.set_segments([])
            kept.set_data([], [])
            im_out.set_visible(False)
            for row in t_out:
                for t in row:
                    t.set_visible(False)
            ax_out.set_title("no output", fontsize=10)
            return
        m = out.shape[0]
        grid.set_segments([seg for i in range(m) for j in range(m) for seg in _outline(i * stride, j * stride, window)])
        first.set_segments(_outline(0, 0, window))
        kept.set_data(pos[:, 1], pos[:, 0]) if len(pos) else kept.set_data([], [])
        im_out.set_visible(True)
        show(ax_out, im_out, t_out, out)
        ax_out.set_title(f"{kind} pool: output {m}x{m}", fontsize=10)

    update()
    return fig, update


def make_pool_explorer():
    """The chapter's explorer: pool type, window, stride and input size, clamped so nothing raises."""
    import ipywidgets as w

    from . import Explorer
    fig, update = pool_figure()
    controls = {
        "kind": w.Dropdown(options=list(KINDS), value="max", description="pool"),
        "window": w.IntSlider(value=2, min=1, max=4, description="window K"),
        "stride": w.IntSlider(value=2, min=1, max=4, description="stride S"),
        "size": w.IntSlider(value=MAX_SIZE, min=2, max=MAX_SIZE, description="input n"),
    }
    return Explorer(fig, update, controls)
