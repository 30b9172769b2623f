"""Explorers for chapter 1, "Why convolution".

:func:`make_window_explorer`: slide one shared neuron ``A`` along a real EEG trace and watch
the window it sees, its weights, the value it produces there, and how few parameters it needs
compared with a fully-connected layer on the same input.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .. import counting, data
from ..functional import conv1d
from ..sharing import RATE, eeg_neurons, sigmoid
from . import Explorer

SEGMENT = (6.0, 9.0)   # seconds of the recording shown: it holds two sharp spikes on channel 0


def window_outputs(segment=SEGMENT):
    """The EEG segment and every neuron's output on it.

    Returns:
        ``(t (L,), traces (4, L), outputs)`` where ``outputs[name]`` is ``(4, L - K + 1)``:
        ``sigmoid(conv1d(trace, w) + b)`` for each neuron of :func:`cnnlib.sharing.eeg_neurons`.
    """
    t, traces = data.eeg()
    lo, hi = (int(round(s * RATE)) for s in segment)
    t, traces = t[lo:hi], traces[:, lo:hi]
    outputs = {name: sigmoid(conv1d(traces[:, None], w[None, None], np.array([b]))[:, 0])
               for name, (w, b) in eeg_neurons().items()}
    return t, traces, outputs


def make_window_explorer(segment=SEGMENT):
    """An :class:`~cnnlib.widgets.Explorer`: controls ``position`` (window start, in samples),
    ``neuron`` (``'rising'``, ``'falling'``, ``'oscillation'``) and ``channel`` (0-3).

    The position is clamped to the last window that fits the chosen neuron, so every slider
    value is valid. Top: the input with the window shaded; middle: the output, computed up to
    the current position; bottom: the window's samples next to the neuron's weights, and the
    arithmetic and the parameter counts.
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
    trace_line, = ax_in.plot(t, traces[0], lw=0.8, color="C0")
    shade = Rectangle((t[0], 0), 5 * dt, 1, transform=ax_in.get_xaxis_transform(), color="C1", alpha=0.4)
    ax_in.add_patch(shade)
    ax_in.set_ylim(traces.min() - 0.3, traces.max() + 0.3)
    ax_in.set_yticks([-4, 0, 4])
    in_label = ax_in.set_ylabel("EEG ch. 0")
    ax_in.tick_params(labelbottom=False)
    full_line, = ax_out.plot([], [], lw=0.8, color="0.75")
    done_line, = ax_out.plot([], [], lw=1.2, color="C3")
    dot, = ax_out.plot([], [], "o", color="C3", ms=6)
    ax_out.set_ylim(-0.05, 1.05)
    ax_out.set_yticks([0, 1])
    ax_out.set_xticks(np.arange(np.ceil(t[0]), t[-1] + dt / 2))
    ax_out.set_xlabel("time (s)", labelpad=1)
    ax_out.set_ylabel("output y_n")
    x_line, = ax_win.plot([], [], "o-", color="C0", ms=4, label="window x")
    w_line, = ax_win.plot([], [], "s--", color="C1", ms=4, label="weights w")
    ax_win.axhline(0, color="0.6", lw=0.6)
    ax_win.set_xticks([]), ax_win.set_yticks([])
    ax_win.set_title("window x (blue), weights w (orange)", fontsize=9)
    ax_txt = fig.add_axes([0.55, 0.04, 0.42, 0.26])
    ax_txt.axis("off")
    text = ax_txt.text(0.02, 0.98, "", va="top", ha="left", family="monospace", fontsize=9,
                       transform=ax_txt.transAxes)

    def update(position=0, neuron="rising", channel=0):
        channel = int(np.clip(channel, 0, traces.shape[0] - 1))
        weight, bias = neurons[neuron]
        k = weight.size
        n = int(np.clip(position, 0, length - k))
        x = traces[channel]
        y = outputs[neuron][channel]
        window = x[n:n + k]
        z = float(window @ weight + bias)
        trace_line.set_ydata(x)
        shade.set_x(t[n] - dt / 2)
        shade.set_width(k * dt)
        in_label.set_text(f"EEG ch. {channel}")
        full_line.set_data(t[:y.size], y)
        done_line.set_data(t[:n + 1], y[:n + 1])
        dot.set_data([t[n]], [y[n]])
        ks = np.arange(k)
        x_line.set_data(ks, window)
        w_line.set_data(ks, weight)
        ax_win.set_xlim(-0.5, k - 0.5)
        top = max(np.abs(window).max(), np.abs(weight).max()) * 1.15 + 0.1
        ax_win.set_ylim(-top, top)
        n_out = length - k + 1
        text.set_text(f"n = {n}, K = {k}\n"
                      f"w.x + b = {z:+.2f}\n"
                      f"y_n = sigmoid = {y[n]:.3f}\n"
                      f"params of A: {counting.conv_params(1, 1, (k,))}\n"
                      f"dense {length}->{n_out}: {counting.dense_params(length, n_out):,}")
        return fig

    controls = {
        "position": w.IntSlider(value=0, min=0, max=length - 5, description="position n"),
        "neuron": w.Dropdown(options=list(neurons), value="rising", description="neuron A"),
        "channel": w.Dropdown(options=list(range(traces.shape[0])), value=0, description="channel"),
    }
    return Explorer(fig, update, controls)


def window_frames(n_frames=24, neuron="rising", channel=0, segment=SEGMENT):
    """Evenly spaced window positions for :func:`cnnlib.widgets.animate` (at most 30 frames)."""
    if not 1 <= n_frames <= 30:
        raise ValueError(f"n_frames={n_frames} must be between 1 and 30 (the page's size)")
    length = int(round((segment[1] - segment[0]) * RATE))
    k = eeg_neurons()[neuron][0].size
    positions = np.linspace(0, length - k, n_frames).round().astype(int)
    return [{"position": int(p), "neuron": neuron, "channel": channel} for p in positions]
