"""Chapter 6, "Pooling": plain computation (no matplotlib, no ipywidgets).

* :func:`pool_map` -- one pooling of a small 2D map, with the positions max/min keep
  (the explorer's computation); :func:`example_map` -- the real map the explorer pools;
* measuring how much feature maps change when the input moves: :func:`edge_features`,
  :func:`shift`, :func:`rotate`, :func:`relative_change`, :func:`feature_change`,
  :func:`rotation_change`, :func:`correlation`, :func:`weak_activations`;
* :func:`blur_pool` -- anti-aliased max pooling (max with stride 1, then a binomial blur
  subsampled by the stride), after Zhang (2019);
* :func:`classify_glyphs` -- X-or-O decisions from the maximum of pooled template-match
  maps, with a pooling radius, to tie shift invariance to recognition;
* :data:`BY_HAND`, :data:`GRAD_OUT` and :data:`GAP_X`, the arrays of the by-hand
  exercises.

A feature extractor here is any function ``feature_fn(img) -> array`` that maps a
grayscale image ``(H, W)`` to feature maps ``(N, C, h, w)``, e.g. a convolution followed
by ReLU, optionally followed by pooling. The functions below move a *real* image by
whole pixels (or rotate it by a few degrees) and report the relative L2 change of the
features,

    change = ||f(moved) - f(original)|| / ||f(original)||,

so 0 means "perfectly invariant" and values near 1 or above mean the feature maps are
about as different as two unrelated maps of the same energy.

Shifts take a *crop* of a larger image at an offset (``mode='crop'``), so new, real
pixels enter at the border instead of wrapping around (``mode='roll'`` wraps, as
``numpy.roll`` does). Boureau, Ponce & LeCun (2010) and Scherer, Mueller & Behnke (2010)
analyse and compare max and average pooling; the measurement here is ours, a direct
check of the textbook claim that pooling makes features approximately invariant to small
shifts.
"""

import numpy as np

import cnnlib.functional as F
from cnnlib import data, kernels

#: The filters of chapter 3 used as a small, fixed "first layer": (3, 1, 3, 3).
EDGE_FILTERS = np.stack([kernels.SOBEL_X, kernels.SOBEL_Y, kernels.LAPLACIAN])[:, None]

#: The pools of the explorer and of :func:`pool_map`.
POOLS = ("max", "avg", "min")
#: The explorer's largest input, ``MAX_SIZE x MAX_SIZE``.
MAX_SIZE = 8

#: The 4x4 activation map of the by-hand exercises (ch06-by-hand, ch06-gradient).
BY_HAND = np.array(
    [[1, 3, 2, 0],
     [4, 2, 1, 5],
     [0, 6, 3, 3],
     [2, 1, 7, 1]], dtype=float
)  # fmt: skip
#: The gradient arriving at the 2x2 max-pooled output in ch06-gradient.
GRAD_OUT = np.array([[10, 20], [30, 40]], dtype=float)
#: The (N, C, H, W) = (1, 2, 4, 4) input of ch06-gap: BY_HAND and 8 minus it.
GAP_X = np.stack([BY_HAND, 8 - BY_HAND])[None]

#: Whole-glyph templates for :func:`classify_glyphs`: ``(2, 1, 7, 7)``, X then O, the
#: +1/-1 glyphs of :func:`cnnlib.data.glyph` divided by 49, so a perfect match scores 1.
GLYPH_TEMPLATES = (
    np.stack([data.glyph(k, 7, extent=7) for k in data.GLYPHS])[:, None] / 49
)


def _gray(img):
    img = np.asarray(img, dtype=float)
    if img.ndim != 2:
        raise ValueError(
            f"img has shape {img.shape}; expected a grayscale image (H, W)"
        )
    return img


