"""Figures and the explorer of chapter 1, "Why convolution".

* :func:`make_window_explorer`: slide one shared neuron ``A`` along a real EEG trace and
  watch the window it sees, its weights, the value it produces there, and how few
  parameters it needs compared with a fully-connected layer on the same input;
* :func:`window_web_explorer`: its static companion for the web page, the same
  controls over precomputed settings (:func:`cnnlib.explorer.web_explorer`);
  :func:`window_animation`: the older companion, a 24-frame walk;
* :func:`copies_figure`: one neuron ``A`` drawn as copies, one per window (the
  function-call view of a convolution);
* :func:`peak_weights_figure`, :func:`bank_filters_figure`: the weights of the
  two-layer spike detector and of the colour filter bank, drawn as pictures;
* :func:`draw_stack`: a stack of 1D convolutions drawn as units and connections, with
  the receptive field of one top unit highlighted.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from cnnlib import counting
from cnnlib.explorer import FRAMES, Explorer, animate, web_explorer
from cnnlib.functional import conv_output_size

from . import RATE, SEGMENT, eeg_neurons, peak_detector, window_frames, window_outputs


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


WEB_POSITIONS = 8  # window positions the web companion precomputes
WEB_CHANNELS = (0, 1)  # the two channels the chapter's text discusses


def window_web_grid(segment=SEGMENT):
    """The settings :func:`window_web_explorer` precomputes: ``{control: [values]}``.

    ``WEB_POSITIONS`` window starts spread evenly over the windows that fit every
    neuron (the longest kernel sets the last one), all three neurons, and the channels
    ``WEB_CHANNELS``.
    """
    length = int(round((segment[1] - segment[0]) * RATE))
    longest = max(w.size for w, _ in eeg_neurons().values())
    last = conv_output_size(length, longest) - 1
    positions = np.linspace(0, last, WEB_POSITIONS).round().astype(int)
    return {
        "position": [int(p) for p in positions],
        "neuron": list(eeg_neurons()),
        "channel": list(WEB_CHANNELS),
    }


def window_web_explorer(explorer=None, folder=FRAMES):
    """The window explorer on the web page: its controls over :func:`window_web_grid`.

    Args:
        explorer: an explorer from :func:`make_window_explorer` (default: a new one).
        folder: where the frames go.

    Returns:
        ``IPython.display.HTML`` (:func:`cnnlib.explorer.web_explorer`), named
        ``"ch01-window"``.
    """
    alt = "EEG trace with the window shaded, the output so far, the window and weights"
    return web_explorer(explorer or make_window_explorer(), "ch01-window",
                        grid=window_web_grid(), alt=alt, folder=folder)


def copies_figure(n_in=9, kernel_size=3):
    """One neuron drawn as copies, one per window: the function-call view.

    Input units ``x_0 .. x_{n_in-1}`` at the bottom, one box ``A`` per window of
    ``kernel_size`` consecutive inputs (every box is the same function, with the same
    weights), and one output ``y_n`` on each box.

    Returns:
        The ``Figure``.

    Raises:
        ValueError: if ``kernel_size`` is not between 1 and ``n_in``.
    """
    if not 1 <= kernel_size <= n_in:
        raise ValueError(f"kernel_size={kernel_size} must be between 1 and n_in={n_in}")
    n_out = conv_output_size(n_in, kernel_size)
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    x_out = np.arange(n_out) + (kernel_size - 1) / 2
    for n in range(n_out):
        colour = "C1" if n == 0 else "0.6"
        for k in range(kernel_size):
            ax.plot([n + k, x_out[n]], [0.12, 0.78], color=colour, lw=1.0, zorder=1)
        ax.add_patch(
            Rectangle((x_out[n] - 0.32, 0.78), 0.64, 0.5, facecolor="#fde3c8",
                      edgecolor="C1", zorder=2)
        )
        ax.text(x_out[n], 1.03, "A", ha="center", va="center", fontsize=11, zorder=3)
        ax.plot([x_out[n], x_out[n]], [1.28, 1.6], color="0.4", lw=1.0)
        ax.text(x_out[n], 1.75, f"$y_{n}$", ha="center", va="center", fontsize=10)
    ax.scatter(np.arange(n_in), np.zeros(n_in), s=160, c="white", edgecolors="C0",
               zorder=3)
    for i in range(n_in):
        ax.text(i, -0.32, f"$x_{i}$", ha="center", va="center", fontsize=10)
    ax.set_xlim(-0.7, n_in - 0.3)
    ax.set_ylim(-0.55, 1.95)
    ax.axis("off")
    ax.set_title(f"{n_out} copies of one neuron A, each on {kernel_size} neighbouring "
                 "inputs (highlighted: the first)", fontsize=10)
    return fig


def peak_weights_figure():
    """The weights of :func:`~cnnlib.chapters.ch01_why_convolution.peak_detector`.

    Left: layer ``A``'s two kernels (rising, falling) as stems; right: ``B``'s weight
    ``(2, 7)`` as a grid, one row per ``A`` map, one column per position.

    Returns:
        The ``Figure``.
    """
    weight_a, bias_a, weight_b, bias_b = peak_detector()
    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(9, 2.6),
                                     gridspec_kw=dict(width_ratios=[1, 1.6]))
    for row, (name, colour) in enumerate([("rising", "C0"), ("falling", "C1")]):
        taps = np.arange(weight_a.shape[-1]) + 0.12 * (row - 0.5)
        ax_a.stem(taps, weight_a[row, 0], linefmt=f"{colour}-", markerfmt=f"{colour}o",
                  basefmt="0.7")
    ax_a.set(xlabel="tap k (sample in the window)", ylabel="weight")
    ax_a.set_title(f"layer A: rising (blue), falling (orange), bias {bias_a[0]:g} each",
                   fontsize=10)
    b = weight_b[0]
    ax_b.imshow(b, cmap="Reds", vmin=0, vmax=2.5, aspect="auto")
    for (r, c), v in np.ndenumerate(b):
        ax_b.text(c, r, f"{v:g}", ha="center", va="center", fontsize=10)
    ax_b.set_yticks([0, 1], ["A_rising map", "A_falling map"])
    ax_b.set_xticks(range(b.shape[1]))
    ax_b.set_xlabel("position m - n among B's 7 inputs")
    ax_b.set_title(f"layer B: weight (2, 7), bias {bias_b[0]:g}: "
                   "rise first, fall last", fontsize=10)
    fig.tight_layout()
    return fig


def bank_filters_figure(bank, names):
    """A filter bank drawn as pictures: one row per filter, one column per channel.

    Args:
        bank: ``(C_out, 3, K_h, K_w)`` weights (channels red, green, blue).
        names: ``C_out`` filter names.

    Returns:
        The ``Figure``; every weight is printed in its cell.

    Raises:
        ValueError: if ``bank`` is not ``(C_out, 3, K_h, K_w)`` with ``C_out`` names.
    """
    bank = np.asarray(bank, dtype=float)
    if bank.ndim != 4 or bank.shape[1] != 3 or len(names) != bank.shape[0]:
        raise ValueError(f"bank {bank.shape} and {len(names)} names: need (C_out, 3, "
                         "K_h, K_w) and one name per filter")
    fig, axes = plt.subplots(bank.shape[0], 3, figsize=(6.2, 2.0 * bank.shape[0]),
                             squeeze=False)
    lim = np.abs(bank).max()
    for o, row in enumerate(axes):
        for c, (ax, channel) in enumerate(zip(row, ["red", "green", "blue"])):
            ax.imshow(bank[o, c], cmap="RdBu_r", vmin=-lim, vmax=lim)
            for (i, j), v in np.ndenumerate(bank[o, c]):
                ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7,
                        color="white" if abs(v) > 0.6 * lim else "black")
            ax.set_xticks([]), ax.set_yticks([])
            if o == 0:
                ax.set_title(f"{channel} channel", fontsize=9)
            if c == 0:
                ax.set_ylabel(names[o], fontsize=9)
    fig.suptitle("the three filters, each (3, 3, 3): red is positive, blue negative",
                 fontsize=10)
    fig.tight_layout()
    return fig


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
