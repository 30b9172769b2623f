"""Chapter 5 (multi-channel tensors): layer shapes and parameter counts, and their explorer.

* :func:`layer_summary` -- weight shape, parameter count and output shape of a 2D convolution
  (never raises for integer settings: an impossible layer comes back with a message);
* :func:`channel_connectivity` -- which input channels each output channel reads (groups);
* :func:`channel_sum_figure` -- a C-channel convolution as C single-channel ones, summed;
* :func:`filter_bank_figure` -- the kernels of a bank of filters, one column per filter;
* :func:`draw_layer` -- the cuboid picture of a layer with its numbers in the title;
* :func:`small_multiples` -- a few layers side by side (the explorer's static companion);
* :func:`make_conv_layer_explorer` -- the interactive explorer.

Shapes follow ``torch.nn.Conv2d``: input ``(N, C_in, H, W)``, weight
``(C_out, C_in / groups, K_h, K_w)``, bias ``(C_out,)``, output ``(N, C_out, H', W')`` with
``H' = floor((H + 2P - K) / S) + 1`` (Dumoulin & Visin, 2016). Counts come from
:mod:`cnnlib.counting`, sizes from :func:`cnnlib.functional.conv_output_size`.
"""
import textwrap

import matplotlib.pyplot as plt
import numpy as np

from cnnlib.counting import conv_params
from cnnlib.cuboids import RGB_CMAPS, draw_conv_layer
from cnnlib.functional import conv2d, conv_output_size
from cnnlib.plot import grid_values

from . import Explorer

LIMITS = dict(c_in=(1, 64), c_out=(1, 64), kernel=(1, 7), groups=(1, 8), h=(4, 64), w=(4, 64),
              stride=(1, 4), padding=(0, 3))
DEFAULTS = dict(c_in=3, c_out=8, kernel=3, groups=1, bias=True, h=32, w=32, stride=1, padding=0)


