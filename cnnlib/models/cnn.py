"""The ImageNet architectures of chapter 9, in torch: AlexNet, VGG-16, NiN, Inception,
ResNet.

Every model takes NCHW float tensors and follows its paper's layer sizes; parameter
counts are asserted in the tests against torchvision (VGG-16, ResNet-18 and the ResNet
blocks load torchvision's state dicts and give the same outputs) or against the paper.

* :class:`AlexNet` - Krizhevsky, Sutskever and Hinton (2012): five convolutions (max
  pooling
  after conv1, conv2 and conv5), local response normalisation after conv1 and conv2,
  three fully-connected layers, ReLU, dropout. ``two_towers=True`` reproduces the split
  over two GPUs as grouped convolutions.
* :class:`VGG16` - Simonyan and Zisserman (2015), configuration D: only 3x3
  convolutions.
* :class:`NiNBlock` - Lin, Chen and Yan (2014): a convolution followed by two 1x1
  convolutions.
* :class:`Inception` - Szegedy et al. (2015): four parallel branches, concatenated.
* :class:`BasicBlock`, :class:`Bottleneck`, :class:`ResNet18` - He et al. (2016).

Blocks with parallel paths (:class:`Inception`, the ResNet blocks) have a method
``receptive_path()``: the ``(kernel, stride, dilation)`` layers of their widest path,
which :func:`cnnlib.models.summary.summary` uses for the receptive-field column.
No weights are downloaded anywhere: the models start from torch's default
    initialisation.
"""

import torch
from torch import nn
from torch.nn import functional as TF

#: AlexNet's convolution widths in the paper (both towers together).
PAPER_WIDTHS = (96, 256, 384, 384, 256)
#: The widths of torchvision's ``alexnet``, which follows Krizhevsky's later "one weird
#: trick" variant (2014): one tower, fewer filters, no normalisation.
TORCHVISION_WIDTHS = (64, 192, 384, 256, 256)
#: VGG configuration D (16 weight layers): output channels of each 3x3 convolution, "M"
# a : 2x2 max pooling.
VGG16_CONFIG = (
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    "M",
)


def _check_input(x, channels, name):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} takes a torch.Tensor, not {type(x).__name__}")
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(
            f"{name} takes (N, {channels}, H, W) tensors; got shape {tuple(x.shape)}"
        )


