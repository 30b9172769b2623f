"""Tests for chapter 3: its filtering computation, figures, explorer and exercise
checks."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import ndimage, signal  # noqa: E402

from cnnlib import counting, kernels  # noqa: E402
from cnnlib.chapters import ch03_image_processing as filtering  # noqa: E402
from cnnlib.checks import check  # noqa: E402

rng = np.random.default_rng(0)
GRAY = rng.random((17, 23))
RGB = rng.random((11, 13, 3))


@pytest.mark.parametrize("name", list(kernels.named()))
def test_filter_matches_scipy_correlate2d_zero_padding(name):
    k = kernels.named()[name]
    expected = signal.correlate2d(GRAY, k, mode="same", boundary="fill")
    np.testing.assert_allclose(filtering.filter_image(GRAY, k), expected, atol=1e-12)


@pytest.mark.parametrize("boundary", list(filtering.BOUNDARIES))
def test_filter_matches_ndimage_boundaries(boundary):
    k = rng.normal(size=(5, 3))
    np.testing.assert_allclose(
        filtering.filter_image(GRAY, k, boundary=boundary),
        ndimage.correlate(GRAY, k, mode=boundary),
        atol=1e-12,
    )


def test_valid_padding_matches_scipy():
    k = rng.normal(size=(3, 4))
    out = filtering.filter_image(GRAY, k, padding="valid")
    assert out.shape == (15, 20)
    np.testing.assert_allclose(
        out, signal.correlate2d(GRAY, k, mode="valid"), atol=1e-12
    )


def test_rgb_is_filtered_per_channel():
    out = filtering.filter_image(RGB, kernels.EMBOSS)
    assert out.shape == RGB.shape
    for c in range(3):
        np.testing.assert_allclose(
            out[..., c],
            signal.correlate2d(RGB[..., c], kernels.EMBOSS, "same"),
            atol=1e-12,
        )


def test_convolve_image_flips():
    np.testing.assert_allclose(
        filtering.convolve_image(GRAY, kernels.SOBEL_X),
        signal.convolve2d(GRAY, kernels.SOBEL_X, mode="same"),
        atol=1e-12,
    )
    # antisymmetric kernel: convolution is minus cross-correlation; symmetric: the same
    np.testing.assert_allclose(
        filtering.convolve_image(GRAY, kernels.SOBEL_X),
        -filtering.filter_image(GRAY, kernels.SOBEL_X),
    )
    g = kernels.gaussian(5, 1.0)
    np.testing.assert_allclose(
        filtering.convolve_image(GRAY, g), filtering.filter_image(GRAY, g), atol=1e-15
    )


def test_filter_bad_input():
    with pytest.raises(ValueError, match="shape"):
        filtering.filter_image(np.zeros((2, 3, 4, 5)), kernels.IDENTITY)
    with pytest.raises(ValueError, match="odd"):
        filtering.filter_image(GRAY, np.ones((2, 2)))
    with pytest.raises(ValueError, match="boundary"):
        filtering.filter_image(GRAY, kernels.IDENTITY, boundary="zeros")
    with pytest.raises(ValueError, match="padding"):
        filtering.filter_image(GRAY, kernels.IDENTITY, padding="full")
    with pytest.raises(ValueError, match="larger"):
        filtering.filter_image(np.zeros((2, 2)), np.ones((3, 3)), padding="valid")


def test_gradient_magnitude_matches_ndimage_sobel():
    # scipy's sobel along axis 1 is the same Sobel x kernel, with 'reflect' boundaries
    gx, gy = ndimage.sobel(GRAY, axis=1), ndimage.sobel(GRAY, axis=0)
    np.testing.assert_allclose(
        filtering.gradient_magnitude(GRAY), np.hypot(gx, gy), atol=1e-12
    )
    step = np.zeros((5, 6))
    step[:, 3:] = 1.0
    g = filtering.gradient_magnitude(step)
    assert g[2, 2] == 4.0 and g[2, 3] == 4.0 and g[2, 0] == 0.0


def test_separate_and_separable_filtering():
    g = kernels.gaussian(5, 1.3)
    col, row = filtering.separate(g)
    np.testing.assert_allclose(np.outer(col, row), g, atol=1e-14)
    np.testing.assert_allclose(
        filtering.filter_separable(GRAY, col, row),
        filtering.filter_image(GRAY, g),
        atol=1e-12,
    )
    col, row = filtering.separate(kernels.SOBEL_X)
    np.testing.assert_allclose(np.outer(col, row), kernels.SOBEL_X, atol=1e-12)
    assert filtering.separate(kernels.LAPLACIAN) is None
    assert filtering.separate(kernels.SHARPEN) is None
    assert counting.conv_multiplies((512, 512), (5, 5)) == 512 * 512 * 25
    two_passes = counting.conv_multiplies(
        (512, 512), (5, 1)
    ) + counting.conv_multiplies((512, 512), (1, 5))
    assert two_passes == 512 * 512 * 10


def test_parse_kernel():
    np.testing.assert_array_equal(
        filtering.parse_kernel("0 -1 0\n-1 5 -1\n0 -1 0"), kernels.SHARPEN
    )
    np.testing.assert_allclose(filtering.parse_kernel("1/9, " * 9), kernels.box(3))
    assert filtering.parse_kernel(" ".join(["1"] * 25)).shape == (5, 5)
    g = kernels.gaussian(5, 1.0)
    np.testing.assert_allclose(
        filtering.parse_kernel(filtering.format_kernel(g, digits=12)), g, atol=1e-12
    )
    with pytest.raises(ValueError, match="found 8 numbers"):
        filtering.parse_kernel("1 2 3 4 5 6 7 8")
    with pytest.raises(ValueError, match="'x' is not a number"):
        filtering.parse_kernel("1 2 3 4 x 6 7 8 9")
    with pytest.raises(ValueError, match="not a number"):
        filtering.parse_kernel("1/0 2 3 4 5 6 7 8 9")
    with pytest.raises(ValueError, match="finite"):
        filtering.parse_kernel("inf 2 3 4 5 6 7 8 9")
    with pytest.raises(ValueError):
        filtering.parse_kernel(None)


def test_describe_kernel():
    d = {name: filtering.describe_kernel(k) for name, k in kernels.named().items()}
    assert d["identity"]["kind"] == "identity"
    assert d["box blur"]["kind"] == d["Gaussian blur"]["kind"] == "blur"
    assert d["sharpen"]["kind"] == "sharpen"
    assert d["Sobel x"]["kind"] == d["Laplacian"]["kind"] == "edge"
    assert d["emboss"]["kind"] == "emboss-like"
    assert d["emboss"]["sum"] == 1 and d["Laplacian"]["sum"] == 0
    assert (
        d["Sobel x"]["antisymmetric"]
        and not d["Sobel x"]["symmetric"]
        and d["Sobel x"]["separable"]
    )
    assert d["Laplacian"]["symmetric"] and not d["Laplacian"]["separable"]
    assert d["Sobel x"]["mirror_ud"] and not d["Sobel x"]["mirror_lr"]
    assert (
        "brightness is kept" in d["Gaussian blur"]["text"]
        and "edge" in d["Sobel y"]["text"]
    )
    assert filtering.describe_kernel(2 * kernels.IDENTITY)["kind"] == "scale"
    assert filtering.describe_kernel(np.ones((3, 3)))["kind"] == "scaled blur"
    # a rounded typed box blur still counts as keeping brightness
    assert filtering.describe_kernel(np.full((3, 3), 0.111))["kind"] == "blur"


def test_display_range():
    assert filtering.display_range(kernels.box(3)) == (0.0, 1.0)
    out = filtering.filter_image(GRAY, kernels.SOBEL_X)
    lo, hi = filtering.display_range(kernels.SOBEL_X, out)
    assert lo == -hi and 0 < hi <= np.abs(out).max()
    assert filtering.display_range(np.ones((3, 3)), np.full((4, 4), 9.0)) == (0.0, 1.0)
    assert filtering.display_range(2 * kernels.SHARPEN, np.full((4, 4), 9.0)) == (
        0.0,
        9.0,
    )
    assert filtering.display_range(-kernels.IDENTITY, -GRAY)[1] == 0.0
    assert filtering.to_display(np.array([-2.0, 0.0, 2.0]), -1, 1).tolist() == [
        0.0,
        0.5,
        1.0,
    ]


def test_kernel_figure():
    from matplotlib.figure import Figure

    from cnnlib.chapters.ch03_image_processing.figures import kernel_figure

    gallery = {"sharpen": kernels.SHARPEN, "typed": "1 0 -1 1 0 -1 1 0 -1"}
    fig = kernel_figure(RGB, gallery, ncols=2)
    outs = filtering.filter_gallery(RGB, gallery)
    assert isinstance(fig, Figure)
    assert list(outs) == ["sharpen", "typed"] and outs["typed"].shape == RGB.shape
    assert len(fig.axes) == 4
    # the typed kernel's output, as displayed
    shown = fig.axes[3].images[0].get_array()
    vmin, vmax = filtering.display_range(
        filtering.read_kernel(gallery["typed"]), outs["typed"]
    )
    np.testing.assert_allclose(shown, filtering.to_display(outs["typed"], vmin, vmax))
    np.testing.assert_allclose(
        outs["typed"],
        filtering.filter_image(RGB, -kernels.PREWITT_X, boundary="reflect"),
    )


def test_kernel_explorer_updates_in_place():
    import time

    from cnnlib.chapters.ch03_image_processing.figures import make_kernel_explorer

    ex = make_kernel_explorer()
    ax_in, ax_k, ax_out = ex.fig.axes[:3]
    im_out = ax_out.images[0]
    before = im_out.get_array().copy()

    def count():
        return [(len(ax.images), len(ax.texts), len(ax.lines)) for ax in ex.fig.axes]

    n_artists = count()
    ex.update(kernel=filtering.format_kernel(kernels.box(3)), image="camera (gray)")
    blurred = im_out.get_array().copy()
    assert not np.allclose(before, blurred)
    title = ax_out.texts[0]
    assert "blur" in title.get_text()
    # colour photo, 5x5 kernel
    info = ex.update(
        kernel=filtering.format_kernel(kernels.gaussian(5, 1.0)),
        image="astronaut (colour)",
    )
    assert info["kind"] == "blur" and im_out.get_array().shape[-1] == 3
    assert ax_k.images[0].get_array().shape == (5, 5)
    # bad text: no exception, an explanation, the last valid kernel kept
    info = ex.update(kernel="1 2 x", image="coins (gray)")
    assert info["kind"] == "blur"
    assert (
        "Cannot read the kernel" in ex.note.value and "Cannot" not in title.get_text()
    )
    # the explanation, under the frame
    assert ex.note in ex.widget.children
    assert count() == n_artists  # updated in place, nothing added
    # the preset dropdown writes its numbers into the text box
    ex.controls["preset"].value = "Laplacian"
    np.testing.assert_array_equal(
        filtering.parse_kernel(ex.controls["kernel"].value), kernels.LAPLACIAN
    )
    t = time.perf_counter()
    ex.update(kernel=filtering.format_kernel(kernels.SOBEL_Y), image="chelsea (colour)")
    ex.fig.canvas.draw()
    # generous bound; the benchmark times it
    assert time.perf_counter() - t < 0.5
    # the layout never changes: axes limits are fixed, so blitted frames stay valid
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in ex.fig.axes]
    for image in ex.controls["image"].options:
        for preset in ("identity", "Gaussian blur", "Laplacian"):
            ex.refresh(
                dict(
                    kernel=filtering.format_kernel(kernels.named()[preset]), image=image
                )
            )
    assert [(ax.get_xlim(), ax.get_ylim()) for ax in ex.fig.axes] == limits
    assert ex.animated and all(a.get_animated() for a in ex.animated)


def test_exercise_checks(capsys):
    from cnnlib.chapters.ch03_image_processing.checks import (
        BY_HAND_KERNEL,
        BY_HAND_PATCH,
    )

    right = np.zeros((3, 3))
    right[1, 0] = 1
    assert check("ch03-shift-right", right)
    assert not check("ch03-shift-right", right[:, ::-1])
    hand = signal.correlate2d(BY_HAND_PATCH, BY_HAND_KERNEL, mode="valid")
    assert check("ch03-by-hand", hand)
    assert not check(
        "ch03-by-hand", signal.convolve2d(BY_HAND_PATCH, BY_HAND_KERNEL, mode="valid")
    )
    assert check("ch03-keep-brightness", 9) and not check("ch03-keep-brightness", 8)

    # zero padding: any padding is accepted
    def squared(x):
        return (
            filtering.filter_image(x, kernels.SOBEL_X) ** 2
            + filtering.filter_image(x, kernels.SOBEL_Y) ** 2
        )

    assert check("ch03-gradient-magnitude", lambda x: np.sqrt(squared(x)))
    assert not check("ch03-gradient-magnitude", squared)
    out = capsys.readouterr().out
    assert "squared magnitude" in out
    assert check("ch03-sobel-separable", ([1, 2, 1], [-1, 0, 1]))
    assert not check("ch03-sobel-separable", ([-1, 0, 1], [1, 2, 1]))
    assert check("ch03-separable-cost", 49 / 14) and not check(
        "ch03-separable-cost", 49 / 7
    )
    out += capsys.readouterr().out
    # feedback never prints an array answer
    assert "[[" not in out


def test_pad_extends_like_filter_image():
    for boundary, mode in filtering.BOUNDARIES.items():
        np.testing.assert_array_equal(
            filtering.pad(GRAY, 2, boundary), np.pad(GRAY, 2, mode=mode)
        )
    padded = filtering.pad(RGB, (1, 3), "reflect")
    assert padded.shape == (13, 19, 3)
    np.testing.assert_array_equal(
        padded[..., 1], np.pad(RGB[..., 1], ((1, 1), (3, 3)), mode="symmetric")
    )
    k = rng.normal(size=(3, 7))
    valid = filtering.filter_image(
        filtering.pad(GRAY, (1, 3), "wrap"), k, padding="valid"
    )
    np.testing.assert_allclose(
        valid, filtering.filter_image(GRAY, k, boundary="wrap"), atol=1e-12
    )
    with pytest.raises(ValueError, match="boundary"):
        filtering.pad(GRAY, 1, "zeros")
    with pytest.raises(ValueError, match="non-negative"):
        filtering.pad(GRAY, -1)
    with pytest.raises(ValueError, match="shape"):
        filtering.pad(np.zeros(5), 1)


def test_fit_kernel_recovers_a_kernel():
    """The chapter's learned kernel: kernels.fit_kernel on the photo padded as
    filter_image pads it."""
    target = filtering.filter_image(GRAY, kernels.EMBOSS, boundary="reflect")
    fitted = kernels.fit_kernel(filtering.pad(GRAY, 1, "reflect"), target, (3, 3))
    np.testing.assert_allclose(fitted, kernels.EMBOSS, atol=1e-9)
    g = kernels.gaussian(5, 1.0)
    target = filtering.filter_image(GRAY, g, boundary="reflect")
    np.testing.assert_allclose(
        kernels.fit_kernel(filtering.pad(GRAY, 2, "reflect"), target, (5, 5)),
        g,
        atol=1e-9,
    )
    with pytest.raises(ValueError, match="shape"):
        kernels.fit_kernel(filtering.pad(GRAY, 1, "reflect"), GRAY[:-1], (3, 3))
    with pytest.raises(ValueError, match="shape"):
        kernels.fit_kernel(GRAY, GRAY, (3, 3, 3))


def test_gradient_magnitude_check_refuses_ready_made_edge_detectors(capsys):
    """ch03-gradient-magnitude asks for filter_image and the Sobel kernels, not a
    finished detector."""
    shortcuts = {
        "the chapter's gradient_magnitude": filtering.gradient_magnitude,
        "the chapter's sobel": lambda x: np.hypot(*filtering.sobel(x)),
        "scipy.ndimage.sobel": lambda x: np.hypot(
            ndimage.sobel(x, axis=1), ndimage.sobel(x, axis=0)
        ),
    }
    for name, fn in shortcuts.items():
        x = rng.random((9, 11))
        # right numbers...
        assert np.allclose(fn(x), filtering.gradient_magnitude(x)), name
        # ...still refused
        assert not check("ch03-gradient-magnitude", fn), f"{name} passed"
    assert "asks you not to use" in capsys.readouterr().out

    def honest(img):
        gx = filtering.filter_image(img, kernels.SOBEL_X)
        gy = filtering.filter_image(img, kernels.SOBEL_Y)
        return np.sqrt(gx**2 + gy**2)

    assert check("ch03-gradient-magnitude", honest)
    # restored afterwards
    assert filtering.gradient_magnitude is filtering.checks.gradient_magnitude

    def starter(img): ...  # your code

    assert not check("ch03-gradient-magnitude", starter)
    assert not check("ch03-gradient-magnitude", np.zeros((3, 3)))


def test_kernel_explorer_preset_drives_the_kernel_and_typing_clears_it():
    from cnnlib.chapters.ch03_image_processing.figures import make_kernel_explorer

    ex = make_kernel_explorer()
    im_out = ex.fig.axes[2].images[0]
    box_text = filtering.format_kernel(kernels.box(3))
    # a named preset wins over whatever the text says (the web page has no text box)
    ex.update(kernel="not a kernel", image="coins (gray)", preset="box blur")
    by_preset = im_out.get_array().copy()
    assert "Cannot read" not in ex.note.value
    ex.update(kernel=box_text, image="coins (gray)", preset="(typed)")
    np.testing.assert_array_equal(by_preset, im_out.get_array())
    ex.update(kernel=filtering.format_kernel(kernels.SOBEL_X), image="coins (gray)")
    assert not np.allclose(by_preset, im_out.get_array())
    # live: choosing a preset fills the box; editing the box sets the menu back
    ex.controls["preset"].value = "sharpen"
    assert ex.controls["kernel"].value == filtering.format_kernel(kernels.SHARPEN)
    assert ex.controls["preset"].value == "sharpen"
    ex.controls["kernel"].value = "0 0 0\n0 2 0\n0 0 0"
    assert ex.controls["preset"].value == "(typed)"
    assert ex.update(**ex.values)["sum"] == 2


def test_kernel_web_grid_names_real_presets_and_photos(tmp_path):
    from cnnlib.chapters.ch03_image_processing import figures
    from cnnlib.explorer import web_explorer

    assert set(figures.WEB_GRID["preset"]) <= set(kernels.named())
    assert set(figures.WEB_GRID["image"]) <= set(figures.EXPLORER_IMAGES)
    ex = figures.make_kernel_explorer()
    grid = {"preset": ["identity", "Sobel x"], "image": ["camera (gray)"]}
    page = web_explorer(ex, "k", grid=grid, folder=tmp_path).data
    frames = sorted(tmp_path.glob("k/*.jpg"), key=lambda p: int(p.stem))
    assert len(frames) == 2 and "Sobel x" in page and "2 settings precomputed" in page
    assert frames[0].read_bytes() != frames[1].read_bytes()
    assert frames[1].read_bytes() == ex.refresh(
        {"kernel": "1", "image": "camera (gray)", "preset": "Sobel x"}
    )


def test_unsharp_mask_is_one_kernel_that_keeps_brightness():
    rng = np.random.default_rng(3)
    img = rng.random((20, 24))
    for amount, sigma in ((0.0, 1.0), (1.0, 1.0), (2.5, 2.0), (0.7, 3.0)):
        k = filtering.unsharp_kernel(amount, sigma)
        assert k.shape == (2 * int(np.ceil(2 * sigma)) + 1,) * 2
        assert np.isclose(k.sum(), 1.0)
        res = filtering.unsharp_mask(img, amount, sigma)
        np.testing.assert_allclose(
            res["sharpened"],
            filtering.filter_image(img, k, boundary="reflect"),
            atol=1e-12,
        )
        np.testing.assert_allclose(res["detail"], img - res["blurred"])
    flat = np.full((12, 12), 0.3)
    np.testing.assert_allclose(filtering.unsharp_mask(flat, 2.0)["sharpened"], 0.3)
    # a larger amount exaggerates a step edge more
    step = np.tile((np.arange(16) >= 8).astype(float), (5, 1))
    over = [filtering.unsharp_mask(step, a)["sharpened"].max() for a in (0.5, 1.0, 2.0)]
    assert 1 < over[0] < over[1] < over[2]
    with pytest.raises(ValueError):
        filtering.unsharp_kernel(-1.0)
    with pytest.raises(ValueError):
        filtering.unsharp_mask(img, 1.0, sigma=0)


def test_unsharp_explorer_shows_the_amount():
    from cnnlib.chapters.ch03_image_processing.figures import (
        UNSHARP_WEB_GRID,
        make_unsharp_explorer,
    )

    ex = make_unsharp_explorer()
    out = ex.fig.axes[2].images[0]
    ex.update(amount=0.0, sigma=1.0)
    plain = out.get_array().copy()
    np.testing.assert_allclose(plain, ex.fig.axes[0].images[0].get_array())
    res = ex.update(amount=2.0, sigma=2.0)
    assert not np.allclose(plain, out.get_array())
    assert "I + 2" in ex.fig.axes[2].get_title()
    np.testing.assert_allclose(out.get_array(), np.clip(res["sharpened"], 0, 1))
    slider = ex.controls["amount"]
    assert all(slider.min <= a <= slider.max for a in UNSHARP_WEB_GRID["amount"])
    assert set(UNSHARP_WEB_GRID["sigma"]) <= set(ex.controls["sigma"].options)
