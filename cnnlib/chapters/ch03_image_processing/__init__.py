"""Chapter 3, "Convolution in image processing": filtering photos with small kernels.

The plain computation of the chapter (numpy; no matplotlib, no ipywidgets).

Convention: as everywhere in this book, a kernel is applied by **cross-correlation**
(:func:`cnnlib.functional.conv2d`, no flip), so it is laid over the image exactly as
printed. For an input ``x`` and a ``(K_h, K_w)`` kernel ``k`` with odd sizes,
``'same'`` output is::

    y[i, j] = sum_{p, q} k[p, q] * x_pad[i + p, j + q]

where ``x_pad`` is ``x`` padded by ``K_h // 2`` rows and ``K_w // 2`` columns on each
side. A colour photo ``(H, W, 3)`` is three planes; each is filtered with the same
kernel on its own (a depthwise convolution, ``conv2d`` with ``groups=3``).

Sources: Gonzalez & Woods, *Digital Image Processing* (4th ed., 2018), ch. 3 (spatial
filtering, smoothing, sharpening, the Laplacian, separable kernels); Sobel & Feldman
(1968) for the gradient operator.
"""

import numpy as np

from cnnlib.functional import conv2d
from cnnlib.kernels import SOBEL_X, SOBEL_Y

# Boundary handling, named as in scipy.ndimage.correlate, and the numpy.pad mode that
# does the same.
BOUNDARIES = {
    "constant": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
}


def _as_image(img):
    img = np.asarray(img, dtype=float)
    if img.ndim == 2:
        return img[None, :, :], False
    if img.ndim == 3 and img.shape[-1] in (1, 3, 4):
        return np.moveaxis(img, -1, 0), True
    raise ValueError(
        f"image has shape {img.shape}; expected (H, W) grayscale or (H, W, C) "
        "with C = 1, 3 or 4"
    )


def _as_kernel(kernel):
    k = np.asarray(kernel, dtype=float)
    if k.ndim != 2 or k.size == 0:
        raise ValueError(f"kernel has shape {k.shape}; expected a 2D (K_h, K_w) array")
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel contains inf or nan")
    return k


def _boundary(boundary):
    if boundary not in BOUNDARIES:
        raise ValueError(
            f"boundary={boundary!r}; expected one of {', '.join(BOUNDARIES)}"
        )
    return BOUNDARIES[boundary]


def _pad_planes(x, radius, boundary):
    ph, pw = radius
    return np.pad(x, ((0, 0), (ph, ph), (pw, pw)), mode=_boundary(boundary))


def pad(img, radius, boundary="constant"):
    """Extend a photo by ``radius`` pixels on every side, as :func:`filter_image` does.

    Use it before :func:`cnnlib.kernels.fit_kernel` (a 'valid' model) to fit the kernel
    of a 'same'-size filtering: ``fit_kernel(pad(x, K // 2, boundary), y, (K, K))``.

    Args:
        img: ``(H, W)`` or ``(H, W, C)``.
        radius: an int, or ``(rows, cols)`` added above and below / left and right.
        boundary: as in :func:`filter_image` (``'constant'`` pads with zeros).

    Returns:
        ``(H + 2 r_h, W + 2 r_w)`` (or ``(..., C)``), float64.

    Raises:
        ValueError: for an image of another shape, a negative radius or an unknown
            boundary.
    """
    x, colour = _as_image(img)
    radius = tuple(int(r) for r in np.broadcast_to(radius, (2,)))
    if min(radius) < 0:
        raise ValueError(f"radius={radius} must be non-negative")
    x = _pad_planes(x, radius, boundary)
    return np.moveaxis(x, 0, -1) if colour else x[0]


