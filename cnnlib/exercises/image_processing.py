"""Checks for chapter 3, "Convolution in image processing".

The notebook shows :data:`BY_HAND_PATCH` and :data:`BY_HAND_KERNEL` for the by-hand exercise;
every check computes its expected value itself with :mod:`cnnlib.filtering`.
"""
import numpy as np

from .. import filtering, kernels
from . import close, exercise

# A 5x5 patch of pixel values and the kernel to slide over it (by-hand exercise, 'valid' output 3x3).
BY_HAND_PATCH = np.array([[1, 2, 0, 0, 1],
                          [3, 1, 0, 2, 2],
                          [0, 0, 4, 1, 0],
                          [1, 2, 1, 0, 3],
                          [2, 0, 0, 1, 1]], dtype=float)
BY_HAND_KERNEL = kernels.SOBEL_X.copy()


def _test_image(seed=3, shape=(12, 15)):
    return np.random.default_rng(seed).random(shape)


@exercise("ch03-shift-right", "cross-correlation computes y[i, j] = sum k[p, q] x[i + p - 1, j + q - 1]; "
                              "which single weight makes y[i, j] equal x[i, j - 1]?")
def _shift_right(answer):
    k = np.asarray(answer, dtype=float)
    if k.ndim != 2 or k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
        return False, f"your kernel has shape {k.shape}; expected an odd-sized 2D kernel such as (3, 3)."
    x = _test_image()
    y = filtering.filter_image(x, k, boundary="wrap")        # wrap-around edges: a shift is exactly np.roll
    if np.allclose(y, np.roll(x, 1, axis=1)):
        return True, "every pixel moves one step to the right."
    for name, shift, axis in (("left", -1, 1), ("down", 1, 0), ("up", -1, 0)):
        if np.allclose(y, np.roll(x, shift, axis=axis)):
            return False, f"your kernel moves the image {name}, not right."
    return False, "applied to a test image, your kernel does not move it one pixel right."


@exercise("ch03-by-hand", "lay the kernel on each 3x3 window of the patch as printed (no flip), multiply "
                          "matching entries and add; the top-left output uses rows 0-2 and columns 0-2.")
def _by_hand(answer):
    expected = filtering.filter_image(BY_HAND_PATCH, BY_HAND_KERNEL, padding="valid")
    a = np.asarray(answer, dtype=float)
    if a.shape == expected.shape and np.allclose(a, filtering.convolve_image(BY_HAND_PATCH, BY_HAND_KERNEL, "valid")):
        return False, "you flipped the kernel (that is true convolution); CNNs and this book use cross-correlation."
    if a.shape == expected.shape and np.allclose(a, expected.T):
        return False, "your answer is transposed: rows of the output go down the image."
    return close(a, expected)


@exercise("ch03-keep-brightness", "on a flat region every pixel has the same value v, so the output is v times "
                                  "the sum of the weights.")
def _keep_brightness(answer):
    return close(answer, 9.0)


@exercise("ch03-gradient-magnitude", "compute g_x and g_y with filtering.filter_image and the Sobel kernels, "
                                     "then combine them per pixel with a square root.")
def _gradient_magnitude(answer):
    cases = [_test_image(4, (9, 11)), _test_image(5, (16, 16)), np.random.default_rng(6).random((8, 10, 3))]
    for i, x in enumerate(cases):
        got = np.asarray(answer(x), dtype=float)
        ref = filtering.gradient_magnitude(x)
        if got.shape != ref.shape:
            return False, f"on test case {i + 1} your output has shape {got.shape}; expected {ref.shape}."
        inner = (slice(1, -1), slice(1, -1))                  # the border depends on the padding you chose
        if not np.allclose(got[inner], ref[inner]):
            if np.allclose(got[inner], ref[inner] ** 2):
                return False, "you return the squared magnitude: take the square root."
            return False, f"on test case {i + 1} the interior pixels differ from the Sobel gradient magnitude."
    return True, "agrees with cnnlib.filtering.gradient_magnitude (away from the border) on 3 test images."


@exercise("ch03-sobel-separable", "Sobel x smooths down the columns with weights (1, 2, 1) and takes a "
                                  "difference along the rows with (-1, 0, 1).")
def _sobel_separable(answer):
    try:
        col, row = answer
    except (TypeError, ValueError):
        return False, "answer with a pair (col, row) of two 1D arrays of length 3."
    col, row = np.ravel(np.asarray(col, dtype=float)), np.ravel(np.asarray(row, dtype=float))
    if col.shape != (3,) or row.shape != (3,):
        return False, f"col has shape {col.shape} and row {row.shape}; both should be (3,)."
    outer = np.outer(col, row)
    if np.allclose(outer, kernels.SOBEL_X.T):
        return False, "np.outer(col, row) gives Sobel y: swap the roles of col and row."
    if np.allclose(outer, -kernels.SOBEL_X):
        return False, "np.outer(col, row) gives minus Sobel x: flip one sign."
    ok, feedback = close(outer, kernels.SOBEL_X)
    return ok, ("np.outer(col, row) is Sobel x." if ok else "np.outer(col, row) " + feedback)


@exercise("ch03-separable-cost", "a K x K kernel costs K*K multiplies per pixel; a column pass and a row pass "
                                 "cost K each.")
def _separable_cost(answer):
    return close(answer, filtering.multiplies((1, 1), (7, 7)) / filtering.multiplies((1, 1), (7, 7), separable=True))