def layer_summary(c_in, c_out, kernel, groups=1, bias=True, h=32, w=32, stride=1, padding=0, n=1):
    """Everything about a 2D convolution layer that follows from its settings.

    Args:
        c_in, c_out: input and output channels; kernel: int (square) or ``(K_h, K_w)``;
        groups: channel groups; bias: whether each output channel has a bias;
        h, w: input height and width in pixels; stride, padding: ints; n: batch size.

    Returns:
        dict with ``ok`` (bool), ``weight_shape`` ``(C_out, C_in/groups, K_h, K_w)`` (None when the
        channels do not divide), ``params`` (int or None), ``out_shape`` ``(N, C_out, H', W')``
        (None when the layer is impossible) and ``message`` (``''`` or why the layer is impossible).
        It never raises for positive integer settings: an impossible layer is reported in ``message``.
    """
    kh, kw = (kernel, kernel) if np.isscalar(kernel) else tuple(kernel)
    out = dict(ok=False, weight_shape=None, params=None, out_shape=None, message="")
    if min(c_in, c_out, kh, kw, groups, h, w, stride, n) <= 0 or padding < 0:
        out["message"] = "every size must be positive (padding non-negative)"
        return out
    if c_in % groups or c_out % groups:
        bad = " and ".join(f"{name}={v}" for name, v in (("C_in", c_in), ("C_out", c_out)) if v % groups)
        out["message"] = f"{bad} not divisible by groups={groups}"
        return out
    out["weight_shape"] = (c_out, c_in // groups, kh, kw)
    out["params"] = conv_params(c_in, c_out, (kh, kw), groups=groups, bias=bias)
    if kh > h + 2 * padding or kw > w + 2 * padding:
        out["message"] = f"the {kh}×{kw} kernel is larger than the padded {h + 2 * padding}×{w + 2 * padding} input"
        return out
    ho = conv_output_size(h, kh, stride, padding)
    wo = conv_output_size(w, kw, stride, padding)
    out.update(ok=True, out_shape=(n, c_out, ho, wo))
    return out


def channel_connectivity(c_in, c_out, groups=1):
    """``(C_out, C_in)`` boolean matrix: True where output channel ``o`` reads input channel ``c``.

    With ``groups=G`` output channel ``o`` belongs to group ``o // (C_out/G)`` and reads only the
    input channels ``[g*C_in/G, (g+1)*C_in/G)``: the matrix is block-diagonal; ``groups=1`` is all
    True, ``groups=C_in=C_out`` (depthwise) is the identity.

    Raises:
        ValueError: when the channels are not divisible by ``groups``.
    """
    if groups <= 0 or c_in % groups or c_out % groups:
        raise ValueError(f"c_in={c_in} and c_out={c_out} must both be divisible by groups={groups}")
    g_out = np.arange(c_out) // (c_out // groups)
    g_in = np.arange(c_in) // (c_in // groups)
    return g_out[:, None] == g_in[None, :]


def channel_sum_figure(planes, filt, bias=0.0, names=("R", "G", "B"), cmaps=RGB_CMAPS, fmt="{:.2f}"):
    """Draw ``y = bias + sum_c planes[c] ⋆ filt[c]``: one row per channel, the sum on the right.

    Args:
        planes: ``(C, H, W)`` input (one image, channels first).
        filt: ``(C, K_h, K_w)``, one filter: a kernel per input channel.
        bias: the filter's bias (a number).
        names, cmaps: one label and one colormap per channel (defaults for RGB).

    Returns:
        ``(fig, per_channel, total)``: ``per_channel`` ``(C, H', W')`` holds each channel's
        single-channel cross-correlation (:func:`cnnlib.functional.conv2d`), ``total`` ``(H', W')``
        their sum plus ``bias``.

    Raises:
        ValueError: when ``planes`` and ``filt`` do not have the same number of channels.
    """
    planes, filt = np.asarray(planes, float), np.asarray(filt, float)
    if planes.ndim != 3 or filt.ndim != 3 or planes.shape[0] != filt.shape[0]:
        raise ValueError(f"planes {planes.shape} and filter {filt.shape} must be (C, H, W) and (C, K_h, K_w) "
                         "with the same C")
    c = planes.shape[0]
    if len(names) != c or len(cmaps) != c:
        raise ValueError(f"{c} channels need {c} names and cmaps")
    per_channel = np.stack([conv2d(planes[None, i:i + 1], filt[None, i:i + 1])[0, 0] for i in range(c)])
    total = per_channel.sum(axis=0) + bias
    fig = plt.figure(figsize=(10, 2.3 * c))
    gs = fig.add_gridspec(c, 4, width_ratios=[1, 0.8, 1, 1.6], wspace=0.35)
    lim = np.abs(per_channel).max() or 1.0
    for i in range(c):
        ax = fig.add_subplot(gs[i, 0])
        ax.imshow(planes[i], cmap=cmaps[i], vmin=0, vmax=1)
        ax.set_title(f"input channel {i} ({names[i]})", fontsize=9)
        ax.axis("off")
        ax.text(1.13, 0.5, "⋆", transform=ax.transAxes, fontsize=28, ha="center", va="center")
        ax = fig.add_subplot(gs[i, 1])
        flim = np.abs(filt).max() or 1.0
        grid_values(ax, filt[i], fmt=fmt, cmap="RdBu_r", fontsize=8, vmin=-flim, vmax=flim)
        ax.set_title(f"kernel {i} of the filter", fontsize=9)
        ax.text(1.15, 0.5, "=", transform=ax.transAxes, fontsize=18, ha="center", va="center")
        ax = fig.add_subplot(gs[i, 2])
        ax.imshow(per_channel[i], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"channel {i} response", fontsize=9)
        ax.axis("off")
        if i < c - 1:
            ax.text(0.5, -0.08, "+", transform=ax.transAxes, fontsize=18, ha="center", va="center")
    ax = fig.add_subplot(gs[:, 3])
    tlim = np.abs(total).max() or 1.0
    im = ax.imshow(total, cmap="RdBu_r", vmin=-tlim, vmax=tlim)
    ax.set_title(f"sum over {c} channels" + (f" + bias {bias:g}" if bias else "") + "\n= one output channel",
                 fontsize=10)
    ax.axis("off")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="output value")
    return fig, per_channel, total


