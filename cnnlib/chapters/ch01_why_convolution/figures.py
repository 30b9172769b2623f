"""Figures and the explorer of chapter 1, "Why convolution".

* :func:`make_window_explorer`: slide one shared neuron ``A`` along a real EEG trace and
  watch the window it sees, its weights, the value it produces there, and how few
  parameters it needs compared with a fully-connected layer on the same input;
* :func:`window_animation`: its static companion for the web page;
* :func:`draw_stack`: a stack of 1D convolutions drawn as units and connections, with
  the receptive field of one top unit highlighted.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from cnnlib import counting
from cnnlib.explorer import Explorer, animate
from cnnlib.functional import conv_output_size

from . import RATE, SEGMENT, eeg_neurons, window_frames, window_outputs


def make_window_explorer(segment=SEGMENT):
    """The window explorer, an :class:`~cnnlib.explorer.Explorer`.

    Controls: ``position`` (window start, in samples), ``neuron`` (``'rising'``,
    ``'falling'``, ``'oscillation'``) and ``channel`` (0-3).

    The position is clamped to the last window that fits the chosen neuron, so every
    slider value is valid. Top: the input with the window shaded; middle: the output,
    computed up to the current position; bottom: the window's samples next to the
    neuron's weights, and the arithmetic and the parameter counts.
    """
    import ipywidgets as w

    t, traces, outputs = window_outputs(segment)
    neurons = eeg_neurons()
    length = t.size
    dt = 1.0 / RATE

    fig = plt.figure(figsize=(7.0, 4.6), dpi=72)
    ax_in = fig.add_axes([0.1, 0.74, 0.87, 0.23])
    ax_out = fig.add_axes([0.1, 0.46, 0.87, 0.23], sharex=ax_in)
    ax_win = fig.add_axes([0.1, 0.04, 0.4, 0.26])
    (trace_line,) = ax_in.plot(t, traces[0], lw=0.8, color="C0")
    shade = Rectangle(
        (t[0], 0),
        5 * dt,
        1,
        transform=ax_in.get_xaxis_transform(),
        color="C1",
        alpha=0.4,
        zorder=3,  # above the frame: blitted on top of it, the same as a full draw
    )
    ax_in.add_patch(shade)
    ax_in.set_ylim(traces.min() - 0.3, traces.max() + 0.3)
    ax_in.set_yticks([-4, 0, 4])
    in_label = ax_in.set_ylabel("EEG ch. 0")
    ax_in.tick_params(labelbottom=False)
    (full_line,) = ax_out.plot([], [], lw=0.8, color="0.75")
    (done_line,) = ax_out.plot([], [], lw=1.2, color="C3")
    (dot,) = ax_out.plot([], [], "o", color="C3", ms=6)
    ax_out.set_ylim(-0.05, 1.05)
    ax_out.set_yticks([0, 1])
    ax_out.set_xticks(np.arange(np.ceil(t[0]), t[-1] + dt / 2))
    ax_out.set_xlabel("time (s)", labelpad=1)
    ax_out.set_ylabel("output y_n")
    (x_line,) = ax_win.plot([], [], "o-", color="C0", ms=4, label="window x")
    (w_line,) = ax_win.plot([], [], "s--", color="C1", ms=4, label="weights w")
    zero = ax_win.axhline(0, color="0.6", lw=0.6, zorder=3)
    ax_win.set_xticks([]), ax_win.set_yticks([])
    ax_win.set_title("window x (blue), weights w (orange)", fontsize=9)
    ax_txt = fig.add_axes([0.55, 0.04, 0.42, 0.26])
    ax_txt.axis("off")
    # fmt: off
    text = ax_txt.text(0.02, 0.98, "", va="top", ha="left", family="monospace",
                       fontsize=9, transform=ax_txt.transAxes)
    # fmt: on

    shown = {"channel": 0}  # the channel named in the y label (part of the background)

    def update(position=0, neuron="rising", channel=0):
        channel = int(np.clip(channel, 0, traces.shape[0] - 1))
        weight, bias = neurons[neuron]
        k = weight.size
        n_out = conv_output_size(length, k)
        n = int(np.clip(position, 0, n_out - 1))
        x = traces[channel]
        y = outputs[neuron][channel]
        window = x[n : n + k]
        z = float(window @ weight + bias)
        trace_line.set_ydata(x)
        shade.set_x(t[n] - dt / 2)
        shade.set_width(k * dt)
        in_label.set_text(f"EEG ch. {channel}")
        full_line.set_data(t[: y.size], y)
        done_line.set_data(t[: n + 1], y[: n + 1])
        dot.set_data([t[n]], [y[n]])
        ks = np.arange(k)
        x_line.set_data(ks, window)
        w_line.set_data(ks, weight)
        ax_win.set_xlim(-0.5, k - 0.5)
        top = max(np.abs(window).max(), np.abs(weight).max()) * 1.15 + 0.1
        ax_win.set_ylim(-top, top)
        text.set_text(
            f"n = {n}, K = {k}\n"
            f"w.x + b = {z:+.2f}\n"
            f"y_n = sigmoid = {y[n]:.3f}\n"
            f"params of A: {counting.conv_params(1, 1, (k,))}\n"
            f"dense {length}->{n_out}: {counting.dense_params(length, n_out):,}"
        )
        if channel != shown["channel"]:  # the label is in the background: draw it anew
            shown["channel"] = channel
            return "redraw"

    controls = {
        "position": w.IntSlider(
            value=0, min=0, max=length - 5, description="position n"
        ),
        "neuron": w.Dropdown(
            options=list(neurons), value="rising", description="neuron A"
        ),
        "channel": w.Dropdown(
            options=list(range(traces.shape[0])), value=0, description="channel"
        ),
    }
    # A full draw costs about 45 ms; moves repaint only these (see cnnlib.explorer).
    animated = [
        trace_line,
        shade,
        full_line,
        done_line,
        dot,
        x_line,
        w_line,
        zero,
        text,
    ]
    return Explorer(fig, update, controls, animated=animated)


def window_animation(n_frames=24, neuron="rising", channel=0):
    """The window explorer's static companion: its figure over ``n_frames`` positions.

    Returns:
        ``IPython.display.HTML`` with a self-contained JavaScript player
        (:func:`cnnlib.explorer.animate`).
    """
    explorer = make_window_explorer()
    frames = window_frames(n_frames=n_frames, neuron=neuron, channel=channel)
    return animate(explorer.fig, explorer.update, frames)


def draw_stack(ax, kernel_sizes, n_in=11, out_index=None, labels=None):
    """Draw a stack of 1D valid convolutions: rows of units joined by their connections.

    The units one output of the top layer depends on (its receptive field, layer by
    layer) are highlighted.

    Args:
        ax: matplotlib axes. kernel_sizes: one kernel size per layer, bottom first.
        n_in: number of input units. out_index: top-layer unit to trace (default: the
            middle).
        labels: row names, bottom first (default ``'input'``, ``'layer 1'``, ...).

    Returns:
        The number of input units in the traced unit's receptive field.

    Raises:
        ValueError: if the stack leaves no output unit.
    """
    sizes = [n_in]
    for k in kernel_sizes:
        if k > sizes[-1]:
            raise ValueError(
                f"kernels {list(kernel_sizes)} leave no output for {n_in} inputs"
            )
        sizes.append(conv_output_size(sizes[-1], k))
    labels = labels or ["input"] + [f"layer {i + 1}" for i in range(len(kernel_sizes))]
    out_index = sizes[-1] // 2 if out_index is None else out_index
    lit = [set() for _ in sizes]
    lit[-1] = {out_index}
    for level in range(len(kernel_sizes), 0, -1):
        k = kernel_sizes[level - 1]
        lit[level - 1] = {i + j for i in lit[level] for j in range(k)}
    x_of = [np.arange(s) + (n_in - s) / 2 for s in sizes]
    for level, k in enumerate(kernel_sizes, 1):
        for i in range(sizes[level]):
            for j in range(k):
                on = i in lit[level] and (i + j) in lit[level - 1]
                ax.plot(
                    [x_of[level][i], x_of[level - 1][i + j]],
                    [level, level - 1],
                    color="C3" if on else "0.85",
                    lw=1.6 if on else 0.6,
                    zorder=2 if on else 1,
                )
    for level, s in enumerate(sizes):
        on = np.array([i in lit[level] for i in range(s)])
        ax.scatter(
            x_of[level],
            np.full(s, level),
            s=110,
            c=np.where(on, "C3", "white"),
            edgecolors="0.3",
            zorder=3,
        )
        ax.text(-1.2, level, labels[level], ha="right", va="center", fontsize=9)
    ax.set_xlim(-4.5, n_in)
    ax.set_ylim(-0.5, len(sizes) - 0.5)
    ax.axis("off")
    return len(lit[0])
