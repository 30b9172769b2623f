"""Chapter 8's figures, its explorer over a trained network, and its static companion.

Every ``*_figure`` returns the matplotlib ``Figure``; :func:`make_digit_explorer`
returns a :class:`cnnlib.explorer.Explorer` whose computation is :func:`..digit_view`.
"""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from cnnlib.explorer import Explorer

from . import digit_view, mosaic, sigmoid, trained_digits_net

#: Box colour of each kind of layer in :func:`architecture_figure`.
KIND_COLOURS = {"Conv2d": "#9ecae1", "ReLU": "#fdd0a2", "MaxPool2d": "#a1d99b",
                "AvgPool2d": "#a1d99b", "Flatten": "#dadaeb", "Linear": "#bcbddc",
                "Sigmoid": "#fdae6b", "Dropout": "#d9d9d9"}


def _shape(a):
    return "×".join(str(s) for s in a.shape[1:])


def architecture_figure(outputs, split, title):
    """The network as a row of boxes, one per layer, each with the shape it outputs.

    Args:
        outputs: :func:`..layer_outputs` of the network for one input.
        split: index of the first layer of the classifier (where ``Flatten`` sits).
        title: the figure's title.
    """
    n = len(outputs)
    fig, ax = plt.subplots(figsize=(min(1.05 * n + 0.6, 12.5), 2.7))
    for i, (name, a) in enumerate(outputs):
        kind = name.split()[-1]
        colour = "white" if kind == "input" else KIND_COLOURS.get(kind, "#eeeeee")
        ax.add_patch(Rectangle((i + 0.08, 0.35), 0.84, 0.5, facecolor=colour,
                               edgecolor="0.3", lw=0.8))
        label = "input" if kind == "input" else kind.replace("2d", "")
        ax.text(i + 0.5, 0.6, label, ha="center", va="center", fontsize=8.5)
        ax.text(i + 0.5, 0.2, _shape(a), ha="center", va="center", fontsize=8,
                color="0.25")
        if i:
            ax.add_patch(FancyArrowPatch((i - 0.08, 0.6), (i + 0.08, 0.6),
                                         arrowstyle="->", mutation_scale=8, color="0.3",
                                         lw=0.8))
    for lo, hi, text in ((1, split, "feature extractor (learned filters)"),
                         (split, n, "classifier")):
        ax.plot([lo + 0.08, hi - 0.08], [0.98, 0.98], color="0.3", lw=1)
        ax.text((lo + hi) / 2, 1.06, text, ha="center", va="bottom", fontsize=9)
    ax.text(n / 2, 0.0, "each box: the layer; below it: its output (channels × height "
            "× width, or values)", ha="center", fontsize=8, color="0.35")
    ax.set_xlim(0, n), ax.set_ylim(-0.08, 1.3)
    ax.axis("off")
    ax.set_title(title, fontsize=10.5)
    fig.tight_layout()
    return fig


def xo_scores_figure(images, before, after, captions):
    """Glyphs and, under each, its two scores (X and O) before and after training.

    Args:
        images: ``(n, H, W)`` glyphs; before, after: ``(n, 2)`` sigmoid scores;
        captions: one title per glyph.
    """
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(2.2 * n, 4.2),
                             gridspec_kw={"height_ratios": [1.1, 1]})
    axes = np.asarray(axes).reshape(2, n)
    for k in range(n):
        axes[0, k].imshow(images[k], cmap="gray_r", vmin=-1, vmax=1)
        axes[0, k].set_title(captions[k], fontsize=9)
        axes[0, k].axis("off")
        ax = axes[1, k]
        for shift, scores, alpha, name in ((-0.2, before[k], 0.35, "untrained"),
                                           (0.2, after[k], 1.0, "trained")):
            bars = ax.bar(np.arange(2) + shift, scores, width=0.38, color=["C3", "C0"],
                          alpha=alpha, label=name)
            for bar, v in zip(bars, scores):
                ax.text(bar.get_x() + bar.get_width() / 2, v + 0.03, f"{v:.2f}",
                        ha="center", fontsize=7.5)
        ax.set_xticks([0, 1], ["X score", "O score"], fontsize=8)
        ax.set_ylim(0, 1.2)
        ax.set_yticks([0, 0.5, 1] if k == 0 else [])
        ax.spines[["top", "right"]].set_visible(False)
    axes[1, 0].set_ylabel("sigmoid score")
    axes[1, 0].text(0.02, 1.13, "pale: untrained, solid: trained", fontsize=7.5,
                    transform=axes[1, 0].get_xaxis_transform())
    fig.tight_layout()
    return fig


