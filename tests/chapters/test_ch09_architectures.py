"""Chapter 9, AlexNet and after: its computation, figures, explorer, checks and quiz."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from torch import nn

from cnnlib import counting, data
from cnnlib.chapters import ch09_architectures as ch09
from cnnlib.chapters.ch09_architectures import checks as ch09_checks
from cnnlib.chapters.ch09_architectures import figures, quiz
from cnnlib.checks import check
from cnnlib.gradcheck import numerical_gradient
from cnnlib.models import weight_layers

rng = np.random.default_rng(0)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# data ---------------------------------------------------------------------------


def test_load_gives_tensors_of_the_asked_sizes():
    d = ch09.load(50, 20)
    assert d["x"].shape == (50, 1, 28, 28) and d["x_test"].shape == (20, 1, 28, 28)
    assert d["x"].dtype == torch.float32 and d["y"].dtype == torch.int64
    assert len(d["classes"]) == 10 and int(d["y"].max()) <= 9
    with pytest.raises(ValueError, match="positive"):
        ch09.load(0, 10)


def test_load_falls_back_to_digits(monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("no Fashion-MNIST here")

    monkeypatch.setattr(data, "fashion_mnist", missing)
    d = ch09.load(100, 30)
    assert "digits" in d["source"] and d["classes"] == tuple("0123456789")
    assert d["x"].shape == (100, 1, 28, 28) and d["x_test"].shape == (30, 1, 28, 28)
    images, labels = data.digits()
    assert torch.equal(d["y"], torch.tensor(labels[:100]))
    # too many asked for: the split shrinks to what the 1,797 digits allow
    big = ch09.load(5000, 2000)
    assert len(big["x"]) + len(big["x_test"]) <= len(images)


def test_pixel_scalings():
    x = torch.rand(10, 1, 4, 4)
    p = ch09.paper_inputs(x)
    assert torch.allclose(p.mean(0), torch.zeros(1, 4, 4), atol=1e-4)
    assert torch.allclose(p, (x - x.mean(0)) * 255)
    s = ch09.standardised(x)
    assert abs(float(s.mean())) < 1e-5 and abs(float(s.std()) - 1) < 1e-5


# training -----------------------------------------------------------------------


def tiny_problem():
    """Two classes of noise images, brighter or darker on average: easy to learn."""
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (200,), generator=g)
    x = torch.randn(200, 1, 28, 28, generator=g) + (2.0 * y - 1)[:, None, None, None]
    return x, y


def test_fit_learns_and_is_reproducible():
    x, y = tiny_problem()
    torch.manual_seed(1)
    a = ch09.four_layer_net()
    torch.manual_seed(1)
    b = ch09.four_layer_net()
    ha = ch09.fit(
        a, x, y, steps=60, lr=0.05, batch_size=20, x_test=x, y_test=y, eval_every=20
    )
    hb = ch09.fit(b, x, y, steps=60, lr=0.05, batch_size=20)
    assert ha["loss"] == hb["loss"] and len(ha["loss"]) == 60
    assert np.mean(ha["loss"][-10:]) < np.mean(ha["loss"][:10])
    assert ha["at"] == [20, 40, 60] and len(ha["test_acc"]) == len(ha["test_loss"]) == 3
    assert ha["train_acc"][-1] > 0.7 and not a.training
    with pytest.raises(ValueError, match="positive"):
        ch09.fit(a, x, y, steps=0)
    with pytest.raises(ValueError, match="labels"):
        ch09.fit(a, x, y[:10], steps=1)


def test_steps_to_and_accuracy_and_confusion():
    assert ch09.steps_to([1.0] * 5 + [0.0] * 10, 0.5, window=4) == 7  # 1, 1, 0, 0
    assert ch09.steps_to([1.0] * 20, 0.5) is None
    assert ch09.steps_to([0.0] * 3, 0.5, window=10) is None

    class Fixed(nn.Module):
        def forward(self, x):
            return torch.stack([x[:, 0, 0, 0], -x[:, 0, 0, 0]], 1)

    x = torch.tensor([1.0, -1.0, 2.0, -3.0]).reshape(4, 1, 1, 1)
    y = torch.tensor([0, 1, 1, 1])
    assert ch09.accuracy(Fixed(), x, y) == 0.75
    assert np.array_equal(ch09.confusion(Fixed(), x, y, classes=2), [[1, 0], [1, 2]])


def test_small_networks():
    assert n_params(ch09.four_layer_net()) == 11_978
    net = ch09.four_layer_net("tanh", init_std=0.01)
    w, bias = net[0].weight.detach(), net[0].bias.detach()
    assert 0.005 < float(w.std()) < 0.015 and float(bias.abs().max()) == 0
    with pytest.raises(ValueError, match="relu"):
        ch09.four_layer_net("sigmoid")
    assert n_params(ch09.dropout_net()) == 137_578
    drops = [m.p for m in ch09.dropout_net(0.3).modules() if isinstance(m, nn.Dropout)]
    assert drops == [0.3, 0.3]
    tiny = ch09.TinyAlexNet()
    assert tiny(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert [tiny.features[i].groups for i in (0, 4, 8, 10, 12)] == [1, 2, 1, 2, 2]
    assert tiny.tower_filters(0).shape == tiny.tower_filters(1).shape == (8, 5, 5)
    with pytest.raises(ValueError, match="tower"):
        tiny.tower_filters(2)
    assert ch09.TinyAlexNet(two_towers=False).features[4].groups == 1
    for blocks in (1, 3):
        plain, res = ch09.deep_net(blocks, residual=False), ch09.deep_net(blocks)
        assert weight_layers(plain) == weight_layers(res) == 2 * blocks + 2
        assert n_params(plain) == n_params(res)
        assert res(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="blocks"):
        ch09.deep_net(0)


def test_saturation_counts_large_tanh_inputs():
    net = ch09.four_layer_net("tanh")
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.fill_(10.0)
    assert ch09.saturation(net, torch.zeros(3, 1, 28, 28)) == 1.0
    with torch.no_grad():
        net[0].bias.zero_()
    assert ch09.saturation(net, torch.zeros(3, 1, 28, 28)) == 0.0


# receptive fields -------------------------------------------------------------

PHOTO = data.image("astronaut", size=(64, 64))


@pytest.mark.parametrize("name", list(ch09.RF_NETS))
def test_gradient_lies_inside_the_theoretical_box(name):
    net = ch09.rf_net(name)
    for layer in ch09.rf_layers(net):
        for fy, fx in ((0.5, 0.5), (0.0, 1.0)):
            out = ch09.unit_gradient(net, PHOTO, layer, fy, fx)
            top, left, size, jump = out["box"]
            rows, cols = np.nonzero(out["grad"] > 0)
            assert rows.size, "some pixel influences the unit"
            assert rows.min() >= top and rows.max() <= top + size - 1
            assert cols.min() >= left and cols.max() <= left + size - 1
            assert out["grad"].max() == pytest.approx(1.0)


def test_theoretical_box_is_tight_for_a_positive_linear_net():
    """With positive weights and inputs nothing cancels, so the gradient fills the box."""
    net = nn.Sequential(
        nn.Conv2d(3, 2, 3, padding=1),
        nn.Conv2d(2, 2, 5, stride=2, padding=2),
        nn.Conv2d(2, 2, 3, dilation=2),
        nn.MaxPool2d(1),
    )
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 0.1)
            nn.init.zeros_(m.bias)
    image = np.ones((40, 40, 3))
    layers = ch09.rf_layers(net)
    assert layers == [0, 1, 2, 3]
    size_expected, jump_expected = counting.receptive_field(
        [(3, 1, 1), (5, 2, 1), (3, 1, 2)]
    )
    out = ch09.unit_gradient(net, image, 2, 0.5, 0.5)
    top, left, size, jump = out["box"]
    assert (size, jump) == (size_expected, jump_expected) == (15, 2)
    rows, cols = np.nonzero(out["grad"] > 0)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (
        top,
        top + size - 1,
        left,
        left + size - 1,
    )


def test_unit_gradient_matches_finite_differences():
    import copy

    net32 = ch09.rf_net("ResNet-style (blocks)")
    net = copy.deepcopy(net32).double()          # finite differences need float64
    image = PHOTO[:32, :32].astype(np.float64)
    layer = ch09.rf_layers(net)[2]
    out = ch09.unit_gradient(net32, image, layer, 0.5, 0.5)
    i, j = out["unit"]

    def unit(img):
        x = torch.tensor(img.transpose(2, 0, 1))[None]
        with torch.no_grad():
            return float(net[: layer + 1](x)[0, :, i, j].sum())

    x = torch.tensor(image.transpose(2, 0, 1))[None].requires_grad_(True)
    net[: layer + 1](x)[0, :, i, j].sum().backward()
    g = x.grad[0].numpy()
    g_abs = np.abs(g).sum(0)
    assert np.allclose(out["grad"], g_abs / g_abs.max(), atol=1e-4)
    r, c = np.unravel_index(np.argmax(g_abs), g_abs.shape)
    patch = image[r - 1 : r + 2, c - 1 : c + 2, 0].copy()

    def f(p):
        img = image.copy()
        img[r - 1 : r + 2, c - 1 : c + 2, 0] = p
        return unit(img)

    assert np.allclose(
        numerical_gradient(f, patch), g[0, r - 1 : r + 2, c - 1 : c + 2], atol=1e-5
    )


def test_unit_gradient_refuses_bad_arguments():
    net = ch09.rf_net("VGG-style (3x3 stacks)")
    with pytest.raises(ValueError, match="layer"):
        ch09.unit_gradient(net, PHOTO, 1)  # a ReLU
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ch09.unit_gradient(net, PHOTO, 0, fy=1.5)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        ch09.unit_gradient(net, PHOTO[..., 0], 0)
    with pytest.raises(ValueError, match="unknown network"):
        ch09.rf_net("LeNet")
    with pytest.raises(ValueError, match="whole input"):
        ch09.theoretical_box(
            nn.Sequential(nn.Linear(3, 3), nn.Conv2d(1, 1, 3)), 1, 0, 0
        )


def test_mass_width():
    g = np.zeros((21, 21))
    g[10, 10] = 1
    assert ch09.mass_width(g, (10, 10)) == 1
    assert ch09.mass_width(np.ones((21, 21)), (10, 10)) == 21
    assert ch09.mass_width(np.zeros((5, 5)), (2, 2)) == 0
    g = np.zeros((21, 21))
    g[10, 10], g[10, 14] = 1, 1
    assert ch09.mass_width(g, (10, 10), fraction=0.9) == 9


def test_comparison_table():
    rows = {r[0]: r for r in ch09.comparison()}
    assert list(rows) == list(ch09.ENTRIES)
    assert rows["AlexNet"][2:4] == (8, 60_965_224)
    assert rows["VGG-16"][2:4] == (16, 138_357_544)
    assert rows["ResNet-18"][2:4] == (18, 11_689_512)
    assert rows["ResNet-152"][2:4] == (152, 60_192_808)
    assert 1.4e9 < rows["GoogLeNet"][4] < 1.6e9  # the paper's 1.5 billion
    assert 11e9 < rows["ResNet-152"][4] < 12e9  # the paper's 11.3 billion FLOPs


def test_cited_numbers_are_consistent():
    r = ch09.ALEXNET_RESULTS
    assert round(100 - r["2012 val, 7 CNNs*"]["top1"]) == 63
    assert r["2012 test, runner-up (SIFT + FVs)"]["top5"] - r["2012 test, 7 CNNs*"][
        "top5"
    ] == pytest.approx(10.9)
    errors = [e for _, e in ch09.ILSVRC_WINNERS.values()]
    assert errors == sorted(errors, reverse=True)
    assert ch09.RESNET_CIFAR[1202] > ch09.RESNET_CIFAR[110]


# figures and the explorer -------------------------------------------------------


def test_figures_draw():
    import matplotlib.pyplot as plt
    from cnnlib.models import AlexNet, summary

    with torch.device("meta"):
        table = summary(AlexNet(), (3, 227, 227))
    hist = {
        "at": [1, 2],
        "train_acc": [0.5, 0.6],
        "test_acc": [0.4, 0.5],
        "test_loss": [1.0, 0.9],
    }
    made = [
        figures.ilsvrc_figure(),
        figures.share_figure(table, {"features.0": "conv1", "classifier.1": "fc6"}),
        figures.towers_figure({"conv2": True, "conv3": False}),
        figures.curves_figure(
            {"a": {"x": list(rng.random(30))}}, "error", thresholds=(0.5,)
        ),
        figures.dropout_figure({"no dropout": hist, "dropout": hist}),
        figures.filters_figure([rng.random((8, 5, 5)), rng.random((8, 5, 5))]),
        figures.predictions_figure(
            rng.random((20, 1, 28, 28)),
            np.arange(20) % 10,
            (np.arange(20) + (np.arange(20) % 3 == 0)) % 10,
            data.FASHION_MNIST_CLASSES,
        ),
        figures.stacks_figure([5, 7], [18, 27], [25, 49], [5, 7]),
        figures.comparison_figure(
            [("A", 2012, 8, 6e7, 7e8, 15.3, "x"), ("B", 2015, 18, 1e7, 2e9, None, "y")]
        ),
    ]
    for fig in made:
        assert isinstance(fig, matplotlib.figure.Figure)
        plt.close(fig)
    assert len(figures.running(np.arange(20), window=5)) == 16


def test_explorer_covers_every_network_and_clamps_layers():
    explorer = figures.make_receptive_field_explorer()
    for name in ch09.RF_NETS:
        for layer in (1, 9):
            explorer.update(network=name, layer=layer, row=0.0, col=1.0)
            title = explorer.fig._suptitle.get_text()
            n = len(ch09.rf_layers(ch09.rf_net(name)))
            expected = f"layer {min(layer, n)} of {n}"
            assert name in title and expected in title
    assert explorer.refresh()[:2] == b"\xff\xd8"


def test_animation_is_self_contained_html():
    html = figures.receptive_field_animation([{"layer": 1}, {"layer": 3}]).data
    assert "<script" in html and "data:image/png;base64" in html


# checks and quiz ---------------------------------------------------------------


def test_checks_accept_right_answers_and_refuse_wrong_ones():
    assert check("ch09-conv1-size", (55, 54, 34_944))
    assert not check("ch09-conv1-size", (55, 54, 34_848))  # no biases
    assert not check("ch09-conv1-size", (55, 54.25, 34_944))  # not rounded down
    assert not check("ch09-conv1-size", (54, 54, 34_944))
    saved = 1_413_120
    assert check("ch09-tower-savings", saved)
    assert not check("ch09-tower-savings", 2 * saved)
    assert not check("ch09-tower-savings", "many")
    assert check("ch09-bottleneck-madds", (218_365_952, 3_699_376_128))
    assert not check("ch09-bottleneck-madds", (218_365_952, 1))
    assert check("ch09-conv1-size", ...) is None


def test_receptive_field_check_forbids_the_library():
    def mine(layers):
        size, jump = 1, 1
        for k, s, d in layers:
            size, jump = size + d * (k - 1) * jump, jump * s
        return size, jump

    def wrong_order(layers):
        size, jump = 1, 1
        for k, s, d in layers:
            jump *= s
            size += d * (k - 1) * jump
        return size, jump

    def shortcut(layers):
        return counting.receptive_field(layers)

    assert check("ch09-receptive-field", mine)
    assert not check("ch09-receptive-field", wrong_order)
    assert not check("ch09-receptive-field", shortcut)


def test_conv1x1_check_forbids_convolutions():
    def mine(x, weight):
        return np.einsum("oc,nchw->nohw", weight[:, :, 0, 0], x)

    def by_torch(x, weight):
        return torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(weight)).numpy()

    def transposed(x, weight):
        return np.einsum("co,nchw->nohw", weight[:, :, 0, 0], x)

    assert check("ch09-conv1x1", mine)
    assert not check("ch09-conv1x1", by_torch)
    assert not check("ch09-conv1x1", transposed)
    for x, w in ch09_checks.conv1x1_cases():
        assert np.allclose(mine(x, w), ch09_checks.reference_conv1x1(x, w))


def test_quiz_numbers():
    numeric = [q for q in quiz.QUIZ if q["type"] == "numeric"]
    right = [
        next(a for a in q["answers"] if a.get("correct"))["range"] for q in numeric
    ]
    assert [np.mean(r) for r in right] == [7, 256 * 64, 4]
