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