def loss_gradient_figure():
    """dL/dz of one output with target 1: BCE's ``p - 1``, MSE's ``2(p-1)p(1-p)``."""
    z = np.linspace(-8, 8, 401)
    p = sigmoid(z)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
    axes[0].plot(z, -np.log(p), label="binary cross-entropy  −log p", color="C0")
    axes[0].plot(z, (1 - p) ** 2, label="squared error  (1 − p)²", color="C1")
    axes[0].set_ylim(0, 4)
    axes[0].set_title("loss of one output whose target is 1", fontsize=10)
    axes[1].plot(z, p - 1, color="C0", label="BCE:  p − 1")
    axes[1].plot(z, 2 * (p - 1) * p * (1 - p), color="C1",
                 label="MSE:  2(p − 1) p (1 − p)")
    axes[1].axvspan(-8, -2, color="0.92", zorder=0)
    axes[1].text(-5, -0.55, "confidently wrong:\nMSE's gradient\nalmost vanishes",
                 ha="center", fontsize=8.5)
    axes[1].set_title("its gradient with respect to the logit z", fontsize=10)
    for ax in axes:
        ax.set_xlabel("logit z  (score p = sigmoid(z))")
        ax.legend(fontsize=8, loc="upper right" if ax is axes[0] else "lower right")
        ax.axhline(0, color="k", lw=0.5)
    fig.tight_layout()
    return fig