def filter_bank_figure(weight, names=None, channel_names=("R", "G", "B"), fmt="{:.2f}", size=1.6):
    """Show a weight tensor ``(C_out, C_in, K_h, K_w)`` as a grid of kernels: column = filter, row = input channel.

    Each cell is one ``K_h x K_w`` kernel with its values written in (shared, symmetric colour scale,
    red positive and blue negative); a column is one filter. Returns ``(fig, axes)``.

    Raises:
        ValueError: when ``weight`` is not 4D or ``names``/``channel_names`` have the wrong length.
    """
    weight = np.asarray(weight, float)
    if weight.ndim != 4:
        raise ValueError(f"weight has shape {weight.shape}; expected (C_out, C_in, K_h, K_w)")
    c_out, c_in = weight.shape[:2]
    names = [f"filter {o}" for o in range(c_out)] if names is None else list(names)
    if len(names) != c_out or len(channel_names) != c_in:
        raise ValueError(f"need {c_out} filter names and {c_in} channel names")
    lim = np.abs(weight).max() or 1.0
    fig, axes = plt.subplots(c_in, c_out, figsize=(size * c_out, size * c_in), squeeze=False)
    for o in range(c_out):
        for c in range(c_in):
            grid_values(axes[c, o], weight[o, c], fmt=fmt, cmap="RdBu_r", fontsize=7, vmin=-lim, vmax=lim)
            if c == 0:
                axes[c, o].set_title(f"filter {o}:\n{names[o]}", fontsize=9)
            if o == 0:
                axes[c, o].set_ylabel(f"kernel for {channel_names[c]}", fontsize=9)
    fig.tight_layout()
    return fig, axes


def _summary_lines(s, bias):
    """The explorer's text panel: one ``name  value`` line per fact, or the reason the layer is impossible."""
    if s["weight_shape"] is None:
        return f"no such layer:\n{s['message']}"
    lines = [f"weight  {s['weight_shape']}", f"bias    {'(%d,)' % s['weight_shape'][0] if bias else 'none'}",
             f"params  {s['params']:,}"]
    lines.append(f"output  {s['out_shape']}" if s["ok"] else f"output  none:\n{s['message']}")
    return "\n".join(lines)


def _summary_title(s):
    """A one-line summary for a small-multiples panel."""
    if s["weight_shape"] is None:
        return s["message"]
    out = f"output {s['out_shape']}" if s["ok"] else "kernel does not fit"
    return f"weight {s['weight_shape']}, {s['params']:,} params, {out}"


def draw_layer(ax, c_in, c_out, kernel, groups=1, bias=True, h=32, w=32, stride=1, padding=0, title=True,
               fontsize=8):
    """Replace the picture in ``ax`` with the layer's cuboid drawing (:func:`cnnlib.cuboids.draw_conv_layer`).

    An impossible layer (channels not divisible by ``groups``) is drawn as a message instead;
    a kernel that does not fit is drawn with a dashed, empty output. With ``title=True`` the
    weight shape, parameter count and output shape are the axes title. Returns the summary dict.
    """
    s = layer_summary(c_in, c_out, kernel, groups, bias, h, w, stride, padding)
    # Remove the previous picture only: ax.cla() would also rebuild every tick object, which costs a
    # good part of an explorer move even though this axes never shows its ticks.
    for artist in [*ax.patches, *ax.collections, *ax.texts, *ax.lines, *ax.images]:
        artist.remove()
    ax.set_title("")
    if s["weight_shape"] is None:
        ax.set_xlim(0, 1), ax.set_ylim(0, 1), ax.axis("off")
        ax.text(0.5, 0.5, f"no such layer:\n{s['message']}", ha="center", va="center", color="#C44E52",
                fontsize=fontsize + 3)
    else:
        draw_conv_layer(ax, c_in, h, w, c_out, kernel, groups, s["out_shape"][2:] if s["ok"] else None,
                        fontsize=fontsize)
    if title:
        head = f"Conv2d({c_in}, {c_out}, {kernel}, stride={stride}, padding={padding}, groups={groups}) on {h}×{w}"
        ax.set_title(head + "\n" + _summary_title(s), fontsize=fontsize + 1)
    return s


