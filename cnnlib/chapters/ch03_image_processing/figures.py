"""Figures and the explorer of chapter 3: kernels applied to real photos.

* :func:`kernel_figure`: small multiples, each kernel drawn as a grid of numbers above
  the photo it produces (the gallery, and the static companion of the explorer);
* :func:`make_kernel_explorer`: type 9 or 25 numbers, pick a photo, see the filtered
  photo and an explanation of the kernel from its numbers (:func:`describe_kernel`).
"""

import html
import textwrap

import matplotlib.pyplot as plt
import numpy as np

from cnnlib import data, kernels
from cnnlib.explorer import Explorer
from cnnlib.plot import grid_values

from . import (
    describe_kernel,
    display_range,
    filter_gallery,
    filter_image,
    format_kernel,
    parse_kernel,
    read_kernel,
    to_display,
)

# Photos offered by the explorer, downsampled so one update stays well under 50 ms.
EXPLORER_IMAGES = {
    "camera (gray)": ("camera", True),
    "coins (gray)": ("coins", True),
    "chelsea (colour)": ("chelsea", False),
    "astronaut (colour)": ("astronaut", False),
    "china (colour)": ("china", False),
}
EXPLORER_SIZE = 160  # longest side in pixels


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
    """Small multiples: each kernel (numbers in a coloured grid) above ``img``
    filtered with it.

    Args:
        img: ``(H, W)`` or ``(H, W, 3)`` photo in [0, 1].
        kernels_by_title: ``{title: kernel}``, where a kernel is a 2D array or text for
            :func:`parse_kernel`.
        ncols: kernels per row (default: all in one row).
        boundary: passed to :func:`filter_image`.

    Returns:
        The :class:`~matplotlib.figure.Figure`. The filtered images themselves are
        :func:`cnnlib.chapters.ch03_image_processing.filter_gallery`'s.

    Each result is shown with :func:`display_range`: brightness-keeping and
    non-negative kernels on the photo's [0, 1] scale, others (edge detectors) usually
    symmetric around 0 (mid-grey); the x-label under each image states its scale.
    """
    items = [(t, read_kernel(k)) for t, k in kernels_by_title.items()]
    outputs = filter_gallery(img, kernels_by_title, boundary=boundary)
    n = len(items)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    h, w = img.shape[:2]
    fig, axes = plt.subplots(
        2 * nrows,
        ncols,
        figsize=(size * ncols, size * nrows * (0.95 + h / w)),
        squeeze=False,
        gridspec_kw={"height_ratios": [0.7, h / w] * nrows},
    )
    for ax in axes.flat:
        ax.axis("off")
    for i, (title, k) in enumerate(items):
        r, c = divmod(i, ncols)
        kax, iax = axes[2 * r, c], axes[2 * r + 1, c]
        lo, hi = _kernel_cmap_limits(k)
        # softer colours, so the written numbers stay readable
        lo, hi = 1.5 * lo, 1.5 * hi
        fs = 8 if k.shape[0] <= 3 else 5.5
        grid_values(kax, k, fmt="{:.2g}", cmap="RdBu_r", vmin=lo, vmax=hi, fontsize=fs)
        kax.axis("on"), kax.set_xticks([]), kax.set_yticks([])
        kax.set_title(f"{title}\nsum of weights = {k.sum():.3g}", fontsize=9)
        out = outputs[title]
        vmin, vmax = display_range(k, out)
        iax.imshow(to_display(out, vmin, vmax), cmap="gray", vmin=0, vmax=1)
        iax.axis("on"), iax.set_xticks([]), iax.set_yticks([])
        iax.set_xlabel(textwrap.fill(_scale_label(vmin, vmax), 30), fontsize=7)
    fig.tight_layout()
    return fig


def _centred_extent(shape, box):
    """The ``imshow`` extent centring an ``(h, w)`` array in a ``box x box`` frame."""
    h, w = shape[:2]
    top, left = (box - h) / 2, (box - w) / 2
    return (left - 0.5, left + w - 0.5, top + h - 0.5, top - 0.5)


