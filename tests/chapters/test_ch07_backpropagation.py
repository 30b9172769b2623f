"""Tests for chapter 7: its computation, figures, explorer, exercise checks and quiz."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import cnnlib.functional as F  # noqa: E402
from cnnlib import gradcheck  # noqa: E402
from cnnlib.chapters import ch07_backpropagation as ch07  # noqa: E402
from cnnlib.chapters.ch07_backpropagation import checks, figures, quiz  # noqa: E402
from cnnlib.checks import check  # noqa: E402

rng = np.random.default_rng(0)
tf = torch.nn.functional


# The 1D example ---------------------------------------------------------------


def test_the_1d_example_by_hand_equals_autograd():
    x, w, d, b = ch07.X_1D, ch07.W_1D, ch07.D_1D, ch07.B_1D
    xt, wt = (torch.tensor(a[None, None], requires_grad=True) for a in (x, w))
    bt = torch.tensor(np.array([b]), requires_grad=True)
    tf.conv1d(xt, wt, bt).backward(torch.tensor(d[None, None]))
    (d1, d2, d3), (w1, w2, w3) = d, w
    assert xt.grad[0, 0, 2].item() == d1 * w3 + d2 * w2 + d3 * w1
    dw = [sum(d[j] * x[i + j] for j in range(3)) for i in range(3)]
    assert np.allclose(wt.grad.numpy().ravel(), dw) and bt.grad.item() == d.sum()
    assert not np.allclose(w, w[::-1]), "the example's kernel must show the flip"


# insert_zeros -------------------------------------------------------------------


def test_insert_zeros_examples():
    assert np.array_equal(ch07.insert_zeros([1, 2, 3], 2), [1, 0, 2, 0, 3])
    assert np.array_equal(ch07.insert_zeros([1, 2, 3], 1), [1, 2, 3])
    assert np.array_equal(ch07.insert_zeros([7], 3), [7])
    out = ch07.insert_zeros(np.arange(1, 5).reshape(2, 2), (1, 3))
    assert np.array_equal(out, [[1, 0, 0, 2], [3, 0, 0, 4]])
    assert ch07.insert_zeros(np.ones((2, 3, 4, 4), np.float32), (1, 1, 2, 2)).shape == (
        2,
        3,
        7,
        7,
    )
    assert ch07.insert_zeros(np.ones(3, np.float32), 2).dtype == np.float32


@pytest.mark.parametrize(
    "a,stride",
    [
        (5.0, 2),
        ([], 2),
        ([1, 2], 0),
        ([1, 2], 1.5),
        (np.ones((2, 2)), (1, 2, 3)),
        ([1, 2], -1),
    ],
)
def test_insert_zeros_refuses_bad_input(a, stride):
    with pytest.raises(ValueError):
        ch07.insert_zeros(a, stride)


SIZES = [(8, 3, 2, 1), (5, 3, 2, 1), (7, 2, 3, 0), (9, 3, 1, 2), (6, 4, 2, 1)]
SIZES += [(11, 3, 3, 1), (5, 5, 1, 0)]  # (input, kernel, stride, padding)


@pytest.mark.parametrize("size,k,s,p", SIZES)
def test_input_gradient_is_a_full_convolution_with_the_flipped_kernel(size, k, s, p):
    """Steps 1-4 of the chapter, against cnnlib and torch's conv_transpose2d."""
    X = rng.normal(size=(2, 3, size, size))
    W = rng.normal(size=(4, 3, k, k))
    G = rng.normal(size=F.conv2d(X, W, stride=s, padding=p).shape)
    spread = ch07.insert_zeros(G, (1, 1, s, s))
    full = np.pad(spread, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))
    dXp = F.conv2d(full, W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    r = size + 2 * p - dXp.shape[2]
    assert r == (size + 2 * p - k) % s
    dXp = np.pad(dXp, ((0, 0), (0, 0), (0, r), (0, r)))
    dX = dXp[:, :, p : p + size, p : p + size]
    expected = F.conv2d_backward(G, X, W, stride=s, padding=p)[0]
    assert np.allclose(dX, expected)
    transposed = tf.conv_transpose2d(
        torch.tensor(G), torch.tensor(W), stride=s, padding=p, output_padding=r
    )
    assert np.allclose(transposed.numpy(), expected)
    # the weight gradient as a correlation with dilation = stride
    Xp = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
    corr = F.conv2d(Xp.transpose(1, 0, 2, 3), G.transpose(1, 0, 2, 3), dilation=s)
    assert np.allclose(
        corr[:, :, :k, :k].transpose(1, 0, 2, 3),
        F.conv2d_backward(G, X, W, stride=s, padding=p)[1],
    )


# relative_error and finite differences --------------------------------------------


def test_relative_error():
    a = rng.normal(size=(3, 4))
    assert ch07.relative_error(a, a) == 0.0
    assert ch07.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert ch07.relative_error(a, -a) == pytest.approx(2.0)
    assert ch07.relative_error(1e6 * a, 1e6 * (a + 1e-9)) == pytest.approx(
        ch07.relative_error(a, a + 1e-9)
    )  # scale-free
    assert ch07.relative_error(a, np.zeros_like(a)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        ch07.relative_error(np.zeros(3), np.zeros(4))


def test_float64_differences_beat_float32_by_orders_of_magnitude():
    x = np.sin(np.arange(30) / 3)
    w = np.array([0.5, -1.0, 0.3])
    hs = 10.0 ** -np.arange(1, 11)
    e32 = ch07.finite_difference_errors(x, w, hs, np.float32)
    e64 = ch07.finite_difference_errors(x, w, hs, np.float64)
    assert e64.min() < 1e-9 < 1e-6 < e32.min()
    assert e64[0] > 1e-4 and e64[0] == pytest.approx(
        e32[0], rel=0.1
    )  # truncation: same
    assert np.all(np.isfinite(e32)) and e32[-1] == pytest.approx(
        1.0
    )  # step lost to rounding
    # truncation error shrinks like h^2: two decades of h, four of error
    assert 3 < np.log10(e64[0] / e64[2]) < 5


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(dtype=np.float16),
        dict(hs=[1e-3, 0.0]),
        dict(x=np.ones((2, 3))),
        dict(w=np.ones(40)),
    ],
)
def test_finite_difference_errors_refuses_bad_input(kwargs):
    args = dict(x=np.ones(10), w=np.ones(3), hs=[1e-3], dtype=np.float64) | kwargs
    with pytest.raises(ValueError):
        ch07.finite_difference_errors(**args)


