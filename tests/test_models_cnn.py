"""cnnlib.models.cnn and cnnlib.models.summary: counts against torchvision and the
papers, outputs against torchvision's modules with the same weights, the summary's
columns by hand."""

import numpy as np
import pytest
import torch
import torchvision
from torch import nn

from cnnlib import counting
from cnnlib.models import cnn
from cnnlib.models.summary import summary, weight_layers


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def meta(factory, *args, **kwargs):
    with torch.device("meta"):
        return factory(*args, **kwargs)


# parameter counts -----------------------------------------------------------


def test_alexnet_counts_one_tower_two_towers_and_torchvision():
    assert n_params(meta(cnn.AlexNet)) == 62_378_344
    assert n_params(meta(cnn.AlexNet, two_towers=True)) == 60_965_224
    tv = n_params(meta(torchvision.models.alexnet))
    assert tv == 61_100_840
    assert n_params(meta(cnn.AlexNet, widths=cnn.TORCHVISION_WIDTHS)) == tv


def test_alexnet_counts_by_formula():
    """The same counts from counting.conv_params / dense_params, layer by layer."""

    def total(groups):
        w, c, g = cnn.PAPER_WIDTHS, 3, groups
        kernels, grouped = (11, 5, 3, 3, 3), (1, g, 1, g, g)
        n = 0
        for out, k, gg in zip(w, kernels, grouped):
            n += counting.conv_params(c, out, (k, k), groups=gg)
            c = out
        return (
            n
            + counting.dense_params(256 * 36, 4096)
            + counting.dense_params(4096, 4096)
            + counting.dense_params(4096, 1000)
        )

    assert total(1) == 62_378_344 and total(2) == 60_965_224


def test_vgg16_resnet18_and_blocks_match_torchvision_counts():
    assert (
        n_params(meta(cnn.VGG16))
        == n_params(meta(torchvision.models.vgg16))
        == 138_357_544
    )
    assert (
        n_params(meta(cnn.ResNet18))
        == n_params(meta(torchvision.models.resnet18))
        == 11_689_512
    )
    from torchvision.models.resnet import BasicBlock, Bottleneck

    down = nn.Sequential(nn.Conv2d(64, 128, 1, 2, bias=False), nn.BatchNorm2d(128))
    assert n_params(cnn.BasicBlock(64, 128, 2)) == n_params(
        BasicBlock(64, 128, 2, down)
    )
    assert n_params(cnn.BasicBlock(64, 64)) == n_params(BasicBlock(64, 64))
    down = nn.Sequential(nn.Conv2d(64, 256, 1, bias=False), nn.BatchNorm2d(256))
    assert n_params(cnn.Bottleneck(64, 64)) == n_params(Bottleneck(64, 64, 1, down))
    # 1x1, 3x3, 1x1 weights (69,632) and three batch norms (768)
    assert n_params(cnn.Bottleneck(256, 64)) == n_params(Bottleneck(256, 64)) == 70_400


def test_plain_block_has_the_same_layers_and_no_shortcut():
    plain, res = cnn.BasicBlock(16, 16, residual=False), cnn.BasicBlock(16, 16)
    assert n_params(plain) == n_params(res) and plain.downsample is None
    x = torch.randn(2, 16, 8, 8)
    plain.load_state_dict(res.state_dict())
    plain.eval(), res.eval()
    f = torch.relu(res.bn2(res.conv2(torch.relu(res.bn1(res.conv1(x))))))
    assert torch.allclose(plain(x), f)
    assert torch.allclose(
        res(x), torch.relu(res.bn2(res.conv2(torch.relu(res.bn1(res.conv1(x))))) + x)
    )
    # a plain block that changes the width has no projection to count either
    assert cnn.BasicBlock(16, 32, 2, residual=False).downsample is None


def test_inception_3a_against_the_paper_and_torchvision():
    block = cnn.Inception(192, 64, 96, 128, 16, 32, 32)
    weights = sum(m.weight.numel() for m in block.modules() if isinstance(m, nn.Conv2d))
    assert weights == 163_328 and int(weights / 1024) == 159  # the paper's "159K"
    out = block(torch.zeros(1, 192, 28, 28))
    assert out.shape == (1, 256, 28, 28)
    # torchvision's module has a 3x3 where the paper has the 5x5 (16 -> 32 channels)
    from torchvision.models.googlenet import Inception

    tv = Inception(192, 64, 96, 128, 16, 32, 32)
    tv_weights = sum(m.weight.numel() for m in tv.modules() if isinstance(m, nn.Conv2d))
    assert weights - tv_weights == 16 * 32 * (25 - 9)
    assert summary(block, (192, 28, 28)).total_madds == 163_328 * 28 * 28  # "128M ops"


