"""Chapter 2 explorer: the sliding kernel.

``make_sliding_kernel()`` returns an :class:`~cnnlib.widgets.Explorer` with three stacked panels
over the same axis ``z``: the signal ``f(z)`` (a real EEG trace) with the kernel moved to the shift ``x``
(``g(x - z)``, flipped, for convolution; ``g(z - x)`` for cross-correlation), their product with its
area shaded (positive and negative parts in different colours; the signed area is the output
value), and the output curve up to ``x`` with a marker at ``x``. The numbers come from
:mod:`cnnlib.sliding`.
"""
import matplotlib.pyplot as plt
import numpy as np

from .. import data, sliding
from . import Explorer

WINDOW = (6.0, 7.5)        # seconds of EEG trace 0 shown: a calm stretch and a sharp spike
WIDTHS = (0.05, 0.5)       # kernel widths (s) the slider allows
_POS, _NEG = "tab:green", "tab:red"


def eeg_window(window=WINDOW, trace=0):
    """A stretch of a real EEG trace: ``(z, f)``, both ``(n,)``; ``z`` in seconds (80 samples/s).

    Raises ValueError for a window outside the 10-s recording or a trace index outside 0-3.
    """
    t, traces = data.eeg()
    lo, hi = window
    if not (0 <= lo < hi <= t[-1]) or trace not in range(len(traces)):
        raise ValueError(f"window={window}, trace={trace}: need 0 <= start < end <= {t[-1]} and trace in 0-3")
    keep = (t >= lo - 1e-9) & (t <= hi + 1e-9)
    return t[keep], traces[trace][keep]


def _polygon(z, y):
    """Closed outline of the area between ``y`` and 0 (for ``PolyCollection.set_verts``)."""
    return np.column_stack([np.concatenate([z, z[::-1]]), np.concatenate([y, np.zeros_like(y)])])


