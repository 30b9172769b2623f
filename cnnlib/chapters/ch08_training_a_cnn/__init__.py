"""Chapter 8, "Building and training a CNN": the chapter's plain computation.

numpy and :mod:`cnnlib.layers` (torch only inside the functions that need it; no
matplotlib, no ipywidgets), so that tests and the explorer can call it headless:

* :func:`xo_data`, :func:`xo_net`: the X-versus-O glyphs of
  :func:`cnnlib.data.glyph_dataset` and the source's small network (two conv + ReLU
  layers, max pooling, 2x2x3 = 12 values, two outputs);
* :func:`digits_split`, :func:`digits_net`: real handwritten digits split into training
  and test sets, and the CNN trained on them;
* :func:`train_step`, :func:`torch_step`, :func:`fit`, :func:`cosine_schedule`: one step
  of gradient descent in numpy and in torch, and the one training loop both run through;
* :func:`predict`, :func:`accuracy`, :func:`layer_outputs`: what a trained network says,
  and every layer's maps on the way;
* :func:`digit_view`: the explorer's computation (one digit, optionally shifted);
* :func:`trained_digits_net`: a quickly trained network for the explorer when none is
  given.
"""
import functools
import time

import numpy as np

from cnnlib import data
from cnnlib import layers as L

#: Class names of the X/O network's outputs (indices as in :data:`cnnlib.data.GLYPHS`).
XO_CLASSES = ("X", "O")


def source(obj):
    """The source code of a function or class, without its docstrings, for the page."""
    import ast
    import inspect
    import textwrap
    text = textwrap.dedent(inspect.getsource(obj))
    drop = set()
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            drop.update(range(first.lineno, first.end_lineno + 1))
    lines = text.splitlines()
    drop |= {i + 1 for i in drop if i < len(lines) and not lines[i].strip()}
    return "\n".join(line for i, line in enumerate(lines, 1) if i not in drop)


def xo_data(n_train=400, n_test=200, size=9, max_shift=1, flip_prob=0.05, seed=0):
    """Noisy, shifted X and O glyphs of +1/-1 pixels, for training and for testing.

    Training and test images come from separately seeded generators, so no test image is
    a copy of a training image by construction (a few may coincide by chance).

    Returns:
        dict with ``x_train`` ``(n_train, 1, size, size)`` and ``x_test`` float32,
        ``y_train``, ``y_test`` ``(n,)`` ints (0 = X, 1 = O).

    Raises:
        ValueError: as :func:`cnnlib.data.glyph_dataset`.
    """
    out = {}
    for split, n, offset in (("train", n_train, 0), ("test", n_test, 1)):
        rng = np.random.default_rng([seed, offset])
        x, y = data.glyph_dataset(n, size=size, max_shift=max_shift,
                                  flip_prob=flip_prob, rng=rng)
        out[f"x_{split}"], out[f"y_{split}"] = x[:, None].astype(np.float32), y
    return out


def xo_net(rng, sigmoid=False):
    """The source's X/O network for 9x9 images; 140 parameters.

    ``(N, 1, 9, 9)`` -> Conv 3x3 (3 filters) -> ReLU -> ``(N, 3, 7, 7)`` -> Conv 3x3
    (3 filters) -> ReLU -> ``(N, 3, 5, 5)`` -> MaxPool 2 -> ``(N, 3, 2, 2)`` -> Flatten
    -> 12 values -> Linear -> 2 outputs. With ``sigmoid=True`` a
    :class:`~cnnlib.layers.Sigmoid` turns the two outputs into two independent scores in
    (0, 1) (for a squared-error loss; :class:`~cnnlib.layers.BCEWithLogitsLoss` applies
    the sigmoid itself).
    """
    net = L.Sequential(L.Conv2d(1, 3, 3, rng=rng), L.ReLU(), L.Conv2d(3, 3, 3, rng=rng),
                       L.ReLU(), L.MaxPool2d(2), L.Flatten(), L.Linear(12, 2, rng=rng))
    if sigmoid:
        net.layers.append(L.Sigmoid())
    return net


