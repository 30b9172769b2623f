"""Figures and the explorer of chapter 10, "Recurrent networks".

* :func:`unrolled_figure`: the recurrence unrolled over the characters of "hell", the
  same three matrices at every step;
* :func:`hello_figure`: what the trained "hello" model predicts at each step, and its
  hidden states (the two "l"s get different states);
* :func:`make_temperature_explorer`: sample names from a character model and move the
  temperature; :func:`temperature_animation` is its static companion;
* :func:`gradient_norms_figure`: the gradient of the last step's loss, going back in
  time.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

from cnnlib.explorer import Explorer, animate
from cnnlib.plot import box

from cnnlib.train import one_thread

from . import HELLO_VOCAB, NameData, next_char_probs, sample_names

PREFIXES = ("", "a", "j", "ma", "chr", "el")




def _arrow(ax, start, end, label=None, offset=(0.0, 0.0)):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=12,
            color="0.25",
            lw=1.1,
            shrinkA=0,
            shrinkB=0,
        )
    )
    if label:
        mid = (np.add(start, end) / 2) + offset
        ax.text(*mid, label, fontsize=8, color="0.2", ha="center", va="center")


def unrolled_figure(text="hell", targets="ello"):
    """The vanilla RNN unrolled over ``text``: inputs, hidden states, outputs and
    targets.

    Returns:
        the ``Figure``.
    """
    fig, ax = plt.subplots(figsize=(8.2, 3.6))
    for t, (c, target) in enumerate(zip(text, targets)):
        x = 1.6 + 1.7 * t
        box(ax, x, 0, f"x{t + 1} = '{c}'", "#dbe9f6", w=0.7, fontsize=10)
        box(ax, x, 1.4, f"h{t + 1}", "#fde2c4", w=0.7, fontsize=10)
        box(ax, x, 2.8, f"y{t + 1}", "#d9f0d3", w=0.7, fontsize=10)
        ax.text(
            x, 3.45, f"target '{target}'", ha="center", fontsize=9, color="tab:green"
        )
        _arrow(ax, (x, 0.25), (x, 1.15), "W_xh", (0.3, 0))
        _arrow(ax, (x, 1.65), (x, 2.55), "W_hy", (0.3, 0))
        if t:
            _arrow(ax, (x - 1.35, 1.4), (x - 0.35, 1.4), "W_hh", (0, 0.2))
    box(ax, 0.0, 1.4, "h0 = 0", "0.92", w=0.7, fontsize=10)
    _arrow(ax, (0.35, 1.4), (1.25, 1.4), "W_hh", (0, 0.2))
    ax.set_xlim(-0.6, 1.6 + 1.7 * (len(text) - 1) + 0.7)
    ax.set_ylim(-0.5, 3.8)
    ax.axis("off")
    ax.set_title(
        "One function, applied at every step: h_t = tanh(W_xh x_t + W_hh h_(t-1) + b),"
        " y_t = W_hy h_t + b_y",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def hello_figure(probs, hidden, text="hell", targets="ello", vocab=HELLO_VOCAB):
    """What the "hello" model says at each step.

    Args:
        probs: ``(T, V)`` predicted probabilities of the next character.
        hidden: ``(T, H)`` hidden states.

    Returns:
        the ``Figure``: left, the probabilities (targets outlined); right, the hidden
        states.
    """
    probs, hidden = np.asarray(probs), np.asarray(hidden)
    fig, axes = plt.subplots(
        1, 2, figsize=(8.4, 3.1), gridspec_kw={"width_ratios": [1.1, 1]}
    )
    ax = axes[0]
    ax.imshow(probs.T, cmap="Greens", vmin=0, vmax=1)
    for t in range(probs.shape[0]):
        for v in range(probs.shape[1]):
            ax.text(
                t,
                v,
                f"{probs[t, v]:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if probs[t, v] > 0.6 else "black",
            )
        ax.add_patch(
            plt.Rectangle(
                (t - 0.5, vocab.index(targets[t]) - 0.5),
                1,
                1,
                fill=False,
                ec="tab:red",
                lw=2,
            )
        )
    ax.set(
        xticks=range(len(text)),
        xticklabels=[f"'{c}'" for c in text],
        yticks=range(len(vocab)),
        yticklabels=vocab,
        xlabel="input character",
        ylabel="next character",
        title="p(next | input so far); targets in red",
    )
    ax = axes[1]
    width = 0.8 / hidden.shape[1]
    for k in range(hidden.shape[1]):
        ax.bar(
            np.arange(len(text)) + (k - (hidden.shape[1] - 1) / 2) * width,
            hidden[:, k],
            width,
            label=f"unit {k + 1}",
        )
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set(
        xticks=range(len(text)),
        xticklabels=[f"'{c}'" for c in text],
        ylim=(-1.05, 1.5),
        yticks=[-1, -0.5, 0, 0.5, 1],
        title="hidden state h_t: the two 'l's differ",
        xlabel="input character",
    )
    ax.legend(fontsize=8, loc="upper center", ncol=3)
    fig.tight_layout()
    return fig


def _temperature_panels(model, data, figsize=(8.4, 3.7), dpi=72):
    """The explorer's figure, its ``update(temperature, prefix, seed)`` and the artists
    that ``update`` changes (blitted: redrawing the 27 tick labels is the slow part)."""
    fig = plt.figure(figsize=figsize, dpi=dpi)
    ax = fig.add_axes([0.07, 0.15, 0.55, 0.72])
    ax_txt = fig.add_axes([0.66, 0.02, 0.33, 0.9])
    ax_txt.axis("off")
    V = len(data.vocab)
    labels = list(data.vocab)
    # zorder above the axes frame: blitted on top of it, the same as a full draw
    bars = ax.bar(
        np.arange(V), np.zeros(V), color="tab:blue", label="at temperature T", zorder=3
    )
    (model_line,) = ax.step(
        np.arange(V),
        np.zeros(V),
        where="mid",
        color="tab:orange",
        lw=1,
        label="T = 1 (the model)",
        zorder=3.5,
    )
    ax.set(
        xticks=np.arange(V),
        ylim=(0, 1.25),
        ylabel="probability",
        xlim=(-0.6, V - 0.4),
        yticks=[0, 0.25, 0.5, 0.75, 1],
    )
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_xlabel("next character ('.' = end of the name)", fontsize=9)
    ax.legend(fontsize=8, loc="upper right", ncol=2)  # above every bar (ylim 1.25)
    title = ax.set_title("", fontsize=10)
    text = ax_txt.text(
        0.0,
        1.0,
        "",
        va="top",
        ha="left",
        family="monospace",
        fontsize=9,
        transform=ax_txt.transAxes,
    )
    known = set(data.train)

    def update(temperature=1.0, prefix="", seed=0):
        with one_thread():
            probs = next_char_probs(model, data, prefix, temperature)
            model_probs = next_char_probs(model, data, prefix, 1.0)
            names = sample_names(model, data, 10, temperature, seed=seed, prefix=prefix)
        for bar, p in zip(bars, probs):
            bar.set_height(p)
        model_line.set_ydata(model_probs)
        start = f"'{prefix}'" if prefix else "the start"
        title.set_text(f"next character after {start}, T = {temperature:.2f}")
        lines = [f"{n:<13s}{'census' if n in known else 'new'}" for n in names]
        real = np.mean([n in known for n in names])
        text.set_text(
            "10 samples   in list?\n\n"
            + "\n".join(lines)
            + f"\n\n{len(set(names))} distinct, {real:.0%} real"
        )

    return fig, update, [*bars, model_line, title, text]  # the artists update changes


def make_temperature_explorer(model=None, data=None):
    """The temperature explorer, an :class:`~cnnlib.explorer.Explorer`.

    Controls: ``temperature`` (0 = greedy, to 2), ``prefix`` (how the name begins) and
    ``seed`` (another draw of samples). Left: the next-character distribution at that
    temperature over the model's own (T = 1); right: ten sampled names, each marked as a
    census name or a new one.

    Args:
        model: a trained :class:`cnnlib.models.CharRNN` on ``data``; default a small GRU
            trained here for 150 steps (about 2 s), enough to drive the controls.
        data: the :class:`~cnnlib.chapters.ch10_recurrent_networks.NameData` it was
            trained on; default ``NameData()``.
    """
    import ipywidgets as w

    if model is None:
        model, data = _quick_model(data)
    elif data is None:
        raise ValueError("pass the NameData the model was trained on")
    fig, update, animated = _temperature_panels(model, data)
    controls = {
        "temperature": w.FloatSlider(
            value=1.0,
            min=0.0,
            max=2.0,
            step=0.05,
            description="temperature",
            continuous_update=True,
        ),
        "prefix": w.Dropdown(
            options=[(p or "(start)", p) for p in PREFIXES],
            value="",
            description="prefix",
        ),
        "seed": w.IntSlider(value=0, min=0, max=9, description="seed"),
    }
    return Explorer(fig, update, controls, animated=animated)


def _quick_model(data=None):
    import torch

    from cnnlib.models import CharRNN

    from . import sequence_loss, train

    data = NameData() if data is None else data
    torch.manual_seed(0)
    model = CharRNN(len(data.vocab), 64, "gru", embed_dim=16)

    def batches(generator):
        idx = torch.randint(0, len(data.train), (128,), generator=generator)
        return data.X_train[idx], data.Y_train[idx]

    with one_thread():
        train(model, batches, lambda m, b: sequence_loss(m, *b), 150, lr=5e-3)
    return model, data


def temperature_animation(
    model,
    data,
    temperatures=(0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0),
    prefix="",
    seed=0,
    interval=900,
):
    """The explorer's static companion: the same panels, one frame per temperature.

    Returns:
        ``IPython.display.HTML`` with a self-contained JavaScript player.
    """
    fig, update, _ = _temperature_panels(model, data)
    frames = [{"temperature": t, "prefix": prefix, "seed": seed} for t in temperatures]
    return animate(fig, update, frames, interval=interval)


def gradient_norms_figure(norms, theory=None):
    """``|dL/dh_t|`` against ``t`` on a log scale, one line per ``W_hh`` scale.

    Args:
        norms: ``{scale: (T + 1,) norms}`` for a tanh RNN.
        theory: optional ``{scale: (T + 1,)}`` for the linear RNN (dashed).

    Returns:
        the ``Figure``.
    """
    fig, ax = plt.subplots(figsize=(7.2, 3.8))
    colors = plt.cm.plasma(np.linspace(0, 0.85, len(norms)))
    for color, (scale, n) in zip(colors, norms.items()):
        ax.semilogy(
            np.arange(len(n)), n, color=color, lw=1.8, label=f"tanh, scale {scale}"
        )
        if theory is not None and scale in theory:
            ax.semilogy(np.arange(len(n)), theory[scale], "--", color=color, lw=0.9)
    ax.axhline(1, color="0.5", lw=0.6)
    T = len(next(iter(norms.values()))) - 1
    ax.set(
        xlabel="time step t",
        ylabel="|dL/dh_t|",
        xlim=(0, T),
        title=f"The gradient of a loss at step {T}, carried back to step t",
    )
    ax.plot([], [], "k--", lw=0.9, label="no tanh: scale^(T-t)")
    ax.legend(fontsize=8, ncol=2, loc="lower right")
    fig.tight_layout()
    return fig