def curves_figure(runs, metrics, titles, ylabels=None, xlabel="epoch"):
    """Per-epoch curves of several runs side by side, one panel per metric.

    Args:
        runs: ``{label: history or [history, ...]}`` (histories from :func:`..fit`);
            with a list, each run is drawn thin and their mean thick.
        metrics: keys of the per-epoch rows, e.g. ``("loss", "test_acc")``.
        titles, ylabels: one per metric.
    """
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.3))
    axes = np.atleast_1d(axes)
    for c, (label, hist) in enumerate(runs.items()):
        hists = hist if isinstance(hist, list) else [hist]
        for ax, key in zip(axes, metrics):
            curves = np.array([[row[key] for row in h["epochs"]] for h in hists])
            epochs = np.arange(1, curves.shape[1] + 1)
            if len(hists) > 1:
                ax.plot(epochs, curves.T, color=f"C{c}", lw=0.6, alpha=0.45)
            mean = f" (mean of {len(hists)})" if len(hists) > 1 else ""
            ax.plot(epochs, curves.mean(axis=0), color=f"C{c}", lw=2, marker=".",
                    label=label + mean)
    for k, ax in enumerate(axes):
        ax.set_title(titles[k], fontsize=10)
        ax.set_xlabel(xlabel)
        if ylabels:
            ax.set_ylabel(ylabels[k])
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def optimizer_figure(runs, smooth=10):
    """Training loss per step of several optimisers (moving average of ``smooth``)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for c, (label, hist) in enumerate(runs.items()):
        loss = np.asarray(hist["loss"])
        ax.plot(loss, color=f"C{c}", lw=0.5, alpha=0.3)
        kernel = np.ones(smooth) / smooth
        ax.plot(np.arange(smooth - 1, len(loss)), np.convolve(loss, kernel, "valid"),
                color=f"C{c}", lw=2, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("step (mini-batch of 32 digits)")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title("Same network, same initial weights, same batches; only the update "
                 "rule differs", fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def filters_figure(before, after, title):
    """First-layer kernels before and after training, and what training changed.

    Args:
        before, after: ``(C, 1, K, K)`` weights. Red positive, blue negative, one
            symmetric colour scale for all three panels.
    """
    panels = [before[:, 0], after[:, 0], after[:, 0] - before[:, 0]]
    tiles = [mosaic(w, 4) for w in panels]
    lim = max(np.nanmax(np.abs(t)) for t in tiles)
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.9))
    for ax, t, name in zip(axes, tiles, ("before training (random)", "after training",
                                         "the change: after − before")):
        im = ax.imshow(t, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([]), ax.set_yticks([])
    fig.colorbar(im, ax=list(axes), fraction=0.02, pad=0.02, label="weight")
    fig.suptitle(title, fontsize=10.5)
    return fig


def feature_maps_figure(outputs, caption):
    """One digit through the trained network: feature, activation and pooled maps.

    Args:
        outputs: :func:`..layer_outputs` of the digits network for one image.
        caption: the title.
    """
    named = dict(outputs)
    rows = [("input", 1, "input digit"),
            ("0 Conv2d", 8, "conv 1: feature maps (before ReLU)"),
            ("1 ReLU", 8, "conv 1: activation maps (after ReLU)"),
            ("2 MaxPool2d", 4, "after 2×2 max pooling"),
            ("4 ReLU", 8, "conv 2: activation maps (32 channels)"),
            ("5 MaxPool2d", 8, "after max pooling: 32 × 2 × 2 = 128 values")]
    fig, axes = plt.subplots(2, 3, figsize=(12, 5.6),
                             gridspec_kw={"width_ratios": [0.6, 1, 1]})
    for ax, (name, cols, title) in zip(axes.flat, rows):
        tiles = mosaic(named[name][0], cols)
        lim = np.nanmax(np.abs(tiles))
        if name == "input":
            ax.imshow(tiles, cmap="gray_r")
        elif np.nanmin(tiles) < 0:                        # signed: a feature map
            ax.imshow(tiles, cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:                                             # after ReLU: never negative
            ax.imshow(tiles, cmap="magma", vmin=0, vmax=lim)
        ax.set_title(title, fontsize=9.5)
        ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle(caption, fontsize=10.5)
    fig.tight_layout()
    return fig


def misclassified_figure(images, labels, predicted, probs, most=12):
    """The test digits the network gets wrong, with the true label, its answer and p."""
    n = min(len(images), most)
    cols = min(n, 6) or 1
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.75 * cols, 2.3 * rows),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k], cmap="gray_r")
            ax.set_title(f"true {labels[k]}, said {predicted[k]}\np = {probs[k]:.2f}",
                         fontsize=8.5)
    fig.tight_layout()
    return fig


def make_digit_explorer(net=None, images=None, labels=None, index=0, shift=0,
                        figsize=(11.5, 5.0)):
    """Pick a test digit (and shift it): every layer's maps and the class scores.

    Args:
        net: a trained digits network (default :func:`..trained_digits_net`).
        images, labels: ``(n, 8, 8)`` digits and their labels (default: the test split).
        index, shift: the starting digit and horizontal shift (pixels).

    The figure is made once; a move updates its images, bars and texts in place and is
    blitted (see :mod:`cnnlib.explorer`).
    """
    if net is None:
        from . import digits_split
        d = digits_split()
        net, images, labels = trained_digits_net(), d["x_test"][:, 0], d["y_test"]
    images, labels = np.asarray(images), np.asarray(labels)
    fig, axes = plt.subplots(2, 3, figsize=figsize,
                             gridspec_kw={"width_ratios": [1, 1.5, 1.5]})
    view = digit_view(net, images[0])
    titles = ["conv 1 activation maps (16 × 8 × 8)", "after max pooling (16 × 4 × 4)",
              "conv 2 activation maps (32 × 4 × 4)", "after max pooling (32 × 2 × 2)"]
    cols = [8, 8, 8, 8]
    map_axes = [axes[0, 1], axes[0, 2], axes[1, 1], axes[1, 2]]
    lo, hi = float(images.min()), float(images.max())
    picture = axes[0, 0].imshow(view["image"], cmap="gray_r", vmin=lo, vmax=hi)
    for ax in (axes[0, 0], *map_axes):    # blitted images are drawn over the frame:
        ax.set_xticks([]), ax.set_yticks([])           # leave no frame to cover
        ax.spines[:].set_visible(False)
    mosaics = []
    for ax, (_, maps), c, title in zip(map_axes, view["maps"], cols, titles):
        mosaics.append(ax.imshow(mosaic(maps, c), cmap="magma", vmin=0, vmax=1))
        ax.set_title(title, fontsize=9)
    bars = axes[1, 0].bar(range(10), view["probs"], color="0.6")
    axes[1, 0].spines[["top", "right", "bottom"]].set_visible(False)
    axes[1, 0].set_xticks(range(10))
    axes[1, 0].set_ylim(0, 1.05)
    axes[1, 0].set_title("class scores (softmax)", fontsize=9)
    axes[1, 0].set_xlabel("digit")
    heading = fig.text(0.5, 0.965, "", ha="center", va="top", fontsize=10.5)
    caption = axes[0, 0].set_title("", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.93))

    def update(index=0, shift=0):
        index = int(np.clip(index, 0, len(images) - 1))
        v = digit_view(net, images[index], int(shift))
        picture.set_data(v["image"])
        for art, (_, maps), c in zip(mosaics, v["maps"], cols):
            tiles = mosaic(maps, c)
            art.set_data(tiles)
            art.set_clim(0, max(float(np.nanmax(tiles)), 1e-6))
        for k, bar in enumerate(bars):
            bar.set_height(v["probs"][k])
            right = k == labels[index]
            bar.set_color("C2" if right and k == v["prediction"] else
                          "C3" if k == v["prediction"] else "C0" if right else "0.6")
        verdict = "right" if v["prediction"] == labels[index] else "WRONG"
        heading.set_text(f"test digit {index} (label {labels[index]}), shifted "
                         f"{shift:+d} px: the network says {v['prediction']} "
                         f"(p = {v['probs'][v['prediction']]:.2f}), {verdict}")
        caption.set_text("input" + (f" shifted {shift:+d}" if shift else ""))

    controls = {"index": widgets.IntSlider(value=index, min=0, max=len(images) - 1,
                                           description="test digit",
                                           continuous_update=True),
                "shift": widgets.IntSlider(value=shift, min=-2, max=2,
                                           description="shift (px)")}
    animated = [picture, *mosaics, *bars, heading, caption]
    return Explorer(fig, update, controls, animated=animated)


def explorer_frames(labels, predicted, per_class=1, shifts=(-2, -1, 1, 2)):
    """Settings for the explorer's static companion: one digit of each class, a mistake
    or two, then one digit moved sideways step by step."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    right = labels == predicted
    picks = [int(np.flatnonzero(right & (labels == c))[0]) for c in range(10)]
    wrong = [int(i) for i in np.flatnonzero(labels != predicted)[:2]]
    frames = [dict(index=i, shift=0) for i in picks + wrong]
    frames += [dict(index=picks[3], shift=s) for s in shifts]
    return frames