def sliding_figure(z=None, f=None, figsize=(6.4, 4.8), dpi=100):
    """The three-panel figure and its ``update(kernel, x, mode, width=0.2)``; returns ``(fig, update)``.

    Args:
        z, f: ``(n,)`` grid and signal samples; default: :func:`eeg_window`.
        figsize, dpi: inches and dots per inch; keep them modest so that an animation of ~25 frames
            stays under 2 MB (``figsize=(6, 4.4), dpi=72`` gives about 1 MB).

    ``update`` clamps ``x`` to ``[z[0], z[-1]]`` and ``width`` to :data:`WIDTHS`; an unknown kernel
    or mode raises ValueError (from :mod:`cnnlib.sliding`).
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.ticker import FixedLocator, MaxNLocator
    title, xlabel = ("EEG (80 samples/s)", "$z$ (s)") if z is None else ("signal", "$z$")
    if z is None:
        z, f = eeg_window()
    z, f = np.asarray(z, dtype=float), np.asarray(f, dtype=float)
    if z.shape != f.shape or z.ndim != 1:
        raise ValueError(f"z {z.shape} and f {f.shape} must be 1D arrays of the same length")
    fig, axes = plt.subplots(3, 1, figsize=figsize, dpi=dpi, sharex=True)
    fig.subplots_adjust(left=0.12, right=0.98, top=0.94, bottom=0.1, hspace=0.5)
    ax_f, ax_p, ax_y = axes
    ax_f.plot(z, f, color="tab:blue", lw=1)
    (g_line,) = ax_f.plot(z, np.zeros_like(z), color="tab:orange", lw=1.5)
    g_title = ax_f.set_title("", fontsize=10)
    ax_f.set_ylabel("$f(z)$")
    (p_line,) = ax_p.plot(z, np.zeros_like(z), color="black", lw=0.8)
    pos = PolyCollection([_polygon(z, 0 * z)], facecolor=_POS, alpha=0.5, edgecolor="none")
    neg = PolyCollection([_polygon(z, 0 * z)], facecolor=_NEG, alpha=0.5, edgecolor="none")
    ax_p.add_collection(pos), ax_p.add_collection(neg)
    p_title = ax_p.set_title("", fontsize=10)
    ax_p.set_ylabel("product\n(scaled)")
    (y_full,) = ax_y.plot(z, np.zeros_like(z), color="0.75", lw=1, ls="--", )
    (y_line,) = ax_y.plot([], [], color="tab:purple", lw=1.5)
    (y_dot,) = ax_y.plot([], [], "o", color="tab:purple")
    ax_y.set_ylabel("output\n(scaled)")
    ax_y.set_xlabel(xlabel)
    y_title = ax_y.set_title("", fontsize=10)
    x_marks = [ax.axvline(z[0], color="0.4", lw=0.8, ls=":") for ax in axes]
    ax_f.set_xlim(z[0], z[-1])
    for ax in axes:     # few ticks, no legends: fewer text artists to lay out on every redraw
        ax.yaxis.set_major_locator(MaxNLocator(3))
        ax.xaxis.set_major_locator(MaxNLocator(6))
    for ax in axes[:2]:
        ax.tick_params(axis="x", bottom=False)
    for ax in (ax_p, ax_y):   # rescaled for every kernel: one tick at 0 (the sign matters; values are in the titles)
        ax.yaxis.set_major_locator(FixedLocator([0.0]))
    fmax = np.abs(f).max() + 1e-12
    ax_f.set_ylim(-1.15 * fmax, 1.15 * fmax)
    ax_p.set_ylim(-1.1, 1.1), ax_y.set_ylim(-1.1, 1.1)
    cache = {}

    def outputs(kernel, mode, width):
        key = (kernel, mode, width)
        if key not in cache:
            g = sliding.kernel(kernel, width)
            probe = np.concatenate([np.linspace(-width, width, 401), [0.0, 0.5 * width * (1 - 1e-9), -0.5 * width * (1 - 1e-9)]])
            peak = np.abs(g(probe)).max()      # includes the points just inside the jumps
            cache.clear()
            cache[key] = g, peak, sliding.sliding_output(f, g, z, z, mode)
        return cache[key]

    def update(kernel="box", x=None, mode="convolution", width=0.2):
        width = float(np.clip(width, *WIDTHS))
        x = float(np.clip(z[len(z) // 2] if x is None else x, z[0], z[-1]))
        g, peak, out = outputs(kernel, mode, width)
        step = sliding.sliding_step(f, g, z, x, mode)
        g_line.set_ydata(step["kernel"] * (0.9 * fmax / peak))
        g_title.set_text(f"{title} (blue); {kernel} kernel at x (orange, peak {peak:.3g}): "
                         + ("$g(x - z)$" if mode == "convolution" else "$g(z - x)$"))
        # The product and output panels are drawn scaled into fixed axes (only the 0 tick is labelled and
        # the values are in the titles), so a new kernel repaints curves instead of re-laying out axes.
        p = step["product"] / max(np.abs(f).max() * peak, 1e-12)
        p_line.set_ydata(p)
        pos.set_verts([_polygon(z, np.maximum(p, 0))])
        neg.set_verts([_polygon(z, np.minimum(p, 0))])
        p_title.set_text(f"product of signal and kernel; signed area (green - red) = {step['value']:+.3f}")
        scale = max(np.abs(out).max(), 1e-12)
        y_full.set_ydata(out / scale)
        upto = z <= x + 1e-12
        y_line.set_data(z[upto], out[upto] / scale)
        y_dot.set_data([x], [step["value"] / scale])
        y_title.set_text(f"{mode} output up to x (purple; dashed: all x): {step['value']:+.3f} at x = {x:.3f}")
        for m in x_marks:
            m.set_xdata([x, x])
        return step["value"]

    update()
    return fig, update


def make_sliding_kernel(z=None, f=None):
    """The sliding-kernel explorer: controls kernel, shift ``x``, width and mode (convolution/cross-correlation).

    Args:
        z, f: optional ``(n,)`` grid and signal; default a stretch of real EEG (:func:`eeg_window`).

    Returns:
        :class:`~cnnlib.widgets.Explorer`; its ``update(kernel, x, mode, width)`` returns the output value at ``x``.
    """
    import ipywidgets as w
    if z is None:
        z, f = eeg_window()
    fig, update = sliding_figure(z, f)
    dz = float(z[1] - z[0])
    controls = {
        "kernel": w.Dropdown(options=list(sliding.KERNELS), value="box", description="kernel"),
        "x": w.FloatSlider(value=float(z[len(z) // 2]), min=float(z[0]), max=float(z[-1]), step=dz,
                           description="shift x", readout_format=".3f", continuous_update=True),
        "width": w.FloatSlider(value=0.2, min=WIDTHS[0], max=WIDTHS[1], step=0.0125, description="width (s)",
                               readout_format=".3f"),
        "mode": w.ToggleButtons(options=list(sliding.MODES), value="convolution", description="mode"),
    }
    return Explorer(fig, update, controls)
