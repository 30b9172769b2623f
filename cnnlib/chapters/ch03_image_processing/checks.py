"""Checks for chapter 3, "Convolution in image processing".

The notebook shows :data:`BY_HAND_PATCH` and :data:`BY_HAND_KERNEL` for the by-hand
exercise; every check computes its expected value itself (with the chapter's
:func:`filter_image` and :mod:`cnnlib.counting`) and never reveals it. The hints are in
the notebook, under each exercise.
"""

import numpy as np

from cnnlib import kernels
from cnnlib.checks import close, exercise, forbidding
from cnnlib.counting import conv_multiplies

from . import convolve_image, filter_image, gradient_magnitude, sobel

# A 5x5 patch of pixel values and the kernel to slide over it (by-hand exercise,
# 'valid' output 3x3).
BY_HAND_PATCH = np.array(
    [
        [1, 2, 0, 0, 1],
        [3, 1, 0, 2, 2],
        [0, 0, 4, 1, 0],
        [1, 2, 1, 0, 3],
        [2, 0, 0, 1, 1],
    ],
    dtype=float,
)
BY_HAND_KERNEL = kernels.SOBEL_X.copy()

# ch03-separable-cost: a K x K Gaussian on a photo of this size.
SEPARABLE_COST_KERNEL, SEPARABLE_COST_IMAGE = 7, (512, 512)


def _test_image(seed=3, shape=(12, 15)):
    return np.random.default_rng(seed).random(shape)


@exercise("ch03-shift-right")
def _shift_right(answer):
    k = np.asarray(answer, dtype=float)
    if k.ndim != 2 or k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
        return False, (
            f"your kernel has shape {k.shape}; expected an odd-sized 2D kernel such "
            "as (3, 3)."
        )
    x = _test_image()
    # wrap-around edges: a shift is then exactly np.roll
    y = filter_image(x, k, boundary="wrap")
    if np.allclose(y, np.roll(x, 1, axis=1)):
        return True, "every pixel moves one step to the right."
    for name, shift, axis in (("left", -1, 1), ("down", 1, 0), ("up", -1, 0)):
        if np.allclose(y, np.roll(x, shift, axis=axis)):
            return False, f"your kernel moves the image {name}, not right."
    return (
        False,
        "applied to a test image, your kernel does not move it one pixel right.",
    )


@exercise("ch03-by-hand")
def _by_hand(answer):
    expected = filter_image(BY_HAND_PATCH, BY_HAND_KERNEL, padding="valid")
    a = np.asarray(answer, dtype=float)
    if a.shape == expected.shape:
        if np.allclose(a, convolve_image(BY_HAND_PATCH, BY_HAND_KERNEL, "valid")):
            return False, (
                "you flipped the kernel (that is true convolution); CNNs and this book "
                "use cross-correlation."
            )
        if np.allclose(a, expected.T):
            return (
                False,
                "your answer is transposed: rows of the output go down the image.",
            )
    return close(a, expected)


@exercise("ch03-keep-brightness")
def _keep_brightness(answer):
    return close(answer, 9.0)


def _gradient_shortcuts():
    """Ready-made edge detectors: ch03-gradient-magnitude asks for filter_image."""
    import scipy.ndimage

    return [
        gradient_magnitude,
        sobel,
        scipy.ndimage.sobel,
        scipy.ndimage.prewitt,
        scipy.ndimage.generic_gradient_magnitude,
        scipy.ndimage.gaussian_gradient_magnitude,
    ]


@exercise("ch03-gradient-magnitude")
def _gradient_magnitude(answer):
    if not callable(answer):
        return False, "the answer should be your function (my_gradient_magnitude)."
    rng = np.random.default_rng(6)
    cases = [_test_image(4, (9, 11)), _test_image(5, (16, 16)), rng.random((8, 10, 3))]
    for i, x in enumerate(cases):
        ref = gradient_magnitude(x)
        with forbidding(answer, _gradient_shortcuts()):
            got = answer(x)
        if got is None:
            return False, "your function returns None: end it with return."
        got = np.asarray(got, dtype=float)
        if got.shape != ref.shape:
            return False, (
                f"on test case {i + 1} your output has shape {got.shape}; "
                f"expected {ref.shape}."
            )
        inner = (slice(1, -1), slice(1, -1))  # the border depends on the padding chosen
        if not np.allclose(got[inner], ref[inner]):
            if np.allclose(got[inner], ref[inner] ** 2):
                return False, "you return the squared magnitude: take the square root."
            return False, (
                f"on test case {i + 1} the interior pixels differ from the Sobel "
                "gradient magnitude."
            )
    return (
        True,
        "agrees with the Sobel gradient magnitude (away from the border) on 3 images.",
    )


@exercise("ch03-sobel-separable")
def _sobel_separable(answer):
    try:
        col, row = answer
    except (TypeError, ValueError):
        return False, "answer with a pair (col, row) of two 1D arrays of length 3."
    col = np.ravel(np.asarray(col, dtype=float))
    row = np.ravel(np.asarray(row, dtype=float))
    if col.shape != (3,) or row.shape != (3,):
        return (
            False,
            f"col has shape {col.shape} and row {row.shape}; both should be (3,).",
        )
    outer = np.outer(col, row)
    if np.allclose(outer, kernels.SOBEL_X.T):
        return False, "np.outer(col, row) gives Sobel y: swap the roles of col and row."
    if np.allclose(outer, -kernels.SOBEL_X):
        return False, "np.outer(col, row) gives minus Sobel x: flip one sign."
    ok, feedback = close(outer, kernels.SOBEL_X)
    return ok, (
        "np.outer(col, row) is Sobel x." if ok else "np.outer(col, row): " + feedback
    )


@exercise("ch03-separable-cost")
def _separable_cost(answer):
    k, out = SEPARABLE_COST_KERNEL, SEPARABLE_COST_IMAGE
    one_pass = conv_multiplies(out, (k, k))
    two_passes = conv_multiplies(out, (k, 1)) + conv_multiplies(out, (1, k))
    return close(answer, one_pass / two_passes)
