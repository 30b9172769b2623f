"""Chapter 9, "AlexNet and the architectures after it": plain computation (torch and
numpy; no matplotlib, no ipywidgets).

* cited results: :data:`ALEXNET_RESULTS` (the paper's tables 1 and 2),
  :data:`ILSVRC_WINNERS`,
  :data:`RESNET_TOP1` (He et al., table 2) and :data:`ENTRIES` (the comparison table);
* data: :func:`load` (Fashion-MNIST subsets as tensors, scikit-learn's digits if
  Fashion-MNIST
  is not available), :func:`paper_inputs` and :func:`standardised` (two ways to scale
  pixels);
* training: :func:`fit` (mini-batch SGD with momentum, the loop the chapter shows),
  :func:`steps_to` (steps until the running training error falls below a threshold),
  :func:`accuracy`, :func:`confusion`;
* the small networks trained on CPU: :func:`four_layer_net` (ReLU vs tanh),
  :func:`dropout_net`, :class:`TinyAlexNet` (two towers), :func:`deep_net` (plain vs
  residual), and :func:`saturation` (how many tanh units are saturated);
* receptive fields: :data:`RF_NETS` and :func:`rf_net` (three small random-weight
  networks),
  :func:`rf_layers`, :func:`theoretical_box`, :func:`unit_gradient` (the effective
  receptive field, after Luo et al., 2016) and :func:`mass_width`;
* :func:`comparison` -- the architectures side by side (depth, parameters,
  multiply-adds).

The small networks are the book's, scaled so that all training in the chapter fits in
about a minute on two CPU cores; what they can and cannot show is said in the notebook.
"""

import numpy as np
import torch
from torch import nn

from cnnlib import counting, data
from cnnlib.models import cnn
from cnnlib.models.summary import receptive_path, summary, weight_layers
from cnnlib.train import one_thread

#: Krizhevsky et al. (2012), tables 1 and 2: error rates in percent.
ALEXNET_RESULTS = {
    # ILSVRC-2010 test set, one CNN (table 1); best earlier results for comparison.
    "2010 test, CNN": {"top1": 37.5, "top5": 17.0},
    "2010 test, sparse coding": {"top1": 47.1, "top5": 28.2},
    "2010 test, SIFT + FVs": {"top1": 45.7, "top5": 25.7},
    # ILSVRC-2012 (table 2): validation top-1 / top-5, and test top-5.
    "2012 val, 1 CNN": {"top1": 40.7, "top5": 18.2},
    "2012 val, 7 CNNs*": {"top1": 36.7, "top5": 15.4},
    "2012 test, 7 CNNs*": {
        "top5": 15.3
    },  # * 2 of the 7 pre-trained on Fall 2011 ImageNet
    "2012 test, runner-up (SIFT + FVs)": {"top5": 26.2},
}
#: Top-5 test error (%) of the winning classification entry of each ILSVRC (Russakovsky
# et al., : 2015; 2015 from He et al., 2016).
ILSVRC_WINNERS = {
    2010: ("NEC-UIUC", 28.2),
    2011: ("XRCE", 25.8),
    2012: ("SuperVision (AlexNet)", 15.3),
    2013: ("Clarifai", 11.7),
    2014: ("GoogLeNet", 6.7),
    2015: ("ResNet", 3.57),
}
#: He et al. (2016), table 2: ImageNet validation top-1 error (%, 10-crop testing).
RESNET_TOP1 = {
    "plain-18": 27.94,
    "plain-34": 28.54,
    "ResNet-18": 27.88,
    "ResNet-34": 25.03,
}
#: He et al. (2016), table 6: CIFAR-10 test error (%) of the 110- and 1202-layer
# ResNets.
RESNET_CIFAR = {110: 6.43, 1202: 7.93}
#: The comparison table's cited columns: year, the ILSVRC test top-5 error (%) of the
# entry the : network belongs to (an ensemble each time), and where that number comes
# from.
ENTRIES = {
    "AlexNet": (2012, 15.3, "krizhevsky2012imagenet"),
    "VGG-16": (2014, 7.3, "simonyan2015very"),
    "GoogLeNet": (2014, 6.67, "szegedy2015going"),
    "ResNet-18": (2015, None, "he2016deep"),
    "ResNet-152": (2015, 3.57, "he2016deep"),
}


# data ---------------------------------------------------------------------------


