"""cnnlib.functional on the inputs people actually pass: dtypes, integers, NaN and inf, empty batches,
odd memory layouts and bad arguments (issue 15). The reference is torch (numpy for the signal functions).

Tolerances: float64 agrees to 1e-10 as in test_functional.py. float16 and float32 are compared with torch
run in float64 on the *same* (already rounded) values, so the reference is exact; an answer may differ from
it by at most ``4 * eps(dtype) * (|x| conv |w|)``, the rounding bound of a sum of products accumulated in
float32 and rounded once to the dtype. Max pooling involves no arithmetic: it must agree exactly.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import cnnlib.functional as F
from cnnlib.functional.signal import _crop  # noqa: F401  (chapter 2's code imports it from here)

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FLOATS = [np.float16, np.float32, np.float64]
INTS = [np.uint8, np.int16, np.int64, np.bool_]
CONV = {1: (F.conv1d, F.conv1d_backward, TF.conv1d), 2: (F.conv2d, F.conv2d_backward, TF.conv2d),
        3: (F.conv3d, F.conv3d_backward, TF.conv3d)}
MAX = {1: (F.max_pool1d, F.max_pool1d_backward, TF.max_pool1d), 2: (F.max_pool2d, F.max_pool2d_backward, TF.max_pool2d),
       3: (F.max_pool3d, F.max_pool3d_backward, TF.max_pool3d)}
AVG = {1: (F.avg_pool1d, F.avg_pool1d_backward, TF.avg_pool1d), 2: (F.avg_pool2d, F.avg_pool2d_backward, TF.avg_pool2d),
       3: (F.avg_pool3d, F.avg_pool3d_backward, TF.avg_pool3d)}


def torch_grads(fn, arrays, grad_output, **kwargs):
    """torch forward and backward in the arrays' own dtype: output and the gradient of each array."""
    ts = [None if a is None else torch.tensor(np.asarray(a), requires_grad=True) for a in arrays]
    y = fn(*ts, **kwargs)
    y.backward(torch.tensor(grad_output, dtype=y.dtype))
    return y.detach().numpy(), [None if t is None else t.grad.numpy() for t in ts]


def f64(a):
    return None if a is None else np.asarray(a).astype(np.float64)


def assert_close(ours, exact, scale, dtype):
    """``ours`` has ``dtype`` and is within the rounding bound of the module docstring."""
    assert ours.dtype == dtype
    if dtype == np.float64:
        np.testing.assert_allclose(ours, exact, rtol=1e-10, atol=1e-10)
    else:
        bound = 4 * np.finfo(dtype).eps * scale + np.finfo(dtype).tiny
        assert np.all(np.abs(ours.astype(np.float64) - exact) <= bound), np.max(np.abs(ours - exact) - bound)


# ---------------------------------------------------------------- dtypes against torch

