"""Chapter 5: cuboids, layer summaries, grouped and 1x1 convs, checks, explorer."""

import itertools
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import scipy.signal  # noqa: E402

from cnnlib.chapters import ch05_multichannel as mc  # noqa: E402
from cnnlib.chapters.ch05_multichannel import figures  # noqa: E402
from cnnlib.chapters.ch05_multichannel import quiz  # noqa: E402
from cnnlib.checks import check  # noqa: E402
from cnnlib.counting import conv_multiplies  # noqa: E402
from cnnlib.functional import conv2d  # noqa: E402

from cnnlib.kernels import SOBEL_X  # noqa: E402

rng_global = np.random.default_rng(11)


# --- cuboid geometry
# -------------------------------------------------------------------------


def test_project_hand_computed():
    # depth 2 at 45 degrees, scale 0.5: shifted by 2 * 0.5 * (cos 45, sin 45) = (0.7071,
    # 0.7071)
    p = mc.project([(1.0, 2.0, 2.0), (0.0, 0.0, 0.0)], depth_scale=0.5, angle=45)
    np.testing.assert_allclose(p, [[1 + np.sqrt(0.5), 2 + np.sqrt(0.5)], [0, 0]])


def test_cuboid_faces_front_is_undistorted_and_faces_share_edges():
    f = mc.cuboid_faces((1, 2), (3, 4, 5), depth_scale=0.5, angle=30)
    np.testing.assert_allclose(f["front"], [[1, 2], [6, 2], [6, 6], [1, 6]])
    dx, dy = 3 * 0.5 * np.cos(np.pi / 6), 3 * 0.5 * np.sin(np.pi / 6)
    np.testing.assert_allclose(f["top"][2], [6 + dx, 6 + dy])
    np.testing.assert_allclose(f["side"][1], [6 + dx, 2 + dy])
    # top face's front edge is the front face's top edge
    np.testing.assert_allclose(f["top"][:2], f["front"][[3, 2]])


@pytest.mark.parametrize(
    "bad", [dict(size=(1, -1, 1)), dict(size=(1, 1)), dict(origin=(0,))]
)
def test_cuboid_faces_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        mc.cuboid_faces(**bad)


def test_draw_cuboid_adds_faces_slices_and_label():
    fig, ax = plt.subplots()
    artists = figures.draw_cuboid(ax, (0, 0), (2, 1, 1), "x", slices=4)
    assert len(ax.patches) == 3 and len(ax.collections) == 1 and len(ax.texts) == 1
    assert (
        len(ax.collections[0].get_segments()) == 2 * 3
    )  # 3 inner slice lines on top and side
    assert len(artists) == 5
    plt.close(fig)


def test_draw_planes_positions_and_errors():
    fig, ax = plt.subplots()
    planes = np.random.default_rng(0).random((3, 4, 8))
    ims = figures.draw_planes(ax, planes, width=4, spacing=1, depth_scale=0.5, angle=0)
    extents = sorted(im.get_extent() for im in ims)
    assert extents[0] == pytest.approx((0, 4, 0, 2)) and extents[2] == pytest.approx(
        (1, 5, 0, 2)
    )
    with pytest.raises(ValueError):
        figures.draw_planes(ax, planes[0])
    with pytest.raises(ValueError):
        figures.draw_planes(ax, planes, cmaps=["gray"])
    plt.close(fig)


def test_drawn_sizes_monotonic():
    d = [mc.drawn_depth(c) for c in (1, 3, 16, 64)]
    s = [mc.drawn_side(p) for p in (4, 16, 64)]
    assert d == sorted(d) and s == sorted(s) and len(set(d)) == 4
    with pytest.raises(ValueError):
        mc.drawn_depth(0)


