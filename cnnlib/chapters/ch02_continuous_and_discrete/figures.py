"""Figures and the explorer of chapter 2, "Continuous and discrete convolution".

:func:`make_sliding_kernel_explorer` shows three stacked panels over the same axis
``z``: the signal ``f(z)`` (a real EEG trace) with the kernel moved to the shift ``x``
(``g(x - z)``, flipped, for convolution; ``g(z - x)`` for cross-correlation), their
product with its area shaded (positive and negative parts in different colours; the
signed area is the output value), and the output curve up to ``x`` with a marker at
``x``. The numbers come from the chapter's plain functions (``sliding_step``,
``sliding_output``).

Static companions for the web page: :func:`sliding_web_explorer` (the explorer's
controls over precomputed settings, :func:`cnnlib.explorer.web_explorer`) and
:func:`flip_animation` (convolution and cross-correlation side by side, over the same
shifts, so that the flip is visible); :func:`sliding_animation` is one operation alone.
:func:`equivariance_figure` draws a shift going in and coming out.
"""

import matplotlib.pyplot as plt
import numpy as np

from cnnlib.chapters import ch02_continuous_and_discrete as ch02
from cnnlib.explorer import FRAMES, Explorer, animate, web_explorer

WIDTHS = (0.05, 0.5)  # kernel widths (s) the slider allows
_POS, _NEG = "tab:green", "tab:red"


def _polygon(z, y):
    """Closed outline of the area between ``y`` and 0 (``PolyCollection.set_verts``)."""
    return np.column_stack([np.concatenate([z, z[::-1]]), np.concatenate([y, 0 * y])])


