"""Chapter 5, "Multi-channel tensors": figures, cuboid drawings and the layer explorer.

Cuboid drawings (tensors as blocks; the geometry is in the chapter's ``__init__``):

* :func:`draw_cuboid` -- one shaded block with optional slice lines and a label;
* :func:`draw_arrow` -- a labelled arrow between blocks;
* :func:`draw_exploded_filter` -- one filter pulled apart into its kernels;
* :func:`draw_planes` -- real image planes (e.g. R, G, B) stacked one behind the other;
* :func:`draw_conv_layer` -- a whole layer: input block, kernel window, filter blocks,
  output block, coloured by channel group (``groups > 1``);
* :func:`draw_layer` -- :func:`draw_conv_layer` for a layer's settings, with numbers.

Only this chapter draws cuboids today; a later architectures chapter may move them to
:mod:`cnnlib.plot`. Figures (each returns the ``Figure``): :func:`channel_sum_figure`,
:func:`filter_bank_figure`, :func:`layers_figure` (the explorer's static companion). The
explorer: :func:`make_conv_layer_explorer`.
"""

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyArrowPatch, Polygon

from cnnlib.explorer import Explorer
from cnnlib.plot import grid_values

from . import (
    pixel_sum,
    ANGLE,
    DEFAULTS,
    DEPTH_SCALE,
    LIMITS,
    channel_sums,
    cuboid_faces,
    drawn_depth,
    drawn_side,
    layer_summary,
    origin3,
    project,
)

# Colormaps for the planes of an RGB image: black (0) to pure red, green or blue (1).
RGB_CMAPS = tuple(
    mcolors.LinearSegmentedColormap.from_list(name, ["black", name])
    for name in ("red", "green", "blue")
)
GROUP_COLORS = (
    "#4C72B0",
    "#DD8452",
    "#55A868",
    "#C44E52",
    "#8172B3",
    "#937860",
    "#DA8BC3",
    "#8C8C8C",
)


def _shade(color, amount):
    """Blend ``color`` towards white (``amount > 0``) or black (``amount < 0``)."""
    rgb = np.array(mcolors.to_rgb(color))
    target = np.ones(3) if amount > 0 else np.zeros(3)
    return tuple(rgb + abs(amount) * (target - rgb))


def draw_cuboid(
    ax,
    origin=(0, 0),
    size=(1, 1, 1),
    label=None,
    color="C0",
    *,
    slices=0,
    alpha=1.0,
    edgecolor="black",
    linewidth=0.8,
    fontsize=9,
    label_pos="below",
    zorder=1,
    depth_scale=DEPTH_SCALE,
    angle=ANGLE,
):
    """Draw one block of size ``(C, H, W)`` on ``ax``; returns its artists.

    Args:
        ax: a matplotlib axes (best with ``ax.set_aspect('equal')``).
        origin: ``(x, y)`` or ``(x, y, z)`` of the front-bottom-left corner.
        size: ``(C, H, W)``: depth (the channel axis, into the page), height, width.
        label: text written under (``label_pos='below'``) or above (``'above'``) the
            block.
        color: face colour; the top face is drawn lighter and the side darker.
        slices: draw this many equal slices along the depth (lines on the top and side
            faces), e.g. one per channel; 0 or 1 draws none. Capped at 64 lines.
        alpha, edgecolor, linewidth, zorder: passed to the patches.

    Raises:
        ValueError: as :func:`cuboid_faces`.
    """
    faces = cuboid_faces(origin, size, depth_scale, angle)
    shades = {"front": 0.0, "top": 0.35, "side": -0.25}
    artists = []
    for name in ("side", "top", "front"):
        poly = Polygon(
            faces[name],
            closed=True,
            facecolor=_shade(color, shades[name]) if shades[name] else color,
            edgecolor=edgecolor,
            linewidth=linewidth,
            alpha=alpha,
            zorder=zorder,
        )
        ax.add_patch(poly)
        artists.append(poly)
    x, y, z = origin3(origin)
    d, h, w = (float(s) for s in size)
    n = min(int(slices), 64)
    if n > 1:
        zs = z + d * np.arange(1, n) / n
        top = project(
            [[(x, y + h, zz), (x + w, y + h, zz)] for zz in zs], depth_scale, angle
        )
        side = project(
            [[(x + w, y, zz), (x + w, y + h, zz)] for zz in zs], depth_scale, angle
        )
        lines = LineCollection(
            np.concatenate([top, side]),
            colors=edgecolor,
            linewidths=linewidth * 0.5,
            alpha=0.6 * alpha,
            zorder=zorder,
        )
        ax.add_collection(lines, autolim=False)
        artists.append(lines)
    if label:
        pts = np.concatenate(list(faces.values()))
        cx = (pts[:, 0].min() + pts[:, 0].max()) / 2
        if label_pos == "above":
            t = ax.text(
                cx,
                pts[:, 1].max() + 0.15,
                label,
                ha="center",
                va="bottom",
                fontsize=fontsize,
                zorder=zorder + 1,
            )
        else:
            t = ax.text(
                cx,
                pts[:, 1].min() - 0.15,
                label,
                ha="center",
                va="top",
                fontsize=fontsize,
                zorder=zorder + 1,
            )
        artists.append(t)
    return artists