def test_draw_conv_layer_groups_and_errors():
    fig, ax = plt.subplots()
    figures.draw_conv_layer(ax, 4, 16, 16, 6, 3, groups=2, out_hw=(14, 14))
    colours = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in ax.patches}
    assert len(colours) >= 4  # two groups, shaded faces
    with pytest.raises(ValueError):
        figures.draw_conv_layer(ax, 3, 16, 16, 6, 3, groups=2)
    plt.close(fig)


# --- layer summaries against torch
# -----------------------------------------------------------


@pytest.mark.parametrize(
    "c_in,c_out,k,groups,bias,h,w,stride,padding",
    [
        (3, 64, 3, 1, True, 32, 32, 1, 0),
        (64, 64, 3, 2, True, 17, 20, 2, 1),
        (8, 8, 5, 8, False, 9, 9, 1, 2),
        (6, 4, (1, 3), 2, True, 5, 7, 3, 0),
        (96, 256, 5, 2, True, 27, 27, 1, 2),
    ],
)
def test_layer_summary_matches_torch(
    c_in, c_out, k, groups, bias, h, w, stride, padding
):
    s = mc.layer_summary(c_in, c_out, k, groups, bias, h, w, stride, padding, n=2)
    layer = torch.nn.Conv2d(
        c_in, c_out, k, stride=stride, padding=padding, groups=groups, bias=bias
    )
    assert s["ok"] and s["message"] == ""
    assert s["weight_shape"] == tuple(layer.weight.shape)
    assert s["params"] == sum(p.numel() for p in layer.parameters())
    assert s["out_shape"] == tuple(layer(torch.zeros(2, c_in, h, w)).shape)
    # multiply-adds of one image: torch's FLOP counter counts two FLOPs per multiply-add
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as flops:
        layer(torch.zeros(1, c_in, h, w))
    assert 2 * s["multiplies"] == flops.get_total_flops()
    kh, kw = (k, k) if np.isscalar(k) else k
    assert s["multiplies"] == conv_multiplies(
        s["out_shape"][2:], (kh, kw), c_in, c_out, groups
    )


def test_layer_summary_reports_impossible_layers():
    s = mc.layer_summary(5, 8, 3, groups=2)
    assert (
        not s["ok"]
        and s["weight_shape"] is None
        and "C_in=5" in s["message"]
        and "C_out" not in s["message"]
    )
    s = mc.layer_summary(3, 8, 7, h=4, w=4)
    assert (
        not s["ok"] and s["weight_shape"] == (8, 3, 7, 7) and "larger" in s["message"]
    )
    assert mc.layer_summary(3, 8, 7, h=4, w=4, padding=2)["ok"]


def test_layer_summary_never_raises_on_clamped_grid():
    L = mc.LIMITS
    grid = itertools.product(
        range(L["c_in"][0], L["c_in"][1] + 1, 7),
        [1, 6, 64],
        range(1, 8, 3),
        range(1, 9),
        [True, False],
        [4, 9, 64],
        [1, 4],
        [0, 3],
    )
    for c_in, c_out, k, g, b, hw, s, p in grid:
        out = mc.layer_summary(c_in, c_out, k, g, b, hw, hw, s, p)
        assert out["ok"] == (out["out_shape"] is not None)


def test_channel_connectivity():
    np.testing.assert_array_equal(
        mc.channel_connectivity(3, 2, 1), np.ones((2, 3), bool)
    )
    np.testing.assert_array_equal(
        mc.channel_connectivity(4, 4, 4), np.eye(4, dtype=bool)
    )
    expected = np.zeros((6, 4), bool)
    expected[:3, :2] = expected[3:, 2:] = True
    np.testing.assert_array_equal(mc.channel_connectivity(4, 6, 2), expected)
    with pytest.raises(ValueError):
        mc.channel_connectivity(3, 4, 2)


def test_connectivity_matches_torch_gradient():
    # output channel o depends on input channel c exactly where the matrix is True
    x = torch.randn(1, 6, 5, 5, requires_grad=True)
    layer = torch.nn.Conv2d(6, 4, 3, groups=2)
    mask = mc.channel_connectivity(6, 4, 2)
    for o in range(4):
        (g,) = torch.autograd.grad(layer(x)[0, o].sum(), x)
        np.testing.assert_array_equal(g[0].abs().sum(dim=(1, 2)).numpy() > 0, mask[o])