# gradient_flow ------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("upstream", ch07.UPSTREAM)
def test_gradient_flow_matches_autograd(dims, stride, padding, upstream):
    x, w = ch07.flow_input(dims), ch07.flow_kernel(dims)
    position = (1, 2) if dims == 2 else 2
    flow = ch07.gradient_flow(x, w, position, stride, padding, upstream)
    conv = tf.conv2d if dims == 2 else tf.conv1d
    xt, wt = (torch.tensor(a[None, None], requires_grad=True) for a in (x, w))
    bt = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    y = conv(xt, wt, bt, stride=stride, padding=padding)
    assert flow["dy"].shape == y.shape[2:]
    y.backward(torch.tensor(flow["dy"][None, None]))
    assert np.allclose(flow["dx"], xt.grad.numpy()[0, 0])
    assert np.allclose(flow["dw"], wt.grad.numpy()[0, 0])
    assert flow["db"] == pytest.approx(bt.grad.item())
    inner = tuple(slice(padding, padding + n) for n in x.shape)
    assert np.array_equal(flow["dx_padded"][inner], flow["dx"])
    # the gradient on the padded input, padding included, is that of an explicitly
    # padded input convolved without padding
    xpt = torch.tensor(flow["x_padded"][None, None], requires_grad=True)
    conv(xpt, wt.detach(), stride=stride).backward(torch.tensor(flow["dy"][None, None]))
    assert np.allclose(flow["dx_padded"], xpt.grad.numpy()[0, 0])
    if padding == 0:
        assert flow["dx_padded"].shape == x.shape


def test_one_output_sends_the_kernel_back_and_collects_its_window():
    x, w = ch07.flow_input(2), ch07.flow_kernel(2)
    for position in [(0, 0), (1, 2), (2, 1)]:
        flow = ch07.gradient_flow(x, w, position, stride=2, padding=1)
        window = flow["window"]
        assert np.array_equal(flow["dx_padded"][window], w)
        assert np.abs(flow["dx_padded"]).sum() == np.abs(w).sum()
        assert np.array_equal(flow["dw"], flow["x_padded"][window])
        assert flow["db"] == 1.0
        assert flow["reads"][window].min() == 1 and flow["reads"].sum() == w.size


