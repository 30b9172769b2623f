"""Synthetic X and O glyphs of +1/-1 pixels, and template matching by convolution.

The classic teaching example for what one convolution kernel does: a small
pattern of +1/-1 pixels (a diagonal stroke, a crossing) is laid over a glyph at
every position, the overlapping pixels are multiplied and the products are
averaged. Where the pattern matches the glyph exactly every product is
``(+1)(+1)`` or ``(-1)(-1) = +1`` and the score is exactly 1; a pixel that
disagrees adds ``-1`` instead of ``+1``. The X/O set-up follows Brandon Rohrer's
widely used tutorial "How do convolutional neural networks work?" (2016); the
glyphs here are drawn by code, so any size, shift and amount of noise can be made.

Conventions:

* images are ``(H, W)`` float arrays whose pixels are ``+1`` (ink) or ``-1``
  (background); a batch is ``(N, H, W)``;
* :func:`match_map` is cross-correlation (no kernel flip), as in
  :func:`cnnlib.functional.conv2d`, divided by the number of pattern pixels;
* labels: ``0`` for X, ``1`` for O (:data:`KINDS`).
"""
import numpy as np

from cnnlib.functional import conv2d

KINDS = ("x", "o")

# 3x3 pattern patches (+1 ink, -1 background), named by what they look like.
PATTERNS = {
    "diagonal \\": np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float),
    "diagonal /": np.array([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]], dtype=float),
    "centre cross": np.array([[1, -1, 1], [-1, 1, -1], [1, -1, 1]], dtype=float),
}


def _stroke(kind, extent):
    """The glyph drawn on an ``extent x extent`` block of +1/-1 pixels."""
    i, j = np.indices((extent, extent))
    if kind == "x":
        ink = (i == j) | (i + j == extent - 1)
    else:
        # A ring: pixels whose distance from the centre rounds to the radius.
        # Distances are measured to a slightly squashed "superellipse" so that
        # the ring is one pixel thick and has no gaps at small sizes.
        c = (extent - 1) / 2
        r = c
        d = (np.abs(i - c) ** 3 + np.abs(j - c) ** 3) ** (1 / 3)
        ink = np.abs(d - r) < 0.5
    return np.where(ink, 1.0, -1.0)


def glyph(kind, size=9, shift=(0, 0), extent=None):
    """An X or an O of +1 (ink) and -1 (background) pixels.

    Args:
        kind: ``'x'`` or ``'o'`` (case-insensitive).
        size: the image is ``(size, size)``; at least 5.
        shift: ``(rows, cols)`` to move the glyph down and to the right (negative: up, left).
        extent: side of the glyph's own square, at least 3 and at most ``size``; default
            ``size - 2`` (a one-pixel background border, as in the classic 9x9 example).

    Returns:
        ``(size, size)`` float array of +1 and -1. The X is the two diagonals of its square;
        the O is a one-pixel-thick ring inscribed in it.

    Raises:
        ValueError: for an unknown kind, ``size < 5``, a bad ``extent``, or a shift that
        would move part of the glyph's square outside the image.
    """
    kind = str(kind).lower()
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}: expected one of {KINDS}")
    if not isinstance(size, (int, np.integer)) or size < 5:
        raise ValueError(f"size={size} must be an int >= 5")
    extent = size - 2 if extent is None else extent
    if not isinstance(extent, (int, np.integer)) or not 3 <= extent <= size:
        raise ValueError(f"extent={extent} must be an int with 3 <= extent <= size={size}")
    dy, dx = (int(s) for s in shift)
    top, left = (size - extent) // 2 + dy, (size - extent) // 2 + dx
    if not (0 <= top <= size - extent and 0 <= left <= size - extent):
        lo, hi = -((size - extent) // 2), size - extent - (size - extent) // 2
        raise ValueError(f"shift={tuple(shift)} moves a {extent}x{extent} glyph out of a {size}x{size} image; "
                         f"each component must lie in [{lo}, {hi}]")
    img = -np.ones((size, size))
    img[top:top + extent, left:left + extent] = _stroke(kind, extent)
    return img


def match_map(image, pattern):
    """Template-matching scores: ``conv2d(image, pattern) / pattern.size`` ('valid', stride 1).

    Args:
        image: ``(H, W)`` array (typically +1/-1 pixels from :func:`glyph`).
        pattern: ``(K_h, K_w)`` array with ``K_h <= H`` and ``K_w <= W``.

    Returns:
        ``(H - K_h + 1, W - K_w + 1)``: entry ``(i, j)`` is the mean of the products of the
        pattern with the image patch whose top-left corner is ``(i, j)``. For +1/-1 images
        and patterns it lies in [-1, 1]: 1 for a perfect match, -1 for the exact negative,
        and ``1 - 2m/K_h K_w`` when ``m`` pixels disagree.

    Raises:
        ValueError: if either array is not 2D, or the pattern is larger than the image.
    """
    image, pattern = np.asarray(image, dtype=float), np.asarray(pattern, dtype=float)
    if image.ndim != 2 or pattern.ndim != 2:
        raise ValueError(f"image {image.shape} and pattern {pattern.shape} must both be 2D (H, W)")
    if pattern.shape[0] > image.shape[0] or pattern.shape[1] > image.shape[1]:
        raise ValueError(f"pattern of shape {pattern.shape} is larger than the image of shape {image.shape}")
    return conv2d(image[None, None], pattern[None, None])[0, 0] / pattern.size


def dataset(n, size=9, extent=None, max_shift=0, flip_prob=0.0, rng=None):
    """A balanced, shuffled set of noisy, shifted X and O glyphs for training a classifier.

    Args:
        n: number of images (half X, half O; an odd ``n`` has one more X).
        size, extent: as in :func:`glyph`.
        max_shift: each glyph is shifted by a uniform random integer in
            ``[-max_shift, max_shift]`` in each direction (clipped so it stays inside).
        flip_prob: each pixel's sign is flipped with this probability (noise), in [0, 1].
        rng: a ``numpy.random.Generator`` (default: ``np.random.default_rng(0)``).

    Returns:
        ``(images, labels)``: ``(n, size, size)`` floats of +1/-1 and ``(n,)`` ints
        (0 = X, 1 = O, the index in :data:`KINDS`).

    Raises:
        ValueError: for ``n < 1``, a negative ``max_shift``, ``flip_prob`` outside [0, 1],
        or a bad ``size``/``extent`` (from :func:`glyph`).
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n} must be a positive int")
    if max_shift < 0:
        raise ValueError(f"max_shift={max_shift} must be non-negative")
    if not 0.0 <= flip_prob <= 1.0:
        raise ValueError(f"flip_prob={flip_prob} must lie in [0, 1]")
    rng = np.random.default_rng(0) if rng is None else rng
    glyph("x", size, extent=extent)                     # validates size and extent
    ext = size - 2 if extent is None else extent
    lo, hi = -((size - ext) // 2), size - ext - (size - ext) // 2
    labels = rng.permutation(np.arange(n) % 2)
    images = np.empty((n, size, size))
    for k, label in enumerate(labels):
        dy, dx = np.clip(rng.integers(-max_shift, max_shift + 1, size=2), lo, hi)
        images[k] = glyph(KINDS[label], size, (dy, dx), extent)
    flips = rng.random(images.shape) < flip_prob
    images[flips] *= -1
    return images, labels