def filter_image(img, kernel, padding="same", boundary="constant"):
    """Cross-correlate a grayscale or colour photo with one 2D kernel.

    Args:
        img: ``(H, W)`` grayscale, or ``(H, W, C)`` colour; each channel is filtered on
            its own (``conv2d`` with ``groups=C``, a depthwise convolution).
        kernel: ``(K_h, K_w)``. For ``padding='same'`` both sizes must be odd (the
            kernel has a centre).
        padding: ``'same'`` (output ``(H, W)``) or ``'valid'`` (output ``(H - K_h + 1, W
            - K_w + 1)``).
        boundary: with ``'same'``, how the image is extended beyond its edges, named as
            in ``scipy.ndimage.correlate``: ``'constant'`` (zeros; equals
            ``scipy.signal.correlate2d(mode='same', boundary='fill')``), ``'reflect'``,
            ``'mirror'``, ``'nearest'`` or ``'wrap'``.

    Returns:
        The filtered image, same layout as ``img`` (``(H', W')`` or ``(H', W', C)``),
        float64.
        Values are *not* clipped: an edge detector's output is negative on one side of
            an edge.

    Raises:
        ValueError: for an image that is not ``(H, W)``/``(H, W, C)``, a kernel that is
            not 2D,
        an even kernel with ``'same'``, an unknown padding or boundary, or a kernel
        larger than the image.
    """
    x, colour = _as_image(img)
    k = _as_kernel(kernel)
    _boundary(boundary)
    if padding == "same":
        if k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
            raise ValueError(
                f"kernel has shape {k.shape}; padding='same' needs odd sizes so the "
                "kernel has a centre"
            )
        x = _pad_planes(x, (k.shape[0] // 2, k.shape[1] // 2), boundary)
    elif padding != "valid":
        raise ValueError(f"padding={padding!r}; expected 'same' or 'valid'")
    if k.shape[0] > x.shape[1] or k.shape[1] > x.shape[2]:
        raise ValueError(
            f"kernel {k.shape} is larger than the (padded) image {x.shape[1:]}"
        )
    c = x.shape[0]
    w = np.broadcast_to(k, (c, 1) + k.shape)
    y = conv2d(x[None], w, padding=0, groups=c)[0]
    return np.moveaxis(y, 0, -1) if colour else y[0]


def convolve_image(img, kernel, padding="same", boundary="constant"):
    """True convolution (the signal-processing one): :func:`filter_image` with the
    kernel rotated 180 degrees.

    Equals ``scipy.signal.convolve2d(img, kernel, mode='same', boundary='fill')`` for a
    grayscale image with zero padding. Same arguments, result and errors as
    :func:`filter_image`.
    """
    return filter_image(img, np.flip(_as_kernel(kernel)), padding, boundary)


def sobel(img, boundary="reflect"):
    """The Sobel derivatives ``(g_x, g_y)`` of an image, each the shape of ``img``.

    ``g_x`` is large where brightness increases left to right, ``g_y`` top to bottom
    (kernels :data:`cnnlib.kernels.SOBEL_X` and ``SOBEL_Y``, applied by
    cross-correlation). ``boundary`` as in :func:`filter_image`; ``'reflect'`` avoids
    false edges at the border.
    """
    return filter_image(img, SOBEL_X, boundary=boundary), filter_image(
        img, SOBEL_Y, boundary=boundary
    )


def gradient_magnitude(img, boundary="reflect"):
    """Edge strength ``sqrt(g_x**2 + g_y**2)`` from the Sobel derivatives (Sobel &
    Feldman, 1968).

    Args:
        img: ``(H, W)`` or ``(H, W, C)`` (each channel separately).
        boundary: as in :func:`filter_image`.

    Returns:
        Non-negative array with the shape of ``img``, in the image's units per pixel
        (times 8: the Sobel weights on each side sum to 4, over a two-pixel step).
    """
    gx, gy = sobel(img, boundary)
    return np.hypot(gx, gy)


def separate(kernel, tol=1e-10):
    """Split a separable (rank-1) kernel into a column and a row: ``kernel ==
    np.outer(col, row)``.

    Uses the singular value decomposition: a kernel is separable exactly when only its
    first singular value is non-zero (relative tolerance ``tol``).

    Returns:
        ``(col, row)``, shapes ``(K_h,)`` and ``(K_w,)``, or ``None`` when the kernel is
        not separable. The split is unique up to a scale moved between the two; here
        both get ``sqrt(s_1)`` and the row's largest entry is made positive.
    """
    k = _as_kernel(kernel)
    u, s, vt = np.linalg.svd(k)
    if s[0] == 0:
        return np.zeros(k.shape[0]), np.zeros(k.shape[1])
    if len(s) > 1 and s[1] > tol * s[0]:
        return None
    col, row = u[:, 0] * np.sqrt(s[0]), vt[0] * np.sqrt(s[0])
    if row[np.argmax(np.abs(row))] < 0:
        col, row = -col, -row
    return col, row


def filter_separable(img, col, row, boundary="constant"):
    """Two 1D passes: filter with the ``(K_h, 1)`` column, then with the ``(1, K_w)``
    row ('same' size).

    Equals ``filter_image(img, np.outer(col, row), boundary=boundary)`` (up to rounding)
    at a cost of ``K_h + K_w`` multiplies per pixel instead of ``K_h * K_w``. ``col``
    and ``row`` must have odd lengths.
    """
    col = np.asarray(col, dtype=float).reshape(-1, 1)
    row = np.asarray(row, dtype=float).reshape(1, -1)
    return filter_image(
        filter_image(img, col, boundary=boundary), row, boundary=boundary
    )


def parse_kernel(text):
    """Read a typed kernel: 9 numbers (3x3) or 25 numbers (5x5), separated by spaces,
    commas, semicolons or new lines, in row-major order. Fractions like ``1/9`` are
    allowed.

    Returns:
        ``(3, 3)`` or ``(5, 5)`` float array.

    Raises:
        ValueError: naming the offending entry if something is not a number, or the
            count if there are not 9 or 25 numbers.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a string of numbers, got {type(text).__name__}")
    tokens = (
        text.replace(",", " ")
        .replace(";", " ")
        .replace("[", " ")
        .replace("]", " ")
        .split()
    )
    values = []
    for t in tokens:
        try:
            if "/" in t:
                num, den = t.split("/", 1)
                v = float(num) / float(den)
            else:
                v = float(t)
        except (ValueError, ZeroDivisionError):
            raise ValueError(
                f"{t!r} is not a number (use numbers like 2, -1, 0.25 or 1/9)"
            ) from None
        if not np.isfinite(v):
            raise ValueError(f"{t!r} is not a finite number")
        values.append(v)
    if len(values) not in (9, 25):
        raise ValueError(
            f"found {len(values)} numbers; a kernel needs 9 (3x3) or 25 (5x5)"
        )
    n = int(round(np.sqrt(len(values))))
    return np.array(values).reshape(n, n)


def describe_kernel(kernel, tol=1e-9):
    """The facts about a kernel that predict what it does to an image.

    Returns:
        dict with

        * ``sum``: sum of the weights: the factor applied to a flat (constant) region.
          1 keeps brightness; 0 maps flat regions to 0, so only changes (edges, texture)
          survive;
        * ``all_nonnegative``: every weight >= 0 (a weighted average when the sum is 1:
          a blur);
        * ``symmetric``: unchanged by a 180-degree rotation, so convolution and
          cross-correlation agree;
        * ``antisymmetric``: the rotation negates it (derivative kernels such as Sobel);
        * ``mirror_lr`` / ``mirror_ud``: unchanged by a left-right / up-down flip;
        * ``separable``: rank 1, an outer product of a column and a row (two cheap 1D
          passes);
        * ``kind``: a short guess: 'identity', 'scale', 'blur', 'scaled blur',
          'sharpen', 'edge', 'emboss-like', 'other' (a sum within 0.01 of 1 or 0 counts
          as 1 or 0: typed kernels are rounded);
        * ``text``: a few sentences explaining the effect from the numbers.
    """
    k = _as_kernel(kernel)
    total = float(k.sum())
    rot = np.rot90(k, 2)
    scale = max(float(np.abs(k).max()), 1.0)
    eq = lambda a, b: bool(np.allclose(a, b, atol=tol * scale, rtol=0))  # noqa: E731
    symmetric, antisymmetric = eq(k, rot), eq(k, -rot) and not eq(k, 0 * k)
    mirror_lr, mirror_ud = eq(k, k[:, ::-1]), eq(k, k[::-1, :])
    separable = separate(k) is not None
    nonneg = bool(np.all(k >= -tol * scale))
    centre = (
        k[k.shape[0] // 2, k.shape[1] // 2]
        if k.shape[0] % 2 and k.shape[1] % 2
        else np.nan
    )
    off_centre = np.abs(k).sum() - abs(centre) if np.isfinite(centre) else np.inf
    one, zero = (
        abs(total - 1) < 0.01,
        abs(total) < 0.01,
    )  # typed kernels are rounded (9 x 0.111)

    if np.isfinite(centre) and off_centre < tol * scale:
        kind = "identity" if abs(centre - 1) < 1e-9 else "scale"
    elif one and nonneg:
        kind = "blur"
    elif nonneg and total > 0:
        kind = "scaled blur"
    elif zero:
        kind = "edge"
    elif one and np.isfinite(centre) and centre > 1 and symmetric:
        kind = "sharpen"
    elif one and not symmetric:
        kind = "emboss-like"
    else:
        kind = "other"

    lines = [
        f"Sum of weights = {total:.4g}: a flat region comes out multiplied by "
        f"{total:.4g}"
    ]
    if one:
        lines[0] += ", so overall brightness is kept."
    elif zero:
        lines[0] += (
            ", i.e. flat regions become 0 and only changes survive: an edge/texture "
            "detector."
        )
    elif total > 1:
        lines[0] += ", so the image gets brighter."
    else:
        lines[0] += (
            ", so bright and dark swap (the image is inverted)."
            if total < 0
            else ", so the image gets darker."
        )
    if kind == "identity":
        lines.append(
            "Only the centre weight is non-zero and it is 1: the image is unchanged."
        )
    elif kind == "scale":
        lines.append(
            "Only the centre weight is non-zero: each pixel is just multiplied by it."
        )
    elif nonneg and total > 0:
        lines.append(
            "All weights are >= 0: each output is a weighted average of its "
            "neighbourhood"
            + ("" if one else f", times {total:.4g}")
            + ", which smooths (blurs) detail and noise."
        )
    elif kind == "sharpen":
        lines.append(
            "A large positive centre minus its neighbours: the pixel plus its "
            "difference from "
            "the surroundings, which exaggerates edges (sharpening)."
        )
    else:
        lines.append(
            "Positive and negative weights: the output measures a difference between "
            "parts "
            "of the neighbourhood."
        )
    if antisymmetric:
        lines.append(
            "Rotating it 180 degrees negates it (a derivative): it responds with "
            "opposite "
            "signs to the two directions of an edge, and true convolution flips the "
            "sign."
        )
    elif symmetric:
        lines.append(
            "Symmetric under a 180-degree rotation: convolution and cross-correlation "
            "give the same result."
        )
    else:
        lines.append(
            "Not symmetric: it favours one direction, and true convolution (flipped "
            "kernel) differs."
        )
    if separable and kind not in ("identity", "scale"):
        lines.append(
            f"Separable (rank 1): two 1D passes do the same work with "
            f"{k.shape[0] + k.shape[1]} instead of {k.size} multiplies per pixel."
        )
    return {
        "sum": total,
        "all_nonnegative": nonneg,
        "symmetric": symmetric,
        "antisymmetric": antisymmetric,
        "mirror_lr": mirror_lr,
        "mirror_ud": mirror_ud,
        "separable": separable,
        "kind": kind,
        "text": " ".join(lines),
    }


def display_range(kernel, out=None, percentile=99.5):
    """A colour scale for showing a filtered image: ``(vmin, vmax)``.

    Kernels that keep brightness (sum within 0.05 of 1) or have no negative weight (a
    scaled blur: the output of a photo is never negative) are shown on the photo's own
        scale ``[0, 1]``, so a sum above 1 visibly brightens and below 1 darkens.
        Otherwise, with ``m`` the ``percentile`` of ``|out|`` (so a few extreme pixels
        do not wash out the rest): ``(0, m)`` if the output is never negative, ``(-m,
        0)`` if never positive, else ``(-m, m)``, symmetric so that 0 (a flat region
        under an edge detector) is mid-grey.
    """
    k = _as_kernel(kernel)
    if out is None or abs(float(k.sum()) - 1) < 0.05 or np.all(k >= 0):
        return 0.0, 1.0
    out = np.asarray(out, dtype=float)
    m = max(float(np.percentile(np.abs(out), percentile)), 1e-6) if out.size else 1.0
    if out.size and out.min() >= 0:
        return 0.0, m
    if out.size and out.max() <= 0:
        return -m, 0.0
    return -m, m


def to_display(out, vmin, vmax):
    """Map values ``[vmin, vmax]`` linearly to ``[0, 1]`` and clip (the same map for
    every colour channel)."""
    return np.clip((np.asarray(out, dtype=float) - vmin) / (vmax - vmin), 0.0, 1.0)


def format_kernel(kernel, digits=4):
    """The kernel as text that :func:`parse_kernel` reads back: one row per line,
    numbers rounded to ``digits``."""
    k = _as_kernel(kernel)
    return "\n".join("  ".join(f"{v:.{digits}g}" for v in row) for row in k)


def read_kernel(kernel):
    """A kernel given as a 2D array or as text for :func:`parse_kernel`, as a float
    array."""
    return parse_kernel(kernel) if isinstance(kernel, str) else _as_kernel(kernel)


def filter_gallery(img, kernels_by_title, boundary="reflect"):
    """Filter one photo with several kernels: what a gallery figure shows.

    Args:
        img: ``(H, W)`` or ``(H, W, C)`` photo.
        kernels_by_title: ``{title: kernel}``, a kernel being a 2D array or text (see
            :func:`read_kernel`).
        boundary: as in :func:`filter_image`.

    Returns:
        ``{title: filtered image}`` ('same' size, unclipped values), in the given order.
    """
    return {
        title: filter_image(img, read_kernel(k), boundary=boundary)
        for title, k in kernels_by_title.items()
    }


def unsharp_kernel(amount, sigma=1.0):
    """The single kernel of unsharp masking: ``(1 + a) * identity - a * G``.

    Unsharp masking adds back ``a`` times the detail a Gaussian blur ``G`` removes,
    ``I + a (I - G * I)``; because filtering is linear this is one kernel, whose
    weights sum to 1 (flat regions keep their brightness) for every ``a``.

    Args:
        amount: ``a`` (>= 0; 0 leaves the photo unchanged).
        sigma: the Gaussian's standard deviation in pixels (> 0); the kernel is
            ``2 * ceil(2 sigma) + 1`` pixels wide.

    Returns:
        ``(K, K)`` kernel.

    Raises:
        ValueError: for a negative ``amount`` or a non-positive ``sigma``.
    """
    from cnnlib.kernels import gaussian

    if amount < 0 or sigma <= 0:
        raise ValueError(f"amount={amount} must be >= 0 and sigma={sigma} > 0")
    size = 2 * int(np.ceil(2 * sigma)) + 1
    g = gaussian(size, sigma)
    delta = np.zeros_like(g)
    delta[size // 2, size // 2] = 1.0
    return (1 + amount) * delta - amount * g


def unsharp_mask(img, amount, sigma=1.0, boundary="reflect"):
    """Unsharp masking ``I + a (I - G * I)``, computed as written (blur, subtract, add).

    Args:
        img: ``(H, W)`` or ``(H, W, 3)`` photo.
        amount, sigma: as in :func:`unsharp_kernel`.
        boundary: as in :func:`filter_image`.

    Returns:
        ``dict`` with ``blurred`` (``G * I``), ``detail`` (``I - G * I``) and
        ``sharpened`` (``I + a * detail``), each of ``img``'s shape, not clipped.

    Raises:
        ValueError: as :func:`unsharp_kernel`.
    """
    from cnnlib.kernels import gaussian

    k = unsharp_kernel(amount, sigma)            # validates the arguments
    img = np.asarray(img, dtype=float)
    blurred = filter_image(img, gaussian(k.shape[0], sigma), boundary=boundary)
    detail = img - blurred
    return {"blurred": blurred, "detail": detail, "sharpened": img + amount * detail}