def test_reads_counts_windows_by_brute_force():
    x, w = ch07.flow_input(1), ch07.flow_kernel(1)
    for stride, padding in [(1, 0), (2, 1), (3, 2), (2, 0)]:
        flow = ch07.gradient_flow(x, w, 0, stride, padding, "all ones")
        counts = np.zeros(len(x) + 2 * padding, int)
        for j in range(len(flow["dy"])):
            counts[j * stride : j * stride + len(w)] += 1
        assert np.array_equal(flow["reads"], counts)
    # stride 4 with a 3-tap kernel skips inputs: they read nothing and get no gradient
    flow = ch07.gradient_flow(np.arange(11.0), np.ones(3), 0, 4, 0, "all ones")
    assert np.array_equal(flow["reads"] == 0, flow["dx"] == 0)
    assert (flow["reads"] == 0).sum() == 11 - 3 * 3


def test_gradient_flow_clamps_positions_and_refuses_bad_input():
    x, w = ch07.flow_input(2), ch07.flow_kernel(2)
    far = ch07.gradient_flow(x, w, (99, -5), stride=2, padding=0)
    assert far["position"] == (1, 0)
    assert ch07.gradient_flow(ch07.flow_input(1), ch07.flow_kernel(1), 50, 1, 0)[
        "position"
    ] == (6,)
    bad = [
        dict(x=x, w=ch07.flow_kernel(1), position=0),
        dict(x=x, w=w, position=0),
        dict(x=x, w=w, position=(0, 0), upstream="random"),
        dict(x=x, w=w, position=(0, 0), stride=0),
        dict(x=x, w=w, position=(0, 0), padding=-1),
        dict(x=x, w=w, position=(0, 0), stride=1.5),
        dict(x=np.ones((2, 2)), w=w, position=(0, 0)),
        dict(x=np.ones((2, 2, 2)), w=np.ones((1, 1, 1)), position=(0, 0, 0)),
    ]
    for kwargs in bad:
        with pytest.raises(ValueError):
            ch07.gradient_flow(**kwargs)


def test_flow_input_is_real_pixels_as_digits():
    two, one = ch07.flow_input(2), ch07.flow_input(1)
    assert two.shape == (5, 5) and one.shape == (9,)
    for a in (two, one):
        assert (
            np.array_equal(a, np.round(a))
            and a.min() >= 0
            and a.max() <= 9
            and a.std() > 1
        )
    two[0, 0] = -1  # a copy: the cache is not touched
    assert ch07.flow_input(2)[0, 0] >= 0
    for bad in (0, 3):
        with pytest.raises(ValueError):
            ch07.flow_input(bad)
        with pytest.raises(ValueError):
            ch07.flow_kernel(bad)


# figures and the explorer ------------------------------------------------------------


def test_wiring_figure():
    fig = figures.wiring_figure(ch07.X_1D, ch07.W_1D, ch07.D_1D, target=2, bias=0.5)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "= 3" in texts and "8.5" in texts  # dL/dx3 and O2 are written
    with pytest.raises(ValueError):
        figures.wiring_figure(ch07.X_1D, ch07.W_1D, ch07.D_1D[:2])
    with pytest.raises(ValueError):
        figures.wiring_figure(ch07.X_1D, ch07.W_1D, ch07.D_1D, target=5)


def test_transposed_figure():
    fig = figures.transposed_figure(
        np.arange(1.0, 10).reshape(3, 3), np.eye(3), 2, 1, 5
    )
    assert len(fig.axes) == 4
    with pytest.raises(ValueError):
        figures.transposed_figure(np.ones((2, 2)), np.eye(3), 2, 1, 5)


def test_explorer_controls_and_frames():
    explorer = figures.make_gradient_flow_explorer()
    assert set(explorer.controls) == {
        "dims",
        "upstream",
        "stride",
        "padding",
        "row",
        "col",
    }
    first = explorer.refresh()
    assert first[:2] == b"\xff\xd8"
    other = explorer.refresh(dict(explorer.values, dims="1D", upstream="all ones"))
    assert other != first
    for frame in figures.gradient_flow_frames():
        explorer.refresh(frame)  # every companion frame is a valid setting


def test_explorer_numbers_show_the_gradients():
    fig, update = figures._flow_figure(dpi=50)
    update(dims="2D", upstream="one output", stride=2, padding=1, row=0, col=0)
    grids_paths = [
        c
        for ax in fig.axes
        for c in ax.collections
        if type(c).__name__ == "PathCollection"
    ]
    # numbers on the input gradient: only where some window read (9 cells with one
    # output)
    counts = sorted(len(c.get_paths()) for c in grids_paths)
    assert 9 in counts and 49 in counts


def test_static_companion_is_small():
    html = figures.gradient_flow_animation(frames=figures.gradient_flow_frames()[:3])
    assert "<script" in html.data and len(html.data) < 600_000


# checks ----------------------------------------------------------------------------