@st.composite
def conv_cases(draw, dtypes=FLOATS):
    d = draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(d)]
    stride = [draw(st.integers(1, 2)) for _ in range(d)]
    padding = [draw(st.integers(0, 1)) for _ in range(d)]
    dilation = [draw(st.integers(1, 2)) for _ in range(d)]
    spatial = [max(1, dl * (k - 1) + 1 - 2 * p + draw(st.integers(0, 3))) for k, dl, p in zip(kernel, dilation, padding)]
    n = draw(st.integers(0, 2))          # N = 0 is an empty batch, as in torch
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    make = (lambda s: rng.integers(0, 2, s).astype(dtype)) if dtype in INTS else (lambda s: rng.normal(size=s).astype(dtype))
    x, w = make((n, c_in, *spatial)), make((c_out, c_in // groups, *kernel))
    b = make(c_out) if draw(st.booleans()) else None
    return d, x, w, b, dict(stride=tuple(stride), padding=tuple(padding), dilation=tuple(dilation), groups=groups), rng


@settings(max_examples=120, **SETTINGS)
@given(conv_cases())
def test_conv_keeps_the_floating_dtype_and_matches_torch(case):
    d, x, w, b, kwargs, rng = case
    forward, backward, torch_fn = CONV[d]
    y = forward(x, w, b, **kwargs)
    g = rng.normal(size=y.shape).astype(x.dtype)
    exact, (gx, gw, gb) = torch_grads(torch_fn, [f64(x), f64(w), f64(b)], f64(g), **kwargs)
    scale = torch_fn(torch.tensor(np.abs(f64(x))), torch.tensor(np.abs(f64(w))),
                     None if b is None else torch.tensor(np.abs(f64(b))), **kwargs).numpy()
    assert_close(y, exact, scale, x.dtype)
    grad_input, grad_weight, grad_bias = backward(g, x, w, b, **kwargs)
    sx = torch_grads(torch_fn, [np.abs(f64(x)), np.abs(f64(w))], np.abs(f64(g)), **kwargs)[1]
    assert_close(grad_input, gx, sx[0], x.dtype)
    assert_close(grad_weight, gw, sx[1], x.dtype)
    if b is not None:
        assert_close(grad_bias, gb, np.abs(f64(g)).sum(axis=(0, *range(2, 2 + d))), x.dtype)


@settings(max_examples=40, **SETTINGS)
@given(conv_cases(dtypes=INTS))
def test_conv_of_integers_is_the_exact_float64_answer(case):
    d, x, w, b, kwargs, rng = case
    forward, backward, torch_fn = CONV[d]
    y = forward(x, w, b, **kwargs)
    g = rng.integers(-3, 4, y.shape).astype(x.dtype if x.dtype != np.bool_ else np.int8)
    exact, grads = torch_grads(torch_fn, [f64(x), f64(w), f64(b)], f64(g), **kwargs)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, exact)
    for ours, theirs in zip(backward(g, x, w, b, **kwargs), grads):
        if theirs is not None:
            assert ours.dtype == np.float64
            np.testing.assert_array_equal(ours, theirs)


def test_uint8_photo_gives_unwrapped_float_results():
    x = np.full((1, 1, 4, 4), 200, np.uint8)
    assert F.conv2d(x, np.ones((1, 1, 2, 2), np.uint8))[0, 0, 0, 0] == 800.0          # uint8 sum would wrap to 32
    assert F.avg_pool2d(x, 2)[0, 0, 0, 0] == 200.0
    assert F.avg_pool2d(x, 3, stride=1, padding=1)[0, 0, 1, 1] == 200.0
    assert F.min_pool2d(x, 2)[0, 0, 0, 0] == 200.0                                    # -uint8 would wrap to 56
    assert F.max_pool2d(x, 3, stride=1, padding=1)[0, 0, 0, 0] == 200.0               # -inf padding of an int array
    assert F.global_avg_pool(x)[0, 0] == 200.0
    assert F.conv2d(x, np.ones((1, 1, 2, 2), np.float32)).dtype == np.float32          # integers adopt the float dtype


@st.composite
def pool_cases(draw, dtypes=FLOATS + INTS, values=None, dilated=True):
    d = draw(st.sampled_from([1, 2, 3]))
    kernel = [draw(st.integers(1, 3)) for _ in range(d)]
    stride = None if draw(st.booleans()) else tuple(draw(st.integers(1, 3)) for _ in range(d))
    padding = [draw(st.integers(0, k // 2)) for k in kernel]
    dilation = [draw(st.integers(1, 2)) if dilated else 1 for _ in range(d)]
    spatial = [max(1, dl * (k - 1) + 1 - 2 * p + draw(st.integers(0, 4))) for k, dl, p in zip(kernel, dilation, padding)]
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 2)), *spatial)
    if values is not None:   # few distinct values: ties, NaN and inf in the same window are common
        x = rng.choice(np.array(values), size=shape).astype(dtype)
    elif dtype in INTS:
        x = rng.integers(0, 3, shape).astype(dtype)
    else:
        x = rng.normal(size=shape).round(1).astype(dtype)     # rounded: ties happen
    kwargs = dict(kernel_size=tuple(kernel), stride=stride, padding=tuple(padding))
    if dilated:
        kwargs["dilation"] = tuple(dilation)
    return d, x, kwargs, rng


def check_max_pool(d, x, kwargs, rng):
    """Forward equals torch's exactly, in the input's floating dtype (float64 for integers); so does the
    backward's routing. Where overlapping windows send several gradients to one entry, torch adds them
    one by one in the dtype and we add them in float64 and round once, so sums may differ in the last bit."""
    forward, backward, torch_fn = MAX[d]
    try:
        y = forward(x, **kwargs)
    except ValueError as err:    # windows of only padding: refused (torch returns -inf, its backward corrupts memory)
        assume("only padding" not in str(err))
        raise
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    g = rng.normal(size=y.shape).round(2).astype(dtype)
    y_torch, (gx,) = torch_grads(torch_fn, [x.astype(dtype)], g, **kwargs)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, y_torch)
    grad = backward(g, x, **kwargs)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, gx, rtol=0, atol=8 * np.finfo(dtype).eps * max(1, np.abs(g).max(initial=0)))


