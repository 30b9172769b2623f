"""Figures and the explorer of chapter 7, "Backpropagation through convolution".

* :func:`wiring_figure`: the 1D example as a network: five inputs, three outputs, one
  line per weight use, with the three lines that bring gradient to one input drawn
  thick;
* :func:`transposed_figure`: the input gradient of a strided, padded convolution as a
  full convolution: the upstream gradient with the stride's zeros inserted and the full
  padding added, the flipped kernel, and the result with the padding's share cropped
  away;
* :func:`make_gradient_flow_explorer`: pick 1D or 2D, stride, padding, an output
  position and the upstream gradient, and see which inputs and which weights receive
  gradient, and how much (numbers from
  :func:`cnnlib.chapters.ch07_backpropagation.gradient_flow`);
* :func:`gradient_flow_animation`: its static companion for the web page.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from cnnlib.chapters import ch07_backpropagation as ch07
from cnnlib.explorer import Explorer, animate

_WEIGHT_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown")


def _text_colour(rgba):
    """Black on light cells, white on dark ones (luminance, as in ``grid_values``)."""
    return "black" if np.dot(rgba[:3], [0.2126, 0.7152, 0.0722]) > 0.45 else "white"


def wiring_figure(x, w, d, target=2, bias=0.0):
    """The 1D convolution ``O_j = sum_i w_i x_(i+j-1) + b`` drawn as a network.

    Inputs sit on the bottom row, outputs on the top row; every use of weight ``w_i`` is
    a line in that weight's colour. The lines into input ``target`` (0-based) are thick:
    along them the upstream gradients ``d_j`` arrive, each times the weight on its line.

    Args:
        x: ``(L,)`` inputs; w: ``(K,)`` kernel, ``K <= L``.
        d: ``(L - K + 1,)`` upstream gradients.
        target: the input whose gradient is spelled out.
        bias: added to every output (it changes the outputs' values, not the gradients).

    Returns:
        The ``Figure``.

    Raises:
        ValueError: for inconsistent lengths or a target outside the input.
    """
    import cnnlib.functional as F

    x, w, d = (np.asarray(a, dtype=float) for a in (x, w, d))
    L, K = len(x), len(w)
    if x.ndim != 1 or w.ndim != 1 or K > L or d.shape != (L - K + 1,):
        raise ValueError(
            f"x {x.shape}, w {w.shape}, d {d.shape}: "
            "need d of length len(x) - len(w) + 1"
        )
    if not 0 <= target < L:
        raise ValueError(f"target={target} is outside the input of length {L}")
    o = F.conv1d(x[None, None], w[None, None])[0, 0] + bias
    dx = F.conv1d_backward(d[None, None], x[None, None], w[None, None])[0][0, 0]
    fig, ax = plt.subplots(figsize=(7.5, 3.3))
    for j in range(L - K + 1):
        for i in range(K):
            thick = j + i == target
            ax.plot(
                [j + i, j + 1],
                [0, 1],
                color=_WEIGHT_COLOURS[i % 5],
                lw=3.2 if thick else 1.0,
                alpha=1 if thick else 0.45,
                zorder=1,
            )
            if thick:
                ax.text(
                    0.5 * (j + i + j + 1) + 0.08,
                    0.5,
                    f"$d_{j + 1} w_{i + 1}$",
                    fontsize=10,
                    color=_WEIGHT_COLOURS[i % 5],
                    ha="left",
                    va="center",
                    bbox=dict(fc="white", ec="none", pad=0.5),
                )
    ax.scatter(
        np.arange(L),
        np.zeros(L),
        s=900,
        c=["#ffe8a8" if k == target else "white" for k in range(L)],
        edgecolors="black",
        zorder=2,
    )
    ax.scatter(
        np.arange(1, L - K + 2),
        np.ones(L - K + 1),
        s=900,
        c="#dde8f6",
        edgecolors="black",
        zorder=2,
    )
    for k in range(L):
        ax.text(
            k,
            0,
            f"$x_{k + 1}$\n{x[k]:g}",
            ha="center",
            va="center",
            fontsize=8.5,
            zorder=3,
        )
        ax.text(
            k,
            -0.3,
            f"$\\partial L/\\partial x_{k + 1}$\n= {dx[k]:g}",
            ha="center",
            va="top",
            fontsize=8.5,
            fontweight="bold" if k == target else "normal",
        )
    for j in range(L - K + 1):
        ax.text(
            j + 1,
            1,
            f"$O_{j + 1}$\n{o[j]:g}",
            ha="center",
            va="center",
            fontsize=8.5,
            zorder=3,
        )
        ax.text(
            j + 1, 1.22, f"$d_{j + 1}$ = {d[j]:g}", ha="center", va="bottom", fontsize=9
        )
    for i in range(K):
        ax.plot(
            [], [], color=_WEIGHT_COLOURS[i % 5], lw=2, label=f"$w_{i + 1}$ = {w[i]:g}"
        )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
    ax.set(xlim=(-0.6, L - 0.4), ylim=(-0.72, 1.45))
    ax.axis("off")
    ax.set_title(
        "One line per use of a weight; the thick ones carry gradient to "
        f"$x_{target + 1}$",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def _cells(ax, values, colours, labels, fontsize=8):
    """Draw a grid of cells with the given RGBA colours and text labels (strings)."""
    colours = np.asarray(colours, dtype=float)
    ax.imshow(colours, interpolation="nearest")
    for (i, j), label in np.ndenumerate(np.asarray(labels, dtype=object)):
        if label:
            ax.text(
                j,
                i,
                label,
                ha="center",
                va="center",
                fontsize=fontsize,
                color=_text_colour(colours[i, j]),
            )
    h, w = np.shape(values)
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="0.8", lw=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)


def transposed_figure(dy, w, stride, padding, in_size):
    """The input gradient of a strided, padded 2D convolution, as a full convolution.

    Four panels: the upstream gradient ``dy``; the same spread out by
    :func:`~cnnlib.chapters.ch07_backpropagation.insert_zeros` (the stride's zeros,
    light blue) and padded by ``K - 1`` zeros on every side (white) with the flipped
    kernel's first position outlined; the flipped kernel; and the result on the padded
    input, whose outer ``padding`` ring (grey) is cropped away to give the gradient of
    the input. A red box marks the flipped kernel's position over the spread-out
    gradient that gives the first real input, and that input in the result.

    Args:
        dy: ``(H_out, W_out)`` upstream gradient; w: ``(K, K)`` kernel;
        stride, padding: of the forward convolution; in_size: its input's ``H = W``.

    Returns:
        The ``Figure``.

    Raises:
        ValueError: when ``dy`` does not have the forward convolution's output shape.
    """
    import cnnlib.functional as F

    dy, w = np.asarray(dy, dtype=float), np.asarray(w, dtype=float)
    k = w.shape[0]
    out = F.conv_output_size(in_size, k, stride=stride, padding=padding)
    if dy.shape != (out, out) or w.shape != (k, k):
        raise ValueError(
            f"dy {dy.shape} should be ({out}, {out}) for input {in_size}, kernel "
            f"{w.shape}, "
            f"stride {stride}, padding {padding}"
        )
    spread = np.pad(ch07.insert_zeros(dy, stride), k - 1)
    kind = np.pad(
        ch07.insert_zeros(np.ones_like(dy), stride) + 1, k - 1
    )  # 0 pad, 1 stride zero, 2 value
    flipped = w[::-1, ::-1]
    result = F.conv2d(spread[None, None], flipped[None, None])[0, 0]
    padded = in_size + 2 * padding
    result = np.pad(
        result, ((0, padded - result.shape[0]), (0, padded - result.shape[1]))
    )
    fig, axes = plt.subplots(
        1, 4, figsize=(11, 3.4), gridspec_kw={"width_ratios": [3, 9, 3, 7]}
    )
    value_cmap, weight_cmap = plt.get_cmap("Oranges"), plt.get_cmap("RdBu_r")
    top = np.abs(dy).max() or 1.0
    colours = value_cmap(0.15 + 0.6 * np.abs(dy) / top)
    _cells(axes[0], dy, colours, [[f"{v:g}" for v in row] for row in dy])
    axes[0].set_title("upstream gradient dy", fontsize=10)
    colours = np.where(
        (kind == 2)[..., None],
        value_cmap(0.15 + 0.6 * np.abs(spread) / top),
        np.where(
            (kind == 1)[..., None],
            np.array([0.80, 0.88, 0.97, 1.0]),
            np.array([1.0, 1.0, 1.0, 1.0]),
        ),
    )
    labels = [
        [f"{v:g}" if kd == 2 else ("0" if kd == 1 else "") for v, kd in zip(r, kr)]
        for r, kr in zip(spread, kind)
    ]
    _cells(axes[1], spread, colours, labels)
    axes[1].set_facecolor("white")
    first = padding  # the flipped kernel's position that gives the first real input
    axes[1].add_patch(
        Rectangle(
            (first - 0.5, first - 0.5), k, k, fill=False, ec="tab:red", lw=2.2, zorder=5
        )
    )
    axes[1].set_title(
        f"{stride - 1} zero(s) inserted (blue), {k - 1} padded (white)", fontsize=10
    )
    lim = np.abs(w).max() or 1.0
    _cells(
        axes[2],
        flipped,
        weight_cmap(0.5 + 0.4 * flipped / lim),
        [[f"{v:g}" for v in r] for r in flipped],
    )
    axes[2].set_title("kernel, flipped", fontsize=10)
    lim = np.abs(result).max() or 1.0
    colours = weight_cmap(0.5 + 0.4 * result / lim)
    ring = np.ones((padded, padded), bool)
    ring[padding : padding + in_size, padding : padding + in_size] = False
    colours[ring] = [0.85, 0.85, 0.85, 1.0]
    _cells(
        axes[3], result, colours, [[f"{v:g}" for v in r] for r in result], fontsize=7.5
    )
    axes[3].add_patch(
        Rectangle(
            (padding - 0.5, padding - 0.5),
            in_size,
            in_size,
            fill=False,
            ec="black",
            lw=1.8,
            zorder=5,
        )
    )
    axes[3].add_patch(
        Rectangle(
            (first - 0.5, first - 0.5), 1, 1, fill=False, ec="tab:red", lw=2.2, zorder=6
        )
    )
    axes[3].set_title("result; crop the grey padding: dL/dx", fontsize=10)
    fig.suptitle(
        f"Input gradient of a conv with stride {stride}, padding {padding}: "
        "a full convolution of the spread-out dy with the flipped kernel",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


# (text, fontsize, italic, anchor) -> Path, shared by every explorer figure
_GLYPHS = {}


def _glyph_path(text, fontsize, italic=False, anchor="center"):
    """``text`` as a glyph outline (``TextPath``) in points; cached.

    Centred on the origin (``anchor="center"``), or centred horizontally with its
    baseline 3 points above the origin (``"bottom"``, for titles).
    """
    key = (text, fontsize, italic, anchor)
    if key not in _GLYPHS:
        from matplotlib.font_manager import FontProperties
        from matplotlib.path import Path
        from matplotlib.textpath import TextPath

        path = TextPath(
            (0, 0),
            text or " ",
            size=fontsize,
            prop=FontProperties(style="italic" if italic else "normal"),
        )
        v = path.vertices
        if len(v):
            (x0, y0), (x1, y1) = v.min(axis=0), v.max(axis=0)
            gap = (y0 + y1) / 2 if anchor == "center" else -3  # titles: 3 pt above
            v = v - [(x0 + x1) / 2, gap]
        _GLYPHS[key] = Path(v, path.codes)
    return _GLYPHS[key]


class _Labels:
    """Many short labels drawn as one ``PathCollection``.

    One draw call, where a ``Text`` artist per label would cost about a millisecond each
    (glyph layout and rendering) on every frame.

    Offsets are in ``ax``'s data coordinates (cell numbers) or axes coordinates
    (``coords="axes"``, titles); outlines are sized in points.
    """

    def __init__(self, ax, fontsize, coords="data", anchor="center"):
        from matplotlib.collections import PathCollection
        from matplotlib.transforms import Affine2D

        self.fontsize, self.anchor = fontsize, anchor
        self.collection = PathCollection(
            [],
            offsets=np.zeros((0, 2)),
            edgecolors="none",
            linewidths=0,
            zorder=5,
            offset_transform=ax.transData if coords == "data" else ax.transAxes,
            transform=Affine2D().scale(ax.figure.dpi / 72),
        )
        self.collection.set_clip_on(coords == "data")  # titles sit outside the axes box
        ax.add_collection(self.collection, autolim=False)

    def set(self, xy, labels, colours="black", italic=None):
        italic = [False] * len(labels) if italic is None else italic
        self.collection.set_paths(
            [
                _glyph_path(t, self.fontsize, it, self.anchor)
                for t, it in zip(labels, italic)
            ]
        )
        self.collection.set_offsets(np.asarray(xy, dtype=float).reshape(-1, 2))
        self.collection.set_facecolor(colours if len(labels) else "black")


class _Grid:
    """One panel of the explorer, changed in place.

    Coloured cells (one ``PolyCollection``), their numbers (one ``PathCollection``) and
    two outlines.
    """

    def __init__(self, ax, cmap, fontsize=7.5):
        from matplotlib.collections import PolyCollection

        self.ax, self.cmap = ax, plt.get_cmap(cmap)
        self.cells = PolyCollection([], edgecolors="white", linewidths=0.8)
        ax.add_collection(self.cells, autolim=False)
        self.numbers = _Labels(ax, fontsize)
        self.title = _Labels(ax, 9.5, coords="axes", anchor="bottom")
        self.box = ax.add_patch(
            Rectangle((0, 0), 1, 1, fill=False, ec="tab:red", lw=2, zorder=4)
        )
        self.inner = ax.add_patch(
            Rectangle((0, 0), 1, 1, fill=False, ec="black", lw=1.2, ls="--", zorder=4)
        )
        ax.set_axis_off()  # no spines, ticks or axis labels to lay out on every frame

    def show(
        self,
        a,
        vmin,
        vmax,
        shade=None,
        box=None,
        inner=None,
        dim_text=None,
        written=None,
    ):
        """Show the 2D array ``a`` with colours scaled from ``vmin`` to ``vmax``.

        ``shade``: boolean mask of cells drawn greyed; ``box``, ``inner``: outlines
        ``(row0, col0, rows, cols)`` or None; ``dim_text``: cells whose number is
        grey and italic; ``written``: cells that get a number (default: all).
        """
        a = np.asarray(a, dtype=float)
        h, w = a.shape
        rows, cols = np.indices((h, w)).reshape(2, -1)
        corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
        self.cells.set_verts(np.column_stack([cols, rows])[:, None, :] + corners)
        colours = self.cmap(np.clip((a.ravel() - vmin) / ((vmax - vmin) or 1.0), 0, 1))
        if shade is not None:  # grey veil: mix 55 % grey into the shaded cells
            veil = shade.ravel()
            colours[veil, :3] = 0.45 * colours[veil, :3] + 0.55 * 0.55
        self.cells.set_facecolor(colours)
        keep = np.ones(h * w, bool) if written is None else np.asarray(written).ravel()
        grey = (
            np.zeros(h * w, bool) if dim_text is None else np.asarray(dim_text).ravel()
        )
        luminance = colours[:, :3] @ np.array([0.2126, 0.7152, 0.0722])
        ink = np.where(
            grey[:, None],
            [0.25, 0.25, 0.25, 1.0],
            np.where((luminance > 0.45)[:, None], [0, 0, 0, 1.0], [1.0, 1, 1, 1]),
        )
        self.numbers.set(
            np.column_stack([cols, rows])[keep],
            [f"{v:g}" for v in a.ravel()[keep]],
            ink[keep],
            list(grey[keep]),
        )
        for patch, spec in ((self.box, box), (self.inner, inner)):
            patch.set_visible(spec is not None)
            if spec is not None:
                r0, c0, nr, nc = spec
                patch.set_xy((c0 - 0.5, r0 - 0.5))
                patch.set_width(nc), patch.set_height(nr)
        self.ax.set_xlim(-0.5, w - 0.5)
        self.ax.set_ylim(h - 0.5, -0.5)


def _flow_figure(dpi=90):
    """The explorer's figure and its ``update(dims, upstream, stride, ...)``."""
    fig = plt.figure(figsize=(10, 3.5), dpi=dpi)
    axes = [fig.add_axes([0, 0, 1, 1]) for _ in range(4)]
    grids = [
        _Grid(axes[0], "Greys"),
        _Grid(axes[1], "Oranges"),
        _Grid(axes[2], "RdBu_r"),
        _Grid(axes[3], "RdBu_r", 8.5),
    ]
    bottom = fig.add_axes([0, 0, 1, 0.1])
    bottom.set_axis_off()
    footer = _Labels(bottom, 9.5, coords="axes", anchor="bottom")
    layout = {}

    def arrange(dims):
        if layout.get("dims") == dims:
            return
        layout["dims"] = dims
        if dims == "2D":
            lefts, width = (0.02, 0.27, 0.52, 0.77), 0.215
            for ax, left in zip(axes, lefts):
                ax.set_position([left, 0.12, width, 0.72])
                ax.set_aspect("equal", adjustable="box")
        else:
            rows = ((0.10, 0.78), (0.10, 0.55), (0.10, 0.32), (0.10, 0.09))
            widths = (0.80, 0.80, 0.80, 0.80 * 3 / 13)
            for ax, (left, bottom), width in zip(axes, rows, widths):
                ax.set_position([left, bottom, width, 0.11])
                ax.set_aspect("auto")

    def update(dims="2D", upstream="one output", stride=1, padding=1, row=1, col=1):
        arrange(dims)
        two = dims == "2D"
        x, w = ch07.flow_input(2 if two else 1), ch07.flow_kernel(2 if two else 1)
        flow = ch07.gradient_flow(
            x, w, (row, col) if two else col, stride, padding, upstream
        )
        lift = (lambda a: a) if two else (lambda a: np.asarray(a)[None])
        xp, dy, dxp, dw, reads = (
            lift(flow[k]) for k in ("x_padded", "dy", "dx_padded", "dw", "reads")
        )
        p = flow["padding"]
        pad_mask = np.ones(xp.shape, bool)
        pad_mask[
            (
                slice(p, p + x.shape[0]) if two else slice(None),
                slice(p, p + x.shape[-1]),
            )
        ] = False
        start = [s.start for s in flow["window"]]
        here = list(flow["position"])
        if two:
            box, pos_box, inner = (*start, *w.shape), (*here, 1, 1), (p, p, *x.shape)
        else:
            box, pos_box, inner = (
                (0, start[0], 1, w.shape[0]),
                (0, here[0], 1, 1),
                (0, p, 1, x.shape[0]),
            )
        grids[0].show(xp, 0, 9, shade=pad_mask, box=box, inner=inner if p else None)
        grids[1].show(dy, 0, max(dy.max(), 1), box=pos_box, written=dy != 0)
        lim = max(np.abs(dxp).max(), 1)
        grids[2].show(
            dxp,
            -lim,
            lim,
            shade=pad_mask,
            box=box,
            inner=inner if p else None,
            dim_text=pad_mask,
            written=reads > 0,
        )
        lim = max(np.abs(dw).max(), 1)
        grids[3].show(dw, -lim, lim)
        where = ", ".join(str(i) for i in here)
        inside = int(np.count_nonzero(reads[~pad_mask]))
        on_pad = float(np.abs(dxp[pad_mask]).sum())
        titles = (
            "input x (grey: padding)" if p else "input x",
            f"upstream dL/dy: {upstream}",
            "dL/dx (grey: padding, dropped)" if p else "dL/dx",
            f"dL/dw   (dL/db = {flow['db']:g})",
        )
        for grid, title in zip(grids, titles):
            grid.title.set([(0.5, 1.0)], [title])
        footer.set(
            [(0.5, 0.3)],
            [
                f"red: output ({where}) and the window it read.   {inside} of {x.size} "
                "inputs receive gradient"
                + (f";   |gradient| on the padding: {on_pad:g} (dropped)" if p else "")
            ],
        )
        return "redraw"

    return fig, update


def make_gradient_flow_explorer():
    """Where a convolution's gradient goes, for one output or all of them (1D or 2D).

    Controls: ``dims`` (1D or 2D), ``upstream`` (the gradient arriving at the output: 1
    at one position, 1 everywhere, or 1, 2, 3, ... in reading order), ``stride`` (1-3),
    ``padding`` (0-2) and the output position ``row`` (2D only) and ``col``, clamped to
    the output's size.

    Panels: the padded input with the chosen output's window, the upstream gradient, the
    gradient on the padded input (the padding's share drawn grey: it is thrown away),
    and the weight gradient with the bias gradient in its title.
    """
    import ipywidgets as widgets

    fig, update = _flow_figure()
    controls = {
        "dims": widgets.Dropdown(options=["1D", "2D"], value="2D", description="dims"),
        "upstream": widgets.Dropdown(
            options=list(ch07.UPSTREAM), value="one output", description="upstream"
        ),
        "stride": widgets.IntSlider(value=1, min=1, max=3, description="stride"),
        "padding": widgets.IntSlider(value=1, min=0, max=2, description="padding"),
        "row": widgets.IntSlider(value=1, min=0, max=6, description="output row"),
        "col": widgets.IntSlider(value=1, min=0, max=10, description="output col"),
    }
    return Explorer(fig, update, controls)


def gradient_flow_frames():
    """The settings the static companion steps through.

    2D with stride 2 and padding 1 over every output, then all outputs at once, then 1D
    with stride 1 and 2.
    """
    frames = [
        dict(dims="2D", upstream="one output", stride=2, padding=1, row=r, col=c)
        for r in range(3)
        for c in range(3)
    ]
    frames.append(
        dict(dims="2D", upstream="all ones", stride=2, padding=1, row=0, col=0)
    )
    frames.append(
        dict(dims="2D", upstream="all ones", stride=1, padding=0, row=1, col=1)
    )
    frames += [
        dict(dims="1D", upstream="one output", stride=s, padding=1, row=0, col=c)
        for s, c in ((1, 0), (1, 3), (2, 1), (2, 2))
    ]
    frames.append(
        dict(dims="1D", upstream="all ones", stride=2, padding=1, row=0, col=0)
    )
    return frames


def gradient_flow_animation(frames=None, interval=1200, dpi=72):
    """The static companion: ``animate`` over :func:`gradient_flow_frames`."""
    fig, update = _flow_figure(dpi=dpi)
    return animate(
        fig, update, gradient_flow_frames() if frames is None else frames, interval
    )