def _my_backward(dy, x, w, stride=1, padding=0):
    xp = np.pad(np.asarray(x, float), padding)
    dxp, dw = np.zeros_like(xp), np.zeros(len(w))
    for j, g in enumerate(dy):
        dxp[j * stride : j * stride + len(w)] += g * np.asarray(w)
        dw += g * xp[j * stride : j * stride + len(w)]
    return dxp[padding : padding + len(x)], dw, float(np.sum(dy))


def _my_gradient_check(forward, backward, x, h=1e-6, seed=0):
    """A reader's correct answer, written independently of the notebook's solution."""
    g = np.random.default_rng(seed).normal(size=np.shape(forward(x)))
    numeric = gradcheck.numerical_gradient(
        lambda v: np.sum(forward(v) * g), x.copy(), h
    )
    return ch07.relative_error(backward(g, x), numeric)


def test_check_by_hand(capsys):
    x, w, d = (np.array(checks.BY_HAND[k]) for k in ("x", "w", "d"))
    dx, dw, db = F.conv1d_backward(
        d[None, None], x[None, None], w[None, None], np.zeros(1)
    )
    assert check("ch07-by-hand", (dx[0, 0], dw[0, 0], db[0]))
    assert not check("ch07-by-hand", (F.correlate(d, w, "full"), dw[0, 0], db[0]))
    assert "wrong way round" in capsys.readouterr().out
    assert not check("ch07-by-hand", (dx[0, 0], dw[0, 0], db[0] + 1))
    assert (
        "db: your value is too large" in capsys.readouterr().out
    )  # no expected value shown
    assert not check("ch07-by-hand", (dx[0, 0], dw[0, 0]))
    assert not check("ch07-by-hand", (dx[0, 0][:4], dw[0, 0], db[0]))
    assert not check("ch07-by-hand", ...)
    assert "no answer yet" in capsys.readouterr().out


def test_check_backward_loops(capsys):
    assert check("ch07-backward-loops", _my_backward)

    def lazy(dy, x, w, stride=1, padding=0):  # calls conv1d_backward inside
        flat = checks._reference_1d(dy, x, w, stride, padding)
        return flat[: len(x)], flat[len(x) : len(x) + len(w)], flat[-1]

    assert not check("ch07-backward-loops", lazy)
    assert "asks you not to use" in capsys.readouterr().out

    def no_crop(dy, x, w, stride=1, padding=0):
        dx, dw, db = _my_backward(dy, x, w, stride, padding)
        return dx[::-1], dw, db

    assert not check("ch07-backward-loops", no_crop)

    def wrong_shape(dy, x, w, stride=1, padding=0):
        return np.zeros(len(x) + 1), np.zeros(len(w)), 0.0

    assert not check("ch07-backward-loops", wrong_shape)
    assert "should have shape" in capsys.readouterr().out

    def starter(dy, x, w, stride=1, padding=0): ...

    assert not check("ch07-backward-loops", starter)
    assert "no answer yet" in capsys.readouterr().out
    assert not check("ch07-backward-loops", 3)
    assert not check("ch07-backward-loops", F.conv1d_backward)


def test_check_backward_loops_forbids_torch_autograd(capsys):
    def by_autograd(dy, x, w, stride=1, padding=0):
        xt, wt = (
            torch.tensor(np.asarray(a, float)[None, None], requires_grad=True)
            for a in (x, w)
        )
        y = torch.nn.functional.conv1d(xt, wt, stride=stride, padding=padding)
        gx, gw = torch.autograd.grad(
            y, (xt, wt), torch.tensor(np.asarray(dy)[None, None])
        )
        return gx.numpy()[0, 0], gw.numpy()[0, 0], float(np.sum(dy))

    assert not check("ch07-backward-loops", by_autograd)
    assert "asks you not to use" in capsys.readouterr().out


def _central(loss, x, h):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (loss(x + step) - loss(x - step)) / (2 * h)
    return grad