@settings(max_examples=150, **SETTINGS)
@given(pool_cases())
def test_max_pool_matches_torch_exactly_in_every_dtype(case):
    check_max_pool(*case)


NAN, INF = np.nan, np.inf


@settings(max_examples=150, **SETTINGS)
@given(pool_cases(dtypes=[np.float32, np.float64], values=[NAN, -INF, INF, 0.0, 1.0]))
@example((2, np.array([[[[1.0, NAN], [NAN, 0.0]]]]), dict(kernel_size=(2, 2), stride=None, padding=(0, 0),
                                                             dilation=(1, 1)), np.random.default_rng(0)))
@example((1, np.full((1, 1, 3), -INF), dict(kernel_size=(3,), stride=(1,), padding=(1,), dilation=(1,)),
          np.random.default_rng(0)))
def test_max_pool_routes_nan_and_inf_like_torch(case):
    """NaN propagates; its gradient goes to the window's *last* NaN; an all -inf padded window sends it
    to its first tap inside the input (both on the tiled and the general path)."""
    check_max_pool(*case)


@settings(max_examples=100, **SETTINGS)
@given(pool_cases(dilated=False, dtypes=FLOATS + INTS))
def test_avg_pool_keeps_the_floating_dtype_and_matches_torch(case):
    d, x, kwargs, rng = case
    assume(all(h >= k for h, k in zip(x.shape[2:], kwargs["kernel_size"])))  # torch refuses smaller inputs
    forward, backward, torch_fn = AVG[d]
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    y = forward(x, **kwargs)
    g = rng.normal(size=y.shape).astype(dtype)
    exact, (gx,) = torch_grads(torch_fn, [f64(x)], f64(g), **kwargs)
    assert_close(y, exact, torch_fn(torch.tensor(np.abs(f64(x))), **kwargs).numpy(), dtype)
    assert_close(backward(g, x, **kwargs), gx, torch_grads(torch_fn, [f64(x)], np.abs(f64(g)), **kwargs)[1][0], dtype)


@pytest.mark.parametrize("dtype", FLOATS + INTS)
def test_min_and_global_pooling_keep_the_floating_dtype(dtype):
    x = np.random.default_rng(0).integers(0, 9, (2, 3, 4, 6)).astype(dtype)
    out = dtype if np.dtype(dtype).kind == "f" else np.float64
    for y, expected in [(F.min_pool2d(x, 2), -TF.max_pool2d(torch.tensor(-f64(x)), 2).numpy()),
                        (F.min_pool2d(x, 3, stride=1, padding=1), -TF.max_pool2d(torch.tensor(-f64(x)), 3, 1, 1).numpy()),
                        (F.global_avg_pool(x), f64(x).mean(axis=(2, 3)))]:
        assert y.dtype == out
        np.testing.assert_allclose(y, expected, rtol={np.float16: 1e-3, np.float32: 1e-6}.get(dtype, 1e-12))


