"""The padding / stride / dilation explorer: which input cells one output reads.

:func:`window_state` is the plain computation (tests call it); :func:`make_sliding_window`
draws it and returns a :class:`cnnlib.widgets.Explorer`. The geometry is the one of
:func:`cnnlib.functional.conv2d` (cross-correlation, square input and kernel, the same
padding, stride and dilation along both axes), and the output size is
``floor((H + 2P - D(K-1) - 1) / S) + 1`` (Dumoulin & Visin, 2016).

Coordinates are those of the *padded* input: cell ``(r, c)`` of the padded grid is
input pixel ``(r - P, c - P)``, and cells with ``r < P`` or ``r >= H + P`` (likewise
for ``c``) are padding zeros.
"""
import numpy as np

# Clamped ranges of the explorer's controls (name: (min, max, default)).
CONTROLS = {
    "size": (5, 9, 7), "kernel": (1, 4, 3), "padding": (0, 2, 1),
    "stride": (1, 3, 2), "dilation": (1, 3, 1), "step": (0, 168, 0),
}
_MAX = CONTROLS["size"][1] + 2 * CONTROLS["padding"][1]      # largest padded grid (and output): 13

# Cell classes drawn in the input panel, and their colours (index = class).
EMPTY, PAD, INPUT, READ_PAD, READ_INPUT = 0, 1, 2, 3, 4
CELL_COLORS = ("white", "#c8c8c8", "#dbe9f6", "#e6550d", "#fdae6b")


def window_state(size, kernel, padding=0, stride=1, dilation=1, step=0):
    """Geometry of one step of a 2D convolution's sliding window.

    Args:
        size: input height = width ``H`` (>= 1).
        kernel: kernel height = width ``K`` (>= 1).
        padding: zeros added on every side ``P`` (>= 0).
        stride: ``S`` (>= 1). dilation: ``D`` (>= 1; 1 = no gaps).
        step: which output position, in raster order (row by row); clamped into
            ``[0, out*out - 1]`` so any value is safe.

    Returns:
        dict with ``padded`` (``H + 2P``), ``span`` (``D(K-1) + 1``), ``out`` (output side, 0 when
        the kernel does not fit), ``fits`` (bool), ``step`` (after clamping), ``pos`` (output
        ``(row, col)`` or None), ``taps`` (``(K*K, 2)`` int array of the padded-input cells the
        current output reads, in kernel order; empty when it does not fit), ``cells``
        (``(padded, padded)`` int array of classes :data:`PAD`, :data:`INPUT`,
        :data:`READ_PAD`, :data:`READ_INPUT`) and ``formula`` (the output-size formula with
        these numbers, or the reason no output exists).

    Raises:
        ValueError: for a non-positive size, kernel, stride or dilation, or negative padding.
    """
    if size < 1 or kernel < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(f"size={size}, kernel={kernel}, stride={stride}, dilation={dilation} must be "
                         f">= 1 and padding={padding} >= 0")
    H, K, P, S, D = int(size), int(kernel), int(padding), int(stride), int(dilation)
    padded, span = H + 2 * P, D * (K - 1) + 1
    cells = np.full((padded, padded), PAD)
    cells[P:P + H, P:P + H] = INPUT
    numer = padded - span
    expr = f"out = ⌊({H} + 2·{P} − {D}·({K}−1) − 1) / {S}⌋ + 1"
    if numer < 0:
        return dict(padded=padded, span=span, out=0, fits=False, step=0, pos=None,
                    taps=np.zeros((0, 2), int), cells=cells,
                    formula=f"{expr}: the dilated kernel spans {D}·({K}−1)+1 = {span} cells, "
                            f"more than the padded input's {H}+2·{P} = {padded}; no output fits")
    out = numer // S + 1
    step = int(np.clip(step, 0, out * out - 1))
    i, j = divmod(step, out)
    rows = i * S + D * np.arange(K)
    cols = j * S + D * np.arange(K)
    taps = np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1).reshape(-1, 2)
    inside = cells[taps[:, 0], taps[:, 1]] == INPUT
    cells[taps[:, 0], taps[:, 1]] = np.where(inside, READ_INPUT, READ_PAD)
    formula = f"{expr} = ⌊{numer} / {S}⌋ + 1 = {out}"
    return dict(padded=padded, span=span, out=out, fits=True, step=step, pos=(i, j), taps=taps,
                cells=cells, formula=formula)