def make_kernel_explorer(image="camera (gray)", kernel=None):
    """An :class:`~cnnlib.explorer.Explorer`: a typed kernel applied to a chosen photo.

    Controls:
        ``kernel``: a text box, 9 or 25 numbers (rows on separate lines; ``1/9``
            allowed); the figure updates when the box loses focus;
        ``image``: one of :data:`EXPLORER_IMAGES` (downsampled to :data:`EXPLORER_SIZE`
            pixels);
        ``preset``: a named kernel from :func:`cnnlib.kernels.named`; choosing one
            writes its numbers into the text box, which the reader can then edit
            (editing them sets the menu back to ``"(typed)"``).

    ``update(kernel, image, preset)`` filters with the named kernel when ``preset``
    names one (so a grid over ``preset``, as on the web page, needs no text), else with
    the typed ``kernel``. It never raises on bad text: it keeps the last good
    kernel and shows the parsing error (from :func:`parse_kernel`). It returns
    :func:`describe_kernel`'s facts. The explanation of the kernel from its numbers is
    an HTML line under the figure (``explorer.note``), not figure text: laying out a
    paragraph of glyphs would cost more than the rest of the frame.

    The layout never changes (every photo is centred in the same square, a 3x3 kernel
    in the 5x5 grid, the grey bar's labels are texts), so each move repaints only the
    artists it changes (``animated``, see :mod:`cnnlib.explorer`).
    """
    import ipywidgets as w

    presets = kernels.named()
    photos = {label: _small(*spec) for label, spec in EXPLORER_IMAGES.items()}
    if image not in photos:
        raise ValueError(f"image={image!r}; expected one of {', '.join(photos)}")
    start = format_kernel(kernel if kernel is not None else kernels.SOBEL_X)
    box, grid = EXPLORER_SIZE, 5

    fig = plt.figure(figsize=(9.5, 3.3))
    gs = fig.add_gridspec(
        1, 4, width_ratios=[1, 0.62, 1, 0.05],
        left=0.02, right=0.9, top=0.9, bottom=0.08, wspace=0.12,
    )  # fmt: skip
    ax_in, ax_k, ax_out, ax_cb = (fig.add_subplot(gs[0, i]) for i in range(4))
    for ax, size in ((ax_in, box), (ax_k, grid), (ax_out, box)):
        ax.set_xlim(-0.5, size - 0.5), ax.set_ylim(size - 0.5, -0.5)
        ax.set_aspect("equal")
        ax.axis("off")
    ax_in.set_title("input photo")
    ax_k.set_title("kernel")
    img0 = photos[image]
    im_in = ax_in.imshow(img0, cmap="gray", vmin=0, vmax=1)
    im_out = ax_out.imshow(img0, cmap="gray", vmin=0, vmax=1)
    title_out = ax_out.text(0.5, 1.02, "", transform=ax_out.transAxes, ha="center",
                            va="bottom", fontsize=12)  # fmt: skip
    scale_out = ax_out.text(0.5, -0.02, "", transform=ax_out.transAxes, ha="center",
                            va="top", fontsize=8)  # fmt: skip
    # a fixed grey bar; only its three labels change
    ax_cb.imshow(np.linspace(1, 0, 256)[:, None], cmap="gray", aspect="auto",
                 extent=(0, 1, 0, 1))  # fmt: skip
    ax_cb.set_xticks([]), ax_cb.set_yticks([])
    ax_cb.set_title("output\nvalue", fontsize=8)
    bar_labels = [
        ax_cb.text(1.4, y, "", transform=ax_cb.transAxes, va="center", fontsize=8)
        for y in (0.0, 0.5, 1.0)
    ]
    im_k = ax_k.imshow(np.zeros((grid, grid)), cmap="RdBu_r", vmin=-1, vmax=1)
    cells = [
        ax_k.text(0, 0, "", ha="center", va="center", fontsize=8)
        for _ in range(grid * grid)
    ]
    note = w.HTML(layout=w.Layout(width=f"{fig.get_figwidth() * fig.dpi:.0f}px"))
    state = {"kernel": parse_kernel(start)}

    def update(kernel, image, preset="(typed)"):
        photo = photos.get(image, img0)
        if preset in presets:
            kernel = format_kernel(presets[preset])
        try:
            k = parse_kernel(kernel)
            state["kernel"] = k
            problem = None
        except ValueError as err:
            k = state["kernel"]
            problem = f"Cannot read the kernel: {err}. Showing the last valid kernel."
        out = filter_image(photo, k, boundary="reflect")
        vmin, vmax = display_range(k, out)
        for im, data_ in ((im_in, photo), (im_out, to_display(out, vmin, vmax))):
            im.set_data(data_)
            im.set_extent(_centred_extent(photo.shape, box))
        scale_out.set_text(_scale_label(vmin, vmax))
        for label, v in zip(bar_labels, (vmin, (vmin + vmax) / 2, vmax)):
            label.set_text(f"{v:.3g}")
        n = k.shape[0]
        im_k.set_data(k)
        im_k.set_extent(_centred_extent(k.shape, grid))
        lo, hi = _kernel_cmap_limits(k)
        im_k.set_clim(1.5 * lo, 1.5 * hi)  # softer colours: the numbers stay readable
        offset = (grid - n) // 2
        for idx, cell in enumerate(cells):
            if idx < k.size:
                i, j = divmod(idx, n)
                cell.set_position((j + offset, i + offset))
                cell.set_text(f"{k[i, j]:.3g}")
                cell.set_fontsize(9 if n == 3 else 6)
            else:
                cell.set_text("")
        info = describe_kernel(k)
        title_out.set_text(f"output: {info['kind']} (sum {info['sum']:.3g})")
        text = info["text"] if problem is None else problem + " " + info["text"]
        note.value = (
            f"<p style='font-size: 90%; line-height: 1.3'>{html.escape(text)}</p>"
        )
        return info

    text = w.Textarea(
        value=start, description="kernel", rows=5, continuous_update=False,
        layout=w.Layout(width="300px"),
    )  # fmt: skip
    photo_box = w.Dropdown(options=list(photos), value=image, description="photo")
    preset_box = w.Dropdown(
        options=["(typed)"] + list(presets), value="(typed)", description="preset"
    )

    def fill(change):
        if change["new"] in presets:
            text.value = format_kernel(presets[change["new"]])

    def typed(change):
        chosen = presets.get(preset_box.value)
        if chosen is not None and change["new"] != format_kernel(chosen):
            preset_box.value = "(typed)"

    # registered first: the text (or the menu) changes before the redraw
    preset_box.observe(fill, names="value")
    text.observe(typed, names="value")
    animated = [im_in, im_out, im_k, *cells, title_out, scale_out, *bar_labels]
    explorer = Explorer(
        fig, update, {"kernel": text, "image": photo_box, "preset": preset_box},
        animated=animated,
    )  # fmt: skip
    explorer.note = note
    explorer.widget.children = (*explorer.widget.children, note)
    return explorer