def small_multiples(settings, ncols=2, size=(5.2, 3.2)):
    """One :func:`draw_layer` panel per dict in ``settings``; returns ``(fig, axes)``."""
    settings = list(settings)
    nrows = int(np.ceil(len(settings) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    for ax, s in zip(axes.flat, settings):
        draw_layer(ax, **s)
    for ax in axes.flat[len(settings):]:
        ax.axis("off")
    fig.tight_layout()
    return fig, axes


def _clamp(value, name):
    lo, hi = LIMITS[name]
    return int(min(max(int(value), lo), hi))


def make_conv_layer_explorer(**initial):
    """The layer explorer: sliders for C_in, C_out, kernel, groups, H, W, stride, padding and a bias box.

    ``update(**values)`` clamps every value to :data:`LIMITS`, redraws only the picture's axes and
    sets the text panel (weight shape, parameters, output shape, or why the layer is impossible).
    Returns a :class:`cnnlib.widgets.Explorer`; its ``.fig``, ``.update`` and ``.controls`` are
    usable headless.
    """
    import ipywidgets as widgets
    values = {**DEFAULTS, **initial}
    fig = plt.figure(figsize=(9.0, 3.6))
    ax = fig.add_axes([0.0, 0.0, 0.68, 0.92])
    panel = fig.add_axes([0.69, 0.0, 0.31, 1.0])
    panel.axis("off")
    info = panel.text(0.0, 0.92, "", va="top", ha="left", fontsize=10, family="monospace", transform=panel.transAxes)
    head = fig.text(0.01, 0.97, "", va="top", ha="left", fontsize=10)

    def update(c_in, c_out, kernel, groups, bias, h, w, stride, padding):
        v = {name: _clamp(val, name) for name, val in dict(c_in=c_in, c_out=c_out, kernel=kernel, groups=groups,
                                                           h=h, w=w, stride=stride, padding=padding).items()}
        s = draw_layer(ax, bias=bool(bias), title=False, **v)
        head.set_text(f"Conv2d({v['c_in']}, {v['c_out']}, kernel_size={v['kernel']}, stride={v['stride']}, "
                      f"padding={v['padding']}, groups={v['groups']}, bias={bool(bias)}) on (1, {v['c_in']}, "
                      f"{v['h']}, {v['w']})")
        info.set_text("\n".join(textwrap.fill(line, 30, subsequent_indent="  ") for line in _summary_lines(s, bias).split("\n")))
        info.set_color("black" if s["ok"] else "#C44E52")
        return s

    def slider(name, description):
        lo, hi = LIMITS[name]
        return widgets.IntSlider(value=_clamp(values[name], name), min=lo, max=hi, description=description,
                                 continuous_update=False)

    controls = dict(c_in=slider("c_in", "C_in"), c_out=slider("c_out", "C_out"), kernel=slider("kernel", "kernel"),
                    groups=slider("groups", "groups"), bias=widgets.Checkbox(value=bool(values["bias"]), description="bias"),
                    h=slider("h", "H"), w=slider("w", "W"), stride=slider("stride", "stride"),
                    padding=slider("padding", "padding"))
    return Explorer(fig, update, controls)