# --- the identities the chapter asserts
# -------------------------------------------------------


def test_grouped_conv_is_two_convs_on_halves():
    rng = np.random.default_rng(1)
    x, wt, b = (
        rng.normal(size=(2, 6, 9, 9)),
        rng.normal(size=(4, 3, 3, 3)),
        rng.normal(size=4),
    )
    y = conv2d(x, wt, b, groups=2)
    halves = np.concatenate(
        [conv2d(x[:, :3], wt[:2], b[:2]), conv2d(x[:, 3:], wt[2:], b[2:])], axis=1
    )
    np.testing.assert_allclose(y, halves)
    ref = torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(wt), torch.tensor(b), groups=2
    ).numpy()
    np.testing.assert_allclose(y, ref, atol=1e-10)


def test_one_by_one_conv_is_per_pixel_matmul():
    rng = np.random.default_rng(2)
    x, wt = rng.normal(size=(2, 5, 4, 6)), rng.normal(size=(3, 5, 1, 1))
    np.testing.assert_allclose(
        conv2d(x, wt), np.einsum("oc,nchw->nohw", wt[:, :, 0, 0], x)
    )


# --- exercises
# --------------------------------------------------------------------------------


def _solution_channel_sum(x, w, b):
    """The notebook's solution: one 2D single-channel correlation per (image, o, c)."""
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    out = np.zeros((n, c_out, h - kh + 1, wd - kw + 1))
    for i in range(n):
        for o in range(c_out):
            for c in range(c_in):
                out[i, o] += scipy.signal.correlate2d(x[i, c], w[o, c], mode="valid")
            out[i, o] += b[o]
    return out


def _loops_channel_sum(x, w, b):
    """A loop over window positions, products and sums written out: no routine."""
    kh, kw = w.shape[2:]
    ho, wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    out = np.empty((x.shape[0], w.shape[0], ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = x[:, None, :, i : i + kh, j : j + kw]  # (N, 1, C_in, K_h, K_w)
            out[:, :, i, j] = (window * w[None]).sum(axis=(2, 3, 4)) + b
    return out


def test_channel_sums_is_the_multichannel_conv():
    rng = np.random.default_rng(3)
    planes, filt = rng.random((3, 10, 12)), rng.normal(size=(3, 3, 3))
    per_channel, total = mc.channel_sums(planes, filt, bias=0.5)
    np.testing.assert_allclose(
        total, conv2d(planes[None], filt[None], np.array([0.5]))[0, 0]
    )
    ref = torch.nn.functional.conv2d(
        torch.tensor(planes[None, :1]), torch.tensor(filt[None, :1])
    ).numpy()[0, 0]
    np.testing.assert_allclose(per_channel[0], ref, atol=1e-12)
    with pytest.raises(ValueError):
        mc.channel_sums(planes, filt[:2])


def test_exercises_accept_right_answers(capsys):
    assert check("ch05-params", 64 * 128 * 25 + 128)
    assert check("ch05-output-shape", (8, 16, 31, 23))
    assert check("ch05-grouped-weight", (128, 16, 3, 3))
    assert check("ch05-kernels-count", 512)
    assert check("ch05-channel-sum", _solution_channel_sum)
    assert check("ch05-channel-sum", _loops_channel_sum)


def test_exercises_reject_wrong_answers(capsys):
    assert not check("ch05-params", 64 * 128 * 25)
    assert "bias" in capsys.readouterr().out
    assert not check("ch05-output-shape", (8, 16, 32, 24))
    assert not check("ch05-output-shape", (8, 16, 31))
    assert not check("ch05-grouped-weight", (128, 64, 3, 3))
    assert not check("ch05-kernels-count", 32)

    def no_sum(x, w, b):  # forgets to sum over channels: keeps only channel 0
        return conv2d(x[:, :1], w[:, :1], b)

    assert not check("ch05-channel-sum", no_sum)
    assert not check("ch05-channel-sum", 3)


def _whole_conv(x, w, b):
    return conv2d(x, w, b)


def _conv_nd(x, w, b):
    import cnnlib.functional as F

    return F.conv_nd(x, w, b)


def _einsum(x, w, b):
    from numpy.lib.stride_tricks import sliding_window_view

    win = sliding_window_view(x, w.shape[2:], axis=(2, 3))  # (N, C, H', W', K_h, K_w)
    return np.einsum("nchwpq,ocpq->nohw", win, w) + b[None, :, None, None]


def _tensordot(x, w, b):
    from numpy.lib.stride_tricks import sliding_window_view

    win = sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return (
        np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
        + b[None, :, None, None]
    )


def _torch(x, w, b):
    import torch

    return torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(w), torch.tensor(b)
    ).numpy()


def _torch_module(x, w, b):
    import torch

    layer = torch.nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:]).double()
    with torch.no_grad():
        layer.weight[:] = torch.tensor(w)
        layer.bias[:] = torch.tensor(b)
        return layer(torch.tensor(x)).numpy()


