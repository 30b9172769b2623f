"""Chapter 5, "Multi-channel tensors": plain computation (no matplotlib, no ipywidgets).

* :func:`layer_summary` -- weight shape, parameter count and output shape of a 2D
  convolution (never raises for integer settings: an impossible layer comes back with a
  message);
* :func:`channel_connectivity` -- which input channels each output channel reads;
* :func:`channel_sums` -- a C-channel convolution as C single-channel ones, summed;
* the geometry of the cuboid drawings (:func:`project`, :func:`cuboid_faces`,
  :func:`drawn_depth`, :func:`drawn_side`), drawn by :mod:`.figures`. Only this chapter
  draws cuboids today; a later architectures chapter may move them to
  :mod:`cnnlib.plot`.

Shapes follow ``torch.nn.Conv2d``: input ``(N, C_in, H, W)``, weight
``(C_out, C_in / groups, K_h, K_w)``, bias ``(C_out,)``, output ``(N, C_out, H', W')``
with ``H' = floor((H + 2P - K) / S) + 1`` (Dumoulin & Visin, 2016). Counts come from
:mod:`cnnlib.counting`, sizes from :func:`cnnlib.functional.conv_output_size`.
"""

import numpy as np

from cnnlib.counting import conv_multiplies, conv_params
from cnnlib.functional import conv2d, conv_output_size

#: The explorer's slider ranges (:func:`layer_summary` itself accepts any settings).
LIMITS = dict(
    c_in=(1, 64),
    c_out=(1, 64),
    kernel=(1, 7),
    groups=(1, 8),
    h=(4, 64),
    w=(4, 64),
    stride=(1, 4),
    padding=(0, 3),
)
DEFAULTS = dict(
    c_in=3, c_out=8, kernel=3, groups=1, bias=True, h=32, w=32, stride=1, padding=0
)


