"""Chapter 6, pooling: its computation, figures, explorer, checks and quiz."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from cnnlib import functional as F
from cnnlib.chapters import ch06_pooling as inv
from cnnlib.chapters.ch06_pooling import figures, quiz
from cnnlib import checks
from cnnlib.chapters.ch06_pooling.checks import pool_shortcuts
from cnnlib.checks import check

rng = np.random.default_rng(0)


# computation: invariance measurements
# -----------------------------------------------------------


def test_edge_features_match_torch_conv_relu():
    img = rng.random((20, 24))
    ours = inv.edge_features(img, padding=1)
    ref = torch.relu(
        torch.nn.functional.conv2d(
            torch.tensor(img)[None, None], torch.tensor(inv.EDGE_FILTERS), padding=1
        )
    ).numpy()
    assert ours.shape == (1, 3, 20, 24)
    assert np.allclose(ours, ref)
    assert inv.edge_features(img).shape == (1, 3, 18, 22)
    padded = np.pad(img, 1, mode="edge")
    ref_edge = torch.relu(
        torch.nn.functional.conv2d(
            torch.tensor(padded)[None, None], torch.tensor(inv.EDGE_FILTERS)
        )
    )
    assert np.allclose(inv.edge_features(img, padding="edge"), ref_edge.numpy())
    # a constant image has no edges anywhere, not even at the border, with edge padding
    assert np.allclose(inv.edge_features(np.ones((6, 6)), padding="edge"), 0)
    assert inv.edge_features(np.ones((6, 6)), padding=1).max() > 0


def test_edge_features_rejects_bad_shapes():
    with pytest.raises(ValueError, match="grayscale"):
        inv.edge_features(rng.random((4, 5, 3)))
    with pytest.raises(ValueError, match=r"\(C, 1, K, K\)"):
        inv.edge_features(rng.random((8, 8)), weight=np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match="odd"):
        inv.edge_features(
            rng.random((8, 8)), weight=np.ones((1, 1, 2, 2)), padding="edge"
        )


def test_shift_crop_moves_content():
    img = np.arange(100.0).reshape(10, 10)
    ref, moved = inv.shift(img, 0, 0, margin=2), inv.shift(img, 1, 2, margin=2)
    assert ref.shape == moved.shape == (6, 6)
    # content moved down 1 and right 2: moved[i, j] == ref[i - 1, j - 2]
    assert np.array_equal(moved[1:, 2:], ref[:-1, :-2])
    assert np.array_equal(inv.shift(img, 0, 3, mode="roll"), np.roll(img, 3, axis=1))
    with pytest.raises(ValueError, match="margin"):
        inv.shift(img, 0, 3, margin=2)
    with pytest.raises(ValueError, match="mode"):
        inv.shift(img, 0, 1, mode="wrap")
    with pytest.raises(ValueError, match="no pixels"):
        inv.shift(img, 0, 0, margin=5)


def test_relative_change_and_correlation():
    a = np.array([3.0, 4.0])
    assert inv.relative_change(a, a) == 0
    assert inv.relative_change(np.zeros(2), a) == pytest.approx(1.0)
    assert inv.relative_change(np.array([3.0, 5.0]), a) == pytest.approx(1 / 5)
    with pytest.raises(ValueError, match="shapes differ"):
        inv.relative_change(a, np.ones(3))
    with pytest.raises(ValueError, match="zeros"):
        inv.relative_change(a, np.zeros(2))
    x = rng.random(50)
    assert inv.correlation(x, 3 * x + 1) == pytest.approx(1.0)
    assert inv.correlation(x, np.corrcoef(x, x)[0, 0] * x) == pytest.approx(1.0)


def test_feature_change_equivariance_and_invariance():
    img = rng.random((40, 40))
    # conv is shift-equivariant: after aligning by the shift itself, nothing changes
    conv = inv.feature_change(inv.edge_features, img, [0, 1, 3], margin=4, align=1)
    assert np.allclose(conv, 0)
    # unaligned, a random image's features change a lot
    assert inv.feature_change(inv.edge_features, img, [1], margin=4)[0] > 0.5
    # max pooling by 2: a shift by 2 is one coarse cell, exactly; a shift by 1 is not
    pooled = inv.feature_change(
        lambda x: F.max_pool2d(inv.edge_features(x), 2),
        img,
        [1, 2, 4],
        margin=4,
        align=2,
    )
    assert pooled[0] > 0.05
    assert np.allclose(pooled[1:], 0)


def test_rotation_change_zero_at_zero():
    img = rng.random((48, 48))
    out = inv.rotation_change(inv.edge_features, img, [0, 3], margin=8)
    assert out[0] == 0 and out[1] > 0


def test_weak_activations():
    w = inv.weak_activations((100, 100), 0.5, density=0.25, rng=1)
    assert w.min() >= 0 and w.max() <= 0.5
    assert 0.2 < np.mean(w > 0) < 0.3
    with pytest.raises(ValueError):
        inv.weak_activations((3,), -1)


# pool_map and the explorer -----------------------------------------------------


def test_pool_map_matches_torch_and_positions():
    x = inv.example_map()
    for pool, fn in (
        ("max", torch.nn.functional.max_pool2d),
        ("avg", torch.nn.functional.avg_pool2d),
    ):
        for k, s in ((2, 2), (3, 1), (4, 3)):
            out, pos, msg = inv.pool_map(x, pool, k, s)
            assert msg == ""
            assert np.allclose(out, fn(torch.tensor(x)[None, None], k, s).numpy()[0, 0])
            if pool == "max":
                assert np.allclose(x[pos[:, 0], pos[:, 1]], out.ravel())
    out, pos, _ = inv.pool_map(x, "min", 2, 2)
    assert np.allclose(x[pos[:, 0], pos[:, 1]], out.ravel())
    out, pos, msg = inv.pool_map(x[:3, :3], "max", 4, 1)
    assert out is None and "does not fit" in msg
    with pytest.raises(ValueError):
        inv.pool_map(x, "median", 2, 2)


def test_explorer_updates_artists_and_never_raises():
    explorer = figures.make_pool_explorer()
    fig = explorer.fig
    ax_in, ax_out = fig.axes[:2]
    explorer.update(pool="max", window=2, stride=2, size=8)
    fig.canvas.draw()
    assert ax_out.images[0].get_array().shape == (4, 4)
    assert "4x4" in ax_out.get_title()
    explorer.update(pool="avg", window=3, stride=1, size=8)
    assert ax_out.images[0].get_array().shape == (6, 6)
    explorer.update(pool="min", window=4, stride=4, size=3)  # window does not fit
    fig.canvas.draw()
    assert not ax_out.images[0].get_visible()
    assert any("does not fit" in t.get_text() for t in ax_out.texts)
    for pool in inv.POOLS:  # every slider position works
        for k in range(1, 5):
            for s in range(1, 5):
                for n in (2, 5, 8):
                    explorer.update(pool=pool, window=k, stride=s, size=n)
    assert set(explorer.controls) == {"pool", "window", "stride", "size"}
    assert explorer.controls["window"].max == 4 and explorer.controls["size"].min == 2


# the exercises' checks ---------------------------------------------------


def test_exercise_checks_accept_right_and_reject_wrong(capsys):
    x = inv.BY_HAND
    mx = x.reshape(2, 2, 2, 2).max(axis=(1, 3))
    av = x.reshape(2, 2, 2, 2).mean(axis=(1, 3))
    assert check("ch06-by-hand", (mx, av))
    assert not check("ch06-by-hand", (av, av))
    assert check("ch06-output-size", (8, 96, 27, 27))
    assert not check("ch06-output-size", (8, 96, 28, 28))
    assert not check("ch06-output-size", (8, 48, 27, 27))

    def good(x):
        h, w = x.shape[2] // 2 * 2, x.shape[3] // 2 * 2
        n, c = x.shape[:2]
        return x[:, :, :h, :w].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))

    assert check("ch06-reshape-maxpool", good)
    assert not check("ch06-reshape-maxpool", lambda x: good(x) + 1)
    grad = np.zeros((4, 4))
    grad[1, 0], grad[1, 3], grad[2, 1], grad[3, 2] = 10, 20, 30, 40
    assert check("ch06-gradient", grad)
    assert not check("ch06-gradient", np.kron(inv.GRAD_OUT, np.ones((2, 2))) / 4)
    out = capsys.readouterr().out
    assert "27, 27" not in out  # a fail never prints the expected shape


def _reshape_pool(x):
    n, c, h, w = x.shape
    h2, w2 = h // 2 * 2, w // 2 * 2
    return x[:, :, :h2, :w2].reshape(n, c, h2 // 2, 2, w2 // 2, 2).max(axis=(3, 5))


def _loops_pool(x):
    n, c, h, w = x.shape
    out = np.empty((n, c, h // 2, w // 2))
    for i in range(h // 2):
        for j in range(w // 2):
            out[:, :, i, j] = x[:, :, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max(
                axis=(2, 3)
            )
    return out


def _cnnlib_pool(x):
    return F.max_pool2d(x, 2)


def _cnnlib_nd(x):
    import cnnlib.functional

    return cnnlib.functional.max_pool_nd(x, 2)


def _min_of_negated(x):
    return -F.min_pool2d(-x, 2)


def _torch_pool(x):
    import torch

    return torch.nn.functional.max_pool2d(torch.tensor(x), 2).numpy()


def _torch_module(x):
    import torch

    return torch.nn.MaxPool2d(2)(torch.tensor(x)).numpy()


def _block_reduce(x):
    from skimage.measure import block_reduce

    n, c, h, w = x.shape
    return block_reduce(x[:, :, : h // 2 * 2, : w // 2 * 2], (1, 1, 2, 2), np.max)


def _chapter_helper(x):
    return np.array(
        [
            [inv.pool_map(m, "max", 2, 2)[0] for m in img]
            for img in x[..., : x.shape[-2]]
        ]
    )


def test_reshape_maxpool_accepts_honest_answers(capsys):
    assert check("ch06-reshape-maxpool", _reshape_pool)
    assert check("ch06-reshape-maxpool", _loops_pool)


@pytest.mark.parametrize(
    "shortcut",
    [
        _cnnlib_pool,
        _cnnlib_nd,
        _min_of_negated,
        _torch_pool,
        _torch_module,
        _block_reduce,
    ],
)
def test_reshape_maxpool_refuses_the_shortcuts(shortcut, capsys):
    x = rng.standard_normal((2, 3, 6, 8))
    assert np.allclose(shortcut(x), F.max_pool2d(x, 2))  # each one is a right answer...
    assert not check("ch06-reshape-maxpool", shortcut)  # ...that the exercise forbids
    assert "asks you not to use" in capsys.readouterr().out
    assert np.allclose(shortcut(x), F.max_pool2d(x, 2))  # and everything is restored


def test_reshape_maxpool_refuses_the_chapter_helper(capsys):
    x = rng.standard_normal((1, 2, 6, 6))  # pool_map takes square maps
    assert np.allclose(_chapter_helper(x), F.max_pool2d(x, 2))
    with checks.forbidding(_chapter_helper, pool_shortcuts()):
        with pytest.raises(checks.Forbidden):
            _chapter_helper(x)


def test_web_grid_renders_every_setting_without_raising(tmp_path):
    from cnnlib.explorer import web_explorer

    exp = figures.make_pool_explorer()
    grid = {k: v[:2] for k, v in figures.WEB_GRID.items()}
    page = web_explorer(exp, "t", grid=grid, folder=tmp_path).data
    assert "8 settings precomputed" in page
    assert set(figures.WEB_GRID) <= set(exp.controls)


def test_binomial_and_blur_pool():
    assert np.allclose(inv.binomial(4), np.array([1, 3, 3, 1]) / 8)
    assert np.allclose(inv.binomial(1), [1.0])
    with pytest.raises(ValueError):
        inv.binomial(0)
    x = rng.random((2, 3, 16, 16))
    out = inv.blur_pool(x, 4)
    dense = torch.nn.functional.max_pool2d(torch.tensor(x), 4, 1)
    b = torch.tensor(np.outer(inv.binomial(4), inv.binomial(4)))
    ref = torch.nn.functional.conv2d(dense, b.expand(3, 1, 4, 4), stride=4, groups=3)
    assert out.shape == (2, 3, 3, 3) and np.allclose(out, ref.numpy())
    # a constant map stays constant: the blur sums to one
    assert np.allclose(inv.blur_pool(np.full((1, 1, 12, 12), 2.5), 2), 2.5)


def test_blur_pool_changes_less_than_max_pool_under_shifts():
    img = rng.random((48, 48))
    img = F.avg_pool2d(np.kron(img, np.ones((2, 2)))[None, None], 2)[0, 0]
    plain = inv.feature_change(
        lambda im: F.max_pool2d(inv.edge_features(im), 4), img, [1, 2], margin=4
    )
    blurred = inv.feature_change(
        lambda im: inv.blur_pool(inv.edge_features(im), 4), img, [1, 2], margin=4
    )
    assert np.all(blurred < plain)


def test_classify_glyphs_pooling_radius_must_cover_the_shift():
    from cnnlib import data

    x = np.stack([data.glyph("x", 13, extent=7, shift=(0, 3)),
                  data.glyph("o", 13, extent=7, shift=(-2, 1))])
    pred_global, scores = inv.classify_glyphs(x)
    assert list(pred_global) == [0, 1] and np.allclose(scores.max(axis=1), 1.0)
    pred_centre, _ = inv.classify_glyphs(x, radius=0)
    assert not np.allclose(_.max(axis=1), 1.0)  # the centre misses the moved glyphs
    assert list(inv.classify_glyphs(x, radius=3)[0]) == [0, 1]
    centred = np.stack([data.glyph(k, 13, extent=7) for k in data.GLYPHS])
    assert list(inv.classify_glyphs(centred, radius=0)[0]) == [0, 1]
    with pytest.raises(ValueError):
        inv.classify_glyphs(x, radius=-1)


def test_gap_and_relu_commute_checks(capsys):
    assert check("ch06-gap", F.global_avg_pool(inv.GAP_X))
    assert check("ch06-gap", list(inv.GAP_X.mean(axis=(2, 3)).ravel()))
    assert not check("ch06-gap", inv.GAP_X.max(axis=(2, 3)))
    assert "max" in capsys.readouterr().out
    assert not check("ch06-gap", [1.0, 2.0, 3.0])
    assert check("ch06-relu-commute", np.array([[-3.0, 1.0], [0.0, 0.0]]))
    assert not check("ch06-relu-commute", np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert not check("ch06-relu-commute", np.array([-1.0, 1.0]))


def test_max_pool_and_relu_commute_avg_does_not():
    x = rng.standard_normal((2, 3, 8, 8))
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    assert np.allclose(F.max_pool2d(relu(x), 2), relu(F.max_pool2d(x, 2)))
    assert not np.allclose(F.avg_pool2d(relu(x), 2), relu(F.avg_pool2d(x, 2)))


def test_quiz_numbers_come_from_cnnlib():
    numeric = [q for q in quiz.QUIZ if q["type"] == "numeric"]
    right = [a["range"] for q in numeric for a in q["answers"] if a.get("correct")]
    assert [sum(r) / 2 for r in right] == [(31 - 3) // 2 + 1, 0, 8 * 64]