def draw_arrow(ax, start, end, text=None, fontsize=9, color="black", zorder=5):
    """An arrow from ``start`` to ``end`` with ``text`` above it; returns artists.

    ``start`` and ``end`` are in the axes' data coordinates (the page of the drawing).
    """
    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>",
        mutation_scale=12,
        linewidth=1.2,
        color=color,
        zorder=zorder,
    )
    ax.add_patch(arrow)
    artists = [arrow]
    if text:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        artists.append(
            ax.text(
                mx,
                my + 0.12,
                text,
                ha="center",
                va="bottom",
                fontsize=fontsize,
                zorder=zorder,
            )
        )
    return artists


def draw_planes(
    ax,
    planes,
    origin=(0, 0),
    width=4.0,
    spacing=1.0,
    cmaps=None,
    labels=None,
    vmin=0.0,
    vmax=1.0,
    fontsize=9,
    depth_scale=DEPTH_SCALE,
    angle=ANGLE,
):
    """Draw the channels of a ``(C, H, W)`` array as images stacked in depth.

    Channel 0 is in front; channel ``c`` sits ``c * spacing`` drawing units deeper. In
    this projection front faces are not distorted, so each plane is a plain ``imshow``
    with an ``extent``; the ones behind are drawn first. Returns the list of image
    artists.

    Args:
        planes: ``(C, H, W)`` array.
        width: drawn width of one plane; its height follows the array's aspect ratio.
        cmaps: one colormap name per channel (default gray); labels: one text per
            channel.

    Raises:
        ValueError: when ``planes`` is not 3D, or ``cmaps``/``labels`` do not have C
            entries.
    """
    planes = np.asarray(planes, dtype=float)
    if planes.ndim != 3:
        raise ValueError(f"planes has shape {planes.shape}; expected (C, H, W)")
    c, h, w = planes.shape
    cmaps = ["gray"] * c if cmaps is None else list(cmaps)
    if len(cmaps) != c or (labels is not None and len(labels) != c):
        raise ValueError(
            f"{c} planes need {c} cmaps and labels, got {len(cmaps)} and "
            f"{None if labels is None else len(labels)}"
        )
    height = width * h / w
    x0, y0 = origin
    images = []
    for k in reversed(range(c)):
        dx, dy = project((0, 0, k * spacing), depth_scale, angle)
        ext = (x0 + dx, x0 + dx + width, y0 + dy, y0 + dy + height)
        images.append(
            ax.imshow(
                planes[k],
                cmap=cmaps[k],
                vmin=vmin,
                vmax=vmax,
                extent=ext,
                zorder=2 * (c - k),
            )
        )
        ax.add_patch(
            Polygon(
                [
                    (ext[0], ext[2]),
                    (ext[1], ext[2]),
                    (ext[1], ext[3]),
                    (ext[0], ext[3]),
                ],
                closed=True,
                fill=False,
                edgecolor="black",
                linewidth=0.8,
                zorder=2 * (c - k) + 1,
            )
        )
        if (
            labels is not None
        ):  # in the strip of the plane that stays visible above the one in front
            ax.text(
                ext[0] + 0.08,
                ext[3] - 0.06,
                labels[k],
                fontsize=fontsize,
                ha="left",
                va="top",
                color="white",
                zorder=2 * (c - k) + 1,
                bbox=dict(
                    boxstyle="square,pad=0.1",
                    facecolor="black",
                    alpha=0.55,
                    linewidth=0,
                ),
            )
    ax.set_aspect("equal")
    return images