def test_check_gradient_check(capsys):
    def honest(forward, backward, x, h=1e-6, seed=0):
        g = np.random.default_rng(seed).normal(size=np.shape(forward(x)))
        numeric = _central(lambda v: np.sum(forward(v) * g), x, h)
        return ch07.relative_error(backward(g, x), numeric)

    assert check("ch07-gradient-check", honest)
    assert not check("ch07-gradient-check", _my_gradient_check)  # uses gradcheck
    assert "asks you not to use" in capsys.readouterr().out
    assert not check("ch07-gradient-check", gradcheck.check_backward)
    assert "library's function itself" in capsys.readouterr().out

    def always_fine(forward, backward, x, h=1e-6, seed=0):
        return 0.0

    assert not check("ch07-gradient-check", always_fine)  # misses the broken ones
    assert "should be near 1" in capsys.readouterr().out

    def ones_upstream(forward, backward, x, h=1e-6, seed=0):  # g = 1: weaker, still ok
        g = np.ones(np.shape(forward(x)))
        numeric = _central(lambda v: np.sum(forward(v) * g), x, h)
        return ch07.relative_error(backward(g, x), numeric)

    assert check("ch07-gradient-check", ones_upstream)

    def one_sided(forward, backward, x, h=1e-6, seed=0):
        g = np.random.default_rng(seed).normal(size=np.shape(forward(x)))
        base = np.sum(forward(x) * g)
        numeric = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            numeric[i] = (np.sum(forward(x) * g) - base) / h
            x[i] -= h  # not exact in floating point
        return ch07.relative_error(backward(g, x), numeric)

    assert not check("ch07-gradient-check", one_sided)

    def moves_x(forward, backward, x, h=1e-6, seed=0):
        error = honest(forward, backward, x, h, seed)
        x += 1.0
        return error

    assert not check("ch07-gradient-check", moves_x)
    assert "left x changed" in capsys.readouterr().out
    assert not check("ch07-gradient-check", lambda f, b, x, h=1e-6, seed=0: None)
    assert "no answer yet" in capsys.readouterr().out


def test_the_gradient_check_layers_are_what_they_claim():
    for name, forward, backward, x, broken in checks._layers():
        g = rng.normal(size=np.shape(forward(x)))
        for h, tol in ((1e-6, 1e-8), (checks.STEP, 1e-7)):
            loss = lambda v: np.sum(forward(v) * g)  # noqa: E731
            numeric = gradcheck.numerical_gradient(loss, x.copy(), h)
            error = ch07.relative_error(backward(g, x), numeric)
            assert (error > 0.1) if broken else (error < tol), (name, h)


def test_check_pool_ties():
    expected = F.max_pool2d_backward(
        np.ones((1, 1, 3, 3)), checks.POOL_MAP[None, None], 2, stride=1
    )[0, 0]
    assert check("ch07-pool-ties", expected)
    assert expected.sum() == 9 and expected.max() == 3  # the exercise has overlaps ...
    windows = np.lib.stride_tricks.sliding_window_view(checks.POOL_MAP, (2, 2)).reshape(
        9, 4
    )
    assert any((row == row.max()).sum() > 1 for row in windows)  # ... and ties
    shared = expected.copy()
    shared[0, 1], shared[1, 1] = 1.5, 0.5  # ties split: not torch's rule
    assert not check("ch07-pool-ties", shared)
    assert not check("ch07-pool-ties", np.ones((4, 4)))


def test_check_stride_zeros():
    assert check("ch07-stride-zeros", (4, 10, 1))
    assert not check("ch07-stride-zeros", (4, 10, 0))
    assert not check("ch07-stride-zeros", (4, 10))
    # r is really the number of padded positions no window reads
    case = checks.STRIDE_CASE
    counts = np.zeros(case["size"] + 2 * case["padding"], int)
    for j in range(4):
        counts[j * case["stride"] : j * case["stride"] + case["kernel"]] += 1
    assert (counts[::-1].cumsum() == 0).sum() == 1


def test_check_param_count(capsys):
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 5),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.LazyLinear(10),
    )
    net(torch.zeros(1, 3, 32, 32))
    total = sum(p.numel() for p in net.parameters())
    assert check("ch07-param-count", total)
    weights = sum(
        p.numel() for name, p in net.named_parameters() if name.endswith("weight")
    )
    assert not check("ch07-param-count", weights)
    assert "bias" in capsys.readouterr().out
    assert not check("ch07-param-count", total + 1)


# quiz
# ----------------------------------------------------------------------------------


def test_quiz_numbers():
    numeric = [q for q in quiz.QUIZ if q["type"] == "numeric"]
    right = [next(a for a in q["answers"] if a.get("correct")) for q in numeric]
    values = [sum(a["range"]) / 2 for a in right]
    assert values == [7.0, 0.0, 400.0]
    for q in numeric:  # wrong answers never overlap the right one
        ranges = [a["range"] for a in q["answers"] if a["type"] == "range"]
        for lo, hi in ranges[1:]:
            assert hi < ranges[0][0] or lo > ranges[0][1]
    for q in quiz.QUIZ:
        assert "$" not in q["question"] and "\\(" not in q["question"]
