"""Chapter 9's figures, its receptive-field explorer and the explorer's static
companion.

Each ``*_figure`` returns its ``Figure``. :func:`make_receptive_field_explorer` returns
a :class:`cnnlib.explorer.Explorer`; :func:`receptive_field_animation` plays the same
figure for a list of settings on the web page.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from cnnlib import data
from cnnlib.explorer import Explorer, animate

from . import ILSVRC_WINNERS, RF_NETS, mass_width, rf_layers, rf_net, unit_gradient

#: The explorer's photo: scikit-image's astronaut (Eileen Collins), 128x128, in colour.
RF_IMAGE_SIZE = 128


def ilsvrc_figure():
    """Top-5 test error of each year's winning ILSVRC classification entry, AlexNet
    marked."""
    years = list(ILSVRC_WINNERS)
    errors = [ILSVRC_WINNERS[y][1] for y in years]
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    colours = ["tab:red" if y == 2012 else "tab:gray" for y in years]
    bars = ax.bar([str(y) for y in years], errors, color=colours)
    for bar, y in zip(bars, years):
        name, err = ILSVRC_WINNERS[y]
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            err + 0.6,
            f"{err:g}%\n{name}",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set(
        ylabel="top-5 test error (%)",
        ylim=(0, 37),
        title="ILSVRC classification: the winner's top-5 error, year by year",
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def share_figure(table, names):
    """Each weight layer's share of the parameters and of the multiply-adds.

    Args:
        table: a :class:`cnnlib.models.summary.Summary`; names: ``{row name: label}`` of
            the
            rows to show, in order.
    """
    rows = [table[n] for n in names]
    params = np.array([r.params for r in rows]) / table.total_params
    madds = np.array([r.madds for r in rows]) / table.total_madds
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    ax.barh(y - 0.2, 100 * params, 0.4, label="share of parameters", color="tab:blue")
    ax.barh(
        y + 0.2, 100 * madds, 0.4, label="share of multiply-adds", color="tab:orange"
    )
    ax.set_yticks(y, list(names.values()))
    ax.invert_yaxis()
    ax.set(
        xlabel="% of the whole network",
        title="Where AlexNet keeps its weights, and where it spends its arithmetic",
    )
    ax.legend(loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def towers_figure(blocks):
    """Which input channels each output channel sees, layer by layer, for two towers.

    Args:
        blocks: ``{layer label: grouped}``; a grouped layer connects each tower to its
            own
            half only (block diagonal), a full one connects every output to every input.
    """
    fig, axes = plt.subplots(1, len(blocks), figsize=(1.9 * len(blocks), 2.5))
    for ax, (label, grouped) in zip(np.atleast_1d(axes), blocks.items()):
        m = np.ones((2, 2)) if not grouped else np.eye(2)
        ax.imshow(m, cmap="Blues", vmin=0, vmax=1.4)
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, "yes" if v else "no", ha="center", va="center", fontsize=9)
        ax.set_xticks([0, 1], ["A", "B"])
        ax.set_yticks([0, 1], ["A", "B"])
        ax.set_title(
            label + ("\n(grouped)" if grouped else "\n(both towers)"), fontsize=9
        )
        ax.set_xlabel("input from tower", fontsize=8)
    np.atleast_1d(axes)[0].set_ylabel("output on tower", fontsize=8)
    fig.suptitle(
        "Does an output on tower A (or B) read the inputs of tower A (or B)?",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def running(values, window=10):
    """Running mean over ``window`` steps (the curve the training figures draw)."""
    v = np.asarray(values, dtype=float)
    return np.convolve(v, np.ones(window) / window, mode="valid")


def curves_figure(panels, ylabel, window=10, thresholds=()):
    """Training curves: ``panels = {title: {label: per-step values}}``, one axis each.

    Each curve is the running mean over ``window`` steps, drawn against the step it ends
    at; ``thresholds`` adds dotted horizontal lines.
    """
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5.2 * len(panels), 3.6), squeeze=False, sharey=True
    )
    for ax, (title, curves) in zip(axes[0], panels.items()):
        for (label, values), style in zip(curves.items(), ("-", "--", "-.", ":")):
            r = running(values, window)
            ax.plot(np.arange(window, window + len(r)), r, style, lw=2, label=label)
        for t in thresholds:
            ax.axhline(t, color="gray", ls=":", lw=1)
        ax.set(title=title, xlabel="training step (mini-batch)")
        ax.legend()
        ax.spines[["top", "right"]].set_visible(False)
    axes[0, 0].set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def dropout_figure(histories):
    """Accuracy on the training and test sets, and the test loss, while training.

    ``histories = {label: fit history}`` with ``at``, ``train_acc``, ``test_acc`` and
    ``test_loss``.
    """
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    for (label, h), colour in zip(histories.items(), ("tab:red", "tab:blue")):
        ax.plot(
            h["at"],
            h["train_acc"],
            "-",
            color=colour,
            lw=2,
            label=f"{label}: training set",
        )
        ax.plot(
            h["at"], h["test_acc"], "--", color=colour, lw=2, label=f"{label}: test set"
        )
        ax2.plot(h["at"], h["test_loss"], "--", color=colour, lw=2, label=label)
    ax.set(
        xlabel="training step",
        ylabel="accuracy",
        title="Accuracy (500 training images)",
    )
    ax2.set(
        xlabel="training step",
        ylabel="cross-entropy on the test set",
        title="Test loss",
    )
    ax.legend(fontsize=8)
    ax2.legend(fontsize=8)
    for a in (ax, ax2):
        a.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def filters_figure(towers, titles=("tower A", "tower B")):
    """First-layer filters of each tower side by side: ``towers`` is a list of ``(F, K,
    K)``."""
    n = max(len(f) for f in towers)
    cols = int(np.ceil(n / 2))
    fig = plt.figure(figsize=(0.95 * cols * len(towers) + 0.5 * (len(towers) - 1), 2.5))
    grid = fig.add_gridspec(1, len(towers), wspace=0.12)
    lim = max(np.abs(f).max() for f in towers)
    for t, (filters, title) in enumerate(zip(towers, titles)):
        sub = grid[t].subgridspec(2, cols, wspace=0.08, hspace=0.08)
        for k in range(2 * cols):
            ax = fig.add_subplot(sub[k // cols, k % cols])
            ax.set_xticks([]), ax.set_yticks([])
            if k >= len(filters):
                ax.axis("off")
            else:
                ax.imshow(
                    filters[k], cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="equal"
                )
            if k == cols // 2:
                ax.set_title(title, fontsize=10)
    fig.suptitle(
        "conv1 filters after training (red: positive weights, blue: negative)",
        fontsize=10,
        y=1.02,
    )
    return fig


def predictions_figure(images, labels, predicted, classes, n=6):
    """``n`` correctly and ``n`` wrongly classified test images, one row each."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    right = np.nonzero(labels == predicted)[0][:n]
    wrong = np.nonzero(labels != predicted)[0][:n]
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 4.0))
    for row, picks, tag in ((0, right, "right"), (1, wrong, "wrong")):
        for ax, k in zip(axes[row], picks):
            ax.imshow(np.asarray(images[k]).squeeze(), cmap="gray_r")
            colour = "tab:green" if tag == "right" else "tab:red"
            ax.set_title(
                f"said: {classes[predicted[k]]}\nwas: {classes[labels[k]]}",
                fontsize=8,
                color=colour,
            )
        for ax in axes[row]:
            ax.set_xticks([]), ax.set_yticks([])
        axes[row, 0].set_ylabel(tag, fontsize=10)
    fig.tight_layout()
    return fig