@pytest.mark.parametrize("dtype", FLOATS)
def test_conv_with_nan_and_inf_matches_torch(dtype):
    """NaN and inf propagate as in torch (inf - inf and inf * 0 give NaN). With padding only the input holds
    them: products with padding zeros of a non-finite weight are an implementation detail in torch."""
    rng = np.random.default_rng(1)
    special = np.array([NAN, INF, -INF, 0.0, 1.0, -2.0])
    x = rng.choice(special, (2, 2, 5, 5))
    w = rng.normal(size=(3, 2, 2, 2))
    for kwargs, w_ in [(dict(padding=1), w), (dict(stride=2, padding=1), w), ({}, rng.choice(special, w.shape))]:
        g = rng.normal(size=F.conv2d(x, w_, **kwargs).shape)
        y_t, (gx, gw) = torch_grads(TF.conv2d, [x.astype(dtype), w_.astype(dtype)], g.astype(dtype), **kwargs)
        y = F.conv2d(x.astype(dtype), w_.astype(dtype), **kwargs)
        grads = F.conv2d_backward(g.astype(dtype), x.astype(dtype), w_.astype(dtype), **kwargs)[:2]
        for ours, theirs in [(y, y_t), (grads[0], gx), (grads[1], gw)]:
            assert ours.dtype == dtype
            np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
            np.testing.assert_array_equal(np.isinf(ours) * np.sign(ours), np.isinf(theirs) * np.sign(theirs))


def test_max_pool_nan_routing_by_hand():
    """The rules spelled out on one 1D window (torch 2.14 CPU gives the same)."""
    grad = F.max_pool1d_backward(np.ones((1, 1, 1)), np.array([[[1.0, NAN, 2.0, NAN]]]), 4)
    np.testing.assert_array_equal(grad, [[[0, 0, 0, 1]]])                          # the last NaN
    grad = F.max_pool1d_backward(np.ones((1, 1, 3)), np.full((1, 1, 3), -INF), 3, stride=1, padding=1)
    np.testing.assert_array_equal(grad, [[[2, 1, 0]]])                             # first tap inside the input
    grad = F.max_pool1d_backward(np.array([[[INF]]]), np.array([[[1.0, 3.0]]]), 2)
    np.testing.assert_array_equal(grad, [[[0, INF]]])                              # an inf gradient, no inf * 0 = NaN


# ---------------------------------------------------------------- empty batches

def test_an_empty_batch_gives_empty_results_like_torch():
    x, w, b = np.zeros((0, 2, 5, 5), np.float32), np.ones((3, 2, 3, 3), np.float32), np.ones(3, np.float32)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (0, 3, 5, 5) and y.dtype == np.float32
    gx, gw, gb = F.conv2d_backward(y, x, w, b, padding=1)
    assert gx.shape == x.shape and gw.shape == w.shape and gb.shape == (3,)
    assert not gw.any() and not gb.any() and gw.dtype == gb.dtype == np.float32
    for fn, bwd, kwargs in [(F.max_pool2d, F.max_pool2d_backward, dict(kernel_size=2)),
                            (F.max_pool2d, F.max_pool2d_backward, dict(kernel_size=3, stride=1, padding=1)),
                            (F.avg_pool2d, F.avg_pool2d_backward, dict(kernel_size=2)),
                            (F.avg_pool2d, F.avg_pool2d_backward, dict(kernel_size=3, stride=2, padding=1))]:
        y = fn(x, **kwargs)
        assert y.shape == tuple(TF.max_pool2d(torch.zeros(x.shape), **kwargs).shape) and y.dtype == np.float32
        assert bwd(y, x, **kwargs).shape == x.shape
    assert F.global_avg_pool(x).shape == (0, 2)
    assert F.conv_nd_naive(x, w, b).shape == (0, 3, 3, 3)


# ---------------------------------------------------------------- memory layout

