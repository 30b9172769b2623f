"""Classic image-processing kernels, as 2D numpy arrays.

They are written the way they are *applied* in this book: by cross-correlation
(:func:`cnnlib.functional.conv2d`), so a kernel is laid over the image as printed.
Sources: Gonzalez & Woods, *Digital Image Processing*, ch. 3 (smoothing,
sharpening, Laplacian); Sobel & Feldman (1968) and Prewitt (1970) for the
gradient operators.
"""
import numpy as np


def box(size=3):
    """Box blur: the mean of a ``size x size`` neighbourhood (weights sum to 1)."""
    _odd(size)
    return np.full((size, size), 1.0 / size**2)


def gaussian(size=5, sigma=1.0):
    """Gaussian blur, sampled on a ``size x size`` grid and normalised to sum to 1."""
    _odd(size)
    if sigma <= 0:
        raise ValueError(f"sigma={sigma} must be positive")
    r = np.arange(size) - size // 2
    g = np.exp(-(r**2) / (2 * sigma**2))
    k = np.outer(g, g)
    return k / k.sum()


def _odd(size):
    if not isinstance(size, (int, np.integer)) or size < 1 or size % 2 == 0:
        raise ValueError(f"size={size} must be a positive odd int, so the kernel has a centre")


SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)
# Gradient operators: x responds to left-to-right increases, y to top-to-bottom increases.
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
SOBEL_Y = SOBEL_X.T.copy()
PREWITT_X = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=float)
PREWITT_Y = PREWITT_X.T.copy()
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float)
IDENTITY = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float)


def named():
    """The gallery used in the book: ``{name: (3, 3) or (5, 5) kernel}``."""
    return {
        "identity": IDENTITY, "box blur": box(3), "Gaussian blur": gaussian(5, 1.0),
        "sharpen": SHARPEN, "Sobel x": SOBEL_X, "Sobel y": SOBEL_Y,
        "Prewitt x": PREWITT_X, "Prewitt y": PREWITT_Y, "Laplacian": LAPLACIAN, "emboss": EMBOSS,
    }


def fit_kernel(x, y, shape, flip=False):
    """The kernel ``w`` of ``shape`` that best maps ``x`` to ``y``, by linear least squares.

    The model is the 'valid' cross-correlation ``y[i] = sum_k x[i + k] w[k]`` (``i``, ``k``
    multi-indices), what a one-kernel linear convolution layer computes; each output is a dot
    product of ``w`` with one window of ``x``, so the fit is ``numpy.linalg.lstsq`` with one row
    per window (the minimum that gradient descent on the squared error reaches). Pad ``x``
    first for a 'same'-size model. With ``flip=True`` the model is a true convolution
    (``x`` against the flipped kernel) and the result is the correlation fit reversed.

    Args:
        x: input of any number of dims, e.g. ``(L,)`` or ``(H, W)``.
        y: target of shape ``x.shape - shape + 1`` (the 'valid' output).
        shape: the kernel's shape, one size per dim of ``x``, each in ``[1, x.shape[d]]``.
        flip: fit a convolution instead of a cross-correlation.

    Returns:
        ``w`` of ``shape``, float64.

    Raises:
        ValueError: if ``shape`` has the wrong length or sizes, or ``y`` has the wrong shape.
    """
    from numpy.lib.stride_tricks import sliding_window_view
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    shape = tuple(int(k) for k in np.atleast_1d(shape))
    if len(shape) != x.ndim or not all(1 <= k <= n for k, n in zip(shape, x.shape)):
        raise ValueError(f"kernel shape {shape} does not fit an input of shape {x.shape}")
    valid = tuple(n - k + 1 for n, k in zip(x.shape, shape))
    if y.shape != valid:
        raise ValueError(f"y has shape {y.shape}; expected {valid}, the 'valid' output")
    windows = sliding_window_view(x, shape).reshape(-1, int(np.prod(shape)))
    w, *_ = np.linalg.lstsq(windows, y.ravel(), rcond=None)
    w = w.reshape(shape)
    return np.flip(w) if flip else w