def _sliding_panels(z=None, f=None, figsize=(6.4, 4.8), dpi=100, axes=None,
                    compact=False):
    """The three-panel figure and its ``update(kernel, x, operation, width=0.2)``.

    Args:
        z, f: ``(n,)`` grid and signal samples; default: ``eeg_window()``.
        figsize, dpi: inches and dots per inch; keep them modest so that an animation of
            ~25 frames stays under 2 MB (``figsize=(6, 4.4), dpi=72`` gives about 1 MB).
        axes: three axes (signal, product, output) sharing x to draw into, instead of a
            new figure (``figsize`` and ``dpi`` are then ignored).
        compact: short titles, for a figure with the panels in narrow columns.

    Returns:
        ``(fig, update, animated)``. ``animated`` lists the artists ``update``
        changes, in drawing order (nothing else depends on the controls). ``update``
        returns the output value at ``x``; it clamps ``x`` to ``[z[0], z[-1]]`` and
        ``width`` to :data:`WIDTHS`; an unknown kernel or
        operation raises ValueError.
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.ticker import FixedLocator, MaxNLocator

    title, xlabel = (
        ("EEG (80 samples/s)", "$z$ (s)") if z is None else ("signal", "$z$")
    )
    if z is None:
        z, f = ch02.eeg_window()
    z, f = np.asarray(z, dtype=float), np.asarray(f, dtype=float)
    if z.shape != f.shape or z.ndim != 1:
        raise ValueError(
            f"z {z.shape} and f {f.shape} must be 1D arrays of the same length"
        )
    if axes is None:
        fig, axes = plt.subplots(3, 1, figsize=figsize, dpi=dpi, sharex=True)
        fig.subplots_adjust(left=0.12, right=0.98, top=0.94, bottom=0.1, hspace=0.5)
    else:
        fig = axes[0].figure
    ax_f, ax_p, ax_y = axes
    ax_f.plot(z, f, color="tab:blue", lw=1)
    (g_line,) = ax_f.plot(z, np.zeros_like(z), color="tab:orange", lw=1.5)
    g_title = ax_f.set_title("", fontsize=10)
    ax_f.set_ylabel("$f(z)$")
    (p_line,) = ax_p.plot(z, np.zeros_like(z), color="black", lw=0.8)
    pos = PolyCollection(
        [_polygon(z, 0 * z)], facecolor=_POS, alpha=0.5, edgecolor="none"
    )
    neg = PolyCollection(
        [_polygon(z, 0 * z)], facecolor=_NEG, alpha=0.5, edgecolor="none"
    )
    ax_p.add_collection(pos), ax_p.add_collection(neg)
    p_title = ax_p.set_title("", fontsize=10)
    ax_p.set_ylabel("product\n(scaled)")
    (y_full,) = ax_y.plot(z, np.zeros_like(z), color="0.75", lw=1, ls="--")
    (y_line,) = ax_y.plot([], [], color="tab:purple", lw=1.5)
    (y_dot,) = ax_y.plot([], [], "o", color="tab:purple")
    ax_y.set_ylabel("output\n(scaled)")
    ax_y.set_xlabel(xlabel)
    y_title = ax_y.set_title("", fontsize=10)
    # zorder 3: above the frame, where blitting draws them too (see cnnlib.explorer)
    x_marks = [ax.axvline(z[0], color="0.4", lw=0.8, ls=":", zorder=3) for ax in axes]
    pad = 0.02 * (z[-1] - z[0])  # curves and the dot stay off the frame (background)
    ax_f.set_xlim(z[0] - pad, z[-1] + pad)
    for (
        ax
    ) in axes:  # few ticks, no legends: fewer text artists to lay out on every redraw
        ax.yaxis.set_major_locator(MaxNLocator(3))
        ax.xaxis.set_major_locator(MaxNLocator(6))
    for ax in axes[:2]:
        ax.tick_params(axis="x", bottom=False)
    # rescaled for every kernel: one tick at 0 (the sign matters; values are in the
    # titles)
    for ax in (ax_p, ax_y):
        ax.yaxis.set_major_locator(FixedLocator([0.0]))
    fmax = np.abs(f).max() + 1e-12
    ax_f.set_ylim(-1.15 * fmax, 1.15 * fmax)
    ax_p.set_ylim(-1.1, 1.1)
    ax_y.set_ylim(-1.25, 1.25)  # room for the dot, which must not touch the frame
    cache = {}

    def outputs(name, operation, width):
        key = (name, operation, width)
        if key not in cache:
            g = ch02.kernel(name, width)
            edge = 0.5 * width * (1 - 1e-9)  # the points just inside the jumps
            probe = np.concatenate(
                [np.linspace(-width, width, 401), [0.0, edge, -edge]]
            )
            peak = np.abs(g(probe)).max()
            cache.clear()
            cache[key] = g, peak, ch02.sliding_output(f, g, z, z, operation)
        return cache[key]

    def update(kernel="box", x=None, operation="convolution", width=0.2):
        width = float(np.clip(width, *WIDTHS))
        x = float(np.clip(z[len(z) // 2] if x is None else x, z[0], z[-1]))
        g, peak, out = outputs(kernel, operation, width)
        step = ch02.sliding_step(f, g, z, x, operation)
        value = step["value"]
        g_line.set_ydata(step["kernel"] * (0.9 * fmax / peak))
        moved = "$g(x - z)$" if operation == "convolution" else "$g(z - x)$"
        if compact:
            g_title.set_text(f"{operation}: {kernel} kernel at x is {moved}")
        else:
            g_title.set_text(
                f"{title} (blue); {kernel} kernel at x (orange, peak {peak:.3g}): "
                f"{moved}"
            )
        # The product and output panels are drawn scaled into fixed axes (only the 0
        # tick is
        # labelled and the values are in the titles), so a new kernel repaints curves
        # instead of re-laying out axes.
        p = step["product"] / max(np.abs(f).max() * peak, 1e-12)
        p_line.set_ydata(p)
        pos.set_verts([_polygon(z, np.maximum(p, 0))])
        neg.set_verts([_polygon(z, np.minimum(p, 0))])
        long_name = "product of signal and kernel; signed area (green - red)"
        p_title.set_text(
            f"{'product; signed area' if compact else long_name} = {value:+.3f}"
        )
        scale = max(np.abs(out).max(), 1e-12)
        y_full.set_ydata(out / scale)
        upto = z <= x + 1e-12
        y_line.set_data(z[upto], out[upto] / scale)
        y_dot.set_data([x], [value / scale])
        y_title.set_text(
            f"output {value:+.3f} at x = {x:.3f} (dashed: all x)"
            if compact
            else f"{operation} output up to x (purple; dashed: all x): "
            f"{value:+.3f} at x = {x:.3f}"
        )
        for m in x_marks:
            m.set_xdata([x, x])
        return value

    update()
    animated = [
        g_line,
        x_marks[0],
        g_title,
        pos,
        neg,
        p_line,
        x_marks[1],
        p_title,
        y_full,
        y_line,
        y_dot,
        x_marks[2],
        y_title,
    ]  # each axes in zorder
    return fig, update, animated


def make_sliding_kernel_explorer(z=None, f=None):
    """The sliding-kernel explorer: controls kernel, shift ``x``, width and operation
    (convolution or cross-correlation).

    Args:
        z, f: optional ``(n,)`` grid and signal; default a stretch of real EEG
            (``eeg_window()``).

    Returns:
        :class:`~cnnlib.explorer.Explorer`; its ``update(kernel, x, operation, width)``
        returns the output value at ``x``.
    """
    import ipywidgets as w

    if z is None:
        z, f = ch02.eeg_window()
    fig, update, animated = _sliding_panels(z, f)
    dz = float(z[1] - z[0])
    controls = {
        "kernel": w.Dropdown(
            options=list(ch02.KERNELS), value="box", description="kernel"
        ),
        "x": w.FloatSlider(
            value=float(z[len(z) // 2]),
            min=float(z[0]),
            max=float(z[-1]),
            step=dz,
            description="shift x",
            readout_format=".3f",
            continuous_update=True,
        ),
        "width": w.FloatSlider(
            value=0.2,
            min=WIDTHS[0],
            max=WIDTHS[1],
            step=0.0125,
            description="width (s)",
            readout_format=".3f",
        ),
        "operation": w.ToggleButtons(
            options=list(ch02.OPERATIONS), value="convolution", description="operation"
        ),
    }
    # A full draw costs about 70 ms; moves repaint only the animated artists.
    return Explorer(fig, update, controls, animated=animated)


def sliding_animation(
    kernel="ramp", width=0.25, operation="convolution", xs=None, interval=400
):
    """The explorer's static companion: the sliding kernel over a row of shifts ``xs``.

    Args:
        kernel, width, operation: as the explorer's controls.
        xs: the shifts, one frame each (default: 25 shifts across the EEG window).
        interval: milliseconds per frame.

    Returns:
        ``IPython.display.HTML`` with a self-contained JavaScript player
        (:func:`cnnlib.explorer.animate`), about 1 MB for 25 frames.
    """
    if xs is None:
        xs = np.linspace(ch02.WINDOW[0] + 0.05, ch02.WINDOW[1] - 0.05, 25)
    fig, update, _ = _sliding_panels(figsize=(6.0, 4.4), dpi=72)
    frames = [dict(kernel=kernel, x=x, operation=operation, width=width) for x in xs]
    return animate(fig, update, frames, interval=interval)


WEB_SHIFTS = (6.3, 6.7, 7.0, 7.35)  # shifts x (s) the web companion precomputes
WEB_WIDTH = 0.25  # the one kernel width (s) it shows
# the triangle is left out: it acts much like the Gaussian
WEB_KERNELS = ("box", "Gaussian", "difference", "ramp")


def sliding_web_grid():
    """The settings :func:`sliding_web_explorer` precomputes: ``{control: [values]}``.

    The kernels :data:`WEB_KERNELS` and both operations, at the shifts
    :data:`WEB_SHIFTS` and the width :data:`WEB_WIDTH` (32 settings, about 1.7 MB of
    frames).
    """
    return {
        "kernel": list(WEB_KERNELS),
        "x": list(WEB_SHIFTS),
        "width": [WEB_WIDTH],
        "operation": list(ch02.OPERATIONS),
    }


def sliding_web_explorer(explorer=None, folder=FRAMES):
    """The sliding-kernel explorer on the web page, over :func:`sliding_web_grid`.

    Args:
        explorer: from :func:`make_sliding_kernel_explorer` (default: a new one).
        folder: where the frames go.

    Returns:
        ``IPython.display.HTML`` (:func:`cnnlib.explorer.web_explorer`), named
        ``"ch02-sliding"``.
    """
    return web_explorer(
        explorer or make_sliding_kernel_explorer(),
        "ch02-sliding",
        grid=sliding_web_grid(),
        alt="signal and moved kernel, their product, and the output up to the shift x",
        folder=folder,
    )


def flip_animation(kernel="ramp", width=0.25, xs=None, interval=450):
    """Convolution (left) and cross-correlation (right) of one kernel, side by side.

    Both columns are the explorer's three panels (signal and moved kernel, product,
    output) at the same shift ``x`` in every frame, so the flip shows as the two kernels
    facing opposite ways.

    Args:
        kernel, width: as the explorer's controls. xs: shifts, one frame each (default:
            16 across the EEG window). interval: milliseconds per frame.

    Returns:
        ``IPython.display.HTML`` (:func:`cnnlib.explorer.animate`).
    """
    if xs is None:
        xs = np.linspace(ch02.WINDOW[0] + 0.1, ch02.WINDOW[1] - 0.1, 16)
    fig, axes = plt.subplots(3, 2, figsize=(9.0, 4.4), dpi=72, sharex=True)
    fig.subplots_adjust(left=0.07, right=0.99, top=0.93, bottom=0.1, hspace=0.55,
                        wspace=0.18)
    updates = [
        _sliding_panels(axes=axes[:, col], compact=True)[1] for col in range(2)
    ]

    def update(x):
        for up, operation in zip(updates, ch02.OPERATIONS):
            up(kernel=kernel, x=x, operation=operation, width=width)

    return animate(fig, update, [dict(x=float(x)) for x in xs], interval=interval)


def equivariance_figure(x0, x1, y0, y1, shift):
    """A shift in, the same shift out: input and feature map before and after.

    Each pair is drawn in its own row, the shifted copy below the original (offset, not
    overlaid), with the feature map's largest value marked in both and an arrow of
    ``shift`` samples between the marks.

    Args:
        x0, x1: ``(L,)`` input and shifted input. y0, y1: their feature maps.
        shift: the shift in samples.

    Returns:
        The ``Figure``.
    """
    fig, axes = plt.subplots(2, 1, figsize=(9, 4.2), sharex=True)
    rows = [(x0, x1, "input", f"input shifted by {shift}"),
            (y0, y1, "its feature map", "feature map of the shifted input")]
    for ax, (a, b, name, shifted) in zip(axes, rows):
        gap = 1.2 * (np.abs(a).max() + np.abs(b).max())
        ax.plot(a + gap / 2, color="C0", lw=1, label=name)
        ax.plot(b - gap / 2, color="C1", lw=1, label=shifted)
        m0, m1 = int(np.argmax(y0)), int(np.argmax(y1))
        for m, colour in [(m0, "C0"), (m1, "C1")]:
            ax.axvline(m, color=colour, ls=":", lw=1)
        ax.annotate("", xy=(m1, 0), xytext=(m0, 0),
                    arrowprops=dict(arrowstyle="->", color="k", lw=1.3))
        ax.text((m0 + m1) / 2, 0.08 * gap, f"{m1 - m0} samples", ha="center",
                fontsize=9)
        ax.set_yticks([])
        ax.legend(fontsize=8, loc="upper right")
    axes[0].set_title(f"input shifted by {shift} samples: the feature map moves by the "
                      "same amount (dotted: the map's maximum)", fontsize=10)
    axes[1].set_xlabel("sample")
    fig.tight_layout()
    return fig