def load(n_train=6000, n_test=2000):
    """Fashion-MNIST subsets as torch tensors (the first images of each split).

    Falls back to scikit-learn's 1,797 digits, resized to 28x28 (bilinear), if
    Fashion-MNIST is neither installed nor downloadable; ``source`` then says so and the
    splits are the first ``n_train`` and the next ``n_test`` digits.

    Returns:
        dict with ``x`` ``(n_train, 1, 28, 28)`` float32 in [0, 1], ``y`` ``(n_train,)``
        int64, ``x_test``, ``y_test``, ``classes`` (names) and ``source``.

    Raises:
        ValueError: for non-positive sizes.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train={n_train} and n_test={n_test} must be positive")
    try:
        x, y = data.fashion_mnist("train", n=n_train)
        xt, yt = data.fashion_mnist("test", n=n_test)
        source, classes = "Fashion-MNIST", data.FASHION_MNIST_CLASSES
    except FileNotFoundError:
        images, labels = data.digits()
        if n_train + n_test > len(images):
            n_train, n_test = len(images) - len(images) // 4, len(images) // 4
        big = nn.functional.interpolate(
            torch.tensor(images[:, None], dtype=torch.float32),
            size=(28, 28),
            mode="bilinear",
            align_corners=False,
        )
        x, xt = big[:n_train, 0].numpy(), big[n_train : n_train + n_test, 0].numpy()
        y, yt = labels[:n_train], labels[n_train : n_train + n_test]
        source, classes = (
            "scikit-learn digits (Fashion-MNIST not found)",
            tuple("0123456789"),
        )
    as_t = torch.tensor
    return {
        "x": as_t(x[:, None]),
        "y": as_t(y, dtype=torch.int64),
        "x_test": as_t(xt[:, None]),
        "y_test": as_t(yt, dtype=torch.int64),
        "classes": tuple(classes),
        "source": source,
    }


def paper_inputs(x, mean=None):
    """Pixels as AlexNet saw them: values 0-255 minus the mean image (Krizhevsky et al.,
    2012, 2).

    Args:
        x: ``(N, 1, H, W)`` in [0, 1]. mean: ``(1, H, W)`` mean image in [0, 1]
            (default: of ``x``).
    """
    mean = x.mean(0) if mean is None else mean
    return (x - mean) * 255


def standardised(x, mean=None, std=None):
    """Pixels scaled to mean 0 and standard deviation 1 (one mean and std for all
    pixels)."""
    mean = x.mean() if mean is None else mean
    std = x.std() if std is None else std
    return (x - mean) / std


# training -----------------------------------------------------------------------


def fit(
    model,
    x,
    y,
    steps,
    lr=0.01,
    batch_size=100,
    momentum=0.9,
    seed=0,
    x_test=None,
    y_test=None,
    eval_every=None,
):
    """Train ``model`` with mini-batch SGD and momentum on the cross-entropy loss.

    Batches are drawn without replacement from a seeded permutation, reshuffled each
    epoch.

    Args:
        model: a ``torch.nn.Module`` from ``(B, C, H, W)`` to ``(B, classes)`` logits.
        x, y: training tensors ``(N, C, H, W)`` and ``(N,)`` int64 labels.
        steps: number of parameter updates.
        x_test, y_test: optional held-out set, evaluated every ``eval_every`` steps
            together
            with the training set (both in eval mode, so without dropout).

    Returns:
        dict: ``loss`` and ``error`` per step (of the training batch, in train mode),
            and with
        ``eval_every``: ``at`` (steps), ``train_acc``, ``test_acc`` and ``test_loss``
        (lists of floats).

    Raises:
        ValueError: for ``steps < 1``, ``batch_size < 1`` or mismatched ``x`` and ``y``.
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps={steps} and batch_size={batch_size} must be positive")
    if len(x) != len(y):
        raise ValueError(f"{len(x)} inputs but {len(y)} labels")
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    hist = {
        "loss": [],
        "error": [],
        "at": [],
        "train_acc": [],
        "test_acc": [],
        "test_loss": [],
    }
    order, pos = torch.randperm(len(x), generator=g), 0
    for step in range(1, steps + 1):
        if pos + batch_size > len(x):  # a new epoch
            order, pos = torch.randperm(len(x), generator=g), 0
        idx = order[pos : pos + batch_size]
        pos += batch_size
        model.train()
        logits = model(x[idx])
        loss = nn.functional.cross_entropy(logits, y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist["loss"].append(loss.item())
        hist["error"].append((logits.argmax(1) != y[idx]).float().mean().item())
        if eval_every and (step % eval_every == 0 or step == steps):
            hist["at"].append(step)
            hist["train_acc"].append(accuracy(model, x, y))
            if x_test is not None:
                hist["test_acc"].append(accuracy(model, x_test, y_test))
                hist["test_loss"].append(mean_loss(model, x_test, y_test))
    model.eval()
    return hist


@torch.no_grad()
def predict(model, x, batch_size=1000):
    """Class predictions ``(N,)`` of ``model`` in eval mode."""
    model.eval()
    return torch.cat(
        [model(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)]
    )


@torch.no_grad()
def mean_loss(model, x, y):
    """Mean cross-entropy of ``model`` (eval mode) on ``x, y``."""
    model.eval()
    return nn.functional.cross_entropy(model(x), y).item()


def accuracy(model, x, y):
    """Fraction of ``x`` that ``model`` classifies as ``y`` (eval mode)."""
    return (predict(model, x) == y).float().mean().item()


def confusion(model, x, y, classes=10):
    """``(classes, classes)`` int array: row = true class, column = predicted class."""
    pred = predict(model, x).numpy()
    out = np.zeros((classes, classes), dtype=int)
    np.add.at(out, (y.numpy(), pred), 1)
    return out


def steps_to(errors, threshold, window=10):
    """First step (1-based) at which the mean error of the last ``window`` steps is at
    most ``threshold``, or ``None`` if it never is."""
    e = np.asarray(errors, dtype=float)
    if len(e) < window:
        return None
    running = np.convolve(e, np.ones(window) / window, mode="valid")
    hits = np.nonzero(running <= threshold)[0]
    return int(hits[0]) + window if len(hits) else None


# the small networks -------------------------------------------------------------


def four_layer_net(activation="relu", width=8, init_std=None):
    """The ReLU-vs-tanh network: conv 5x5 - pool - conv 5x5 - pool - fc 32 - fc 10.

    Four layers with weights, as the network of AlexNet's figure 1 (ours is far
    smaller).
    ``init_std``: draw every weight from N(0, init_std^2) and set biases to 0, as
    AlexNet did with 0.01; ``None`` keeps torch's default initialisation. Input ``(N, 1,
    28, 28)``.
    """
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh}
    if activation not in acts:
        raise ValueError(f"activation={activation!r}: use 'relu' or 'tanh'")
    act = acts[activation]
    net = nn.Sequential(
        nn.Conv2d(1, width, 5),
        act(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 5),
        act(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(2 * width * 16, 32),
        act(),
        nn.Linear(32, 10),
    )
    if init_std is not None:
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight, std=init_std)
                nn.init.zeros_(m.bias)
    return net


