"""Checks for chapter 2, "Continuous and discrete convolution" (``notebooks/02_continuous_and_discrete.ipynb``)."""
import numpy as np

from ..functional import convolve, correlate
from . import close, exercise, same_function

BY_HAND = ([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])
SIGMAS = (0.5, 1.2)
MODE_LENGTHS = (100, 7)     # (M, N) for the boundary-mode exercise


@exercise("ch02-by-hand", "slide the flipped kernel [0.5, 1, 0] along [1, 2, 3]; full mode has M + N - 1 values.")
def _by_hand(answer):
    a, v = BY_HAND
    answer = np.asarray(answer, dtype=float)
    expected = convolve(np.array(a), np.array(v), "full")
    if answer.shape == expected.shape and np.allclose(answer, correlate(np.array(a), np.array(v), "full")):
        return False, "that is the cross-correlation: the kernel was not flipped."
    return close(answer, expected)


def _cases(seed=2):
    rng = np.random.default_rng(seed)
    cases = [(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])), (np.array([2.0]), np.array([1.0, -1.0]))]
    for m, n in [(5, 3), (3, 5), (8, 8), (12, 1), (1, 4), (20, 6)]:
        cases.append((rng.normal(size=m), rng.normal(size=n)))
    return cases


@exercise("ch02-loops", "the full output has len(a) + len(v) - 1 entries; out[n] collects a[m] * v[n - m] over every valid m.")
def _loops(answer):
    if not callable(answer):
        return False, "the answer should be your function (pass my_convolve itself, not a call to it)."
    return same_function(answer, lambda a, v: convolve(a, v, "full"), _cases())


@exercise("ch02-gaussian-variance", "variances (not standard deviations) add under convolution.")
def _gaussian_variance(answer):
    s1, s2 = SIGMAS
    if np.ndim(answer) == 0 and np.isclose(float(answer), np.hypot(s1, s2)):
        return False, "that is the standard deviation of the result; the question asks for its variance."
    return close(answer, s1**2 + s2**2)


@exercise("ch02-mode-lengths", "full: M + N - 1; same: max(M, N); valid: max(M, N) - min(M, N) + 1.")
def _mode_lengths(answer):
    m, n = MODE_LENGTHS
    a, v = np.zeros(m), np.zeros(n)
    expected = [len(convolve(a, v, mode)) for mode in ("full", "same", "valid")]
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return False, "give three lengths (full, same, valid) as a tuple."
    return close(answer, expected)