class LocalResponseNorm(nn.Module):
    """Local response normalisation across channels, with the paper's constants
    (AlexNet, 3.3).

    ``b_c = a_c / (k + alpha * sum_{c'} a_{c'}^2) ** beta``, the sum over the ``size``
    channels centred on ``c`` (fewer at the ends). ``torch.nn.LocalResponseNorm``
    divides ``alpha`` by ``size``; this layer passes ``alpha * size`` so that the
    formula is the paper's.

    Args:
        size, alpha, beta, k: the paper's ``n = 5``, ``alpha = 1e-4``, ``beta = 0.75``,
            ``k = 2``.
        groups: normalise each of ``groups`` equal channel blocks on its own (one per
            tower:
            on two GPUs a channel's neighbours are on the same GPU).

    Shapes: ``(N, C, H, W) -> (N, C, H, W)``; ``C`` must be divisible by ``groups``.
    """

    def __init__(self, size=5, alpha=1e-4, beta=0.75, k=2.0, groups=1):
        super().__init__()
        if size < 1 or groups < 1:
            raise ValueError(f"size={size} and groups={groups} must be positive")
        self.size, self.alpha, self.beta, self.k, self.groups = (
            size,
            alpha,
            beta,
            k,
            groups,
        )

    def forward(self, x):
        if x.shape[1] % self.groups:
            raise ValueError(
                f"{x.shape[1]} channels do not split into {self.groups} groups"
            )
        parts = x.chunk(self.groups, dim=1)
        return torch.cat([self._normalise(p) for p in parts], dim=1)

    def _normalise(self, x):
        # sum of squares over the channel window: a running sum along the channels,
        # padded with zeros (what torch's local_response_norm does with a slower 3D
        # average pool)
        n = self.size
        sq = TF.pad(x.pow(2), (0, 0, 0, 0, n // 2, (n - 1) // 2))
        cs = torch.cat([torch.zeros_like(sq[:, :1]), sq.cumsum(1)], dim=1)
        window = cs[:, n:] - cs[:, :-n]
        return x / (self.k + self.alpha * window).pow(self.beta)

    def extra_repr(self):
        return (
            f"size={self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}, "
            f"groups={self.groups}"
        )


class AlexNet(nn.Module):
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012) for ``(N, 3, 227, 227)`` images.

    ``features``: conv1 11x11 stride 4 -> ReLU -> LRN -> max pool 3x3 stride 2; conv2
    5x5 (padding 2) -> ReLU -> LRN -> pool; conv3, conv4, conv5 3x3 (padding 1) with
    ReLU; pool.
    ``classifier``: fc6 and fc7 (4096 units, ReLU, dropout 0.5) and fc8
    (``num_classes``). The paper says 224x224 inputs, but 11x11 windows with stride 4
    and no padding need 227 (``(227 - 11) / 4 + 1 = 55``, the paper's 55x55 maps).

    Args:
        num_classes: outputs of fc8 (1000 for ImageNet).
        two_towers: the paper's two-GPU network as one model: conv2, conv4 and conv5 are
            grouped convolutions (``groups=2``: each tower sees only its own half of the
            channels), conv3 and the fully-connected layers see both halves, and LRN
            normalises within a tower. Channel ``c`` belongs to tower ``c // (C / 2)``.
        widths: the five convolutions' output channels (:data:`PAPER_WIDTHS`;
            :data:`TORCHVISION_WIDTHS` gives torchvision's parameter count).
        dropout: drop probability of fc6 and fc7 (0 turns dropout off).

    Parameters: 62,378,344 in one tower, 60,965,224 with ``two_towers=True`` (the
    paper's "60 million"); torchvision's widths give 61,100,840.

    Raises:
        ValueError: widths not divisible by 2 with ``two_towers``; in ``forward``, an
            input
            that is not ``(N, 3, H, W)`` or whose size does not give 6x6 maps after
            conv5's pooling (227 does; 224 does not).
    """

    def __init__(
        self, num_classes=1000, two_towers=False, widths=PAPER_WIDTHS, dropout=0.5
    ):
        super().__init__()
        if len(widths) != 5:
            raise ValueError(f"widths={widths}: give five convolution widths")
        g = 2 if two_towers else 1
        if any(w % g for w in widths):
            raise ValueError(f"widths={widths} must be even to split into two towers")
        w1, w2, w3, w4, w5 = widths
        self.two_towers, self.towers = two_towers, g
        self.features = nn.Sequential(
            nn.Conv2d(3, w1, 11, stride=4),
            nn.ReLU(inplace=True),  # conv1
            LocalResponseNorm(groups=g),
            nn.MaxPool2d(3, stride=2),
            nn.Conv2d(w1, w2, 5, padding=2, groups=g),
            nn.ReLU(inplace=True),  # conv2
            LocalResponseNorm(groups=g),
            nn.MaxPool2d(3, stride=2),
            nn.Conv2d(w2, w3, 3, padding=1),
            nn.ReLU(inplace=True),  # conv3: both towers
            nn.Conv2d(w3, w4, 3, padding=1, groups=g),
            nn.ReLU(inplace=True),  # conv4
            nn.Conv2d(w4, w5, 3, padding=1, groups=g),
            nn.ReLU(inplace=True),  # conv5
            nn.MaxPool2d(3, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(w5 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),  # fc6
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),  # fc7
            nn.Linear(4096, num_classes),  # fc8
        )

    @staticmethod
    def pool5_size(side):
        """Side of conv5's pooled maps for a ``side x side`` input (6 for 227, 5 for
        224)."""
        side = (side - 11) // 4 + 1  # conv1
        side = (side - 3) // 2 + 1  # pool1 (conv2 keeps the size)
        side = (side - 3) // 2 + 1  # pool2 (conv3-5 keep it)
        return (side - 3) // 2 + 1  # pool5

    def forward(self, x):
        _check_input(x, 3, "AlexNet")
        sizes = [self.pool5_size(s) for s in x.shape[2:]]
        if sizes != [6, 6]:
            raise ValueError(
                f"AlexNet needs 227x227 inputs: {x.shape[2]}x{x.shape[3]} gives "
                f"{sizes[0]}x{sizes[1]} maps after conv5's pooling, and fc6 "
                "expects 6x6"
            )
        return self.classifier(self.features(x))

    def tower_filters(self, tower):
        """conv1's filters of one tower, ``(C1 / 2, 3, 11, 11)`` (all of them without
        towers)."""
        if tower not in range(self.towers):
            raise ValueError(f"tower={tower}: this AlexNet has {self.towers} tower(s)")
        weight = self.features[0].weight.detach()
        return weight.chunk(self.towers, dim=0)[tower]


class VGG16(nn.Module):
    """VGG-16 (Simonyan and Zisserman, 2015, configuration D) for ``(N, 3, 224, 224)``
    images.

    Thirteen 3x3 convolutions (padding 1, ReLU) in five stages, each closed by 2x2 max
    pooling, then fc 4096 - 4096 - ``num_classes`` with dropout. 138,357,544 parameters,
    as torchvision's ``vgg16``; the module layout (``features``, ``classifier``) matches
    it, so its state dict loads here.

    Raises:
        ValueError: in ``forward``, an input that is not ``(N, 3, H, W)`` or not 224x224
            (fc6 expects 512x7x7).
    """

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        layers, c = [], 3
        for v in VGG16_CONFIG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, stride=2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
                c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = (
            nn.Identity()
        )  # torchvision's adaptive 7x7 pooling is the identity at 224
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        _check_input(x, 3, "VGG16")
        if tuple(s // 32 for s in x.shape[2:]) != (7, 7):
            raise ValueError(
                f"VGG16 needs 224x224 inputs: {x.shape[2]}x{x.shape[3]} does not "
                "give the 7x7 maps that fc6 expects after five 2x2 poolings"
            )
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class NiNBlock(nn.Sequential):
    """A Network-in-Network "mlpconv" block (Lin, Chen and Yan, 2014).

    ``Conv2d(c_in, c_out, kernel_size, stride, padding)`` then two 1x1 convolutions
    ``c_out -> c_out``, each followed by ReLU: a small multilayer perceptron applied to
    every
    window. Shapes: ``(N, c_in, H, W) -> (N, c_out, H', W')`` with ``H'`` the first
    convolution's output size.
    """

    def __init__(self, c_in, c_out, kernel_size, stride=1, padding=0):
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=padding),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 1),
            nn.ReLU(inplace=True),
        )
        self.kernel_size, self.stride = kernel_size, stride

    def receptive_path(self):
        return [(self.kernel_size, self.stride, 1), (1, 1, 1), (1, 1, 1)]


def _conv_relu(c_in, c_out, kernel_size, padding=0):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size, padding=padding), nn.ReLU(inplace=True)
    )


class Inception(nn.Module):
    """GoogLeNet's Inception module (Szegedy et al., 2015, figure 2b and table 1).

    Four branches on the same input, concatenated along the channels:
    1x1 (``c1``); 1x1 to ``c3_reduce`` then 3x3 (``c3``); 1x1 to ``c5_reduce`` then 5x5
    (``c5``); 3x3 max pooling (stride 1) then 1x1 (``pool_proj``). Every convolution is
    followed by ReLU and padded so that ``H`` and ``W`` stay. Shapes:
    ``(N, c_in, H, W) -> (N, c1 + c3 + c5 + pool_proj, H, W)``.

    Inception (3a) is ``Inception(192, 64, 96, 128, 16, 32, 32)``: 256 output channels,
    163,328 weights (the paper's table says "159K", counting K as 1024) and 128 million
    multiply-adds at 28x28. torchvision's ``Inception`` uses a 3x3 where the paper has
    the 5x5 (kept for its pretrained weights), so it is not the same module.
    """

    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.branch1 = _conv_relu(c_in, c1, 1)
        self.branch3 = nn.Sequential(
            _conv_relu(c_in, c3_reduce, 1), _conv_relu(c3_reduce, c3, 3, 1)
        )
        self.branch5 = nn.Sequential(
            _conv_relu(c_in, c5_reduce, 1), _conv_relu(c5_reduce, c5, 5, 2)
        )
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), _conv_relu(c_in, pool_proj, 1)
        )
        self.c_in = c_in

    def forward(self, x):
        _check_input(x, self.c_in, "Inception")
        return torch.cat(
            [self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x)],
            dim=1,
        )

    def receptive_path(self):
        return [(1, 1, 1), (5, 1, 1)]  # the widest branch: 1x1 then 5x5


def _conv3x3(c_in, c_out, stride=1):
    return nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)


def _shortcut(c_in, c_out, stride):
    """torchvision's projection shortcut: 1x1 convolution (with the stride) and batch
    norm."""
    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
    )


class BasicBlock(nn.Module):
    """ResNet's basic block (He et al., 2016, figure 2): ``relu(F(x) + shortcut(x))``.

    ``F`` is 3x3 conv (with ``stride``) - batch norm - ReLU - 3x3 conv - batch norm. The
    shortcut is the identity, or a 1x1 convolution with batch norm when the stride or
    the channel count changes (the paper's option B, torchvision's ``downsample``). With
    ``residual=False`` the block is the paper's "plain" counterpart: ``relu(F(x))``,
    same layers, same parameters, no shortcut. Module names match torchvision's
    ``BasicBlock``.

    Shapes: ``(N, c_in, H, W) -> (N, c_out, ceil(H / stride), ceil(W / stride))``.
    """

    expansion = 1

    def __init__(self, c_in, c_out, stride=1, residual=True):
        super().__init__()
        self.conv1, self.bn1 = _conv3x3(c_in, c_out, stride), nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2, self.bn2 = _conv3x3(c_out, c_out), nn.BatchNorm2d(c_out)
        self.downsample = _shortcut(c_in, c_out, stride) if residual else None
        self.residual, self.stride, self.c_in = residual, stride, c_in

    def forward(self, x):
        _check_input(x, self.c_in, type(self).__name__)
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)

    def receptive_path(self):
        return [(3, self.stride, 1), (3, 1, 1)]


class Bottleneck(nn.Module):
    """ResNet's bottleneck block (He et al., 2016, figure 5 right), as torchvision
    builds it.

    1x1 conv to ``width`` - 3x3 conv (with ``stride``) - 1x1 conv to ``4 * width``, each
    with batch norm, ReLU between, then ``relu(F(x) + shortcut(x))``. As in torchvision
    (its "ResNet v1.5") the stride sits on the 3x3 convolution; the paper put it on the
    first 1x1.
    Shapes: ``(N, c_in, H, W) -> (N, 4 * width, ceil(H / stride), ceil(W / stride))``.
    """

    expansion = 4

    def __init__(self, c_in, width, stride=1):
        super().__init__()
        c_out = width * self.expansion
        self.conv1, self.bn1 = (
            nn.Conv2d(c_in, width, 1, bias=False),
            nn.BatchNorm2d(width),
        )
        self.conv2, self.bn2 = _conv3x3(width, width, stride), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = (
            nn.Conv2d(width, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(c_in, c_out, stride)
        self.stride, self.c_in = stride, c_in

    def forward(self, x):
        _check_input(x, self.c_in, "Bottleneck")
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    def receptive_path(self):
        return [(1, 1, 1), (3, self.stride, 1), (1, 1, 1)]


class ResNet18(nn.Module):
    """ResNet-18 (He et al., 2016, table 1): 11,689,512 parameters, as torchvision's
    ``resnet18``.

    7x7 conv (stride 2) - batch norm - ReLU - 3x3 max pool (stride 2), four stages of
    two :class:`BasicBlock` (64, 128, 256, 512 channels; the first block of stages 2-4
    halves ``H`` and ``W``), global average pooling and ``fc``. Module names match
    torchvision's, so its state dict loads here. Takes ``(N, 3, H, W)``, any ``H, W``
    (224 in the paper).

    Raises:
        ValueError: in ``forward``, an input that is not ``(N, 3, H, W)``.
    """

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(64), nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        widths, c = (64, 128, 256, 512), 64
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            setattr(
                self,
                f"layer{i + 1}",
                nn.Sequential(BasicBlock(c, w, stride), BasicBlock(w, w)),
            )
            c = w
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        _check_input(x, 3, "ResNet18")
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))