def _scipy_nd(x, w, b):
    import scipy.ndimage

    out = []
    for o in range(w.shape[0]):  # a 3D correlation sums over channels by itself
        y = scipy.signal.correlate(x, w[None, o], mode="valid")[:, 0]
        out.append(y + b[o])
    return np.stack(out, axis=1)


def _chapter_helper(x, w, b):
    return np.stack(
        [
            np.stack([mc.channel_sums(xi, w[o], b[o])[1] for o in range(w.shape[0])])
            for xi in x
        ]
    )


@pytest.mark.parametrize(
    "shortcut",
    [
        _whole_conv,
        _conv_nd,
        _einsum,
        _tensordot,
        _torch,
        _torch_module,
        _scipy_nd,
        _chapter_helper,
    ],
)
def test_channel_sum_refuses_the_shortcuts(shortcut, capsys):
    x, w, b = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.zeros(3)
    assert np.allclose(
        shortcut(x, w, b), conv2d(x, w, b)
    )  # each one is a right answer...
    assert not check("ch05-channel-sum", shortcut)  # ...that the exercise forbids
    assert "asks you not to use" in capsys.readouterr().out
    assert np.allclose(shortcut(x, w, b), conv2d(x, w, b))  # and everything is restored


# --- the explorer
# -----------------------------------------------------------------------------


def test_explorer_updates_artists_and_is_fast():
    exp = figures.make_conv_layer_explorer()
    ax = exp.fig.axes[0]
    exp.fig.canvas.draw()
    before = (
        len(ax.patches),
        [t.get_text() for t in exp.fig.texts + exp.fig.axes[1].texts],
    )
    values = dict(exp.values, c_in=64, c_out=64, groups=2, kernel=5, stride=2)
    times = []
    for v in [values, dict(values, c_in=5), dict(values, kernel=7, h=4, w=4), values]:
        t = time.perf_counter()
        exp.update(**v)
        exp.fig.canvas.draw()
        times.append(time.perf_counter() - t)
    exp.update(**values)
    after = (
        len(ax.patches),
        [t.get_text() for t in exp.fig.texts + exp.fig.axes[1].texts],
    )
    assert after != before
    assert "(64, 32, 5, 5)" in exp.fig.axes[1].texts[0].get_text()
    assert (
        f"mult-adds {mc.layer_summary(64, 64, 5, 2, stride=2)['multiplies']:,}"
        in exp.fig.axes[1].texts[0].get_text()
    )
    exp.update(**dict(values, c_in=5))
    assert "not divisible" in exp.fig.axes[1].texts[0].get_text()
    # out-of-range values are clamped, never raise
    exp.update(
        c_in=1000,
        c_out=-3,
        kernel=99,
        groups=0,
        bias=False,
        h=1,
        w=500,
        stride=0,
        padding=-1,
    )
    assert min(times) < 0.5
    plt.close(exp.fig)