def stacks_figure(sides, stacked, single, rf):
    """Parameters of a stack of 3x3 layers vs one layer with the same receptive
    field."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    x = np.arange(len(sides))
    ax.bar(
        x - 0.2,
        np.asarray(single) / 1e3,
        0.4,
        label="one k x k layer",
        color="tab:gray",
    )
    ax.bar(
        x + 0.2,
        np.asarray(stacked) / 1e3,
        0.4,
        label="a stack of 3x3 layers",
        color="tab:blue",
    )
    ax.set_xticks(x, [f"{s}x{s}\n({(s - 1) // 2} x 3x3)" for s, r in zip(sides, rf)])
    ax.set(
        ylabel="weights (thousands), C = 64",
        xlabel="receptive field",
        title="Same receptive field, fewer weights",
    )
    ax.legend()
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def comparison_figure(rows):
    """Multiply-adds against parameters, one point per network, with its top-5 error."""
    fig, ax = plt.subplots(figsize=(6.8, 4.0))
    offsets = {"GoogLeNet": (-20, -26), "ResNet-18": (10, 2), "ResNet-152": (-30, 14)}
    for name, year, depth, params, madds, top5, _ in rows:
        ax.scatter(params / 1e6, madds / 1e9, s=30 + 2 * depth, alpha=0.7)
        note = f"{name} ({depth} layers)" + (f"\ntop-5 {top5:g}%" if top5 else "")
        ax.annotate(
            note,
            (params / 1e6, madds / 1e9),
            textcoords="offset points",
            xytext=offsets.get(name, (9, -6)),
            fontsize=8,
        )
    from matplotlib.ticker import FuncFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="parameters (millions, log scale)",
        ylabel="multiply-adds per image (billions, log scale)",
        xlim=(4, 400),
        ylim=(0.4, 30),
        title="The architectures side by side (point size: depth)",
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


# the receptive-field explorer ---------------------------------------------------


def _rf_panels():
    """The explorer's figure, ``update(network, layer, row, col)`` and the artists it
    changes."""
    image = data.image("astronaut", size=(RF_IMAGE_SIZE, RF_IMAGE_SIZE))
    nets = {name: rf_net(name) for name in RF_NETS}
    cmap = plt.get_cmap("inferno")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9.2, 4.3), width_ratios=(1, 1.15))
    ax.imshow(image.mean(axis=2), cmap="gray", vmin=0, vmax=1)
    heat = ax.imshow(np.zeros(image.shape[:2] + (4,)), interpolation="nearest")
    box = Rectangle((0, 0), 1, 1, fill=False, ec="cyan", lw=1.8, ls="--")
    ax.add_patch(box)
    (dot,) = ax.plot([], [], "c+", ms=12, mew=2)
    ax.set(xlim=(-0.5, RF_IMAGE_SIZE - 0.5), ylim=(RF_IMAGE_SIZE - 0.5, -0.5))
    ax.set_xticks([]), ax.set_yticks([])
    xs = np.arange(RF_IMAGE_SIZE)
    (profile,) = ax2.plot(
        xs,
        np.zeros(RF_IMAGE_SIZE),
        color="tab:orange",
        lw=2,
        label="effective: |gradient|, summed over rows",
    )
    span = ax2.axvspan(
        0, 1, color="cyan", alpha=0.25, label="theoretical receptive field"
    )
    ax2.set(
        xlim=(0, RF_IMAGE_SIZE - 1),
        ylim=(0, 1.08),
        xlabel="image column (pixels)",
        ylabel="share of the largest value",
    )
    ax2.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, ncol=2, frameon=False
    )
    ax2.spines[["top", "right"]].set_visible(False)
    title = fig.suptitle("", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.87))

    def update(network="VGG-style (3x3 stacks)", layer=4, row=0.5, col=0.5):
        net = nets[network]
        layers = rf_layers(net)
        index = layers[min(max(int(layer), 1), len(layers)) - 1]
        out = unit_gradient(net, image, index, row, col)
        g = out["grad"]
        rgba = cmap(g)
        rgba[..., 3] = np.clip(g, 0, 1) ** 0.5 * 0.85
        heat.set_data(rgba)
        top, left, size, jump = out["box"]
        box.set_bounds(left - 0.5, top - 0.5, size, size)
        i, j = out["unit"]
        centre = (top + (size - 1) / 2, left + (size - 1) / 2)
        dot.set_data([centre[1]], [centre[0]])
        marginal = g.sum(axis=0)
        profile.set_ydata(marginal / marginal.max() if marginal.max() > 0 else marginal)
        span.set_x(left - 0.5)
        span.set_width(size)
        width = mass_width(g, centre)
        kind = type(net[index]).__name__
        h, w = out["map_shape"]
        title.set_text(
            f"{network}, layer {layers.index(index) + 1} of {len(layers)} "
            f"({kind}, output {h}x{w}), unit ({i}, {j})\n"
            f"theoretical receptive field {size}x{size} px (cyan); 90% of the "
            f"gradient within {width}x{width} px"
        )

    update()
    # Blitted artists are drawn over the background in this order, so it follows the full
    # draw's z-order: each axes' spines (z 2.5) go over the heat map and the span they touch.
    frames = [*ax.spines.values()], [*ax2.spines.values()]
    return fig, update, [heat, box, dot, *frames[0], span, profile, *frames[1], title]


def make_receptive_field_explorer():
    """Choose a network, a layer and a unit; see its theoretical and effective receptive
    field.

    Returns a :class:`cnnlib.explorer.Explorer` (``.fig``, ``.update``, ``.controls``
    work headless). Layers beyond a network's last are clamped to its last.
    """
    import ipywidgets as w

    fig, update, changing = _rf_panels()
    controls = {
        "network": w.Dropdown(
            options=list(RF_NETS), value="VGG-style (3x3 stacks)", description="network"
        ),
        "layer": w.IntSlider(value=4, min=1, max=9, description="layer"),
        "row": w.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.1, description="unit row"
        ),
        "col": w.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.1, description="unit col"
        ),
    }
    return Explorer(fig, update, controls, animated=changing)


def receptive_field_animation(frames, interval=1200, dpi=72):
    """The explorer's static companion: the same figure for each dict in ``frames``.

    Returns an ``IPython.display.HTML`` JavaScript player
    (:func:`cnnlib.explorer.animate`); frames are drawn at ``dpi`` to keep the page
    small.
    """
    fig, update, _ = _rf_panels()
    fig.set_dpi(dpi)
    return animate(fig, update, frames, interval=interval)