def test_non_contiguous_negative_stride_and_fortran_inputs_give_the_same_results():
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    g = rng.normal(size=F.conv2d(x, w, b, stride=2).shape)
    layouts = [lambda a: np.asfortranarray(a), lambda a: a[..., ::-1].copy()[..., ::-1],
               lambda a: np.repeat(a, 2, axis=-1)[..., ::2], lambda a: a.swapaxes(0, 1).copy().swapaxes(0, 1)]
    for layout in layouts:
        lx, lw, lg = layout(x), layout(w), layout(g)
        assert not lx.flags.c_contiguous
        np.testing.assert_array_equal(F.conv2d(lx, lw, b, stride=2), F.conv2d(x, w, b, stride=2))
        for ours, ref in zip(F.conv2d_backward(lg, lx, lw, b, stride=2), F.conv2d_backward(g, x, w, b, stride=2)):
            np.testing.assert_array_equal(ours, ref)
        for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
            y = F.max_pool2d(x, **kwargs)
            np.testing.assert_array_equal(F.max_pool2d(lx, **kwargs), y)
            np.testing.assert_array_equal(F.max_pool2d_backward(layout(y), lx, **kwargs), F.max_pool2d_backward(y, x, **kwargs))
            np.testing.assert_array_equal(F.avg_pool2d(lx, **kwargs), F.avg_pool2d(x, **kwargs))
    np.testing.assert_array_equal(F.correlate(x[0, 0, ::-1, 0], w[0, 0, ::-1, 0]), F.correlate(x[0, 0, ::-1, 0].copy(), w[0, 0, ::-1, 0].copy()))


# ---------------------------------------------------------------- signals against numpy

@settings(max_examples=100, **SETTINGS)
@given(st.integers(1, 9), st.integers(1, 9), st.sampled_from(["full", "same", "valid"]),
       st.sampled_from(["complex128", "complex64", "float16", "float32", "special", "int16"]), st.integers(0, 2**32 - 1))
def test_signals_match_numpy_for_complex_integers_and_nan(m, n, mode, kind, seed):
    rng = np.random.default_rng(seed)
    if kind.startswith("complex"):
        a, v = (rng.normal(size=(k, 2)).view(np.complex128)[:, 0].astype(kind) for k in (m, n))
    elif kind == "special":
        a, v = (rng.choice([NAN, INF, -INF, 0.0, 1.0, -1.0], k) for k in (m, n))
    elif kind == "int16":
        a, v = (rng.integers(-100, 100, k).astype(np.int16) for k in (m, n))
    else:
        a, v = (rng.normal(size=k).astype(kind) for k in (m, n))
    for ours_fn, np_fn in ((F.correlate, np.correlate), (F.convolve, np.convolve)):
        ours = ours_fn(a, v, mode)
        if kind == "int16":     # numpy keeps int16 (and can wrap); we give the exact float64 answer
            expected, dtype = np_fn(a.astype(np.int64), v.astype(np.int64), mode), np.float64
        else:
            expected, dtype = np_fn(a, v, mode), np.result_type(a, v)
        assert ours.dtype == dtype
        tol = {"float16": 2e-2, "float32": 1e-5, "complex64": 1e-5}.get(kind, 1e-12)
        scale = 0 if kind == "special" else 1 + float(np.abs(a).max()) * float(np.abs(v).max()) * len(v)   # special: small ints, exact
        np.testing.assert_allclose(ours, expected, rtol=tol, atol=tol * scale)


def test_complex_correlate_conjugates_the_second_argument_like_numpy():
    a, v = np.array([1 + 2j, 3 - 1j, 0.5j]), np.array([2 - 1j, 1j])
    np.testing.assert_allclose(F.correlate(a, v, "full"), np.correlate(a, v, "full"), atol=1e-14)
    assert not np.allclose(F.correlate(a, v, "full"), np.convolve(a, v[::-1], "full"))   # conj matters here


# ---------------------------------------------------------------- bad arguments