def test_nin_block_counts_and_shapes():
    block = cnn.NiNBlock(3, 96, 11, stride=4)
    expected = counting.conv_params(3, 96, (11, 11)) + 2 * counting.conv_params(
        96, 96, (1, 1)
    )
    assert n_params(block) == expected
    assert block(torch.zeros(1, 3, 227, 227)).shape == (1, 96, 55, 55)


# outputs against torchvision with the same weights ------------------------------


def test_resnet18_and_vgg16_load_torchvision_weights_and_agree():
    torch.manual_seed(0)
    tv, ours = torchvision.models.resnet18().eval(), cnn.ResNet18().eval()
    ours.load_state_dict(tv.state_dict())
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(ours(x), tv(x), atol=1e-5)
    tv, ours = torchvision.models.vgg16().eval(), cnn.VGG16().eval()
    ours.load_state_dict(tv.state_dict())
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(ours.features(x), tv.features(x), atol=1e-5)


def test_bottleneck_agrees_with_torchvision():
    from torchvision.models.resnet import Bottleneck

    torch.manual_seed(0)
    down = nn.Sequential(nn.Conv2d(64, 256, 1, 2, bias=False), nn.BatchNorm2d(256))
    tv, ours = Bottleneck(64, 64, 2, down).eval(), cnn.Bottleneck(64, 64, 2).eval()
    ours.load_state_dict(tv.state_dict())
    x = torch.randn(2, 64, 9, 9)
    with torch.no_grad():
        assert ours(x).shape == (2, 256, 5, 5)
        assert torch.allclose(ours(x), tv(x), atol=1e-5)


# AlexNet's towers ---------------------------------------------------------------


def test_two_tower_conv_is_two_separate_convolutions():
    torch.manual_seed(0)
    net = cnn.AlexNet(two_towers=True)
    conv2 = net.features[4]
    x = torch.randn(1, 96, 27, 27)
    wa, wb = conv2.weight.chunk(2)
    ba, bb = conv2.bias.chunk(2)
    xa, xb = x.chunk(2, dim=1)
    towers = torch.cat(
        [
            nn.functional.conv2d(xa, wa, ba, padding=2),
            nn.functional.conv2d(xb, wb, bb, padding=2),
        ],
        dim=1,
    )
    assert torch.allclose(conv2(x), towers, atol=1e-5)
    # changing tower B's input leaves tower A's output of conv2 alone, but not conv3's
    x2 = x.clone()
    x2[:, 48:] += 1
    assert torch.allclose(conv2(x2)[:, :128], conv2(x)[:, :128])
    conv3 = net.features[8]
    y, y2 = conv2(x).relu(), conv2(x2).relu()
    y, y2 = nn.functional.max_pool2d(y, 3, 2), nn.functional.max_pool2d(y2, 3, 2)
    assert not torch.allclose(conv3(y2)[:, :192], conv3(y)[:, :192])
    assert net.tower_filters(0).shape == net.tower_filters(1).shape == (48, 3, 11, 11)
    with pytest.raises(ValueError, match="tower"):
        net.tower_filters(2)
    assert cnn.AlexNet().tower_filters(0).shape == (96, 3, 11, 11)


def test_alexnet_runs_at_227_and_refuses_224():
    net = meta(cnn.AlexNet, num_classes=10)
    assert net(torch.zeros(2, 3, 227, 227, device="meta")).shape == (2, 10)
    with pytest.raises(ValueError, match="227x227"):
        net(torch.zeros(1, 3, 224, 224, device="meta"))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        net(torch.zeros(1, 1, 227, 227, device="meta"))
    with pytest.raises(TypeError, match="Tensor"):
        net(np.zeros((1, 3, 227, 227)))
    with pytest.raises(ValueError, match="even"):
        cnn.AlexNet(two_towers=True, widths=(95, 256, 384, 384, 256))
    assert cnn.AlexNet.pool5_size(227) == 6 and cnn.AlexNet.pool5_size(224) == 5