def one_hot(labels, classes):
    """``(N,)`` ints -> ``(N, classes)`` float32 rows of 0 with a 1 at the label."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels range over [{labels.min()}, {labels.max()}]; "
                         f"expected [0, {classes - 1}]")
    return np.eye(classes, dtype=np.float32)[labels]


def digits_split(test_size=0.25, seed=0):
    """The 1,797 real 8x8 handwritten digits of :func:`cnnlib.data.digits`, split once.

    A stratified split (every digit in the same proportion on both sides), seeded, so
    the test images are never seen in training: 1,347 training and 450 test images.
    Pixels are standardised with the *training* images' mean and standard deviation
    (the test images must not influence anything the network is trained with).

    Returns:
        dict with ``x_train``, ``x_test`` ``(n, 1, 8, 8)`` float32 (standardised),
        ``y_train``, ``y_test`` ``(n,)`` int64, and the ``mean`` and ``std`` used.
    """
    from sklearn.model_selection import train_test_split
    images, labels = data.digits()
    x = images[:, None].astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        x, labels.astype(np.int64), test_size=test_size, stratify=labels,
        random_state=seed)
    mean, std = float(x_train.mean()), float(x_train.std())
    return dict(x_train=(x_train - mean) / std, y_train=y_train,
                x_test=(x_test - mean) / std, y_test=y_test, mean=mean, std=std)


def digits_net(rng):
    """The chapter's digit classifier (feature extractor + classifier), 6,090 weights.

    ``(N, 1, 8, 8)`` -> [Conv 3x3 pad 1 (16) -> ReLU -> MaxPool 2] -> ``(N, 16, 4, 4)``
    -> [Conv 3x3 pad 1 (32) -> ReLU -> MaxPool 2] -> ``(N, 32, 2, 2)`` -> Flatten -> 128
    -> Linear -> 10 class scores (logits, for :class:`~cnnlib.layers.CrossEntropyLoss`).
    """
    return L.Sequential(
        L.Conv2d(1, 16, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2d(2),
        L.Conv2d(16, 32, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2d(2),
        L.Flatten(), L.Linear(32 * 2 * 2, 10, rng=rng))


def train_step(net, loss_fn, optimizer, x, target):
    """One step of gradient descent with :mod:`cnnlib.layers`; returns the loss."""
    loss = loss_fn(net(x), target)          # forward: every layer keeps its cache
    optimizer.zero_grad()
    net.backward(loss_fn.backward())        # backward: every .grad filled
    optimizer.step()                        # update: w -= lr * (the optimiser's step)
    return loss


def torch_step(model, loss_fn, optimizer, x, target):
    """The same step in torch: autograd records the forward pass and reverses it."""
    loss = loss_fn(model(x), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def cosine_schedule(optimizer, lr, epochs):
    """``set_lr(epoch)``: the learning rate ``lr (1 + cos(pi epoch / epochs)) / 2``.

    Works for a :mod:`cnnlib.layers` optimiser and a ``torch.optim`` one. The rate falls
    smoothly from ``lr`` towards 0, so the last epochs fine-tune instead of jumping
    about (Loshchilov and Hutter, 2017, without restarts).
    """
    def set_lr(epoch):
        rate = lr * (1 + np.cos(np.pi * epoch / epochs)) / 2
        for group in getattr(optimizer, "param_groups", [optimizer]):
            if isinstance(group, dict):
                group["lr"] = rate
            else:
                group.lr = rate
    return set_lr


def fit(step, n, epochs, batch_size, rng, evaluate=None, set_lr=None, progress=False,
        desc="training"):
    """The training loop: every epoch, shuffle the ``n`` examples and step through them.

    Args:
        step: ``step(batch) -> loss`` trains on the examples with indices ``batch``.
        n, epochs, batch_size: examples, passes over them, examples per step.
        rng: ``numpy.random.Generator`` for the shuffles (the same seed gives the same
            batches, whichever library ``step`` uses).
        evaluate: optional ``evaluate() -> dict`` of numbers, called after each epoch.
        set_lr: optional ``set_lr(epoch)`` (see :func:`cosine_schedule`).
        progress: show a tqdm progress bar (``tqdm.auto``: a widget in Jupyter).

    Returns:
        dict: ``loss`` (one per step), ``epochs`` (one dict per epoch: the mean training
        ``loss`` and what ``evaluate`` returned), ``seconds`` (the whole loop).
    """
    from tqdm.auto import tqdm
    history = {"loss": [], "epochs": []}
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc=desc, disable=not progress)
    for epoch in bar:
        if set_lr is not None:
            set_lr(epoch)
        order = rng.permutation(n)
        losses = [step(order[i:i + batch_size]) for i in range(0, n, batch_size)]
        history["loss"] += losses
        row = {"loss": float(np.mean(losses)), **(evaluate() if evaluate else {})}
        history["epochs"].append(row)
        bar.set_postfix({k: round(v, 4) for k, v in row.items()})
    history["seconds"] = time.perf_counter() - start
    return history


def predict(net, x, batch_size=512):
    """Outputs of a :mod:`cnnlib.layers` network or a torch model, in eval mode.

    Returns a numpy array ``(N, classes)``; the network's train/eval mode is restored.
    """
    was = net.training
    net.eval()
    try:
        if hasattr(net, "backward"):
            out = [net(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        else:
            import torch
            with torch.no_grad():
                out = [net(torch.from_numpy(np.ascontiguousarray(x[i:i + batch_size])))
                       .numpy() for i in range(0, len(x), batch_size)]
    finally:
        net.train(was)
    return np.concatenate(out)


def accuracy(net, x, y):
    """Fraction of ``x`` whose largest output is at the label ``y``."""
    return float(np.mean(predict(net, x).argmax(axis=1) == np.asarray(y)))


def xo_evaluate(net, d, logits=True):
    """Test accuracy of an X/O network and the mean score it gives the right class.

    Args:
        net: :func:`xo_net` (``logits=True``: its outputs go through a sigmoid
            here; nets made with ``sigmoid=True`` pass ``logits=False``).
        d: :func:`xo_data`.
    """
    out = predict(net, d["x_test"])
    scores = sigmoid(out) if logits else out
    right = scores[np.arange(len(scores)), d["y_test"]]
    return {"test_acc": float(np.mean(out.argmax(axis=1) == d["y_test"])),
            "right_score": float(right.mean())}


def softmax(z):
    """Row-wise softmax of ``(N, C)`` scores: each row's probabilities sum to 1."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z):
    """``1 / (1 + exp(-z))`` elementwise: each score on its own in (0, 1)."""
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def bce(scores, targets):
    """Mean binary cross-entropy of scores in (0, 1) against 0/1 targets (any shape)."""
    p, t = np.asarray(scores, float), np.asarray(targets, float)
    return float(np.mean(-t * np.log(p) - (1 - t) * np.log(1 - p)))