def draw_exploded_filter(
    ax, c_in=3, k=3, highlight=0, colors=None, gap=0.5, fontsize=9
):
    """One ``C_in x K x K`` filter twice: as a block, and pulled apart into its kernels.

    Left: the filter as one block (label "filter: C_in×K×K"). Right: the same block
        exploded along
    the depth, one ``K x K`` slice (a *kernel*) per input channel, ``gap`` drawing units
    apart, with slice ``highlight`` outlined in red and labelled "kernel". Returns the
    artists.

    Raises:
        ValueError: for ``c_in`` or ``k`` below 1 or ``highlight`` outside
            ``[0, c_in)``.
    """
    if c_in < 1 or k < 1 or not 0 <= highlight < c_in:
        raise ValueError(
            f"c_in={c_in}, k={k}, highlight={highlight}: need c_in, k >= 1 and "
            "0 <= highlight < c_in"
        )
    colors = (
        list(colors)
        if colors is not None
        else ["#C44E52", "#55A868", "#4C72B0"][:c_in] + ["#9DB4D6"] * (c_in - 3)
    )
    side, d = 1.6, 0.5  # drawn K x K side and one channel's depth
    artists = draw_cuboid(
        ax,
        (0, 0),
        (c_in * d, side, side),
        f"filter: {c_in}×{k}×{k}",
        "#9DB4D6",
        slices=c_in,
        fontsize=fontsize,
    )
    x0 = side + project((0, 0, c_in * d))[0] + 1.6
    artists += draw_arrow(ax, (x0 - 1.3, side / 2), (x0 - 0.3, side / 2), None)
    for c in reversed(range(c_in)):
        z = c * (d + gap)
        edge = "red" if c == highlight else "black"
        artists += draw_cuboid(
            ax,
            (x0, 0, z),
            (d * 0.4, side, side),
            None,
            colors[c],
            edgecolor=edge,
            linewidth=2.0 if c == highlight else 0.8,
            zorder=c_in - c,
        )
        x_text = x0 + side + project((0, 0, (c_in - 1) * (d + gap) + d))[0] + 0.3
        y_text = project((0, 0, z))[1] + side / 2
        artists.append(
            ax.text(
                x_text,
                y_text,
                f"kernel {c}, for channel {c}: {k}×{k}",
                fontsize=fontsize - 1,
                color=edge,
                ha="left",
                va="center",
            )
        )
    ax.set_xlim(-0.3, x_text + 3.2)
    ax.set_ylim(-0.9, side + project((0, 0, c_in * (d + gap)))[1] + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return artists


FRAME = ((-0.8, 12.0), (-2.0, 4.7))
#: The smallest drawn side of the kernel window inside the input block (drawing units).
WINDOW_MIN = 0.3
#: Rec. 709 luminance of an RGB colour: text on a cell is black above 0.45, else white.
LUMINANCE = np.array([0.2126, 0.7152, 0.0722])


def draw_conv_layer(
    ax,
    c_in,
    h,
    w,
    c_out,
    kernel,
    groups=1,
    out_hw=None,
    max_filters=3,
    fontsize=8,
    frame=FRAME,
):
    """Draw a convolutional layer as blocks: input, kernel window, filters, output.

    * input block ``C_in x H x W`` (split into ``groups`` coloured channel groups when
      there are at most 8), with the window of filter #1 drawn in red inside it
      (``C_in/groups x K_h x K_w``, through the channels of its group only; true to
      scale, but at least :data:`WINDOW_MIN` drawing units wide so it stays visible);
    * a column of filter blocks ``C_in/groups x K_h x K_w`` (zoomed, so that a 1x1
      filter is still visible), coloured by the group they read; at most ``max_filters``
      are drawn, the first ones, a ``⋮`` and the last one;
    * the output block ``C_out x H' x W'``, its channels coloured by group;
      ``out_hw=None`` means the kernel does not fit: the output is a dashed outline with
      a "?".

    Channel depths use :func:`drawn_depth` and spatial sizes :func:`drawn_side`; labels
    give the true numbers. Nothing is cleared: call ``ax.cla()`` first to redraw.
    ``frame=((x0, x1), (y0, y1))`` fixes the axes limits (the default fits every setting
    of the book's explorer: up to 64 pixels, 7x7 kernels); ``None`` leaves them alone.

    Args:
        kernel: int or ``(K_h, K_w)``.
        out_hw: ``(H', W')`` or None.

    Returns:
        the list of artists added.

    Raises:
        ValueError: for non-positive sizes, or channels not divisible by ``groups``.
    """
    kh, kw = (kernel, kernel) if np.isscalar(kernel) else tuple(kernel)
    if min(c_in, h, w, c_out, kh, kw, groups) <= 0:
        raise ValueError(
            f"sizes must be positive: c_in={c_in}, h={h}, w={w}, c_out={c_out}, "
            f"kernel={(kh, kw)}, groups={groups}"
        )
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"c_in={c_in} and c_out={c_out} must be divisible by groups={groups}"
        )
    coloured = 1 < groups <= len(GROUP_COLORS)
    in_color = (lambda g: GROUP_COLORS[g]) if coloured else (lambda g: "#9DB4D6")
    out_color = (lambda g: GROUP_COLORS[g]) if coloured else (lambda g: "#F2C57C")
    per_in, per_out = c_in // groups, c_out // groups
    artists = []

    def block(origin, size, color, n_slices, **kw):
        artists.extend(
            draw_cuboid(
                ax,
                origin,
                size,
                None,
                color,
                slices=n_slices if n_slices <= 16 else 0,
                linewidth=0.7,
                **kw,
            )
        )

    def grouped_block(x, size, colour, channels):
        d, hh, ww = size
        if not coloured:
            block((x, 0.0), size, colour(0), channels)
            return
        step = d / groups
        for g in reversed(range(groups)):  # back group first: nearer ones paint over it
            block((x, 0.0, g * step), (step, hh, ww), colour(g), channels // groups)

    # input block and the window of filter #1 inside it
    din, hin, win = drawn_depth(c_in), drawn_side(h), drawn_side(w)
    grouped_block(0.0, (din, hin, win), in_color, c_in)
    artists.append(
        ax.text(
            win / 2,
            -0.2,
            f"input\nC_in={c_in}, {h}×{w}",
            ha="center",
            va="top",
            fontsize=fontsize,
        )
    )
    if kh <= h and kw <= w:
        # true to scale, but never smaller than WINDOW_MIN drawing units: a 3x3 window
        # on a 256x256 input would be about a hundredth of the block's side
        wh, ww = max(kh * hin / h, WINDOW_MIN), max(kw * win / w, WINDOW_MIN)
        artists.extend(
            draw_cuboid(
                ax,
                (0.0, hin - wh, 0.0),
                (din / groups, wh, ww),
                None,
                "#C44E52",
                alpha=0.55,
                edgecolor="#8B0000",
                linewidth=1.4,
                zorder=3,
            )
        )

    # filter column (zoomed), centred on the input's middle
    fside = 0.3 * max(kh, kw) ** 0.5
    fh, fw, fd = fside * kh / max(kh, kw), fside * kw / max(kh, kw), din / groups
    fdx, fdy = project((0, 0, fd))
    x_f = max(win + project((0, 0, din))[0] + 1.0, 2.6)
    shown = (
        list(range(c_out))
        if c_out <= max_filters
        else list(range(max_filters - 1)) + [c_out - 1]
    )
    row_h, dots_h = fh + fdy + 0.3, 0.6
    total = len(shown) * row_h + (dots_h if c_out > max_filters else 0)
    y_mid = 1.4  # the middle of the default frame
    y = y_mid + total / 2
    for i, o in enumerate(shown):
        if c_out > max_filters and i == len(shown) - 1:
            artists.append(
                ax.text(
                    x_f + fw / 2,
                    y - dots_h / 2,
                    "⋮",
                    ha="center",
                    va="center",
                    fontsize=fontsize + 4,
                )
            )
            y -= dots_h
        g = o // per_out
        block(
            (x_f, y - row_h + 0.15, 0.0),
            (fd, fh, fw),
            in_color(g) if coloured else "#7A9CC6",
            per_in,
            zorder=4,
        )
        artists.append(
            ax.text(
                x_f - 0.1,
                y - row_h + 0.15 + fh / 2,
                f"#{o + 1}",
                ha="right",
                va="center",
                fontsize=fontsize - 1,
            )
        )
        y -= row_h
    artists.append(
        ax.text(
            x_f + (fw + fdx) / 2,
            y - 0.05,
            f"{c_out} filter{'s' if c_out > 1 else ''}\neach {per_in}×{kh}×{kw}",
            ha="center",
            va="top",
            fontsize=fontsize,
        )
    )

    # output block
    x_out = max(x_f + fw + fdx + 1.2, x_f + 2.6)
    dout = drawn_depth(c_out)
    if out_hw is not None:
        ho, wo = out_hw
        hout, wout = drawn_side(ho), drawn_side(wo)
        grouped_block(x_out, (dout, hout, wout), out_color, c_out)
        text = f"output\nC_out={c_out}, {ho}×{wo}"
    else:
        hout = wout = drawn_side(max(1, min(h, w) // 2))
        for face in cuboid_faces((x_out, 0.0), (dout, hout, wout)).values():
            poly = Polygon(
                face,
                closed=True,
                fill=False,
                edgecolor="gray",
                linestyle="--",
                linewidth=0.8,
            )
            ax.add_patch(poly)
            artists.append(poly)
        artists.append(
            ax.text(
                x_out + wout / 2,
                hout / 2,
                "?",
                ha="center",
                va="center",
                fontsize=fontsize + 6,
                color="gray",
            )
        )
        text = "no output"
    artists.append(
        ax.text(x_out + wout / 2, -0.2, text, ha="center", va="top", fontsize=fontsize)
    )

    # arrows: input -> filters -> output
    artists += draw_arrow(
        ax, (win + project((0, 0, din))[0] + 0.1, hin / 2), (x_f - 0.5, y_mid)
    )
    artists += draw_arrow(ax, (x_f + fw + fdx + 0.1, y_mid), (x_out - 0.1, hout / 2))
    ax.set_aspect("equal")
    ax.axis("off")
    if frame is not None:
        ax.set_xlim(*frame[0])
        ax.set_ylim(*frame[1])
    return artists


def channel_sum_figure(
    planes, filt, bias=0.0, names=("R", "G", "B"), cmaps=RGB_CMAPS, fmt="{:.2f}"
):
    """Draw ``bias + sum_c planes[c] ⋆ filt[c]``: a row per channel, then the sum.

    Args:
        planes: ``(C, H, W)`` input (one image, channels first).
        filt: ``(C, K_h, K_w)``, one filter: a kernel per input channel.
        bias: the filter's bias (a number).
        names, cmaps: one label and one colormap per channel (defaults for RGB).

    Returns:
        the ``Figure``; the numbers it shows are
        :func:`cnnlib.chapters.ch05_multichannel.channel_sums`.

    Raises:
        ValueError: when ``planes`` and ``filt`` do not have the same number of
            channels, or
        ``names``/``cmaps`` do not have one entry per channel.
    """
    per_channel, total = channel_sums(planes, filt, bias)
    planes, filt = np.asarray(planes, float), np.asarray(filt, float)
    c = planes.shape[0]
    if len(names) != c or len(cmaps) != c:
        raise ValueError(f"{c} channels need {c} names and cmaps")
    fig = plt.figure(figsize=(10, 2.3 * c))
    gs = fig.add_gridspec(c, 4, width_ratios=[1, 0.8, 1, 1.6], wspace=0.35)
    lim = np.abs(per_channel).max() or 1.0
    flim = np.abs(filt).max() or 1.0
    big = dict(ha="center", va="center")
    for i in range(c):
        ax = fig.add_subplot(gs[i, 0])
        ax.imshow(planes[i], cmap=cmaps[i], vmin=0, vmax=1)
        ax.set_title(f"input channel {i} ({names[i]})", fontsize=9)
        ax.axis("off")
        ax.text(1.13, 0.5, "⋆", transform=ax.transAxes, fontsize=28, **big)
        ax = fig.add_subplot(gs[i, 1])
        grid_values(
            ax, filt[i], fmt=fmt, cmap="RdBu_r", fontsize=8, vmin=-flim, vmax=flim
        )
        ax.set_title(f"kernel {i} of the filter", fontsize=9)
        ax.text(1.15, 0.5, "=", transform=ax.transAxes, fontsize=18, **big)
        ax = fig.add_subplot(gs[i, 2])
        ax.imshow(per_channel[i], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"channel {i} response", fontsize=9)
        ax.axis("off")
        if i < c - 1:
            ax.text(0.5, -0.08, "+", transform=ax.transAxes, fontsize=18, **big)
    ax = fig.add_subplot(gs[:, 3])
    tlim = np.abs(total).max() or 1.0
    im = ax.imshow(total, cmap="RdBu_r", vmin=-tlim, vmax=tlim)
    plus_bias = f" + bias {bias:g}" if bias else ""
    ax.set_title(f"sum over {c} channels{plus_bias}\n= one output channel", fontsize=10)
    ax.axis("off")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="output value")
    return fig


def filter_bank_figure(
    weight, names=None, channel_names=("R", "G", "B"), fmt="{:.2f}", size=1.6
):
    """A weight tensor ``(C_out, C_in, K_h, K_w)`` as a grid of kernels (a Figure).

    Column = filter, row = input channel. Each cell is one ``K_h x K_w`` kernel with its
    values written in (shared, symmetric colour scale, red positive and blue negative).

    Raises:
        ValueError: when ``weight`` is not 4D or ``names``/``channel_names`` have the
            wrong length.
    """
    weight = np.asarray(weight, float)
    if weight.ndim != 4:
        raise ValueError(
            f"weight has shape {weight.shape}; expected (C_out, C_in, K_h, K_w)"
        )
    c_out, c_in = weight.shape[:2]
    names = [f"filter {o}" for o in range(c_out)] if names is None else list(names)
    if len(names) != c_out or len(channel_names) != c_in:
        raise ValueError(f"need {c_out} filter names and {c_in} channel names")
    lim = np.abs(weight).max() or 1.0
    fig, axes = plt.subplots(
        c_in, c_out, figsize=(size * c_out, size * c_in), squeeze=False
    )
    for o in range(c_out):
        for c in range(c_in):
            grid_values(
                axes[c, o],
                weight[o, c],
                fmt=fmt,
                cmap="RdBu_r",
                fontsize=7,
                vmin=-lim,
                vmax=lim,
            )
            if c == 0:
                axes[c, o].set_title(f"filter {o}:\n{names[o]}", fontsize=9)
            if o == 0:
                axes[c, o].set_ylabel(f"kernel for {channel_names[c]}", fontsize=9)
    fig.tight_layout()
    return fig


def _summary_lines(s, bias):
    """The explorer's text panel: a ``name  value`` line per fact, or why not."""
    if s["weight_shape"] is None:
        return f"no such layer:\n{s['message']}"
    bias_shape = f"({s['weight_shape'][0]},)" if bias else "none"
    lines = [
        f"weight  {s['weight_shape']}",
        f"bias    {bias_shape}",
        f"params  {s['params']:,}",
    ]
    if s["ok"]:
        lines += [f"output  {s['out_shape']}", f"mult-adds {s['multiplies']:,}"]
    else:
        lines.append(f"output  none:\n{s['message']}")
    return "\n".join(lines)


def _summary_title(s):
    """A one-line summary for a small-multiples panel."""
    if s["weight_shape"] is None:
        return s["message"]
    out = f"output {s['out_shape']}" if s["ok"] else "kernel does not fit"
    return f"weight {s['weight_shape']}, {s['params']:,} params, {out}"


def draw_layer(
    ax,
    c_in,
    c_out,
    kernel,
    groups=1,
    bias=True,
    h=32,
    w=32,
    stride=1,
    padding=0,
    title=True,
    fontsize=8,
):
    """Replace the picture in ``ax`` by the layer's cuboids (:func:`draw_conv_layer`).

    An impossible layer (channels not divisible by ``groups``) is drawn as a message
    instead; a kernel that does not fit is drawn with a dashed, empty output. With
    ``title=True`` the weight shape, parameter count and output shape are the axes
    title. Returns the :func:`~cnnlib.chapters.ch05_multichannel.layer_summary` dict.
    """
    s = layer_summary(c_in, c_out, kernel, groups, bias, h, w, stride, padding)
    # Remove the previous picture only: ax.cla() would also rebuild every tick object,
    # which costs a good part of an explorer move although this axes never shows ticks.
    for artist in [*ax.patches, *ax.collections, *ax.texts, *ax.lines, *ax.images]:
        artist.remove()
    ax.set_title("")
    if s["weight_shape"] is None:
        ax.set_xlim(0, 1), ax.set_ylim(0, 1), ax.axis("off")
        ax.text(
            0.5,
            0.5,
            f"no such layer:\n{s['message']}",
            ha="center",
            va="center",
            color="#C44E52",
            fontsize=fontsize + 3,
        )
    else:
        out_hw = s["out_shape"][2:] if s["ok"] else None
        draw_conv_layer(
            ax, c_in, h, w, c_out, kernel, groups, out_hw, fontsize=fontsize
        )
    if title:
        head = (
            f"Conv2d({c_in}, {c_out}, {kernel}, stride={stride}, padding={padding}, "
            f"groups={groups}) on {h}×{w}"
        )
        ax.set_title(head + "\n" + _summary_title(s), fontsize=fontsize + 1)
    return s


def layers_figure(settings, ncols=2, size=(5.2, 3.2)):
    """One :func:`draw_layer` panel per dict in ``settings``; returns the ``Figure``.

    The explorer's static companion: a few settings side by side.
    """
    settings = list(settings)
    nrows = int(np.ceil(len(settings) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False
    )
    for ax, s in zip(axes.flat, settings):
        draw_layer(ax, **s)
    for ax in axes.flat[len(settings) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


#: The layer explorer's web grid (27 frames); the other controls keep their defaults:
#: 8 filters, 32x32 input, stride 1, no padding, with bias.
LAYER_GRID = dict(c_in=[3, 8, 64], kernel=[1, 3, 5], groups=[1, 2, 8])


def _clamp(value, name):
    lo, hi = LIMITS[name]
    return int(min(max(int(value), lo), hi))


def make_conv_layer_explorer(**initial):
    """The layer explorer: C_in, C_out, kernel, groups, H, W, stride, padding and bias.

    ``update(**values)`` clamps every value to
    :data:`~cnnlib.chapters.ch05_multichannel.LIMITS`, redraws the picture's axes and
    sets the text panel (weight shape, parameters, output shape and multiplies, or why
    the layer is impossible). Returns a :class:`cnnlib.explorer.Explorer`; its ``.fig``,
    ``.update`` and ``.controls`` work headless.
    """
    import ipywidgets as widgets

    values = {**DEFAULTS, **initial}
    fig = plt.figure(figsize=(9.0, 3.6))
    ax = fig.add_axes([0.0, 0.0, 0.68, 0.92])
    panel = fig.add_axes([0.69, 0.0, 0.31, 1.0])
    panel.axis("off")
    info = panel.text(
        0.0,
        0.92,
        "",
        va="top",
        ha="left",
        fontsize=10,
        family="monospace",
        transform=panel.transAxes,
    )
    head = fig.text(0.01, 0.97, "", va="top", ha="left", fontsize=10)

    def update(
        bias, **sizes
    ):  # sizes: c_in, c_out, kernel, groups, h, w, stride, padding
        v = {name: _clamp(val, name) for name, val in sizes.items()}
        s = draw_layer(ax, bias=bool(bias), title=False, **v)
        head.set_text(
            f"Conv2d({v['c_in']}, {v['c_out']}, kernel_size={v['kernel']}, "
            f"stride={v['stride']}, padding={v['padding']}, groups={v['groups']}, "
            f"bias={bool(bias)}) on (1, {v['c_in']}, {v['h']}, {v['w']})"
        )
        lines = _summary_lines(s, bias).split("\n")
        info.set_text(
            "\n".join(textwrap.fill(t, 30, subsequent_indent="  ") for t in lines)
        )
        info.set_color("black" if s["ok"] else "#C44E52")
        return s

    def slider(name, description):
        lo, hi = LIMITS[name]
        return widgets.IntSlider(
            value=_clamp(values[name], name),
            min=lo,
            max=hi,
            description=description,
            continuous_update=False,
        )

    controls = dict(
        c_in=slider("c_in", "C_in"),
        c_out=slider("c_out", "C_out"),
        kernel=slider("kernel", "kernel"),
        groups=slider("groups", "groups"),
        bias=widgets.Checkbox(value=bool(values["bias"]), description="bias"),
        h=slider("h", "H"),
        w=slider("w", "W"),
        stride=slider("stride", "stride"),
        padding=slider("padding", "padding"),
    )
    return Explorer(fig, update, controls)


#: The per-pixel explorer's web grid: every output pixel of the default 6x6 crop (a 4x4
#: output) for one edge and one colour filter (32 frames; all four filters run live).
PIXEL_GRID = dict(o=[0, 2], i=[0, 1, 2, 3], j=[0, 1, 2, 3])


def _pixel_panels(x, weight, bias, names, channel_names=("R", "G", "B")):
    """The per-pixel explorer's figure and ``update(o, i, j)`` (clamped, never raises).

    Row ``c``: input channel ``c`` with the window outlined; the window's patch (values
    written in); the kernel ``weight[o, c]`` and, under the pair, their sum of products.
    Right: the whole output map of filter ``o`` with the pixel ``(i, j)`` outlined and the
    total written out as bias plus partial sums (:func:`~cnnlib.chapters.
    ch05_multichannel.pixel_sum`).
    """
    from matplotlib.patches import Rectangle

    from cnnlib.functional import conv2d

    c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    out = conv2d(x[None], weight, bias)[0]  # (C_out, H', W')
    ho, wo = out.shape[1:]
    fig = plt.figure(figsize=(9.6, 4.9), dpi=74)
    gs = fig.add_gridspec(
        c_in,
        4,
        width_ratios=[1.2, 0.75, 0.75, 1.5],
        wspace=0.3,
        hspace=0.35,
        left=0.03,
        right=0.97,
        top=0.88,
        bottom=0.08,
    )
    cmaps = RGB_CMAPS if c_in == 3 else ["gray"] * c_in
    txt = dict(ha="center", va="center")
    rows = []
    wlim = float(np.abs(weight).max()) or 1.0
    for c in range(c_in):
        ax_x = fig.add_subplot(gs[c, 0])
        ax_x.imshow(x[c], cmap=cmaps[c], vmin=0, vmax=1)
        box = Rectangle((-0.5, -0.5), kw, kh, fill=False, ec="yellow", lw=2.2)
        ax_x.add_patch(box)
        ax_x.set_ylabel(f"channel {c} ({channel_names[c]})", fontsize=8)
        panels = []
        for k, title in enumerate(("patch", "kernel")):
            ax = fig.add_subplot(gs[c, k + 1])
            im = ax.imshow(np.zeros((kh, kw)), cmap="RdBu_r", vmin=-1, vmax=1)
            texts = [
                [ax.text(q, r, "", fontsize=9, **txt) for q in range(kw)]
                for r in range(kh)
            ]
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_title(title, fontsize=9)
            panels.append((ax, im, texts))
        rows.append((ax_x, box, panels))
        ax_x.set_xticks([]), ax_x.set_yticks([])
        if c == 0:
            ax_x.set_title("input under the window", fontsize=9)
    ax_o = fig.add_subplot(gs[:, 3])
    im_o = ax_o.imshow(out[0], cmap="RdBu_r")
    o_texts = [
        [ax_o.text(q, r, "", fontsize=8, **txt) for q in range(wo)] for r in range(ho)
    ]
    o_box = Rectangle((-0.5, -0.5), 1, 1, fill=False, ec="black", lw=2.5)
    ax_o.add_patch(o_box)
    ax_o.set_xticks([]), ax_o.set_yticks([])
    head = fig.text(0.03, 0.975, "", fontsize=10, va="top", ha="left")
    total_text = ax_o.text(
        0.5,
        -0.04,
        "",
        transform=ax_o.transAxes,
        fontsize=9,
        ha="center",
        va="top",
        family="monospace",
    )

    def fill(panel, a, lim, fmt):
        ax, im, texts = panel
        im.set_data(a)
        im.set_clim(-lim, lim)
        for (r, q), v in np.ndenumerate(a):
            texts[r][q].set_text(fmt.format(v))
            texts[r][q].set_color("white" if abs(v) > 0.6 * lim else "black")

    def update(o=0, i=0, j=0):
        o = int(np.clip(o, 0, c_out - 1))
        i, j = int(np.clip(i, 0, ho - 1)), int(np.clip(j, 0, wo - 1))
        s = pixel_sum(x, weight, bias, o, i, j)
        for c, (ax_x, box, panels) in enumerate(rows):
            box.set_xy((j - 0.5, i - 0.5))
            fill(panels[0], s["patches"][c], 1.0, "{:.2f}")
            im = panels[0][1]
            im.set_cmap(cmaps[c])
            im.set_clim(0, 1)
            lum = im.cmap(im.norm(s["patches"][c]))[..., :3] @ LUMINANCE
            for (r, q), v in np.ndenumerate(lum):
                panels[0][2][r][q].set_color("black" if v > 0.45 else "white")
            fill(panels[1], s["kernels"][c], wlim, "{:.2f}")
            panels[1][0].set_xlabel(
                f"Σ patch × kernel = {s['partials'][c]:+.3f}", fontsize=9, x=-0.1
            )
        lim = float(np.abs(out[o]).max()) or 1.0
        im_o.set_data(out[o])
        im_o.set_clim(-lim, lim)
        for (r, q), v in np.ndenumerate(out[o]):
            o_texts[r][q].set_text(f"{v:.2f}")
            o_texts[r][q].set_color("white" if abs(v) > 0.6 * lim else "black")
        o_box.set_xy((j - 0.5, i - 0.5))
        ax_o.set_title(f"feature map of filter {o}\n({names[o]})", fontsize=9)
        parts = " ".join(f"{p:+.3f}" for p in s["partials"])
        total_text.set_text(
            f"y[{o}, {i}, {j}] = bias {s['bias']:+.2f}\n  {parts}\n  = {s['total']:+.3f}"
        )
        head.set_text(
            f"filter {o} ({names[o]}) at output pixel ({i}, {j}): {c_in} patches × "
            f"{c_in} kernels -> {c_in} partial sums -> one number"
        )
        return s

    update()
    return fig, update


def make_pixel_explorer(x=None, weight=None, bias=None, names=None):
    """The per-pixel explorer: pick a filter and an output pixel, see how it is summed.

    Defaults: :func:`~cnnlib.chapters.ch05_multichannel.photo_crop` (a 3x6x6 crop of the
    astronaut photo) and :func:`~cnnlib.chapters.ch05_multichannel.hand_filters`.
    Controls: ``o`` (filter, a drop-down), ``i`` and ``j`` (the output pixel). Returns a
    :class:`cnnlib.explorer.Explorer`; ``update(o, i, j)`` clamps its arguments and
    returns the :func:`~cnnlib.chapters.ch05_multichannel.pixel_sum` dict.
    """
    import ipywidgets as widgets

    from . import hand_filters, photo_crop

    if weight is None:
        weight, bias, names = hand_filters()
    x = photo_crop() if x is None else np.asarray(x, float)
    names = [f"filter {o}" for o in range(len(weight))] if names is None else names
    fig, update = _pixel_panels(
        x, np.asarray(weight, float), np.asarray(bias, float), names
    )
    ho, wo = x.shape[1] - weight.shape[2] + 1, x.shape[2] - weight.shape[3] + 1
    controls = dict(
        o=widgets.Dropdown(
            options=[(f"{o}: {n}", o) for o, n in enumerate(names)],
            value=0,
            description="filter",
        ),
        i=widgets.IntSlider(value=0, min=0, max=ho - 1, description="row i"),
        j=widgets.IntSlider(value=0, min=0, max=wo - 1, description="column j"),
    )
    return Explorer(fig, update, controls)