def test_local_response_norm_is_the_papers_formula():
    torch.manual_seed(0)
    x = torch.randn(2, 10, 3, 3, dtype=torch.float64) * 5
    n, alpha, beta, k = 5, 1e-2, 0.75, 2.0
    ref = torch.empty_like(x)
    for c in range(10):
        lo, hi = max(0, c - n // 2), min(9, c + n // 2)
        ref[:, c] = x[:, c] / (k + alpha * (x[:, lo : hi + 1] ** 2).sum(1)) ** beta
    assert torch.allclose(cnn.LocalResponseNorm(n, alpha, beta, k)(x), ref)
    # per tower: channel 4's neighbours stop at the tower's edge
    grouped = cnn.LocalResponseNorm(n, alpha, beta, k, groups=2)(x)
    assert torch.allclose(
        grouped[:, :5], cnn.LocalResponseNorm(n, alpha, beta, k)(x[:, :5])
    )
    assert not torch.allclose(grouped, ref)
    with pytest.raises(ValueError, match="groups"):
        cnn.LocalResponseNorm(groups=3)(x)


def test_vgg_requires_224():
    net = meta(cnn.VGG16)
    assert net(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, 1000)
    with pytest.raises(ValueError, match="224x224"):
        net(torch.zeros(1, 3, 256, 256, device="meta"))


# the summary ----------------------------------------------------------------


def test_summary_of_alexnet_by_hand():
    table = summary(meta(cnn.AlexNet, two_towers=True), (3, 227, 227))
    assert table.total_params == 60_965_224
    conv1 = table["features.0"]
    assert conv1.output_shape == (96, 55, 55) and conv1.params == 34_944
    assert conv1.madds == counting.conv_multiplies((55, 55), (11, 11), 3, 96)
    assert conv1.receptive_field == (11, 11) and conv1.stride == (4, 4)
    conv2 = table["features.4"]
    assert conv2.madds == counting.conv_multiplies((27, 27), (5, 5), 96, 256, groups=2)
    pool5 = table["features.14"]
    assert pool5.output_shape == (256, 6, 6)
    layers = [
        (11, 4, 1),
        (3, 2, 1),
        (5, 1, 1),
        (3, 2, 1),
        (3, 1, 1),
        (3, 1, 1),
        (3, 1, 1),
        (3, 2, 1),
    ]
    assert (
        pool5.receptive_field
        == (counting.receptive_field(layers)[0],) * 2
        == (195, 195)
    )
    assert pool5.stride == (32, 32)
    fc6 = table["classifier.1"]
    assert fc6.receptive_field is None and fc6.madds == 9216 * 4096
    assert table.total_madds == sum(r.madds for r in table.rows)
    assert sum(r.params for r in table.rows) == table.total_params
    text = str(table)
    assert "features.0" in text and "60,965,224" in text and "all" in text
    assert "<table>" in table._repr_html_()


def test_summary_rows_of_blocks_and_against_torchinfo():
    import torchinfo

    net = meta(cnn.ResNet18)
    table = summary(net, (3, 224, 224))
    names = [r.name for r in table.rows]
    assert "layer1.0" in names and "layer1.0.conv1" not in names
    assert table["layer4.1"].receptive_field == (435, 435) and table[
        "layer4.1"
    ].stride == (32, 32)
    assert table["layer1.0"].receptive_field == (27, 27)
    info = torchinfo.summary(
        net,
        input_data=torch.zeros(1, 3, 224, 224, device="meta"),
        verbose=0,
        device="meta",
    )
    assert table.total_params == info.total_params
    # torchinfo's own multiply-add count agrees on the convolutions; on fc it also counts
    # the 1000 bias additions, and its total counts batch norm as well
    convs = [i for i in info.summary_list if isinstance(i.module, nn.Conv2d)]
    conv_rows = [r for r in table.rows if r.kind in ("Conv2d", "BasicBlock")]
    assert sum(i.macs for i in convs) == sum(r.madds for r in conv_rows)
    assert table["fc"].madds == 512 * 1000 == info.summary_list[-1].macs - 1000
    assert table.total_madds < info.total_mult_adds
    assert net.training, "summary restores training mode"


def test_summary_and_depth_of_vgg():
    net = meta(cnn.VGG16)
    table = summary(net, (3, 224, 224))
    assert table.total_params == 138_357_544
    assert 15.4e9 < table.total_madds < 15.6e9
    assert table["features.30"].receptive_field == (212, 212)
    assert weight_layers(net) == 16 and weight_layers(meta(cnn.AlexNet)) == 8
    assert weight_layers(meta(cnn.ResNet18)) == 18
    assert weight_layers(meta(torchvision.models.resnet152)) == 152


def test_summary_refuses_bad_input_sizes():
    net = meta(cnn.AlexNet)
    with pytest.raises(ValueError, match="227x227"):
        summary(net, (3, 224, 224))
    with pytest.raises(ValueError, match="three positive ints"):
        summary(net, (227, 227))
    with pytest.raises(ValueError, match="three positive ints"):
        summary(net, (3, 0, 227))
    with pytest.raises(ValueError, match="cannot take"):
        summary(cnn.NiNBlock(3, 8, 11), (3, 5, 5))  # a kernel larger than the input
    with pytest.raises(TypeError, match="Module"):
        summary(lambda x: x, (3, 8, 8))
    with pytest.raises(TypeError, match="Module"):
        weight_layers("resnet")
