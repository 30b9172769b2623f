"""Chapter 5, "Multi-channel tensors": plain computation (no matplotlib, no ipywidgets).

* :func:`layer_summary` -- weight shape, parameter count and output shape of a 2D
  convolution (never raises for integer settings: an impossible layer comes back with a
  message);
* :func:`channel_connectivity` -- which input channels each output channel reads;
* :func:`channel_sums` -- a C-channel convolution as C single-channel ones, summed;
* :func:`pixel_sum` -- one output value of one filter, taken apart: the C patches, the C
  kernels, the C partial sums and the total (the per-pixel explorer's computation);
* :func:`hand_filters` -- the chapter's four hand-designed RGB filters; :func:`photo_crop`
  -- the small real RGB patch the per-pixel explorer reads;
* :data:`TWO_CHANNEL_X`, :data:`TWO_CHANNEL_W` -- the two-channel example worked by hand
  (channel 0 is chapter 4's 3x3 input and 2x2 kernel); :data:`EXERCISE_W`,
  :data:`EXERCISE_B` -- the variant of its exercise;
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

from cnnlib import kernels
from cnnlib.counting import conv_multiplies, conv_params
from cnnlib.functional import conv2d, conv_output_size

#: The two-channel input worked by hand, ``(C, H, W) = (2, 3, 3)``: channel 0 holds
#: 0..8 (chapter 4's example), channel 1 the same numbers in reverse order.
TWO_CHANNEL_X = np.stack(
    [np.arange(9.0).reshape(3, 3), np.arange(8.0, -1, -1).reshape(3, 3)]
)
#: Its filter, ``(C, K, K) = (2, 2, 2)``: chapter 4's kernel 0, 1, 2, 3 for channel 0 and
#: the identity-like ``[[1, 0], [0, 1]]`` for channel 1.
TWO_CHANNEL_W = np.stack([np.arange(4.0).reshape(2, 2), np.eye(2)])
#: The filter and bias of the exercise ch05-two-channel: channel 1's kernel becomes a
#: 2x2 box of ones, and the filter gets a bias.
EXERCISE_W = np.stack([np.arange(4.0).reshape(2, 2), np.ones((2, 2))])
EXERCISE_B = -10.0

#: The four filters of :func:`hand_filters`, in order.
FILTER_NAMES = (
    "vertical edges",
    "horizontal edges",
    "red minus cyan",
    "blue minus yellow",
)
#: How much R, G, B count towards brightness (the weights ``cnnlib.data`` uses for grey).
LUMA = np.array([0.2125, 0.7154, 0.0721])

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


def hand_filters():
    """The chapter's four hand-designed RGB filters: ``(weight, bias, names)``.

    ``weight`` is ``(4, 3, 3, 3)``: filter ``o`` is a channel mix (one weight per input
    channel) times a 3x3 spatial kernel. 0: luma-weighted Sobel x (vertical edges);
    1: luma-weighted Sobel y (horizontal edges); 2: a 3x3 box of ``R - (G + B)/2``;
    3: a 3x3 box of ``B - (R + G)/2``. ``bias`` is ``(4,)``: 0 for the edge filters and
    -0.15 for the colour filters (a threshold that ReLU turns into "clearly this colour").
    ``names`` is :data:`FILTER_NAMES`.
    """
    mixes = [LUMA, LUMA, np.array([1.0, -0.5, -0.5]), np.array([-0.5, -0.5, 1.0])]
    spatial = [kernels.SOBEL_X, kernels.SOBEL_Y, kernels.box(3), kernels.box(3)]
    weight = np.stack([m[:, None, None] * k for m, k in zip(mixes, spatial)])
    return weight, np.array([0.0, 0.0, -0.15, -0.15]), list(FILTER_NAMES)


def photo_crop(top=200, left=70, size=6):
    """A ``(3, size, size)`` channels-first crop of the 256x256 astronaut photo.

    The default lies on the mission patch of the suit, where strong edges of several
    colours meet. Values are rounded to two decimals, so that the numbers a
    figure prints are the numbers it computes with.
    """
    from cnnlib import data

    photo = data.image("astronaut", size=(256, 256))
    crop = photo[top : top + size, left : left + size]
    return np.round(np.moveaxis(crop, -1, 0), 2)


def pixel_sum(x, weight, bias, o, i, j):
    """Output value ``y[o, i, j]`` of a valid, stride-1 convolution, taken apart.

    Args:
        x: ``(C, H, W)``, one image. weight: ``(C_out, C, K_h, K_w)``. bias: ``(C_out,)``.
        o: the filter; i, j: the output pixel, ``0 <= i <= H - K_h``, ``0 <= j <= W - K_w``.

    Returns:
        dict with ``patches`` ``(C, K_h, K_w)`` (the input under the window),
        ``kernels`` ``(C, K_h, K_w)`` (filter ``o``), ``partials`` ``(C,)`` (each
        channel's sum of products), ``bias`` and ``total`` (bias plus the partials: the
        value :func:`cnnlib.functional.conv2d` gives at ``[0, o, i, j]``).

    Raises:
        ValueError: for mismatched shapes or a filter or pixel outside the output.
    """
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    bias = np.asarray(bias, float)
    if x.ndim != 3 or weight.ndim != 4 or weight.shape[1] != x.shape[0]:
        raise ValueError(
            f"x {x.shape} and weight {weight.shape} must be (C, H, W) and "
            "(C_out, C, K_h, K_w) with the same C"
        )
    kh, kw = weight.shape[2:]
    ho, wo = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    if not (0 <= o < weight.shape[0] and 0 <= i < ho and 0 <= j < wo):
        raise ValueError(
            f"filter {o}, pixel ({i}, {j}): need 0 <= o < {weight.shape[0]} and a pixel "
            f"of the {ho}x{wo} output"
        )
    patches = x[:, i : i + kh, j : j + kw]
    partials = (patches * weight[o]).sum(axis=(1, 2))
    return dict(
        patches=patches,
        kernels=weight[o],
        partials=partials,
        bias=float(bias[o]),
        total=float(bias[o] + partials.sum()),
    )


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