def test_layers_figure_draws_each_setting():
    fig = figures.layers_figure(
        [
            dict(c_in=3, c_out=4, kernel=3),
            dict(c_in=5, c_out=4, kernel=3, groups=2),
            dict(c_in=3, c_out=4, kernel=7, h=4, w=4),
        ],
        ncols=2,
    )
    assert isinstance(fig, matplotlib.figure.Figure)
    axes = np.array(fig.axes).reshape(2, 2)
    assert "1,792" not in axes[0, 0].get_title()
    assert "112 params" in axes[0, 0].get_title()
    assert "not divisible" in axes[0, 1].get_title()
    assert not axes[1, 1].axison
    plt.close(fig)


# --- the chapter's figures
# ------------------------------------------------------------------


def test_channel_sum_figure_shows_the_channel_sums():
    rng = np.random.default_rng(3)
    planes, filt = rng.random((3, 10, 12)), rng.normal(size=(3, 3, 3))
    fig = figures.channel_sum_figure(planes, filt, bias=0.5)
    _, total = mc.channel_sums(planes, filt, bias=0.5)
    np.testing.assert_allclose(fig.axes[-2].images[0].get_array(), total)
    assert len(fig.axes) == 3 * 3 + 2  # 3 rows of 3 panels, the sum, its colourbar
    plt.close(fig)
    with pytest.raises(ValueError):
        figures.channel_sum_figure(planes, filt[:2])


def test_filter_bank_figure_layout():
    fig = figures.filter_bank_figure(np.zeros((4, 3, 3, 3)), names=list("abcd"))
    axes = np.array(fig.axes).reshape(3, 4)
    assert axes.shape == (3, 4) and axes[0, 2].get_title() == "filter 2:\nc"
    assert len(axes[1, 1].texts) == 9
    plt.close(fig)
    with pytest.raises(ValueError):
        figures.filter_bank_figure(np.zeros((4, 3, 3)))


def test_draw_exploded_filter():
    fig, ax = plt.subplots()
    figures.draw_exploded_filter(ax, c_in=3, k=5, highlight=1)
    texts = [t.get_text() for t in ax.texts]
    assert "filter: 3×5×5" in texts and sum("kernel" in t for t in texts) == 3
    with pytest.raises(ValueError):
        figures.draw_exploded_filter(ax, c_in=3, highlight=3)
    plt.close(fig)


def test_quiz_numbers_come_from_cnnlib():
    numeric = [q for q in quiz.QUIZ if q["type"] == "numeric"]
    assert len(numeric) == 3
    right = [a["range"] for q in numeric for a in q["answers"] if a.get("correct")]
    assert [sum(r) / 2 for r in right] == [
        64 * 32 * 9 + 64,
        64 * 8 * 9,
        30 * 30 * 16 * 27,
    ]


# --- the two-channel example, pixel sums and the per-pixel explorer
# -------------------------------------------------------------------------


def test_two_channel_example_by_hand():
    y = conv2d(mc.TWO_CHANNEL_X[None], mc.TWO_CHANNEL_W[None])[0, 0]
    assert np.array_equal(y, [[19 + 12, 25 + 10], [37 + 6, 43 + 4]])
    ref = torch.nn.functional.conv2d(
        torch.tensor(mc.TWO_CHANNEL_X)[None], torch.tensor(mc.TWO_CHANNEL_W)[None]
    )
    assert np.allclose(y, ref.numpy()[0, 0])