def make_sliding_window(size=7, kernel=3, padding=1, stride=2, dilation=1, step=0, figsize=(7.6, 4.0)):
    """The explorer: padded input (left), output grid (right), formula with the reader's numbers.

    Left panel: input cells (light blue), padding zeros (grey), and the cells the current
    output reads (orange; dark orange when they are padding), each tap marked with a dot, the
    dilated window's span outlined. Right panel: the output grid with the current output cell
    in orange and the outputs already computed in light orange. When the kernel does not fit,
    the output panel says so instead of raising.

    Returns:
        :class:`cnnlib.widgets.Explorer` with integer sliders ``size`` (5-9), ``kernel`` (1-4),
        ``padding`` (0-2), ``stride`` (1-3), ``dilation`` (1-3) and ``step`` (0-168, the output
        position in raster order, clamped to the output size).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    from . import Explorer

    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=figsize, gridspec_kw=dict(width_ratios=[1, 1]))
    fig.subplots_adjust(left=0.04, right=0.98, top=0.93, bottom=0.13, wspace=0.12)
    in_cmap = ListedColormap(CELL_COLORS)
    out_cmap = ListedColormap(["white", "#eef4fb", "#fdd0a2", "#e6550d"])
    # One fixed 13x13 mesh per panel, grid lines drawn as its cell edges; the axis limits crop it
    # to the current grid, and update() only recolours cells (set_array), which draws fast.
    edges = np.arange(_MAX + 1) - 0.5
    blank = np.zeros((_MAX, _MAX))
    mesh_in = ax_in.pcolormesh(edges, edges, blank, cmap=in_cmap, vmin=-0.5, vmax=4.5,
                               edgecolors="#9a9a9a", linewidth=0.6)
    mesh_out = ax_out.pcolormesh(edges, edges, blank, cmap=out_cmap, vmin=-0.5, vmax=3.5,
                                 edgecolors="#9a9a9a", linewidth=0.6)
    for ax in (ax_in, ax_out):
        ax.set_aspect("equal")
        ax.set_xticks([]), ax.set_yticks([])
    dots = ax_in.scatter([], [], s=18, color="black", zorder=3)
    span_box = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="#a63603", zorder=4)
    ax_in.add_patch(span_box)
    out_box = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="#a63603", zorder=4)
    ax_out.add_patch(out_box)
    message = ax_out.text(0.5, 0.5, "", transform=ax_out.transAxes, ha="center", va="center",
                          fontsize=10, wrap=True, color="#a63603")
    formula = fig.text(0.5, 0.02, "", ha="center", va="bottom", fontsize=10)

    def update(size, kernel, padding, stride, dilation, step):
        st = window_state(size, kernel, padding, stride, dilation, step)
        n = st["padded"]
        canvas = np.zeros((_MAX, _MAX))
        canvas[:n, :n] = st["cells"]
        mesh_in.set_array(canvas.ravel())
        ax_in.set_xlim(-0.5, n - 0.5), ax_in.set_ylim(n - 0.5, -0.5)
        ax_in.set_title(f"input {size}×{size}, padding {padding} → {n}×{n}", fontsize=10)
        setting = f"kernel {kernel}×{kernel}, stride {stride}, dilation {dilation} (span {st['span']})"
        formula.set_text(setting + ("\n" + st["formula"] if st["fits"] else ""))
        m = max(st["out"], 1)
        ax_out.set_xlim(-0.5, m - 0.5), ax_out.set_ylim(m - 0.5, -0.5)
        out = np.zeros((_MAX, _MAX))
        if st["fits"]:
            o = st["out"]
            done = np.arange(o * o).reshape(o, o)
            out[:o, :o] = np.where(done < st["step"], 2, 1)
            i, j = st["pos"]
            out[i, j] = 3
            dots.set_offsets(st["taps"][:, ::-1])
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
            message.set_text(f"The dilated kernel spans {st['span']} cells,\nbut the padded input "
                             f"has only {n}.\nNo output position fits:\nadd padding or shrink "
                             "the kernel/dilation.")
        mesh_out.set_array(out.ravel())

    values = dict(size=size, kernel=kernel, padding=padding, stride=stride, dilation=dilation, step=step)
    controls = {name: w.IntSlider(value=int(np.clip(values[name], lo, hi)), min=lo, max=hi, description=name,
                                  continuous_update=False)
                for name, (lo, hi, _) in CONTROLS.items()}
    controls["step"].description = "output #"
    return Explorer(fig, update, controls)
