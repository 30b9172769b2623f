"""cnnlib.functional against torch (float64) on random shapes, and against finite differences."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cnnlib.functional as F
from cnnlib.gradcheck import check_backward

CONV = {1: (F.conv1d, F.conv1d_backward, TF.conv1d),
        2: (F.conv2d, F.conv2d_backward, TF.conv2d),
        3: (F.conv3d, F.conv3d_backward, TF.conv3d)}
MAXPOOL = {1: (F.max_pool1d, F.max_pool1d_backward, TF.max_pool1d),
           2: (F.max_pool2d, F.max_pool2d_backward, TF.max_pool2d),
           3: (F.max_pool3d, F.max_pool3d_backward, TF.max_pool3d)}
AVGPOOL = {1: (F.avg_pool1d, F.avg_pool1d_backward, TF.avg_pool1d),
           2: (F.avg_pool2d, F.avg_pool2d_backward, TF.avg_pool2d),
           3: (F.avg_pool3d, F.avg_pool3d_backward, TF.avg_pool3d)}
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def torch_grads(fn, arrays, grad_output, **kwargs):
    """Run a torch op forward and backward; return its output and the gradients of ``arrays``."""
    ts = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts, **kwargs)
    y.backward(torch.tensor(grad_output))
    return y.detach().numpy(), [None if t is None else t.grad.numpy() for t in ts]


@st.composite
def conv_cases(draw):
    d = draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 3))
    kernel = [draw(st.integers(1, 4 if d < 3 else 3)) for _ in range(d)]
    dilation = [draw(st.integers(1, 3)) for _ in range(d)]
    mode = draw(st.sampled_from(["int", "int", "same", "valid"]))
    stride = [1] * d if mode == "same" else [draw(st.integers(1, 3)) for _ in range(d)]
    padding = {"same": "same", "valid": "valid"}.get(mode) or [draw(st.integers(0, 2)) for _ in range(d)]
    pads = [0] * d if isinstance(padding, str) else padding
    # A size that fits the dilated kernel after padding, plus some slack.
    spatial = [max(1, dl * (k - 1) + 1 - 2 * p + draw(st.integers(0, 5 if d < 3 else 3)))
               for k, dl, p in zip(kernel, dilation, pads)]
    n = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(n, c_in, *spatial))
    w = rng.normal(size=(c_out, c_in // groups, *kernel))
    b = rng.normal(size=c_out) if draw(st.booleans()) else None
    # The tuple forms exercise per-dimension arguments; ints are covered when d == 1.
    kwargs = dict(stride=tuple(stride), padding=padding if isinstance(padding, str) else tuple(padding),
                  dilation=tuple(dilation), groups=groups)
    return d, x, w, b, kwargs, rng


@settings(max_examples=300, **SETTINGS)
@given(conv_cases())
def test_conv_forward_and_backward_match_torch(case):
    d, x, w, b, kwargs, rng = case
    forward, backward, torch_fn = CONV[d]
    y = forward(x, w, b, **kwargs)
    g = rng.normal(size=y.shape)
    y_torch, (gx, gw, gb) = torch_grads(torch_fn, [x, w, b], g, **kwargs)
    np.testing.assert_allclose(y, y_torch, rtol=1e-10, atol=1e-10)
    grad_input, grad_weight, grad_bias = backward(g, x, w, b, **kwargs)
    np.testing.assert_allclose(grad_input, gx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_weight, gw, rtol=1e-10, atol=1e-10)
    if b is None:
        assert grad_bias is None
    else:
        np.testing.assert_allclose(grad_bias, gb, rtol=1e-10, atol=1e-10)


@settings(max_examples=60, **SETTINGS)
@given(conv_cases())
def test_naive_loop_version_equals_fast_version(case):
    _, x, w, b, kwargs, _ = case
    np.testing.assert_allclose(F.conv_nd_naive(x, w, b, **kwargs), F.conv_nd(x, w, b, **kwargs), rtol=1e-10, atol=1e-10)


@st.composite
def pool_cases(draw, dilated=True):
    d = draw(st.sampled_from([1, 2, 3]))
    kernel = [draw(st.integers(1, 3)) for _ in range(d)]
    stride = None if draw(st.booleans()) else [draw(st.integers(1, 3)) for _ in range(d)]
    padding = [draw(st.integers(0, k // 2)) for k in kernel]
    dilation = [draw(st.integers(1, 2)) if dilated else 1 for _ in range(d)]
    spatial = [max(1, dl * (k - 1) + 1 - 2 * p + draw(st.integers(0, 5)))
               for k, dl, p in zip(kernel, dilation, padding)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), *spatial))
    kwargs = dict(kernel_size=tuple(kernel), stride=None if stride is None else tuple(stride), padding=tuple(padding))
    if dilated:
        kwargs["dilation"] = tuple(dilation)
    return d, x, kwargs, rng


@settings(max_examples=200, **SETTINGS)
@given(pool_cases())
def test_max_pool_forward_and_backward_match_torch(case):
    d, x, kwargs, rng = case
    forward, backward, torch_fn = MAXPOOL[d]
    try:
        y = forward(x, **kwargs)
    except ValueError as err:   # windows of only padding: torch returns -inf and corrupts memory in backward
        assume("only padding" not in str(err))
        raise
    g = rng.normal(size=y.shape)
    y_torch, (gx,) = torch_grads(torch_fn, [x], g, **kwargs)
    np.testing.assert_allclose(y, y_torch)
    np.testing.assert_allclose(backward(g, x, **kwargs), gx, rtol=1e-12, atol=1e-12)


@settings(max_examples=200, **SETTINGS)
@given(pool_cases(dilated=False))
def test_avg_pool_forward_and_backward_match_torch(case):
    d, x, kwargs, rng = case
    forward, backward, torch_fn = AVGPOOL[d]
    assume(all(h >= k for h, k in zip(x.shape[2:], kwargs["kernel_size"])))  # torch refuses smaller inputs
    y = forward(x, **kwargs)
    g = rng.normal(size=y.shape)
    y_torch, (gx,) = torch_grads(torch_fn, [x], g, **kwargs)
    np.testing.assert_allclose(y, y_torch, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(backward(g, x, **kwargs), gx, rtol=1e-12, atol=1e-12)


def test_max_pool_ties_route_the_gradient_to_the_first_maximum_like_torch():
    x = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0]]]])
    g = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    _, (gx,) = torch_grads(TF.max_pool2d, [x], g, kernel_size=2)
    for kwargs in (dict(kernel_size=2), dict(kernel_size=2, stride=2, padding=0, dilation=1)):
        np.testing.assert_array_equal(F.max_pool2d_backward(g, x, **kwargs), gx)
    # Overlapping windows take the general (non-tiled) path.
    _, (gx3,) = torch_grads(TF.max_pool2d, [x], np.ones((1, 1, 3, 3)), kernel_size=2, stride=1)
    np.testing.assert_array_equal(F.max_pool2d_backward(np.ones((1, 1, 3, 3)), x, kernel_size=2, stride=1), gx3)


def test_min_and_global_pooling():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 6, 8))
    expected = -TF.max_pool2d(torch.tensor(-x), 2).numpy()
    np.testing.assert_allclose(F.min_pool2d(x, 2), expected)
    assert F.min_pool2d(x, 2).min() == x.min()
    np.testing.assert_allclose(F.global_avg_pool(x), TF.adaptive_avg_pool2d(torch.tensor(x), 1).numpy()[..., 0, 0])


@pytest.mark.parametrize("d", [1, 2, 3])
def test_conv_backward_matches_finite_differences(d):
    rng = np.random.default_rng(d)
    x = rng.normal(size=(2, 4, *[5] * d))
    w = rng.normal(size=(4, 2, *[2] * d))
    b = rng.normal(size=4)
    kwargs = dict(stride=2, padding=1, dilation=1, groups=2)
    assert check_backward(lambda x, w, b: F.conv_nd(x, w, b, **kwargs),
                          lambda g, x, w, b: F.conv_nd_backward(g, x, w, b, **kwargs), [x, w, b]) < 1e-6


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)])
def test_pool_backward_matches_finite_differences(kwargs):
    x = np.random.default_rng(0).normal(size=(1, 2, 6, 6))   # distinct values: max is differentiable
    check_backward(lambda x: F.max_pool2d(x, **kwargs), lambda g, x: (F.max_pool2d_backward(g, x, **kwargs),), [x])
    check_backward(lambda x: F.avg_pool2d(x, **kwargs), lambda g, x: (F.avg_pool2d_backward(g, x, **kwargs),), [x])


def test_gradcheck_catches_a_wrong_backward():
    x = np.random.default_rng(0).normal(size=(1, 1, 4, 4))
    w = np.random.default_rng(1).normal(size=(1, 1, 2, 2))
    wrong = lambda g, x, w: (F.conv2d_backward(g, x, w)[0] * 1.01, None)  # noqa: E731
    with pytest.raises(AssertionError, match="input 0"):
        check_backward(lambda x, w: F.conv2d(x, w), wrong, [x, w])


def test_worked_example_and_output_size():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.arange(4.0).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(F.conv2d(x, w)[0, 0], [[19, 25], [37, 43]])
    assert F.conv2d(np.zeros((1, 1, 28, 28)), np.zeros((1, 1, 3, 3))).shape == (1, 1, 26, 26)
    for h, k, p, s, dl in [(28, 3, 0, 1, 1), (32, 5, 2, 1, 1), (224, 11, 2, 4, 1), (10, 3, 1, 2, 2), (7, 2, 0, 3, 3)]:
        expected = (h + 2 * p - dl * (k - 1) - 1) // s + 1
        assert F.conv_output_size(h, k, s, p, dl) == expected
        assert F.conv1d(np.zeros((1, 1, h)), np.zeros((1, 1, k)), stride=s, padding=p, dilation=dl).shape[-1] == expected


def test_float32_stays_float32():
    x = np.ones((1, 2, 5, 5), np.float32)
    w = np.ones((3, 2, 3, 3), np.float32)
    assert F.conv2d(x, w).dtype == np.float32
    assert all(g.dtype == np.float32 for g in F.conv2d_backward(np.ones((1, 3, 3, 3), np.float32), x, w)[:2])
    assert F.max_pool2d(x, 2).dtype == np.float32


BAD_INPUTS = [
    ("channels", lambda: F.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 2, 3, 3))), r"\(4, 2, 3, 3\).*\(1, 3, 5, 5\)"),
    ("groups", lambda: F.conv2d(np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2), "not divisible by groups=2"),
    ("kernel too big", lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 6, 3))), r"larger than the padded input \(5, 5\)"),
    ("dilated too big", lambda: F.conv1d(np.zeros((1, 1, 5)), np.zeros((1, 1, 3)), dilation=3), r"spans \(7,\)"),
    ("stride 0", lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=0), "stride"),
    ("dilation 0", lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), dilation=(1, 0)), "dilation"),
    ("negative padding", lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), padding=-1), "padding"),
    ("same with stride", lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=2, padding="same"), "same"),
    ("ndim", lambda: F.conv2d(np.zeros((5, 5)), np.zeros((1, 1, 3, 3))), r"\(5, 5\).*4 dims"),
    ("3d on 2d", lambda: F.conv3d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))), "5 dims"),
    ("tuple length", lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=(1, 1, 1)), "3 entries"),
    ("bias", lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(3)), r"bias has shape \(3,\)"),
    ("grad shape", lambda: F.conv2d_backward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))), "grad_output"),
    ("pool window", lambda: F.max_pool2d(np.zeros((1, 1, 3, 3)), 4), "pooling window"),
    ("pool padding", lambda: F.max_pool2d(np.zeros((1, 1, 6, 6)), 2, padding=2), "half the kernel"),
    ("pool only padding", lambda: F.max_pool1d(np.zeros((1, 1, 1)), 2, padding=1, dilation=2), "only padding"),
    ("pool stride", lambda: F.avg_pool1d(np.zeros((1, 1, 6)), 2, stride=0), "stride"),
    ("pool ndim", lambda: F.max_pool2d(np.zeros((1, 6, 6, 1, 1)), 2), "4 dims"),
    ("signal", lambda: F.convolve(np.zeros((2, 2)), np.ones(2)), "1D"),
    ("mode", lambda: F.correlate(np.zeros(3), np.ones(2), mode="wide"), "mode"),
    ("grid", lambda: F.continuous_convolve(np.sin, np.cos, np.array([0.0, 0.1, 0.3])), "evenly spaced"),
    ("output size", lambda: F.conv_output_size(4, 5), "larger than the padded input"),
]


@pytest.mark.parametrize("name,call,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_raises_a_clear_value_error(name, call, message):
    with pytest.raises(ValueError, match=message):
        call()


@settings(max_examples=200, **SETTINGS)
@given(st.integers(1, 12), st.integers(1, 12), st.sampled_from(["full", "same", "valid"]), st.integers(0, 2**32 - 1))
def test_convolve_and_correlate_match_numpy(m, n, mode, seed):
    rng = np.random.default_rng(seed)
    a, v = rng.normal(size=m), rng.normal(size=n)
    np.testing.assert_allclose(F.convolve(a, v, mode), np.convolve(a, v, mode), atol=1e-12)
    np.testing.assert_allclose(F.correlate(a, v, mode), np.correlate(a, v, mode), atol=1e-12)
    np.testing.assert_allclose(F.convolve(a, v), F.correlate(a, v[::-1], "full"), atol=1e-12)


def test_continuous_convolution_matches_closed_forms():
    x = np.linspace(-4, 4, 1601)
    box = lambda t: (np.abs(t) <= 0.5).astype(float)  # noqa: E731
    t, y = F.continuous_convolve(box, box, x)
    triangle = np.maximum(0.0, 1 - np.abs(t))
    assert np.max(np.abs(y - triangle)) <= 2 * (x[1] - x[0])     # a step's worth at the box edges

    def gauss(s):
        return lambda t: np.exp(-t**2 / (2 * s**2)) / (s * np.sqrt(2 * np.pi))
    t, y = F.continuous_convolve(gauss(0.5), gauss(0.8), x)
    np.testing.assert_allclose(y, gauss(np.hypot(0.5, 0.8))(t), atol=1e-6)   # variances add
    # The error shrinks in proportion to the grid step (grids offset so no sample sits on a box edge).
    from scipy.stats import norm
    errors = []
    for dx in (0.04, 0.02, 0.01):
        xs = np.arange(-4 + dx / 3, 4, dx)
        ts, ys = F.continuous_convolve(box, gauss(0.3), xs)
        exact = norm.cdf(ts + 0.5, scale=0.3) - norm.cdf(ts - 0.5, scale=0.3)
        errors.append(np.max(np.abs(ys - exact)))
    assert errors[0] > 1.5 * errors[1] > 2.25 * errors[2]