def mse(scores, targets):
    """Mean squared error of scores against targets (any shape)."""
    return float(np.mean((np.asarray(scores, float) - np.asarray(targets, float)) ** 2))


def layer_outputs(net, x):
    """Every layer's output for ``x``, in eval mode: ``[(name, array), ...]``.

    The names are ``"input"``, then ``"<i> <Layer>"`` (e.g. ``"1 ReLU"``), so that conv
    feature maps, activation maps (after ReLU) and pooled maps can be told apart.
    """
    was = net.training
    net.eval()
    outputs = [("input", np.asarray(x))]
    for i, layer in enumerate(net):
        outputs.append((f"{i} {type(layer).__name__}", layer(outputs[-1][1])))
    net.train(was)
    return outputs


def mosaic(maps, cols):
    """Tile ``(C, h, w)`` maps into one 2D array, ``cols`` per row, NaN between them.

    Returns ``(rows * (h + 1) - 1, cols * (w + 1) - 1)`` with ``rows = ceil(C / cols)``;
    the one-pixel gaps and unused tiles are NaN (drawn blank by ``imshow``).
    """
    maps = np.asarray(maps, dtype=float)
    c, h, w = maps.shape
    rows = -(-c // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for k in range(c):
        r, q = divmod(k, cols)
        out[r * (h + 1):r * (h + 1) + h, q * (w + 1):q * (w + 1) + w] = maps[k]
    return out


def shift_image(image, dx=0, dy=0, fill=None):
    """``image`` ``(H, W)`` moved ``dx`` columns right and ``dy`` rows down.

    Pixels shifted in are ``fill`` (default: the image's minimum, its background).
    """
    image = np.asarray(image)
    out = np.full_like(image, image.min() if fill is None else fill)
    h, w = image.shape
    if abs(dx) >= w or abs(dy) >= h:                     # moved out of the picture
        return out
    src = image[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    top, left = max(0, dy), max(0, dx)
    out[top:top + src.shape[0], left:left + src.shape[1]] = src
    return out


def digit_view(net, image, dx=0):
    """The explorer's computation: what ``net`` sees at every layer for one digit.

    Args:
        net: a trained :func:`digits_net`.
        image: ``(8, 8)`` digit; shifted ``dx`` columns (background shifted in) first.

    Returns:
        dict: ``image`` (the shifted input), ``maps`` (``[(name, (C, h, w))]`` for the
        outputs of the ReLU and pooling layers), ``probs`` (10 softmax probabilities),
        ``prediction`` (int).
    """
    x = shift_image(np.asarray(image, np.float32), dx)[None, None]
    outs = layer_outputs(net, x)
    kept = ("ReLU", "MaxPool2d")
    maps = [(name, a[0]) for name, a in outs if name.split()[-1] in kept]
    probs = softmax(outs[-1][1])[0]
    return dict(image=x[0, 0], maps=maps, probs=probs, prediction=int(np.argmax(probs)))


def shifted_probs(net, image, shifts):
    """Softmax probabilities ``(len(shifts), 10)`` of one ``(8, 8)`` digit moved
    sideways by each of ``shifts`` pixels (background shifted in)."""
    x = np.stack([shift_image(image, s) for s in shifts])[:, None].astype(np.float32)
    return softmax(predict(net, x))


def shift_agreement(net, images, shifts):
    """For each shift, the fraction of ``(n, 8, 8)`` digits whose predicted class stays
    the same when the digit is moved that many pixels sideways (both directions)."""
    base = predict(net, images[:, None].astype(np.float32)).argmax(axis=1)
    agree = []
    for s in shifts:
        same = [predict(net, np.stack([shift_image(im, d) for im in images])[:, None]
                        .astype(np.float32)).argmax(axis=1) == base for d in (-s, s)]
        agree.append(float(np.mean(np.concatenate(same))))
    return agree


@functools.lru_cache(maxsize=1)
def trained_digits_net(epochs=4, seed=0):
    """A :func:`digits_net` trained for a few epochs (cached): the explorer's
    default."""
    d = digits_split()
    rng = np.random.default_rng(seed)
    net = digits_net(rng)
    loss_fn, opt = L.CrossEntropyLoss(), L.Adam(net.parameters(), lr=5e-3)
    x, y = d["x_train"], d["y_train"]
    fit(lambda b: train_step(net, loss_fn, opt, x[b], y[b]), len(x), epochs, 32, rng)
    return net
