"""Figures and the explorer of chapter 12, "Training on a GPU".

Each ``*_figure`` returns its ``Figure``. :func:`make_robustness_explorer` is the
chapter's explorer (a perturbation and its strength -> eight test images as the model
sees them, its answers, and where the setting sits on the accuracy curve);
:func:`robustness_web_explorer` is its static companion for the web page.
"""
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

from cnnlib.explorer import FRAMES, Explorer, web_explorer

from . import (FORMATS, ROBUSTNESS_LEVELS, ROBUSTNESS_UNITS, fashion_net, perturb,
               predict, robustness_curves, rounded)

RIGHT, WRONG = "#1a7f37", "#cf222e"
COLORS = {"float32": "#555555", "bfloat16": "#0969da", "float16": "#bc4c00"}


def rounding_figure(low=-9, high=6, points=4000, bins=200):
    """Relative error of storing a number in float32, bfloat16 and float16, from
    ``10**low`` to ``10**high`` (the worst error in each of ``bins`` bins): flat where
    the format has the range, 100% where it underflows to 0 or overflows to
    infinity."""
    x = np.logspace(low, high, points)
    edges = np.arange(0, points, points // bins)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for name, dtype, _, m_bits in FORMATS:
        back = np.array(rounded(x, dtype))
        err = np.where(np.isfinite(back), np.abs(back - x) / x, 1.0)
        worst = np.maximum.reduceat(err, edges)
        ax.loglog(x[edges], np.maximum(worst, 1e-10), color=COLORS[name], lw=1.5,
                  label=f"{name} ({m_bits} significand bits)")
    for at, text in ((65504, " float16's largest\n 65,504"),
                     (2.0 ** -24, " float16's smallest\n 6e-8")):
        ax.axvline(at, color=COLORS["float16"], ls=":", lw=1)
        ax.text(at, 1e-6, text, color=COLORS["float16"], fontsize=8)
    ax.set(xlabel="the number stored", ylabel="worst relative rounding error",
           ylim=(1e-9, 1e2),
           title="Range and precision: bfloat16 keeps float32's range, float16 keeps "
                 "more digits")
    ax.legend(loc="upper center", fontsize=8, frameon=False, ncol=3)
    fig.tight_layout()
    return fig


def samples_figure(x, y, classes, per_class=2):
    """``per_class`` training images of each class, labelled."""
    y = np.asarray(y)
    fig, axes = plt.subplots(per_class, len(classes), figsize=(1.0 * len(classes),
                                                               1.1 * per_class + 0.3))
    for c, name in enumerate(classes):
        for r, i in enumerate(np.flatnonzero(y == c)[:per_class]):
            ax = axes[r, c]
            ax.imshow(np.asarray(x[i, 0]), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(name, fontsize=8)
    fig.suptitle("Fashion-MNIST: 28x28 grey photos of clothing, 10 classes",
                 fontsize=10)
    fig.tight_layout()
    return fig


def curves_figure(history, target, recorded=None, label="this run"):
    """Test accuracy against training seconds: the live run, and a recorded GPU run
    (labelled as recorded, never as this run's) if one is stored."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    acc = 100 * np.array(history.test_acc)
    ax.plot(history.seconds, acc, "o-", color=COLORS["bfloat16"],
            label=f"{label}: {history.device}, {history.precision}")
    if recorded is not None:
        c = recorded["curves"]
        ax.plot(c["seconds"], 100 * np.array(c["test_acc"]), "s--", color="#6e40c9",
                label=f"recorded, not this run: {recorded['hardware']}, "
                      f"{recorded['date']}")
    else:
        ax.text(0.98, 0.04, "No recorded GPU run is stored yet:\nonly this run is "
                "shown.", transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                color="#555555")
    ax.axhline(100 * target, color="#555555", ls=":", lw=1)
    ax.text(0, 100 * target, f" target {target:.0%}", va="bottom", fontsize=8)
    ax.set(xlabel="training seconds (evaluation not counted)",
           ylabel="test accuracy (%)", title="Time to accuracy")
    ax.set_xlim(left=0)
    ax.legend(loc="lower center", fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.1),
              ncol=1)
    fig.tight_layout()
    return fig


def _box(ax, x, y, w, h, text="", color="#ddf4ff", edge="#0969da", fontsize=8):
    ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor=edge, lw=1))
    if text:
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, a, b, text="", color="#cf222e"):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="<->", mutation_scale=10, color=color,
                                 lw=1.2))
    if text:
        ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.15, text, ha="center",
                fontsize=7.5, color=color)


def parallel_figure(layers=5):
    """Data parallelism (every GPU a whole copy, half of each batch, gradients
    averaged) beside AlexNet's model parallelism (every GPU half of every layer's
    filters, talking at some layers)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax in (left, right):
        ax.set_xlim(0, 10)
        ax.set_ylim(-1.2, layers + 1.6)
        ax.axis("off")
    for g, x0 in enumerate((0.5, 5.5)):
        _box(left, x0, -0.1, 4, layers + 0.6, color="#f6f8fa", edge="#8c959f")
        left.text(x0 + 2, layers + 0.75, f"GPU {g}: a whole copy", ha="center",
                  fontsize=8)
        for k in range(layers):
            _box(left, x0 + 0.5, 0.1 + k, 3, 0.7, f"layer {k + 1}")
        half = "first" if g == 0 else "second"
        left.text(x0 + 2, -0.7, f"half of the batch ({half})", ha="center", fontsize=8)
    for k in range(layers):
        _arrow(left, (4.1, 0.45 + k), (5.9, 0.45 + k))
    left.text(5, layers + 1.3, "backward: all-reduce averages the gradients",
              ha="center", fontsize=8, color="#cf222e")
    left.set_title("Data parallel (DistributedDataParallel)", fontsize=10)
    talks = {3, layers}                       # conv3 and the fully-connected layers
    for g, x0 in enumerate((0.5, 5.5)):
        _box(right, x0, -0.1, 4, layers + 0.6, color="#f6f8fa", edge="#8c959f")
        right.text(x0 + 2, layers + 0.75, f"GPU {g}: half of every layer", ha="center",
                   fontsize=8)
        for k in range(layers):
            _box(right, x0 + 0.5, 0.1 + k, 3, 0.7, f"layer {k + 1}: half the filters",
                 color="#fff8c5", edge="#9a6700", fontsize=7)
    for k in range(layers):
        if k + 1 in talks:
            _arrow(right, (4.1, 0.45 + k), (5.9, 0.45 + k), "exchange maps")
    right.text(5, -0.7, "the whole batch goes through both", ha="center", fontsize=8)
    right.set_title("Model parallel (AlexNet on two GTX 580s, 2012)", fontsize=10)
    fig.tight_layout()
    return fig


def robustness_figure(curves, clean=None):
    """Test accuracy as the images are rotated, shifted and darkened (one panel
    each)."""
    fig, axes = plt.subplots(1, len(curves), figsize=(10, 3.2), sharey=True)
    for ax, (kind, (levels, accs)) in zip(axes, curves.items()):
        ax.plot(levels, 100 * np.array(accs), "o-", color=COLORS["bfloat16"])
        ax.axhline(10, color="#8c959f", ls=":", lw=1)
        ax.set(title=kind, xlabel=ROBUSTNESS_UNITS[kind], ylim=(0, 100))
        if kind == "darken":
            ax.invert_xaxis()
    axes[0].set_ylabel("test accuracy (%)")
    axes[0].text(axes[0].get_xlim()[1], 11, "chance ", ha="right", va="bottom",
                 fontsize=8, color="#8c959f")
    fig.suptitle("The same test images, changed in ways that do not confuse a person",
                 fontsize=10)
    fig.tight_layout()
    return fig


def fgsm_figure(x, x_adv, y, probs, probs_adv, classes, eps):
    """Rows of (image, the change FGSM made, the adversarial image) with the model's
    answers."""
    n = len(x)
    fig, axes = plt.subplots(n, 3, figsize=(6.6, 2.2 * n + 0.2), squeeze=False)
    for r in range(n):
        delta = (x_adv[r, 0] - x[r, 0]).numpy()
        for c, (img, cmap, lim) in enumerate(((x[r, 0], "gray_r", (0, 1)),
                                              (delta, "RdBu", (-eps, eps)),
                                              (x_adv[r, 0], "gray_r", (0, 1)))):
            ax = axes[r, c]
            ax.imshow(np.asarray(img), cmap=cmap, vmin=lim[0], vmax=lim[1])
            ax.set_xticks([])
            ax.set_yticks([])
        p, q = probs[r], probs_adv[r]
        a, b = int(p.argmax()), int(q.argmax())
        axes[r, 0].set_title(f"{classes[a]} {p[a]:.0%}", fontsize=9,
                             color=RIGHT if a == y[r] else WRONG)
        axes[r, 1].set_title(f"change: at most {eps * 255:.0f}/255 per pixel",
                             fontsize=8)
        axes[r, 2].set_title(f"{classes[b]} {q[b]:.0%}", fontsize=9,
                             color=RIGHT if b == y[r] else WRONG)
    fig.suptitle("Fast gradient sign method: a faint pattern changes the answer",
                 fontsize=10)
    fig.tight_layout()
    return fig


def _explorer_data():
    from cnnlib import data
    try:
        x, y = data.fashion_mnist("test", n=8, download=False)
        x, y = torch.from_numpy(x)[:, None], torch.from_numpy(y)
    except FileNotFoundError:                       # no data here: the mechanics only
        x, y = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0)), \
            torch.arange(8)
    return x, y


