"""Measuring how much feature maps change when the input moves (chapter 6, pooling).

A feature extractor here is any function ``feature_fn(img) -> array`` that maps a
grayscale image ``(H, W)`` to feature maps ``(N, C, h, w)``, e.g. a convolution
followed by ReLU, optionally followed by pooling. The functions below move a
*real* image by whole pixels (or rotate it by a few degrees) and report the
relative L2 change of the features,

    change = ||f(moved) - f(original)|| / ||f(original)||,

so 0 means "perfectly invariant" and values near 1 or above mean the feature maps
are about as different as two unrelated maps of the same energy.

Shifts take a *crop* of a larger image at an offset (``mode='crop'``), so new,
real pixels enter at the border instead of wrapping around (``mode='roll'``
wraps, as ``numpy.roll`` does). Boureau, Ponce & LeCun (2010) and Scherer,
Mueller & Behnke (2010) analyse and compare max and average pooling; the
measurement here is ours, a direct check of the textbook claim that pooling
makes features approximately invariant to small shifts.
"""
import numpy as np

from . import kernels
from .functional import conv2d

#: The filters of chapter 3 used as a small, fixed "first layer": (3, 1, 3, 3).
EDGE_FILTERS = np.stack([kernels.SOBEL_X, kernels.SOBEL_Y, kernels.LAPLACIAN])[:, None]
EDGE_NAMES = ("Sobel x", "Sobel y", "Laplacian")


def _gray(img):
    img = np.asarray(img, dtype=float)
    if img.ndim != 2:
        raise ValueError(f"img has shape {img.shape}; expected a grayscale image (H, W)")
    return img


def edge_features(img, weight=EDGE_FILTERS, padding=0):
    """Conv + ReLU: the activation maps of a fixed first layer, ``(H, W) -> (1, C, H', W')``.

    Args:
        img: grayscale image ``(H, W)``.
        weight: ``(C, 1, K, K)`` filters (default: Sobel x, Sobel y, Laplacian), applied by
            cross-correlation in one multi-filter :func:`cnnlib.functional.conv2d` call.
        padding: conv2d's zero padding (0 = 'valid': ``H' = H - K + 1``; ``'same'`` keeps ``H``), or
            ``'edge'``: keep ``H`` by repeating the border pixels (``numpy.pad(mode='edge')``), so the
            photo's border does not look like an edge to the filters (odd ``K`` only).

    Raises:
        ValueError: for an image that is not 2D, filters that are not ``(C, 1, K, K)``, ``'edge'``
        with an even ``K``, or (from conv2d) filters that do not fit.
    """
    img = _gray(img)
    weight = np.asarray(weight, dtype=float)
    if weight.ndim != 4 or weight.shape[1] != 1:
        raise ValueError(f"weight has shape {weight.shape}; expected (C, 1, K, K) filters for a grayscale image")
    if isinstance(padding, str) and padding == "edge":
        kh, kw = weight.shape[2:]
        if kh % 2 == 0 or kw % 2 == 0:
            raise ValueError(f"padding='edge' needs an odd kernel, got {(kh, kw)}")
        img, padding = np.pad(img, ((kh // 2, kh // 2), (kw // 2, kw // 2)), mode="edge"), 0
    return np.maximum(conv2d(img[None, None], weight, padding=padding), 0.0)


def shift(img, dy, dx, margin=8, mode="crop"):
    """The image moved down by ``dy`` and right by ``dx`` pixels (negative values move up/left).

    ``mode='crop'``: returns the ``(H - 2*margin, W - 2*margin)`` window of ``img`` whose
    content is moved by ``(dy, dx)`` relative to ``shift(img, 0, 0, margin)``; real pixels
    enter at the border. Needs ``|dy|, |dx| <= margin``.
    ``mode='roll'``: ``numpy.roll`` over the last two axes; same shape, content wraps around.

    Works on ``(..., H, W)`` arrays. Raises ValueError for a shift larger than the margin,
    a margin that leaves no pixels, or an unknown mode.
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
        raise ValueError(f"margin={margin} leaves no pixels of an image of shape {img.shape}")
    return img[..., margin - dy:h - margin - dy, margin - dx:w - margin - dx]


def rotate(img, degrees, margin=16):
    """The image rotated by ``degrees`` (counter-clockwise) about its centre, then cropped by ``margin``.

    Bilinear interpolation (``scipy.ndimage.rotate``, ``order=1``); the crop removes the
    corners that rotation fills with zeros (enough for a few degrees). ``(H, W) -> (H - 2m, W - 2m)``.
    """
    from scipy.ndimage import rotate as nd_rotate
    img = _gray(img)
    out = nd_rotate(img, degrees, reshape=False, order=1, mode="nearest") if degrees else img
    return shift(out, 0, 0, margin)


def relative_change(new, ref):
    """``||new - ref|| / ||ref||`` (Frobenius norms over all entries); ValueError on shape mismatch or zero ``ref``."""
    new, ref = np.asarray(new, dtype=float), np.asarray(ref, dtype=float)
    if new.shape != ref.shape:
        raise ValueError(f"shapes differ: {new.shape} vs {ref.shape}")
    norm = np.linalg.norm(ref)
    if norm == 0:
        raise ValueError("the reference is all zeros; a relative change is undefined")
    return float(np.linalg.norm(new - ref) / norm)


def feature_change(feature_fn, img, shifts, margin=8, align=None):
    """Relative change of ``feature_fn``'s output when ``img`` moves right by each of ``shifts`` pixels.

    Args:
        feature_fn: ``(H, W) -> (N, C, h, w)``.
        img: grayscale image ``(H, W)``, moved with :func:`shift` (mode 'crop').
        shifts: ints, ``|s| <= margin``, horizontal shifts in pixels.
        align: ``None`` compares the feature maps position by position (invariance). An int ``S``
            (the feature map's stride in input pixels, e.g. the pool size) first moves the
            reference by ``round(s / S)`` feature-map cells, then compares the overlap: zero
            means the features moved along with the input (equivariance on the coarse grid).

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
                raise ValueError(f"shift {s} moves the features by {a} cells, the whole width {w}")
            new, old = (new[..., a:], ref[..., :w - a]) if a >= 0 else (new[..., :w + a], ref[..., -a:])
            out.append(relative_change(new, old))
        else:
            out.append(relative_change(new, ref))
    return np.array(out)


def rotation_change(feature_fn, img, angles, margin=16):
    """Relative change of ``feature_fn``'s output when ``img`` is rotated by each of ``angles`` degrees."""
    ref = np.asarray(feature_fn(rotate(img, 0, margin)))
    return np.array([relative_change(np.asarray(feature_fn(rotate(img, a, margin))), ref) for a in angles])


def correlation(a, b):
    """Pearson correlation of all entries of two equally shaped arrays (1 = same up to scale and offset)."""
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"sizes differ: {a.size} vs {b.size}")
    return float(np.corrcoef(a, b)[0, 1])


def weak_activations(shape, level, density=1.0, rng=None):
    """Random weak, non-negative activations: uniform on ``[0, level]`` at a ``density`` fraction of positions.

    A stand-in for the many small responses a filter gives to texture and noise after ReLU.
    Returns an array of ``shape``; ValueError for a negative level or a density outside [0, 1].
    """
    if level < 0 or not 0 <= density <= 1:
        raise ValueError(f"level={level} must be >= 0 and density={density} in [0, 1]")
    rng = np.random.default_rng(rng)
    return level * rng.random(shape) * (rng.random(shape) < density)