def test_two_channel_check(capsys):
    y = conv2d(mc.TWO_CHANNEL_X[None], mc.EXERCISE_W[None])[0, 0]
    assert check("ch05-two-channel", y + mc.EXERCISE_B)
    assert not check("ch05-two-channel", y)
    assert "bias" in capsys.readouterr().out
    per_channel, _ = mc.channel_sums(mc.TWO_CHANNEL_X, mc.EXERCISE_W)
    assert not check("ch05-two-channel", per_channel[0] + mc.EXERCISE_B)
    assert "one channel" in capsys.readouterr().out
    assert not check("ch05-two-channel", np.zeros(3))


def test_hand_filters_shapes_and_channel_mix():
    weight, bias, names = mc.hand_filters()
    assert weight.shape == (4, 3, 3, 3) and bias.shape == (4,) and len(names) == 4
    # filter 0 on a grey image (equal channels) is the Sobel kernel times sum(luma)
    assert np.allclose(weight[0].sum(axis=0), mc.LUMA.sum() * SOBEL_X)
    # the colour filters ignore grey: equal R, G, B give zero before the bias
    grey = np.full((3, 5, 5), 0.4)
    assert np.allclose(conv2d(grey[None], weight[2:])[0], 0)


@pytest.mark.parametrize("o,i,j", [(0, 0, 0), (2, 3, 1), (3, 1, 3)])
def test_pixel_sum_matches_conv2d(o, i, j):
    x = rng_global.random((3, 6, 6))
    weight, bias = rng_global.normal(size=(4, 3, 3, 3)), rng_global.normal(size=4)
    s = mc.pixel_sum(x, weight, bias, o, i, j)
    full = conv2d(x[None], weight, bias)[0]
    assert np.isclose(s["total"], full[o, i, j])
    assert np.isclose(s["partials"].sum() + s["bias"], s["total"])
    for c in range(3):
        single = conv2d(x[None, c : c + 1], weight[o : o + 1, c : c + 1])[0, 0]
        assert np.isclose(s["partials"][c], single[i, j])
    assert s["patches"].shape == (3, 3, 3)


def test_pixel_sum_rejects_bad_input():
    x, w, b = np.zeros((3, 6, 6)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    with pytest.raises(ValueError, match="pixel"):
        mc.pixel_sum(x, w, b, 0, 4, 0)
    with pytest.raises(ValueError, match="pixel"):
        mc.pixel_sum(x, w, b, 4, 0, 0)
    with pytest.raises(ValueError, match="same C"):
        mc.pixel_sum(np.zeros((2, 6, 6)), w, b, 0, 0, 0)


def test_pixel_explorer_shows_the_sum():
    exp = figures.make_pixel_explorer()
    s = exp.update(o=2, i=1, j=3)
    texts = [t.get_text() for ax in exp.fig.axes for t in ax.texts]
    assert any(f"= {s['total']:+.3f}" in t for t in texts)
    xlabels = [ax.get_xlabel() for ax in exp.fig.axes]
    assert sum(f"{p:+.3f}" in " ".join(xlabels) for p in s["partials"]) == 3
    full = conv2d(mc.photo_crop()[None], *mc.hand_filters()[:2])[0]
    assert np.isclose(s["total"], full[2, 1, 3])
    clamped = exp.update(o=9, i=-4, j=40)  # clamped, never raises
    assert np.isclose(clamped["total"], full[3, 0, 3])
    assert set(figures.PIXEL_GRID) == set(exp.controls)
    plt.close(exp.fig)


def test_conv_window_stays_visible_on_large_inputs():
    fig, ax = plt.subplots()
    figures.draw_conv_layer(ax, 3, 256, 256, 4, 3, out_hw=(254, 254))
    red = [p for p in ax.patches if np.allclose(p.get_facecolor()[:3],
                                                plt.matplotlib.colors.to_rgb("#C44E52"))]
    assert red, "the window is drawn"
    widths = [np.ptp(p.get_xy()[:, 0]) for p in red]
    assert max(widths) >= figures.WINDOW_MIN - 1e-9
    plt.close(fig)
