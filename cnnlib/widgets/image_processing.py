"""Chapter 3 figures and explorer: kernels applied to real photos.

* :func:`kernel_figure`: small multiples, each kernel drawn as a grid of numbers above the
  photo it produces (the gallery, and the static companion of the explorer);
* :func:`make_kernel_explorer`: type 9 or 25 numbers, pick a photo, see the filtered photo
  and an explanation of the kernel from its numbers (:func:`cnnlib.filtering.describe_kernel`).
"""
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .. import data, filtering, kernels
from ..plot import grid_values
from . import Explorer

# Photos offered by the explorer, downsampled so one update stays well under 50 ms.
EXPLORER_IMAGES = {"camera (gray)": ("camera", True), "coins (gray)": ("coins", True),
                   "chelsea (colour)": ("chelsea", False), "astronaut (colour)": ("astronaut", False),
                   "china (colour)": ("china", False)}
EXPLORER_SIZE = 160          # longest side in pixels


def _small(name, gray, longest=EXPLORER_SIZE):
    full = data.image(name, gray=gray)
    h, w = full.shape[:2]
    s = longest / max(h, w)
    return data.image(name, gray=gray, size=(int(round(h * s)), int(round(w * s))))


def _scale_label(vmin, vmax):
    if vmin == 0.0 and vmax == 1.0:
        return "shown on the photo's scale: black 0, white 1 (clipped)"
    if vmin == 0.0 or vmax == 0.0:
        return f"black {vmin:.2g}, white {vmax:.2g} (clipped)"
    return f"black {vmin:.2g}, mid-grey 0, white {vmax:+.2g}"


def _kernel_cmap_limits(k):
    m = float(np.abs(k).max()) or 1.0
    return -m, m


def kernel_figure(img, kernels_by_title, ncols=None, size=2.3, boundary="reflect"):
    """Small multiples: each kernel (numbers in a coloured grid) above ``img`` filtered with it.

    Args:
        img: ``(H, W)`` or ``(H, W, 3)`` photo in [0, 1].
        kernels_by_title: ``{title: kernel}``, where a kernel is a 2D array or text for
            :func:`cnnlib.filtering.parse_kernel`.
        ncols: kernels per row (default: all in one row).
        boundary: passed to :func:`cnnlib.filtering.filter_image`.

    Returns:
        ``(fig, outputs)``: the figure and ``{title: filtered image}`` (unclipped values).

    Each result is shown with :func:`cnnlib.filtering.display_range`: brightness-keeping and
    non-negative kernels on the photo's [0, 1] scale, others (edge detectors) usually symmetric
    around 0 (mid-grey); the x-label under each image states its scale.
    """
    items = [(t, filtering.parse_kernel(k) if isinstance(k, str) else np.asarray(k, float))
             for t, k in kernels_by_title.items()]
    n = len(items)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    h, w = img.shape[:2]
    fig, axes = plt.subplots(2 * nrows, ncols, figsize=(size * ncols, size * nrows * (0.95 + h / w)),
                             squeeze=False, gridspec_kw={"height_ratios": [0.7, h / w] * nrows})
    outputs = {}
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
    for i, (title, k) in enumerate(items):
        r, c = divmod(i, ncols)
        kax, iax = axes[2 * r, c], axes[2 * r + 1, c]
        lo, hi = _kernel_cmap_limits(k)
        lo, hi = 1.5 * lo, 1.5 * hi          # softer colours, so the written numbers stay readable
        fs = 8 if k.shape[0] <= 3 else 5.5
        grid_values(kax, k, fmt="{:.2g}", cmap="RdBu_r", vmin=lo, vmax=hi, fontsize=fs)
        kax.axis("on"), kax.set_xticks([]), kax.set_yticks([])
        kax.set_title(f"{title}\nsum of weights = {k.sum():.3g}", fontsize=9)
        out = filtering.filter_image(img, k, boundary=boundary)
        outputs[title] = out
        vmin, vmax = filtering.display_range(k, out)
        iax.imshow(filtering.to_display(out, vmin, vmax), cmap="gray", vmin=0, vmax=1)
        iax.axis("on"), iax.set_xticks([]), iax.set_yticks([])
        iax.set_xlabel(textwrap.fill(_scale_label(vmin, vmax), 30), fontsize=7)
    fig.tight_layout()
    return fig, outputs