def layer_summary(
    c_in, c_out, kernel, groups=1, bias=True, h=32, w=32, stride=1, padding=0, n=1
):
    """Everything about a 2D convolution layer that follows from its settings.

    Args:
        c_in, c_out: input and output channels; kernel: int (square) or ``(K_h, K_w)``;
        groups: channel groups; bias: whether each output channel has a bias;
        h, w: input height and width in pixels; stride, padding: ints; n: batch size.

    Returns:
        dict with ``ok`` (bool), ``weight_shape`` ``(C_out, C_in/groups, K_h, K_w)``
        (None when the channels do not divide), ``params`` (int or None),
        ``multiplies`` (int or None: :func:`cnnlib.counting.conv_multiplies` for one
        image), ``out_shape`` ``(N, C_out, H', W')`` (None when the layer is
        impossible) and ``message`` (``''`` or why the layer is impossible). It never
        raises for positive integer settings.
    """
    kh, kw = (kernel, kernel) if np.isscalar(kernel) else tuple(kernel)
    out = dict.fromkeys(("weight_shape", "params", "multiplies", "out_shape"))
    out.update(ok=False, message="")
    if min(c_in, c_out, kh, kw, groups, h, w, stride, n) <= 0 or padding < 0:
        out["message"] = "every size must be positive (padding non-negative)"
        return out
    if c_in % groups or c_out % groups:
        bad = " and ".join(
            f"{name}={v}"
            for name, v in (("C_in", c_in), ("C_out", c_out))
            if v % groups
        )
        out["message"] = f"{bad} not divisible by groups={groups}"
        return out
    out["weight_shape"] = (c_out, c_in // groups, kh, kw)
    out["params"] = conv_params(c_in, c_out, (kh, kw), groups=groups, bias=bias)
    if kh > h + 2 * padding or kw > w + 2 * padding:
        out["message"] = (
            f"the {kh}×{kw} kernel is larger than the padded "
            f"{h + 2 * padding}×{w + 2 * padding} input"
        )
        return out
    ho = conv_output_size(h, kh, stride, padding)
    wo = conv_output_size(w, kw, stride, padding)
    out["multiplies"] = conv_multiplies((ho, wo), (kh, kw), c_in, c_out, groups)
    out.update(ok=True, out_shape=(n, c_out, ho, wo))
    return out


def channel_connectivity(c_in, c_out, groups=1):
    """``(C_out, C_in)`` booleans: True where output channel ``o`` reads input ``c``.

    With ``groups=G`` output channel ``o`` belongs to group ``o // (C_out/G)`` and reads
    only the input channels ``[g*C_in/G, (g+1)*C_in/G)``: the matrix is block-diagonal;
    ``groups=1`` is all True, ``groups=C_in=C_out`` (depthwise) is the identity.

    Raises:
        ValueError: when the channels are not divisible by ``groups``.
    """
    if groups <= 0 or c_in % groups or c_out % groups:
        raise ValueError(
            f"c_in={c_in} and c_out={c_out} must both be divisible by groups={groups}"
        )
    g_out = np.arange(c_out) // (c_out // groups)
    g_in = np.arange(c_in) // (c_in // groups)
    return g_out[:, None] == g_in[None, :]


def channel_sums(planes, filt, bias=0.0):
    """One filter on one image, by channel: ``bias + sum_c planes[c] ⋆ filt[c]``.

    Args:
        planes: ``(C, H, W)`` input (one image, channels first).
        filt: ``(C, K_h, K_w)``, one filter: a kernel per input channel.
        bias: the filter's bias (a number).

    Returns:
        ``(per_channel, total)``: ``per_channel`` ``(C, H', W')`` holds each channel's
        single-channel cross-correlation (:func:`cnnlib.functional.conv2d`, valid),
        ``total`` ``(H', W')`` their sum plus ``bias``.

    Raises:
        ValueError: when ``planes`` and ``filt`` are not 3D with the same number of
            channels.
    """
    planes, filt = np.asarray(planes, float), np.asarray(filt, float)
    if planes.ndim != 3 or filt.ndim != 3 or planes.shape[0] != filt.shape[0]:
        raise ValueError(
            f"planes {planes.shape} and filter {filt.shape} must be (C, H, W) and "
            "(C, K_h, K_w) with the same C"
        )
    per_channel = np.stack(
        [
            conv2d(planes[None, c : c + 1], filt[None, c : c + 1])[0, 0]
            for c in range(planes.shape[0])
        ]
    )
    return per_channel, per_channel.sum(axis=0) + bias


# Cuboid geometry ----------------------------------------------------------------------
#
# Cabinet-style oblique projection. A point ``(x, y, z)`` has its width coordinate ``x``
# to the right, its height ``y`` up, and its *depth* ``z`` -- the channel axis -- going
# into the page, drawn as a slanted line:
#
#     screen = (x + z * depth_scale * cos(angle), y + z * depth_scale * sin(angle))
#
# so the front face of a block (the ``H x W`` face, where an image would be seen) is
# drawn undistorted and the channels stack up behind it, towards the upper right. Sizes
# are in *drawing units*; :func:`drawn_depth` and :func:`drawn_side` turn channel and
# pixel counts into drawing units (compressed, so that 3 and 512 channels both fit on
# one page).

DEPTH_SCALE = 0.6
ANGLE = 40.0


def project(points, depth_scale=DEPTH_SCALE, angle=ANGLE):
    """Project 3D points ``(..., 3)`` given as ``(x, y, z)`` to the page: ``(..., 2)``.

    ``x`` is width (to the right), ``y`` height (up), ``z`` depth into the page (the
    channel axis), drawn at ``angle`` degrees and shortened by ``depth_scale``.

    Raises:
        ValueError: when the last axis does not have 3 entries.
    """
    p = np.asarray(points, dtype=float)
    if p.shape[-1] != 3:
        raise ValueError(
            f"points have shape {p.shape}; expected (..., 3) for (x, y, z)"
        )
    a = np.deg2rad(angle)
    return np.stack(
        [
            p[..., 0] + p[..., 2] * depth_scale * np.cos(a),
            p[..., 1] + p[..., 2] * depth_scale * np.sin(a),
        ],
        axis=-1,
    )


def origin3(origin):
    """``(x, y)`` or ``(x, y, z)`` as three floats (``z = 0`` if not given).

    Raises:
        ValueError: for any other length.
    """
    o = tuple(float(v) for v in origin)
    if len(o) == 2:
        return o + (0.0,)
    if len(o) != 3:
        raise ValueError(f"origin={origin} must be (x, y) or (x, y, z)")
    return o


def cuboid_faces(origin=(0, 0), size=(1, 1, 1), depth_scale=DEPTH_SCALE, angle=ANGLE):
    """The three visible faces of a block, projected: ``{'front', 'top', 'side'}``.

    Each face is a ``(4, 2)`` array of page coordinates.

    Args:
        origin: ``(x, y)`` or ``(x, y, z)``, the front-bottom-left corner, in drawing
            units.
        size: ``(C, H, W)`` in drawing units: depth (channels), height, width.

    Raises:
        ValueError: on a negative size or a malformed origin.
    """
    x, y, z = origin3(origin)
    if len(size) != 3 or any(s < 0 for s in size):
        raise ValueError(f"size={size} must be three non-negative numbers (C, H, W)")
    d, h, w = (float(s) for s in size)
    front = [(x, y, z), (x + w, y, z), (x + w, y + h, z), (x, y + h, z)]
    top = [(x, y + h, z), (x + w, y + h, z), (x + w, y + h, z + d), (x, y + h, z + d)]
    side = [(x + w, y, z), (x + w, y, z + d), (x + w, y + h, z + d), (x + w, y + h, z)]
    return {
        name: project(face, depth_scale, angle)
        for name, face in (("front", front), ("top", top), ("side", side))
    }


def drawn_depth(channels, unit=0.4, cap=2.4):
    """Drawn depth of ``channels`` channels: ``unit * (1 + log2 C)``, at most ``cap``.

    Logarithmic, so that 1, 3, 64 and 512 channels all fit and more channels always look
    deeper. Raises ValueError for ``channels <= 0``.
    """
    if channels <= 0:
        raise ValueError(f"channels={channels} must be positive")
    return min(unit * (1 + np.log2(channels)), cap)


def drawn_side(pixels, largest=64, full=3.2, smallest=0.9):
    """Drawn length of a side of ``pixels`` pixels: ``full * sqrt(pixels / largest)``.

    The result lies between ``smallest`` and ``full``; sides of ``largest`` pixels or
    more are all drawn ``full`` long (the label gives the true size). Raises ValueError
    for ``pixels <= 0``.
    """
    if pixels <= 0:
        raise ValueError(f"pixels={pixels} must be positive")
    return min(max(full * np.sqrt(pixels / largest), smallest), full)