# The web page's grid for the explorer: named presets stand in for the free-text box
# (a page without Python cannot parse typed numbers), over three of the photos.
WEB_PRESETS = ["identity", "box blur", "Gaussian blur", "sharpen", "Sobel x",
               "Sobel y", "Laplacian", "emboss"]  # fmt: skip
WEB_GRID = {
    "preset": WEB_PRESETS,
    "image": ["camera (gray)", "coins (gray)", "chelsea (colour)"],
}


def make_unsharp_explorer(amount=1.0, sigma=1.0, photo="camera (gray)"):
    """An :class:`~cnnlib.explorer.Explorer` for unsharp masking ``I + a (I - G * I)``.

    Three panels: the photo, the detail ``I - G * I`` that the blur removes (signed,
    0 = mid-grey, a fixed scale), and the result (the photo's scale, clipped), with the
    share of clipped pixels in its title. Computation: :func:`unsharp_mask`.

    Controls: ``amount`` (slider 0-3, step 0.25), ``sigma`` (drop-down 1, 2, 3 pixels).
    """
    import ipywidgets as w

    from . import unsharp_mask

    img = _small(*EXPLORER_IMAGES[photo])
    fig, axes = plt.subplots(1, 3, figsize=(8.4, 3.2))
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    axes[0].imshow(img, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title("photo I", fontsize=10)
    im_detail = axes[1].imshow(img, cmap="gray", vmin=-0.25, vmax=0.25)
    im_out = axes[2].imshow(img, cmap="gray", vmin=0, vmax=1)
    axes[1].set_xlabel("mid-grey 0, black -0.25, white +0.25 (clipped)", fontsize=7)
    axes[2].set_xlabel("black 0, white 1 (clipped)", fontsize=7)
    fig.tight_layout()

    def update(amount, sigma):
        res = unsharp_mask(img, amount, sigma)
        im_detail.set_data(res["detail"])
        im_out.set_data(np.clip(res["sharpened"], 0, 1))
        axes[1].set_title(f"detail I - G*I (sigma {sigma:g})", fontsize=10)
        outside = np.mean((res["sharpened"] < 0) | (res["sharpened"] > 1))
        axes[2].set_title(f"I + {amount:g} (I - G*I): {outside:.0%} clipped",
                          fontsize=10)  # fmt: skip
        return res

    controls = {
        "amount": w.FloatSlider(value=amount, min=0.0, max=3.0, step=0.25,
                                description="amount a", continuous_update=False),
        "sigma": w.Dropdown(options=[1.0, 2.0, 3.0], value=sigma, description="sigma"),
    }  # fmt: skip
    return Explorer(fig, update, controls)


UNSHARP_WEB_GRID = {"amount": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0], "sigma": [1.0, 2.0, 3.0]}