def make_kernel_explorer(image="camera (gray)", kernel=None):
    """An :class:`~cnnlib.widgets.Explorer`: a typed kernel applied to a chosen photo.

    Controls:
        ``kernel``: a text box, 9 or 25 numbers (rows on separate lines; ``1/9`` allowed);
        ``image``: one of :data:`EXPLORER_IMAGES` (downsampled to :data:`EXPLORER_SIZE` pixels);
        ``preset``: a named kernel from :func:`cnnlib.kernels.named`; choosing one writes its
        numbers into the text box, which the reader can then edit.

    ``update(kernel, image, preset)`` never raises on bad text: it keeps the last good result and
    shows the parsing error (from :func:`cnnlib.filtering.parse_kernel`) in the explanation.
    """
    import ipywidgets as w

    presets = kernels.named()
    photos = {label: _small(*spec) for label, spec in EXPLORER_IMAGES.items()}
    if image not in photos:
        raise ValueError(f"image={image!r}; expected one of {', '.join(photos)}")
    start = filtering.format_kernel(kernel if kernel is not None else kernels.SOBEL_X)

    fig = plt.figure(figsize=(9.5, 3.9))
    gs = fig.add_gridspec(2, 4, width_ratios=[1, 0.62, 1, 0.05], height_ratios=[1, 0.24],
                          left=0.02, right=0.92, top=0.92, bottom=0.01, wspace=0.12, hspace=0.22)
    ax_in, ax_k, ax_out, ax_cb = (fig.add_subplot(gs[0, i]) for i in range(4))
    ax_txt = fig.add_subplot(gs[1, :])
    ax_txt.axis("off")
    for ax in (ax_in, ax_k, ax_out):
        ax.set_xticks([]), ax.set_yticks([])
    img0 = photos[image]
    im_in = ax_in.imshow(img0, cmap="gray", vmin=0, vmax=1)
    ax_in.set_title("input photo")
    im_out = ax_out.imshow(img0, cmap="gray", vmin=0, vmax=1)
    title_out = ax_out.set_title("output (cross-correlation, 'same')")
    xlabel_out = ax_out.set_xlabel("", fontsize=8)
    sm = ScalarMappable(Normalize(0, 1), cmap="gray")
    cbar = fig.colorbar(sm, cax=ax_cb)
    cbar.set_label("output value (each channel)", fontsize=8)
    im_k = ax_k.imshow(np.zeros((5, 5)), cmap="RdBu_r", vmin=-1, vmax=1)
    ax_k.set_title("kernel")
    cells = [ax_k.text(0, 0, "", ha="center", va="center", fontsize=8) for _ in range(25)]
    explanation = ax_txt.text(0.0, 1.0, "", va="top", ha="left", fontsize=9, transform=ax_txt.transAxes)
    state = {"kernel": filtering.parse_kernel(start)}

    def update(kernel, image, preset=None):
        photo = photos.get(image, img0)
        try:
            k = filtering.parse_kernel(kernel)
            state["kernel"] = k
            problem = None
        except ValueError as err:
            k = state["kernel"]
            problem = f"Cannot read the kernel: {err}. Showing the last valid kernel."
        out = filtering.filter_image(photo, k, boundary="reflect")
        vmin, vmax = filtering.display_range(k, out)
        im_in.set_data(photo)
        im_out.set_data(filtering.to_display(out, vmin, vmax))
        h, wd = photo.shape[:2]
        for ax, im in ((ax_in, im_in), (ax_out, im_out)):
            im.set_extent((-0.5, wd - 0.5, h - 0.5, -0.5))
            ax.set_xlim(-0.5, wd - 0.5), ax.set_ylim(h - 0.5, -0.5)
        sm.set_clim(vmin, vmax)
        xlabel_out.set_text(_scale_label(vmin, vmax))
        n = k.shape[0]
        im_k.set_data(k)
        im_k.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        ax_k.set_xlim(-0.5, n - 0.5), ax_k.set_ylim(n - 0.5, -0.5)
        lo, hi = _kernel_cmap_limits(k)
        im_k.set_clim(1.5 * lo, 1.5 * hi)    # softer colours, so the written numbers stay readable
        for idx, cell in enumerate(cells):
            if idx < k.size:
                i, j = divmod(idx, n)
                v = k[i, j]
                cell.set_position((j, i))
                cell.set_text(f"{v:.3g}")
                cell.set_fontsize(9 if n == 3 else 6)
                cell.set_color("black")              # readable on the softened colours
            else:
                cell.set_text("")
        info = filtering.describe_kernel(k)
        title_out.set_text(f"output: {info['kind']} (sum {info['sum']:.3g})")
        text = info["text"] if problem is None else problem + " " + info["text"]
        explanation.set_text(textwrap.fill(text, 150))
        return info

    text = w.Textarea(value=start, description="kernel", rows=5, layout=w.Layout(width="300px"))
    photo_box = w.Dropdown(options=list(photos), value=image, description="photo")
    preset_box = w.Dropdown(options=["(typed)"] + list(presets), value="(typed)", description="preset")

    def fill(change):
        if change["new"] in presets:
            text.value = filtering.format_kernel(presets[change["new"]])
    preset_box.observe(fill, names="value")   # registered first: the text changes before the redraw
    return Explorer(fig, update, {"kernel": text, "image": photo_box, "preset": preset_box})