X2, W2 = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3))
X1 = np.zeros((1, 1, 6))
BAD = [  # (id, call, exception type, text the message must contain: the argument's name)
    ("float stride", lambda: F.conv2d(X2, W2, stride=1.5), TypeError, "stride"),
    ("float stride 2.0", lambda: F.conv2d(X2, W2, stride=2.0), TypeError, "stride"),
    ("bool stride", lambda: F.conv2d(X2, W2, stride=True), TypeError, "stride"),
    ("float in tuple", lambda: F.conv2d(X2, W2, stride=(1, 1.0)), TypeError, "stride"),
    ("float padding", lambda: F.conv2d(X2, W2, padding=0.5), TypeError, "padding"),
    ("float dilation", lambda: F.conv1d(X1, np.zeros((1, 1, 2)), dilation=1.0), TypeError, "dilation"),
    ("string padding", lambda: F.conv2d(X2, W2, padding="full"), ValueError, "padding"),
    ("float groups", lambda: F.conv2d(X2, W2, groups=1.0), TypeError, "groups"),
    ("bool groups", lambda: F.conv2d(X2, W2, groups=True), TypeError, "groups"),
    ("zero groups", lambda: F.conv2d(X2, W2, groups=0), ValueError, "groups"),
    ("zero out channels", lambda: F.conv2d(X2, np.zeros((0, 2, 3, 3))), ValueError, "weight"),
    ("zero-size kernel", lambda: F.conv2d(X2, np.zeros((3, 2, 0, 3))), ValueError, "weight"),
    ("complex conv", lambda: F.conv2d(X2.astype(complex), W2), TypeError, "input"),
    ("object weight", lambda: F.conv2d(X2, W2.astype(object)), TypeError, "weight"),
    ("string input", lambda: F.conv1d(np.array([[["a", "b"]]]), np.zeros((1, 1, 1))), TypeError, "input"),
    ("bias dtype", lambda: F.conv2d(X2, W2, np.array(["a", "b", "c"])), TypeError, "bias"),
    ("bias shape", lambda: F.conv2d(X2, W2, np.zeros((3, 1))), ValueError, "bias"),
    ("conv_nd 2 dims", lambda: F.conv_nd(np.zeros((5, 5)), np.zeros((1, 1))), ValueError, "input"),
    ("weight dims", lambda: F.conv_nd(X2, np.zeros((3, 2, 3))), ValueError, "weight"),
    ("conv2d on 1D", lambda: F.conv2d(X1, np.zeros((1, 1, 2))), ValueError, "input"),
    ("grad_output shape", lambda: F.conv2d_backward(np.zeros((1, 3, 2, 2)), X2, W2), ValueError, "grad_output"),
    ("grad_output dtype", lambda: F.conv2d_backward(np.zeros((1, 3, 3, 3), complex), X2, W2), TypeError, "grad_output"),
    ("missing weight", lambda: F.conv2d(X2), TypeError, "weight"),
    ("pool float kernel", lambda: F.max_pool2d(X2, 2.0), TypeError, "kernel_size"),
    ("pool bool kernel", lambda: F.avg_pool2d(X2, True), TypeError, "kernel_size"),
    ("pool zero kernel", lambda: F.max_pool2d(X2, (2, 0)), ValueError, "kernel_size"),
    ("pool float stride", lambda: F.max_pool1d(X1, 2, stride=1.5), TypeError, "stride"),
    ("pool same padding", lambda: F.max_pool2d(X2, 3, padding="same"), TypeError, "padding"),
    ("avg pool valid padding", lambda: F.avg_pool1d(X1, 2, padding="valid"), TypeError, "padding"),
    ("pool float padding", lambda: F.avg_pool2d(X2, 3, padding=1.0), TypeError, "padding"),
    ("pool float dilation", lambda: F.max_pool1d(X1, 2, dilation=1.5), TypeError, "dilation"),
    ("pool_nd 2 dims", lambda: F.max_pool_nd(np.zeros((4, 4)), 2), ValueError, "input"),
    ("avg_pool_nd 1 dim", lambda: F.avg_pool_nd(np.zeros(4), 2), ValueError, "input"),
    ("min_pool_nd 2 dims", lambda: F.min_pool_nd(np.zeros((4, 4)), 2), ValueError, "input"),
    ("pool complex", lambda: F.max_pool2d(X2.astype(complex), 2), TypeError, "input"),
    ("min pool complex", lambda: F.min_pool2d(X2.astype(complex), 2), TypeError, "input"),
    ("pool grad shape", lambda: F.max_pool2d_backward(np.zeros((1, 2, 3, 3)), X2, 2), ValueError, "grad_output"),
    ("avg grad shape", lambda: F.avg_pool1d_backward(np.zeros((1, 1, 2)), X1, 2), ValueError, "grad_output"),
    ("global 2 dims", lambda: F.global_avg_pool(np.zeros((2, 3))), ValueError, "input"),
    ("global empty", lambda: F.global_avg_pool(np.zeros((2, 3, 0))), ValueError, "input"),
    ("global dtype", lambda: F.global_avg_pool(np.zeros((1, 1, 2), object)), TypeError, "input"),
    ("signal empty", lambda: F.correlate(np.zeros(0), np.ones(2)), ValueError, "a"),
    ("signal dims", lambda: F.convolve(np.ones(3), np.ones((2, 2))), ValueError, "v"),
    ("signal dtype", lambda: F.convolve(np.array(["a"]), np.ones(2)), TypeError, "a"),
    ("signal mode", lambda: F.convolve(np.ones(3), np.ones(2), mode="wide"), ValueError, "mode"),
    ("grid inf", lambda: F.continuous_convolve(np.sin, np.cos, np.array([0.0, np.inf])), ValueError, "x"),
    ("grid complex", lambda: F.continuous_convolve(np.sin, np.cos, np.array([0j, 1j])), TypeError, "x"),
    ("grid samples", lambda: F.continuous_convolve(np.ones(3), np.ones(2), np.arange(3.0)), ValueError, "samples of g"),
    ("size float", lambda: F.conv_output_size(28.0, 3), TypeError, "size"),
    ("size kernel bool", lambda: F.conv_output_size(28, True), TypeError, "kernel_size"),
    ("size negative padding", lambda: F.conv_output_size(28, 3, padding=-1), ValueError, "padding"),
]


