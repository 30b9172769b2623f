"""Figures and the explorer of chapter 4: padding, stride and dilation.

:func:`make_sliding_window_explorer` draws :func:`window_state` (which input cells one
output reads) and returns a :class:`cnnlib.explorer.Explorer`; the notebook's static
companion is :func:`cnnlib.explorer.animate` over the same ``update``.
"""

import numpy as np

from . import CELL_COLORS, CONTROLS, LARGEST_GRID, window_numbers, window_state


def make_sliding_window_explorer(
    size=7, kernel=3, padding=1, stride=2, dilation=1, step=0, figsize=(7.6, 4.0)
):
    """The explorer: padded input (left), output grid (right), formula with the
    reader's numbers.

    Left panel: input cells (light blue), padding zeros (grey), and the cells the
    current output reads (orange; dark orange when they are padding), each tap marked
    with a dot, the dilated window's span outlined; input rows and columns that no
    output reads are magenta. Right panel: the output grid with
    the current output cell in orange and the outputs already computed in light orange.
    Under both: the output-size formula with these numbers and the multiply count of
    the whole output. When the kernel does not fit, the output panel says so instead of
    raising.

    Returns:
        :class:`cnnlib.explorer.Explorer` with integer sliders ``size`` (5-9),
        ``kernel`` (1-4), ``padding`` (0-2), ``stride`` (1-3), ``dilation`` (1-3) and
        ``step`` (the output position in raster order: its maximum follows the other
        sliders, so it ranges over the actual outputs; :func:`window_state` clamps too).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    from cnnlib.explorer import Explorer
    from cnnlib.plot import labels, set_labels

    fig, (ax_in, ax_out) = plt.subplots(
        1, 2, figsize=figsize, gridspec_kw=dict(width_ratios=[1, 1])
    )
    fig.subplots_adjust(left=0.04, right=0.98, top=0.93, bottom=0.24, wspace=0.12)
    in_cmap = ListedColormap(CELL_COLORS)
    out_cmap = ListedColormap(["white", "#eef4fb", "#fdd0a2", "#e6550d"])
    # One fixed 13x13 mesh per panel, grid lines drawn as its cell edges; the axis
    # limits crop it to the current grid, and update() only recolours cells
    # (set_array), which draws fast.
    edges = np.arange(LARGEST_GRID + 1) - 0.5
    blank = np.zeros((LARGEST_GRID, LARGEST_GRID))
    mesh_in = ax_in.pcolormesh(
        edges,
        edges,
        blank,
        cmap=in_cmap,
        vmin=-0.5,
        vmax=len(CELL_COLORS) - 0.5,
        edgecolors="#9a9a9a",
        linewidth=0.6,
    )
    mesh_out = ax_out.pcolormesh(
        edges,
        edges,
        blank,
        cmap=out_cmap,
        vmin=-0.5,
        vmax=3.5,
        edgecolors="#9a9a9a",
        linewidth=0.6,
    )
    for ax in (ax_in, ax_out):
        ax.set_aspect("equal")
        ax.set_xticks([]), ax.set_yticks([])
    dots = ax_in.scatter([], [], s=6, color="black", zorder=3)
    # the numbers in the cells: one collection of glyphs per panel (a Text per cell
    # made every move a redraw of ~200 texts, about 150 ms)
    numbers_in, numbers_out = labels(ax_in), labels(ax_out)
    span_box = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="#a63603", zorder=4)
    ax_in.add_patch(span_box)
    out_box = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="#a63603", zorder=4)
    ax_out.add_patch(out_box)
    message = ax_out.text(
        0.5,
        0.5,
        "",
        transform=ax_out.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        wrap=True,
        color="#a63603",
    )
    formula = fig.text(0.5, 0.02, "", ha="center", va="bottom", fontsize=10)

    def update(size, kernel, padding, stride, dilation, step):
        st = window_state(size, kernel, padding, stride, dilation, step)
        nums = window_numbers(size, kernel, padding, stride, dilation, step)
        n = st["padded"]
        rows, cols = np.mgrid[:n, :n]
        set_labels(numbers_in, np.c_[cols.ravel(), rows.ravel()],
                   [f"{v:.0f}" for v in nums["padded"].ravel()], 7 if n <= 9 else 6)
        o = st["out"] if st["fits"] else 0
        done = np.arange(o * o) <= st["step"]                  # raster order
        rows, cols = np.divmod(np.arange(o * o)[done], max(o, 1))
        set_labels(numbers_out, np.c_[cols, rows],
                   [f"{v:.0f}" for v in nums["output"].ravel()[:o * o][done]],
                   9 if o <= 7 else 7)
        canvas = np.zeros((LARGEST_GRID, LARGEST_GRID))
        canvas[:n, :n] = st["cells"]
        mesh_in.set_array(canvas.ravel())
        ax_in.set_xlim(-0.5, n - 0.5), ax_in.set_ylim(n - 0.5, -0.5)
        ax_in.set_title(
            f"input {size}×{size}, padding {padding} → {n}×{n}", fontsize=10
        )
        setting = (
            f"kernel {kernel}×{kernel}, stride {stride}, dilation {dilation} "
            f"(span {st['span']})"
        )
        if st["never_read"] and st["fits"]:
            setting += f"; never read: input rows/columns {st['never_read']}"
        if st["fits"]:
            w_txt = " ".join(f"{v:.0f}" for v in nums["kernel"].ravel())
            under = nums["padded"][st["taps"][:, 0], st["taps"][:, 1]]
            terms = [f"{a:.0f}·{b:.0f}" for a, b in zip(under, nums["kernel"].ravel())]
            shown = " + ".join(terms[:4]) + (" + …" if len(terms) > 4 else "")
            i, j = st["pos"]
            setting += (
                f"\nw = {w_txt} (row by row);  y[{i},{j}] = {shown} = "
                f"{nums['value']:.0f}"
                f"\n{st['formula']}\n{st['out']}·{st['out']} outputs × "
                f"{kernel}·{kernel} taps = {st['multiplies']} multiplies"
            )
        formula.set_text(setting)
        m = max(st["out"], 1)
        ax_out.set_xlim(-0.5, m - 0.5), ax_out.set_ylim(m - 0.5, -0.5)
        out = np.zeros((LARGEST_GRID, LARGEST_GRID))
        if st["fits"]:
            o = st["out"]
            done = np.arange(o * o).reshape(o, o)
            out[:o, :o] = np.where(done < st["step"], 2, 1)
            i, j = st["pos"]
            out[i, j] = 3
            dots.set_offsets(st["taps"][:, ::-1] - 0.3)  # a corner dot per tap
            top, left = st["taps"][0]
            span_box.set_bounds(left - 0.5, top - 0.5, st["span"], st["span"])
            out_box.set_bounds(j - 0.5, i - 0.5, 1, 1)
            span_box.set_visible(True), out_box.set_visible(True)
            ax_out.set_title(f"output {o}×{o}, entry ({i}, {j})", fontsize=10)
            message.set_text("")
        else:
            dots.set_offsets(np.zeros((0, 2)))
            span_box.set_visible(False), out_box.set_visible(False)
            ax_out.set_title("no output", fontsize=10)
            message.set_text(
                f"The dilated kernel spans {st['span']} cells,\nbut the padded input "
                f"has only {n}.\nNo output position fits:\nadd padding or shrink "
                "the kernel/dilation."
            )
        mesh_out.set_array(out.ravel())

    values = dict(
        size=size,
        kernel=kernel,
        padding=padding,
        stride=stride,
        dilation=dilation,
        step=step,
    )
    controls = {
        name: w.IntSlider(
            value=int(np.clip(values[name], lo, hi)),
            min=lo,
            max=hi,
            description=name,
            continuous_update=False,
        )
        for name, (lo, hi, _) in CONTROLS.items()
    }
    controls["step"].description = "output #"

    def follow(change):  # registered before the redraw: the step's range is current
        v = {name: c.value for name, c in controls.items()}
        del v["step"]
        out = window_state(**v)["out"]
        controls["step"].max = max(out * out - 1, 0)

    for name in ("size", "kernel", "padding", "stride", "dilation"):
        controls[name].observe(follow, names="value")
    follow(None)
    return Explorer(fig, update, controls)


# The web page's grid for the explorer: two values per slider, 32 settings, about 1.4 MB
# of frames at the companion's size (size 3 with kernel 2 is the worked example, size 6
# with stride 2 leaves a row unread); the output index stays at the first output, and
# the animation beside it walks the window.
WEB_GRID = {
    "size": [3, 6],
    "kernel": [2, 3],
    "padding": [0, 1],
    "stride": [1, 2],
    "dilation": [1, 2],
}