@torch.no_grad()
def saturation(net, x, level=0.99):
    """Fraction of the first layer's units whose tanh would exceed ``level`` in size on
    ``x`` (there the slope of tanh is below ``1 - level**2``: about 0.02 for 0.99)."""
    z = net[0](x)
    return (torch.tanh(z).abs() > level).float().mean().item()


def dropout_net(p=0.5, hidden=256, width=8):
    """conv - pool - conv - pool - fc ``hidden`` - fc ``hidden`` - fc 10, with dropout
    ``p`` on both hidden fully-connected layers, where AlexNet has it."""
    return nn.Sequential(
        nn.Conv2d(1, width, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(2 * width * 16, hidden),
        nn.ReLU(),
        nn.Dropout(p),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Dropout(p),
        nn.Linear(hidden, 10),
    )


class TinyAlexNet(nn.Module):
    """AlexNet's plan for 28x28 grayscale images, small enough to train on a CPU in
    seconds.

    conv1 5x5 - ReLU - LRN - max pool 3/2 (24 -> 11); conv2 5x5 (padding 2) - ReLU - LRN
    - pool (-> 5); conv3, conv4, conv5 3x3 (padding 1); pool (-> 2); fc 64 - fc 64 - fc
    10, with dropout.
    With ``two_towers`` conv2, conv4 and conv5 are grouped (``groups=2``) and LRN works
    within each tower, exactly as in :class:`cnnlib.models.AlexNet`. Shapes:
    ``(N, 1, 28, 28) -> (N, 10)``; conv1's filters are ``features[0].weight``, tower A
    first.
    """

    def __init__(self, widths=(16, 24, 32, 32, 24), two_towers=True, dropout=0.5):
        super().__init__()
        g = 2 if two_towers else 1
        w1, w2, w3, w4, w5 = widths
        self.towers = g
        self.features = nn.Sequential(
            nn.Conv2d(1, w1, 5),
            nn.ReLU(),
            cnn.LocalResponseNorm(groups=g),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(w1, w2, 5, padding=2, groups=g),
            nn.ReLU(),
            cnn.LocalResponseNorm(groups=g),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(w2, w3, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(w3, w4, 3, padding=1, groups=g),
            nn.ReLU(),
            nn.Conv2d(w4, w5, 3, padding=1, groups=g),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(w5 * 2 * 2, 64),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(64, 10),
        )
        for m in self.modules():  # He initialisation: torch's default is too small to
            if isinstance(
                m, (nn.Conv2d, nn.Linear)
            ):  # start this deep a ReLU net quickly
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.features(x))

    def tower_filters(self, tower):
        """conv1's filters of one tower as ``(w1 / 2, 5, 5)`` numpy arrays."""
        if tower not in range(self.towers):
            raise ValueError(f"tower={tower}: this network has {self.towers} tower(s)")
        return self.features[0].weight.detach().chunk(self.towers)[tower][:, 0].numpy()


def deep_net(blocks, residual=True, width=8):
    """A stem, ``blocks`` ResNet basic blocks (2 convolutions each), global pooling, fc.

    Input ``(N, 1, 28, 28)``, averaged down to 14x14 first; ``2 * blocks + 2`` weight
    layers. ``residual=False`` gives the plain network with the same layers (He et al.'s
    "plain").
    """
    if blocks < 1:
        raise ValueError(f"blocks={blocks} must be positive")
    return nn.Sequential(
        nn.AvgPool2d(2),
        nn.Conv2d(1, width, 3, padding=1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(),
        *[cnn.BasicBlock(width, width, residual=residual) for _ in range(blocks)],
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(width, 10),
    )


# receptive fields ---------------------------------------------------------------


def _vgg_style(w=6):
    layers, c = [], 3
    for stage in range(3):
        layers += [
            nn.Conv2d(c, w, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(w, w, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]
        c = w
    return nn.Sequential(*layers)


def _alexnet_style(w=6):
    return nn.Sequential(
        nn.Conv2d(3, w, 11, stride=4),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(w, w, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(w, w, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(w, w, 3, padding=1),
        nn.ReLU(),
    )


def _resnet_style(w=6):
    return nn.Sequential(
        nn.Conv2d(3, w, 7, stride=2, padding=3),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, padding=1),
        cnn.BasicBlock(w, w),
        cnn.BasicBlock(w, w),
        cnn.BasicBlock(w, w, stride=2),
        cnn.BasicBlock(w, w),
    )


#: The explorer's networks: name -> factory of an ``nn.Sequential`` for ``(1, 3, H, W)``
# images : (colour: torch's convolution is much slower with a single input channel on a
# CPU).
RF_NETS = {
    "VGG-style (3x3 stacks)": _vgg_style,
    "AlexNet-style (11x11, stride 4)": _alexnet_style,
    "ResNet-style (blocks)": _resnet_style,
}


def rf_net(name, seed=0):
    """One of :data:`RF_NETS` with seeded random weights (He initialisation), in eval
    mode, its parameters frozen (only gradients with respect to the input are
    needed)."""
    if name not in RF_NETS:
        raise ValueError(f"unknown network {name!r}; choose one of {list(RF_NETS)}")
    torch.manual_seed(seed)
    net = RF_NETS[name]()
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def rf_layers(net):
    """Indices of the modules of ``net`` whose outputs the explorer offers
    (convolutions,
    poolings, blocks: everything but activations), in order."""
    return [i for i, m in enumerate(net) if receptive_path(m)]


def _same_padding(module):
    return 0 if hasattr(module, "receptive_path") else None


def theoretical_box(net, layer, i, j):
    """Input pixels seen by unit ``(i, j)`` of ``net[layer]``'s output.

    Returns:
        ``(top, left, size, jump)``: the square's top-left pixel (may be negative:
        padding), its side, from :func:`cnnlib.counting.receptive_field`, and the stride
        in pixels. The centre follows ``centre += (dilation * (k - 1) / 2 - padding) *
        jump`` per layer (blocks pad to keep sizes, so they move no centre).
    """
    path, centre, jump = [], 0.0, 1
    for m in list(net)[: layer + 1]:
        steps = receptive_path(m)
        if steps is None:
            raise ValueError(f"layer {layer}: a layer after {m} sees the whole input")
        pad = _same_padding(m)
        if pad is None and steps:
            p = m.padding if isinstance(m.padding, int) else m.padding[0]
            ((k, s, d),) = steps
            centre += (d * (k - 1) / 2 - p) * jump
        for k, s, d in steps:
            jump *= s
        path += steps
    size, jump = counting.receptive_field(path)
    ci, cj = centre + i * jump, centre + j * jump
    half = (size - 1) / 2
    return int(round(ci - half)), int(round(cj - half)), size, jump


def unit_gradient(net, image, layer, fy=0.5, fx=0.5):
    """The effective receptive field of one unit: ``|d unit / d input|`` (Luo et al.,
    2016).

    The unit is position ``(i, j)`` of ``net[layer]``'s output, at fractions ``fy, fx``
    of the way across the map, summed over its channels; the gradient's size is summed
    over the image's three colour channels.

    Args:
        net: an ``nn.Sequential`` from :func:`rf_net`. image: ``(H, W, 3)`` colour
            array.
        layer: an index from :func:`rf_layers`. fy, fx: in [0, 1].

    Returns:
        dict: ``grad`` ``(H, W)`` (absolute values, scaled to a maximum of 1), ``unit``
        ``(i, j)``, ``map_shape`` ``(h, w)``, ``box`` (:func:`theoretical_box`).

    Raises:
        ValueError: for a layer outside :func:`rf_layers`, fractions outside [0, 1], or
            an
            image that is not ``(H, W, 3)``.
    """
    if layer not in rf_layers(net):
        raise ValueError(f"layer={layer}: choose one of {rf_layers(net)}")
    if not (0 <= fy <= 1 and 0 <= fx <= 1):
        raise ValueError(f"fy={fy}, fx={fx} must lie in [0, 1]")
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image has shape {image.shape}; expected (H, W, 3)")
    with one_thread():  # far too little work to share: one thread is fastest
        x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]
        x.requires_grad_(True)
        out = net[: layer + 1](x)
        h, w = out.shape[-2:]
        i, j = int(round(fy * (h - 1))), int(round(fx * (w - 1)))
        (grad,) = torch.autograd.grad(out[0, :, i, j].sum(), x)
    g = np.abs(grad[0].numpy()).sum(0)
    g = g / g.max() if g.max() > 0 else g
    return {
        "grad": g,
        "unit": (i, j),
        "map_shape": (h, w),
        "box": theoretical_box(net, layer, i, j),
    }


def mass_width(grad, centre, fraction=0.9):
    """Side of the smallest square centred at ``centre`` (pixel ``(row, col)``) holding
    ``fraction`` of the total ``|grad|``: a size for the effective receptive field."""
    g = np.abs(np.asarray(grad, dtype=float))
    total = g.sum()
    if total == 0:
        return 0
    r, c = (int(round(v)) for v in centre)
    for half in range(max(g.shape)):
        patch = g[max(r - half, 0) : r + half + 1, max(c - half, 0) : c + half + 1]
        if patch.sum() >= fraction * total:
            return 2 * half + 1
    return 2 * max(g.shape) + 1


# the architectures side by side -------------------------------------------------


def comparison():
    """Rows ``(name, year, depth, params, madds, top5, cite)`` for :data:`ENTRIES`.

    Depth, parameters and multiply-adds (one 224x224 image; 227 for AlexNet) are counted
    on
    ``meta`` tensors (no memory, no weights): our AlexNet (two towers), VGG-16 and
    ResNet-18, torchvision's GoogLeNet (without its auxiliary classifiers; depth from
    the paper, 22, because its parallel branches make a count of layers meaningless) and
    ResNet-152.
    """
    import torchvision

    with torch.device("meta"):
        nets = {
            "AlexNet": (cnn.AlexNet(two_towers=True), 227),
            "VGG-16": (cnn.VGG16(), 224),
            "GoogLeNet": (
                torchvision.models.googlenet(aux_logits=False, init_weights=False),
                224,
            ),
            "ResNet-18": (cnn.ResNet18(), 224),
            "ResNet-152": (torchvision.models.resnet152(), 224),
        }
    rows = []
    for name, (net, side) in nets.items():
        table = summary(net, (3, side, side))
        depth = 22 if name == "GoogLeNet" else weight_layers(net)
        year, top5, cite = ENTRIES[name]
        rows.append(
            (name, year, depth, table.total_params, table.total_madds, top5, cite)
        )
    return rows