@pytest.mark.parametrize("name,call,error,names", BAD, ids=[b[0] for b in BAD])
def test_bad_arguments_raise_a_clear_error_naming_them(name, call, error, names):
    with pytest.raises(error) as info:
        call()
    assert names in str(info.value)
    assert type(info.value) is error or error is ValueError   # not a subclass from deep inside numpy


def test_fixed_dims_versions_keep_their_names_signature_and_docs():
    import inspect
    assert F.conv2d.__name__ == "conv2d" and F.max_pool3d_backward.__name__ == "max_pool3d_backward"
    assert list(inspect.signature(F.conv2d).parameters)[:3] == ["input", "weight", "bias"]
    assert "(N, C, H, W)" in F.avg_pool2d.__doc__ and "Raises" in F.conv1d.__doc__


def test_each_gradient_has_its_own_arrays_dtype():
    """A float64 ``np.ones`` gradient does not turn float32 gradients into float64; mixed arrays promote forward."""
    x, w, b = np.ones((1, 2, 5, 5), np.float32), np.ones((3, 2, 3, 3), np.float64), np.ones(3, np.float16)
    assert F.conv2d(x, w, b).dtype == np.float64
    gx, gw, gb = F.conv2d_backward(np.ones((1, 3, 3, 3)), x, w, b)
    assert (gx.dtype, gw.dtype, gb.dtype) == (np.float32, np.float64, np.float16)
    assert F.max_pool2d_backward(np.ones((1, 2, 2, 2)), x, 2).dtype == np.float32
    assert F.max_pool2d_backward(np.ones((1, 2, 3, 3)), x, 3, stride=2, padding=1).dtype == np.float32
    assert F.avg_pool2d_backward(np.ones((1, 2, 2, 2)), x, 2).dtype == np.float32