def make_robustness_explorer(model=None, x=None, y=None, classes=None, curves=None,
                             device="cpu"):
    """The explorer: a perturbation (rotate, shift, darken) and its strength -> eight
    test images as the model sees them, its answers (green right, red wrong) and the
    point on the accuracy curve.

    Args:
        model: a trained classifier (default: an untrained :func:`fashion_net`, which
            shows the machinery).
        x, y: ``(8, 1, H, W)`` images in [0, 1] and their labels (default: the first
            eight Fashion-MNIST test images, if installed).
        classes: class names; curves: :func:`robustness_curves` over many test images
            (default: over these eight).

    Returns:
        :class:`cnnlib.explorer.Explorer`; the strength slider is an index into
        :data:`ROBUSTNESS_LEVELS`, so no setting raises.
    """
    import ipywidgets as w
    from cnnlib import data

    if model is None:
        torch.manual_seed(0)
        model = fashion_net(8).eval()
    if x is None:
        x, y = _explorer_data()
    x, y = x[:8], y[:8]
    classes = data.FASHION_MNIST_CLASSES if classes is None else classes
    curves = robustness_curves(model, x, y, device) if curves is None else curves
    fig = plt.figure(figsize=(10, 3.6))
    grid = fig.add_gridspec(2, 6, width_ratios=[1, 1, 1, 1, 0.25, 3])
    axes = [fig.add_subplot(grid[r, c]) for r in range(2) for c in range(4)]
    images, titles = [], []
    for ax in axes:
        images.append(ax.imshow(np.zeros(x.shape[-2:]), cmap="gray_r", vmin=0, vmax=1))
        titles.append(ax.set_title("", fontsize=8))
        ax.set_xticks([])
        ax.set_yticks([])
    curve_ax = fig.add_subplot(grid[:, 5])
    line, = curve_ax.plot([], [], "o-", color=COLORS["bfloat16"], ms=4)
    point, = curve_ax.plot([], [], "o", color=WRONG, ms=10, mfc="none", mew=2)
    curve_ax.set(ylim=(0, 100), ylabel="test accuracy (%)")
    curve_ax.axhline(10, color="#8c959f", ls=":", lw=1)

    def update(kind="rotate", strength=2):
        levels = ROBUSTNESS_LEVELS[kind]
        level = levels[min(max(int(strength), 0), len(levels) - 1)]
        seen = perturb(x, kind, level)
        probs = predict(model, seen, device)
        for k, (im, title) in enumerate(zip(images, titles)):
            im.set_data(seen[k, 0].numpy())
            guess = int(probs[k].argmax())
            title.set_text(f"{classes[guess][:11]}\n{probs[k, guess]:.0%}")
            title.set_color(RIGHT if guess == int(y[k]) else WRONG)
        xs, accs = curves[kind]
        line.set_data(xs, 100 * np.array(accs))
        point.set_data([level], [100 * accs[list(xs).index(level)]])
        span = max(xs) - min(xs)
        curve_ax.set_xlim(min(xs) - 0.05 * span, max(xs) + 0.05 * span)
        if (kind == "darken") != curve_ax.xaxis_inverted():
            curve_ax.invert_xaxis()
        curve_ax.set_xlabel(ROBUSTNESS_UNITS[kind])
        curve_ax.set_title(f"{kind} {level}: {100 * accs[list(xs).index(level)]:.0f}% "
                           "of the test set right", fontsize=9)

    update()
    fig.tight_layout()
    top = len(ROBUSTNESS_LEVELS["rotate"]) - 1
    controls = {"kind": w.Dropdown(options=list(ROBUSTNESS_LEVELS), value="rotate",
                                   description="change"),
                "strength": w.IntSlider(value=2, min=0, max=top,
                                        description="strength")}
    return Explorer(fig, update, controls)


def robustness_web_explorer(explorer, folder=FRAMES):
    """The explorer on the web page: every change at every strength, precomputed.

    Returns:
        ``IPython.display.HTML`` (:func:`cnnlib.explorer.web_explorer`), named
        ``"ch12-robustness"``.
    """
    strengths = list(range(len(ROBUSTNESS_LEVELS["rotate"])))
    grid = {"kind": list(ROBUSTNESS_LEVELS), "strength": strengths}
    alt = "eight test images rotated, shifted or darkened, the model's answers, and " \
          "the accuracy curve"
    return web_explorer(explorer, "ch12-robustness", grid=grid, alt=alt, folder=folder)