def edge_features(img, weight=EDGE_FILTERS, padding=0):
    """Conv + ReLU, a fixed first layer's activation maps: ``(H, W) -> (1, C, H', W')``.

    Args:
        img: grayscale image ``(H, W)``.
        weight: ``(C, 1, K, K)`` filters (default: Sobel x, Sobel y, Laplacian), applied
            by cross-correlation in one multi-filter :func:`cnnlib.functional.conv2d`
            call.
        padding: conv2d's zero padding (0 = 'valid': ``H' = H - K + 1``; ``'same'``
            keeps ``H``), or ``'edge'``: keep ``H`` by repeating the border pixels
            (``numpy.pad(mode='edge')``), so the photo's border does not look like an
            edge to the filters (odd ``K`` only).

    Raises:
        ValueError: for an image that is not 2D, filters that are not ``(C, 1, K, K)``,
            ``'edge'`` with an even ``K``, or (from conv2d) filters that do not fit.
    """
    img = _gray(img)
    weight = np.asarray(weight, dtype=float)
    if weight.ndim != 4 or weight.shape[1] != 1:
        raise ValueError(
            f"weight has shape {weight.shape}; expected (C, 1, K, K) filters for a "
            "grayscale image"
        )
    if isinstance(padding, str) and padding == "edge":
        kh, kw = weight.shape[2:]
        if kh % 2 == 0 or kw % 2 == 0:
            raise ValueError(f"padding='edge' needs an odd kernel, got {(kh, kw)}")
        img, padding = (
            np.pad(img, ((kh // 2, kh // 2), (kw // 2, kw // 2)), mode="edge"),
            0,
        )
    return np.maximum(F.conv2d(img[None, None], weight, padding=padding), 0.0)


def shift(img, dy, dx, margin=8, mode="crop"):
    """The image moved down by ``dy`` and right by ``dx`` pixels (negative: up/left).

    ``mode='crop'``: returns the ``(H - 2*margin, W - 2*margin)`` window of ``img``
    whose content is moved by ``(dy, dx)`` relative to ``shift(img, 0, 0, margin)``;
    real pixels enter at the border. Needs ``|dy|, |dx| <= margin``. ``mode='roll'``:
    ``numpy.roll`` over the last two axes; same shape, content wraps around.

    Works on ``(..., H, W)`` arrays. Raises ValueError for a shift larger than the
    margin, a margin that leaves no pixels, or an unknown mode.
    """
    img = np.asarray(img)
    if img.ndim < 2:
        raise ValueError(f"img has shape {img.shape}; expected (..., H, W)")
    dy, dx = int(dy), int(dx)
    if mode == "roll":
        return np.roll(img, (dy, dx), axis=(-2, -1))
    if mode != "crop":
        raise ValueError(f"mode={mode!r}: expected 'crop' or 'roll'")
    h, w = img.shape[-2:]
    if max(abs(dy), abs(dx)) > margin:
        raise ValueError(f"shift ({dy}, {dx}) is larger than margin={margin}")
    if h - 2 * margin < 1 or w - 2 * margin < 1:
        raise ValueError(
            f"margin={margin} leaves no pixels of an image of shape {img.shape}"
        )
    return img[..., margin - dy : h - margin - dy, margin - dx : w - margin - dx]


def rotate(img, degrees, margin=16):
    """The image turned by ``degrees`` (anticlockwise) about its centre, then cropped.

    Bilinear interpolation (``scipy.ndimage.rotate``, ``order=1``); the crop removes the
    corners that rotation fills with zeros (enough for a few degrees).
    ``(H, W) -> (H - 2m, W - 2m)``.
    """
    from scipy.ndimage import rotate as nd_rotate

    img = _gray(img)
    out = (
        nd_rotate(img, degrees, reshape=False, order=1, mode="nearest")
        if degrees
        else img
    )
    return shift(out, 0, 0, margin)


def relative_change(new, ref):
    """``||new - ref|| / ||ref||``, Frobenius norms over all entries.

    Raises:
        ValueError: when the shapes differ or ``ref`` is all zeros.
    """
    new, ref = np.asarray(new, dtype=float), np.asarray(ref, dtype=float)
    if new.shape != ref.shape:
        raise ValueError(f"shapes differ: {new.shape} vs {ref.shape}")
    norm = np.linalg.norm(ref)
    if norm == 0:
        raise ValueError("the reference is all zeros; a relative change is undefined")
    return float(np.linalg.norm(new - ref) / norm)


def feature_change(feature_fn, img, shifts, margin=8, align=None):
    """How much ``feature_fn``'s output changes when ``img`` moves right by ``shifts``.

    Args:
        feature_fn: ``(H, W) -> (N, C, h, w)``.
        img: grayscale image ``(H, W)``, moved with :func:`shift` (mode 'crop').
        shifts: ints, ``|s| <= margin``, horizontal shifts in pixels.
        align: ``None`` compares the feature maps position by position (invariance). An
            int ``S`` (the feature map's stride in input pixels, e.g. the pool size)
            first moves the reference by ``round(s / S)`` feature-map cells, then
            compares the overlap: zero means the features moved along with the input
            (equivariance on the coarse grid).

    Returns:
        float array ``(len(shifts),)``.
    """
    img = _gray(img)
    ref = np.asarray(feature_fn(shift(img, 0, 0, margin)))
    out = []
    for s in shifts:
        new = np.asarray(feature_fn(shift(img, 0, s, margin)))
        if align:
            a = int(np.round(s / align))
            w = ref.shape[-1]
            if abs(a) >= w:
                raise ValueError(
                    f"shift {s} moves the features by {a} cells, the whole width {w}"
                )
            new, old = (
                (new[..., a:], ref[..., : w - a])
                if a >= 0
                else (new[..., : w + a], ref[..., -a:])
            )
            out.append(relative_change(new, old))
        else:
            out.append(relative_change(new, ref))
    return np.array(out)


def rotation_change(feature_fn, img, angles, margin=16):
    """How much ``feature_fn``'s output changes when ``img`` turns by ``angles``.

    Returns:
        float array ``(len(angles),)``: ``rotate(img, a, margin)`` for each angle ``a``
        in degrees.
    """
    ref = np.asarray(feature_fn(rotate(img, 0, margin)))
    return np.array(
        [
            relative_change(np.asarray(feature_fn(rotate(img, a, margin))), ref)
            for a in angles
        ]
    )


def correlation(a, b):
    """Pearson correlation of all entries of two arrays (1: same up to scale, offset).

    Raises:
        ValueError: when the arrays have different sizes.
    """
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"sizes differ: {a.size} vs {b.size}")
    return float(np.corrcoef(a, b)[0, 1])


def weak_activations(shape, level, density=1.0, rng=None):
    """Random weak activations: uniform on ``[0, level]`` at a ``density`` of positions.

    A stand-in for the many small responses a filter gives to texture and noise after
    ReLU. Returns an array of ``shape``; ValueError for a negative level or a density
    outside [0, 1].
    """
    if level < 0 or not 0 <= density <= 1:
        raise ValueError(f"level={level} must be >= 0 and density={density} in [0, 1]")
    rng = np.random.default_rng(rng)
    return level * rng.random(shape) * (rng.random(shape) < density)


def example_map(size=MAX_SIZE):
    """A ``(size, size)`` crop of a real activation map: ReLU(Sobel x) of a photo.

    The photo is resized to 64x64; the crop sits where the photographer's head meets the
    sky, where the map has strong and weak values side by side. Values are rounded to
    one decimal so that the figure's labels are exact.
    """
    img = data.image("camera", gray=True, size=(64, 64))
    fmap = edge_features(img, padding="edge")[0, 0]
    return np.round(fmap[9 : 9 + size, 30 : 30 + size], 1)


def pool_map(x, pool="max", window=2, stride=2):
    """Pool a 2D map with a square window; returns ``(out, positions, message)``.

    Args:
        x: ``(n, n)`` map. pool: one of :data:`POOLS` ('max', 'avg', 'min').
        window, stride: positive ints.

    Returns:
        ``out``: ``(m, m)`` pooled map with ``m = (n - window) // stride + 1`` (torch's
        rule), from :func:`cnnlib.functional.max_pool2d` and its siblings, or None when the
        window does not fit; ``positions``: ``(m*m, 2)`` row, column of the value each
        max/min window keeps (first in row-major order on ties; empty for avg);
        ``message``: '' or why there is no output.

    Raises:
        ValueError: for an unknown pool or a non-positive window/stride (the explorer's
        controls never produce them).
    """
    x = np.asarray(x, dtype=float)
    if pool not in POOLS:
        raise ValueError(f"pool={pool!r}: expected one of {POOLS}")
    if window < 1 or stride < 1:
        raise ValueError(f"window={window} and stride={stride} must be positive")
    n = x.shape[0]
    none = np.zeros((0, 2), int)
    if window > n:
        return (
            None,
            none,
            f"a {window}x{window} window does not fit\nin a {n}x{n} input",
        )
    out = getattr(F, f"{pool}_pool2d")(x[None, None], window, stride)[0, 0]
    if pool == "avg":
        return out, none, ""
    pick = np.argmax if pool == "max" else np.argmin
    m = out.shape[0]
    pos = []
    for i in range(m):
        for j in range(m):
            win = x[i * stride : i * stride + window, j * stride : j * stride + window]
            r, c = np.unravel_index(pick(win), win.shape)
            pos.append((i * stride + r, j * stride + c))
    return out, np.array(pos), ""


def binomial(k):
    """The ``k``-tap binomial filter ``[1, k-1, ..., 1] / 2**(k-1)`` (sums to 1).

    ``binomial(4)`` is ``[1, 3, 3, 1] / 8``. Raises ValueError for ``k < 1``.
    """
    if k < 1:
        raise ValueError(f"k={k} must be at least 1")
    row = np.array([1.0])
    for _ in range(k - 1):
        row = np.convolve(row, [0.5, 0.5])
    return row


def blur_pool(maps, k):
    """Anti-aliased max pooling: max over ``k x k`` windows with stride 1, then blur and
    keep every ``k``-th value (Zhang, 2019, "MaxBlurPool").

    Args:
        maps: ``(N, C, H, W)``. k: the pool size and stride (an int >= 1).

    Returns:
        ``(N, C, H_out, W_out)`` with ``H_out = floor((H - k + 1 - k) / k) + 1``: the blur
        is the outer product of :func:`binomial` ``(k)``, applied to each channel on its
        own (a grouped :func:`cnnlib.functional.conv2d` with stride ``k``).

    Raises:
        ValueError: (from the pool or the convolution) when the map is too small.
    """
    maps = np.asarray(maps, dtype=float)
    dense = F.max_pool2d(maps, k, 1)
    b = binomial(k)
    c = maps.shape[1]
    weight = np.tile(np.outer(b, b), (c, 1, 1, 1))
    return F.conv2d(dense, weight, stride=k, groups=c)


def classify_glyphs(images, radius=None, templates=GLYPH_TEMPLATES):
    """X-or-O decisions from the largest template match near the centre.

    Each image is cross-correlated with each template (valid, one ``conv2d`` call); the
    score of a class is the maximum of its match map over the ``(2r+1) x (2r+1)`` window
    centred on the map's centre: a max pool of radius ``r`` read out at one place.
    ``radius=0`` reads the centre only (no pooling); ``None`` pools the whole map (global
    max pooling).

    Args:
        images: ``(n, H, W)`` glyphs, e.g. from :func:`cnnlib.data.glyph_dataset`.
        radius: int >= 0 or None. templates: ``(classes, 1, K, K)``.

    Returns:
        ``(predictions, scores)``: ``(n,)`` ints (index of the best template) and
        ``(n, classes)`` floats.

    Raises:
        ValueError: for images smaller than the templates, or a negative radius.
    """
    images = np.asarray(images, dtype=float)
    maps = F.conv2d(images[:, None], np.asarray(templates, dtype=float))
    if radius is None:
        scores = maps.max(axis=(2, 3))
    else:
        if radius < 0:
            raise ValueError(f"radius={radius} must be >= 0")
        ci, cj = maps.shape[2] // 2, maps.shape[3] // 2
        r = int(radius)
        window = maps[:, :, max(ci - r, 0) : ci + r + 1, max(cj - r, 0) : cj + r + 1]
        scores = window.max(axis=(2, 3))
    return scores.argmax(axis=1), scores
