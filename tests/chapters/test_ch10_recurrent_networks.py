"""Tests for chapter 10 and cnnlib.models.rnn.

The RNN against torch.nn.RNN, BPTT against autograd and finite differences, CharRNN,
sampling, the data, the explorer, the exercise checks and the quiz.
"""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnlib import gradcheck, train
from cnnlib.chapters import ch10_recurrent_networks as ch10
from cnnlib.chapters.ch10_recurrent_networks import figures, quiz
from cnnlib.checks import check
from cnnlib.models import (
    CharRNN,
    RNNClassifier,
    VanillaRNN,
    rnn_step,
    sample,
    softmax_temperature,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small recurrent models: one thread is much faster on a shared CPU."""
    with train.one_thread():
        yield


@pytest.fixture(scope="module")
def data():
    return ch10.NameData()


def _random_weights(rng, D, H, scale=0.5):
    return (
        rng.normal(size=(H, D)) * scale,
        rng.normal(size=(H, H)) / np.sqrt(H),
        rng.normal(size=H) * 0.1,
    )


# cnnlib.models.rnn: the hand-written RNN equals torch.nn.RNN --------------------


@pytest.mark.parametrize("bias", [True, False])
def test_vanilla_rnn_equals_torch_rnn_forward_and_backward(bias):
    torch.manual_seed(1)
    ref = torch.nn.RNN(5, 4, batch_first=True, bias=bias).double()
    ours = VanillaRNN.from_torch(ref).double()
    x = torch.randn(3, 7, 5, dtype=torch.float64)
    h0 = torch.randn(3, 4, dtype=torch.float64)
    out_ref, h_ref = ref(x, h0[None])
    out, h = ours(x, h0)
    assert out.shape == (3, 7, 4) and h.shape == (3, 4)
    assert torch.allclose(out, out_ref, atol=1e-12)
    assert torch.allclose(h, h_ref[0], atol=1e-12)
    g = torch.randn_like(out)
    (out * g).sum().backward()
    (out_ref * g).sum().backward()
    assert torch.allclose(ours.W_xh.grad, ref.weight_ih_l0.grad, atol=1e-10)
    assert torch.allclose(ours.W_hh.grad, ref.weight_hh_l0.grad, atol=1e-10)
    if bias:  # our one b is the sum of torch's two: it receives either's gradient
        assert torch.allclose(ours.b.grad, ref.bias_ih_l0.grad, atol=1e-10)
    else:
        assert torch.count_nonzero(ours.b) == 0


def test_vanilla_rnn_defaults_to_zero_state_and_one_step():
    torch.manual_seed(0)
    ref = torch.nn.RNN(2, 3, batch_first=True)
    ours = VanillaRNN.from_torch(ref)
    x = torch.randn(4, 1, 2)
    out, h = ours(x)
    expected = torch.tanh(
        x[:, 0] @ ref.weight_ih_l0.T + ref.bias_ih_l0 + ref.bias_hh_l0
    )
    assert torch.allclose(out[:, 0], expected, atol=1e-6) and torch.equal(out[:, 0], h)


def test_rnn_step_is_the_formula_with_column_vectors():
    rng = np.random.default_rng(0)
    W_xh, W_hh, b = (torch.tensor(a) for a in _random_weights(rng, 4, 3))
    x, h = torch.tensor(rng.normal(size=4)), torch.tensor(rng.normal(size=3))
    new = rnn_step(x[None], h[None], W_xh, W_hh, b)[0]
    assert torch.allclose(new, torch.tanh(W_xh @ x + W_hh @ h + b))
    assert tuple(W_xh.shape) == (3, 4)


def test_rnn_bad_shapes_and_types():
    W_xh, W_hh, b = torch.zeros(3, 4), torch.zeros(3, 3), torch.zeros(3)
    with pytest.raises(ValueError):
        rnn_step(torch.zeros(2, 5), torch.zeros(2, 3), W_xh, W_hh, b)  # D = 5, not 4
    with pytest.raises(ValueError):
        rnn_step(torch.zeros(2, 4), torch.zeros(3, 3), W_xh, W_hh, b)  # batch 2 vs 3
    with pytest.raises(ValueError):
        rnn_step(torch.zeros(4), torch.zeros(3), W_xh, W_hh, b)  # not batched
    with pytest.raises(ValueError):
        VanillaRNN(4, 3)(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError):
        VanillaRNN(4, 3)(torch.zeros(2, 0, 4))
    with pytest.raises(ValueError):
        VanillaRNN(0, 3)
    with pytest.raises(TypeError):
        VanillaRNN(4.0, 3)
    with pytest.raises(TypeError):
        VanillaRNN.from_torch(torch.nn.GRU(2, 3))
    for bad in (
        torch.nn.RNN(2, 3, num_layers=2),
        torch.nn.RNN(2, 3, bidirectional=True),
        torch.nn.RNN(2, 3, nonlinearity="relu"),
    ):
        with pytest.raises(ValueError):
            VanillaRNN.from_torch(bad)


# CharRNN, RNNClassifier ---------------------------------------------------------


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("embed_dim", [None, 5])
def test_char_rnn_shapes_and_state_carries_over(cell, embed_dim):
    torch.manual_seed(0)
    model = CharRNN(7, 6, cell=cell, embed_dim=embed_dim, num_layers=2)
    tokens = torch.randint(0, 7, (3, 9))
    logits, state = model(tokens)
    assert logits.shape == (3, 9, 7)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 3, 6)
    # two halves with the state handed over = the whole sequence at once
    first, state = model(tokens[:, :4])
    second, _ = model(tokens[:, 4:], state)
    assert torch.allclose(torch.cat([first, second], 1), logits, atol=1e-6)


def test_char_rnn_one_hot_input_is_the_textbook_model():
    model = CharRNN(4, 3, cell="rnn")
    x = model.inputs(torch.tensor([[0, 1, 2, 2]]))
    assert torch.equal(x[0], torch.eye(4)[[0, 1, 2, 2]])
    assert tuple(model.rnn.weight_ih_l0.shape) == (3, 4)  # W_xh, column vectors
    assert tuple(model.head.weight.shape) == (4, 3)  # W_hy


def test_char_rnn_bad_input():
    model = CharRNN(5, 4)
    with pytest.raises(TypeError):
        model(torch.zeros(2, 3))  # floats, not token ids
    with pytest.raises(ValueError):
        model(torch.tensor([[0, 5]]))  # id 5 with a vocabulary of 5
    with pytest.raises(ValueError):
        model(torch.tensor([-1, 2]))  # (T,), not (N, T)
    with pytest.raises(ValueError):
        CharRNN(5, 4, cell="transformer")
    with pytest.raises(ValueError):
        CharRNN(5, 0)
    with pytest.raises(TypeError):
        CharRNN(True, 4)
    with pytest.raises(ValueError):
        RNNClassifier(1, 4, 3)(torch.zeros(2, 5, 2))


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_char_rnn_overfits_one_small_batch(data, cell):
    torch.manual_seed(0)
    model = CharRNN(len(data.vocab), 48, cell=cell, embed_dim=16)
    X, Y = data.X_train[:6], data.Y_train[:6]
    history = ch10.train(
        model,
        lambda g: (X, Y),
        lambda m, b: ch10.sequence_loss(m, *b),
        steps=250,
        lr=1e-2,
    )
    # the first letter after '.' is a guess among the six names; everything after it
    # can be learned: the loss floor is that first guess's entropy, spread over targets
    first = [n[0] for n in data.train[:6]]
    floor = -sum(math.log(first.count(c) / 6) for c in first) / int((Y >= 0).sum())
    assert history["loss"][0] > 3.0 and history["loss"][-1] < floor + 0.03
    # and it spells the names: greedy decoding from '.' + first letter
    for name in data.train[:6]:
        greedy = ch10.sample_names(model, data, 1, 0.0, prefix=name[0])[0]
        assert greedy == name or sum(n[0] == name[0] for n in data.train[:6]) > 1


def test_rnn_classifier_overfits_and_accepts_scalar_signals():
    torch.manual_seed(0)
    x = torch.randn(16, 10)
    y = torch.arange(16) % 4
    model = RNNClassifier(1, 32, 4, cell="lstm")
    assert model(x).shape == (16, 4) and model(x[:, :, None]).shape == (16, 4)
    history = ch10.train(
        model,
        lambda g: (x, y),
        lambda m, b: F.cross_entropy(m(b[0]), b[1]),
        steps=300,
        lr=1e-2,
    )
    assert history["loss"][-1] < 0.05
    assert (model(x).argmax(1) == y).all()


# softmax_temperature, sample -----------------------------------------------------


def test_softmax_temperature():
    z = torch.tensor([[2.0, 1.0, 0.0, -1.0], [0.0, 3.0, 3.0, 1.0]])
    assert torch.allclose(softmax_temperature(z, 1.0), torch.softmax(z, -1))
    assert torch.allclose(softmax_temperature(z, 0.5), torch.softmax(2 * z, -1))
    assert torch.equal(
        softmax_temperature(z, 0), torch.tensor([[1.0, 0, 0, 0], [0, 1, 0, 0]])
    )
    hot = softmax_temperature(z, 1e6)
    assert torch.allclose(hot, torch.full_like(hot, 0.25), atol=1e-5)
    assert torch.allclose(softmax_temperature(z, 0.3).sum(-1), torch.ones(2))
    big = softmax_temperature(torch.tensor([1000.0, 999.0]), 1.0)
    assert torch.isfinite(big).all()
    for bad in (-0.1, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            softmax_temperature(z, bad)


def test_sample_greedy_matches_a_manual_argmax_loop():
    torch.manual_seed(0)
    model = CharRNN(6, 8, cell="gru")
    prefix = torch.tensor([[0, 3], [1, 2]])
    out = sample(model, prefix, 5, temperature=0.0)
    assert out.shape == (2, 7) and torch.equal(out[:, :2], prefix)
    tokens = prefix.clone()
    for _ in range(5):  # the slow way: re-run the whole sequence each time
        logits, _ = model(tokens)
        tokens = torch.cat([tokens, logits[:, -1].argmax(-1, keepdim=True)], 1)
    assert torch.equal(out, tokens)


def test_sample_is_reproducible_and_stops():
    torch.manual_seed(0)
    model = CharRNN(5, 8)
    model.train()
    start = torch.zeros(50, 1, dtype=torch.long)
    a = sample(model, start, 12, 1.0, torch.Generator().manual_seed(3), stop=0)
    b = sample(model, start, 12, 1.0, torch.Generator().manual_seed(3), stop=0)
    assert torch.equal(a, b) and model.training  # the mode is restored
    assert a.shape == (50, 13)  # full length, also when every row stopped early
    for row in a[:, 1:]:
        stops = (row == 0).nonzero()
        if len(stops):
            assert (row[stops[0, 0] :] == 0).all()  # after the stop, only stops
    assert (a[:, 1:] == 0).any() and (a[:, 1:] != 0).any()
    assert sample(model, start, 0).shape == (50, 1)
    with pytest.raises(ValueError):
        sample(model, torch.zeros(3, dtype=torch.long), 4)
    with pytest.raises(ValueError):
        sample(model, start, -1)


# numpy BPTT --------------------------------------------------------------------------


def test_numpy_forward_equals_torch():
    rng = np.random.default_rng(1)
    W_xh, W_hh, b = _random_weights(rng, 5, 4)
    x, h0 = rng.normal(size=(6, 5)), rng.normal(size=4)
    hs = ch10.rnn_forward(x, h0, W_xh, W_hh, b)
    assert hs.shape == (7, 4) and np.array_equal(hs[0], h0)
    net = VanillaRNN(5, 4).double()
    with torch.no_grad():
        net.W_xh.copy_(torch.tensor(W_xh)), net.W_hh.copy_(torch.tensor(W_hh))
        net.b.copy_(torch.tensor(b))
    out, _ = net(torch.tensor(x)[None], torch.tensor(h0)[None])
    assert np.allclose(out[0].detach().numpy(), hs[1:])


@pytest.mark.parametrize("activation", ["tanh", "linear"])
def test_bptt_equals_autograd_and_finite_differences(activation):
    rng = np.random.default_rng(2)
    T, D, H = 6, 3, 4
    W_xh, W_hh, b = _random_weights(rng, D, H)
    x, h0, g = rng.normal(size=(T, D)), rng.normal(size=H), rng.normal(size=(T, H))
    g[2] = 0  # a step without a loss
    hs = ch10.rnn_forward(x, h0, W_xh, W_hh, b, activation)
    grads = ch10.bptt(x, hs, W_xh, W_hh, g, activation)

    def loss(x=x, h0=h0, W_xh=W_xh, W_hh=W_hh, b=b):
        return float(np.sum(ch10.rnn_forward(x, h0, W_xh, W_hh, b, activation)[1:] * g))

    for name, value in [("x", x), ("h0", h0), ("W_xh", W_xh), ("W_hh", W_hh), ("b", b)]:
        numeric = gradcheck.numerical_gradient(
            lambda v, n=name: loss(**{n: v}), value.copy()
        )
        assert np.allclose(grads[name], numeric, rtol=1e-6, atol=1e-8), name
    # autograd, through the torch model with the same weights
    tx = [torch.tensor(a, requires_grad=True) for a in (x, h0, W_xh, W_hh, b)]
    h, out = tx[1], []
    for t in range(T):
        a = tx[2] @ tx[0][t] + tx[3] @ h + tx[4]
        h = torch.tanh(a) if activation == "tanh" else a
        out.append(h)
    (torch.stack(out) * torch.tensor(g)).sum().backward()
    for name, tensor in zip(("x", "h0", "W_xh", "W_hh", "b"), tx):
        assert np.allclose(grads[name], tensor.grad.numpy()), name
    # the total gradient at h_t: at the last step it is the loss's own term
    assert np.allclose(grads["h"][-1], g[-1])


def test_bptt_and_forward_bad_input():
    W_xh, W_hh, b = np.zeros((3, 2)), np.zeros((3, 3)), np.zeros(3)
    with pytest.raises(ValueError):
        ch10.rnn_forward(np.zeros((4, 3)), np.zeros(3), W_xh, W_hh, b)
    with pytest.raises(ValueError):
        ch10.rnn_forward(np.zeros((4, 2)), np.zeros(3), W_xh, W_hh, b, "relu")
    with pytest.raises(ValueError):
        ch10.rnn_forward(np.zeros((0, 2)), np.zeros(3), W_xh, W_hh, b)
    hs = ch10.rnn_forward(np.zeros((4, 2)), np.zeros(3), W_xh, W_hh, b)
    with pytest.raises(ValueError):
        ch10.bptt(np.zeros((4, 2)), hs, W_xh, W_hh, np.zeros((5, 3)))


def test_gradient_norms_through_time_are_powers_for_a_linear_orthogonal_rnn():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    x = rng.normal(size=(20, 3))
    W_xh, b = rng.normal(size=(8, 3)), np.zeros(8)
    for s in (0.5, 1.0, 1.7):
        n = ch10.gradient_norms_through_time(x, W_xh, s * Q, b, "linear")
        assert n.shape == (21,) and np.allclose(n, s ** (20 - np.arange(21)))
    tanh = ch10.gradient_norms_through_time(x, W_xh, 0.9 * Q, b)
    assert np.all(
        tanh <= 0.9 ** (20 - np.arange(21)) + 1e-12
    )  # tanh' <= 1 only shrinks


def test_clip_by_norm_equals_torch():
    rng = np.random.default_rng(4)
    grads = [rng.normal(size=(3, 4)) * 5, rng.normal(size=2)]
    for max_norm in (0.1, 1.0, 1e3):
        clipped, norm = ch10.clip_by_norm(grads, max_norm)
        params = [
            torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads
        ]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm)
        assert np.isclose(norm, total.item())
        assert all(np.allclose(c, p.grad.numpy()) for c, p in zip(clipped, params))
    assert all(
        np.array_equal(c, g) for c, g in zip(ch10.clip_by_norm(grads, 1e3)[0], grads)
    )
    for bad in (0, -1.0):
        with pytest.raises(ValueError):
            ch10.clip_by_norm(grads, bad)


def test_cliff_loss_derivative_matches_bptt_and_finite_differences():
    w = np.array([1.0, 1.5, 1.69, 2.2])
    _loss, grad, h = ch10.cliff_loss(w)
    eps = 1e-6
    numeric = (ch10.cliff_loss(w + eps)[0] - ch10.cliff_loss(w - eps)[0]) / (2 * eps)
    assert np.allclose(grad, numeric, rtol=1e-4)
    c = ch10.CLIFF
    for wi, gi in zip(w, grad):  # the same with the general numpy BPTT, one unit
        x = np.zeros((c["steps"], 1))
        hs = ch10.rnn_forward(
            x,
            np.array([c["h0"]]),
            np.zeros((1, 1)),
            np.array([[wi]]),
            np.array([c["b"]]),
        )
        dh = np.zeros((c["steps"], 1))
        dh[-1] = 2 * (hs[-1] - c["target"])
        g = ch10.bptt(x, hs, np.zeros((1, 1)), np.array([[wi]]), dh)["W_hh"][0, 0]
        assert np.isclose(g, gi)
    assert h[0] < 0 < h[-1]  # the sign flip across the cliff


# the chapter's data ------------------------------------------------------------


def test_hello_helpers():
    assert ch10.hello_pairs() == [("h", "e"), ("e", "l"), ("l", "l"), ("l", "o")]
    assert np.array_equal(ch10.one_hot("ol"), [[0, 0, 0, 1], [0, 0, 1, 0]])
    with pytest.raises(ValueError):
        ch10.one_hot("help")
    with pytest.raises(ValueError):
        ch10.hello_pairs("h")


def test_census_names_and_name_data(data):
    names = ch10.load_names()
    assert len(names) == 5163 and names == sorted(set(names))
    assert all(n.isalpha() and n.islower() for n in names)
    assert len(data.train) + len(data.val) == 5163 and not set(data.train) & set(
        data.val
    )
    assert data.vocab == ".abcdefghijklmnopqrstuvwxyz"
    X, Y = data.encode(["emma", "al"])
    assert X.shape == (2, data.length) and list(X[1, :4]) == [0, 1, 12, 0]
    assert list(Y[1, :4]) == [1, 12, 0, -100]
    assert np.array_equal(X[0, 1:5], Y[0, :4])  # targets = inputs shifted
    assert data.decode([0, 5, 13, 13, 1, 0, 7]) == "emma"
    assert all(
        data.decode(np.r_[x[:1], y[y >= 0]]) == n
        for x, y, n in zip(
            data.X_train[:20].numpy(), data.Y_train[:20].numpy(), data.train
        )
    )
    assert math.log(1) < ch10.bigram_loss(data) < math.log(27)
    with pytest.raises(ValueError):
        ch10.NameData(["a.b"])
    with pytest.raises(ValueError):
        ch10.NameData([])


def test_memory_batch():
    x, y, delay = ch10.memory_batch(
        500, length=12, symbols=3, generator=torch.Generator().manual_seed(0)
    )
    assert x.shape == (500, 12, 4) and y.shape == (500,) and delay.shape == (500,)
    assert torch.equal(x[..., 3].sum(1), torch.ones(500))  # one mark per row
    assert torch.equal(x[..., :3].sum(-1), torch.ones(500, 12))  # one symbol per step
    position = x[..., 3].argmax(1)
    assert torch.equal(x[torch.arange(500), position, :3].argmax(1), y)
    assert torch.equal(delay, 11 - position) and delay.min() == 0 and delay.max() == 11
    with pytest.raises(ValueError):
        ch10.memory_batch(4, length=0)
    with pytest.raises(ValueError):
        ch10.memory_batch(4, symbols=1)


def test_accuracy_by_delay_and_train_records():
    acc = ch10.accuracy_by_delay([1, 0, 1, 1], [0, 1, 5, 6], [0, 2, 7])
    assert np.allclose(acc, [0.5, 1.0])
    model = torch.nn.Linear(3, 1)
    x = torch.randn(32, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5])
    hist = ch10.train(
        model,
        lambda g: (x, y),
        lambda m, b: ((m(b[0])[:, 0] - b[1]) ** 2).mean(),
        200,
        lr=0.05,
        clip=0.5,
    )
    assert hist["loss"].shape == (200,) and hist["loss"][-1] < 0.01 * hist["loss"][0]
    assert hist["grad_norm"].max() > 0.5 and hist["seconds"] > 0


def test_mnist1d_tensors():
    x, y, xt, _yt = ch10.mnist1d_tensors()
    assert x.shape == (4000, 40) and xt.shape == (1000, 40) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and set(y.unique().tolist()) == set(range(10))


# figures and the explorer -------------------------------------------------------------


def test_figures_return_figures():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=4)
    for fig in (
        figures.unrolled_figure(),
        figures.hello_figure(probs, rng.uniform(-1, 1, (4, 3))),
        figures.gradient_norms_figure(
            {0.5: 0.5 ** np.arange(5)[::-1]}, {0.5: 0.5 ** np.arange(5)[::-1]}
        ),
    ):
        assert isinstance(fig, plt.Figure)
        plt.close(fig)


def test_temperature_explorer_updates_in_place(data):
    torch.manual_seed(0)
    model = CharRNN(len(data.vocab), 16, "gru", embed_dim=8)
    explorer = figures.make_temperature_explorer(model, data)
    bars = explorer.fig.axes[0].patches
    explorer.refresh({"temperature": 0.0, "prefix": "ma", "seed": 0})
    greedy = np.array([b.get_height() for b in bars])
    assert np.allclose(greedy, ch10.next_char_probs(model, data, "ma", 0.0))
    assert np.isclose(greedy.sum(), 1) and greedy.max() == 1
    explorer.refresh({"temperature": 2.0, "prefix": "ma", "seed": 0})
    warm = np.array([b.get_height() for b in bars])
    assert (
        np.allclose(warm, ch10.next_char_probs(model, data, "ma", 2.0))
        and warm.max() < 1
    )
    assert len(explorer.fig.axes[0].patches) == len(data.vocab)  # updated in place
    text = explorer.fig.axes[1].texts[0].get_text()
    assert text.count("\n") >= 10 and "distinct" in text
    assert "T = 2.00" in explorer.fig.axes[0].get_title()
    with pytest.raises(ValueError):
        figures.make_temperature_explorer(model)
    html = figures.temperature_animation(model, data, temperatures=(0.5, 1.0))
    assert "<script" in html.data and len(html.data) < 2_000_000


def test_sample_names_start_with_the_prefix(data):
    torch.manual_seed(0)
    model = CharRNN(len(data.vocab), 16, "gru")
    out = ch10.sample_names(model, data, n=20, temperature=1.5, seed=0, prefix="jo")
    assert len(out) == 20 and all(n.startswith("jo") for n in out)
    assert out == ch10.sample_names(
        model, data, n=20, temperature=1.5, seed=0, prefix="jo"
    )
    p = ch10.next_char_probs(model, data, "jo")
    assert p.shape == (27,) and np.isclose(p.sum(), 1)


# the exercises' checks and the quiz ---------------------------------------------


def test_check_param_count():
    assert check("ch10-param-count", 40)
    assert not check("ch10-param-count", 33)  # matrices only
    assert not check("ch10-param-count", 43)  # torch's two biases
    assert not check("ch10-param-count", ...)


def test_check_memoryless_loss():
    assert check("ch10-memoryless-loss", math.log(2) / 2)
    assert not check("ch10-memoryless-loss", 2 * math.log(2))
    assert not check("ch10-memoryless-loss", math.log(2))
    assert not check("ch10-memoryless-loss", 0.0)


def _my_rnn(x, h0, W_xh, W_hh, b):
    h, states = h0, []
    for x_t in x:
        h = np.tanh(W_xh @ x_t + W_hh @ h + b)
        states.append(h)
    return np.array(states)


def test_check_rnn_forward_and_its_forbidden_shortcuts():
    assert check("ch10-rnn-forward", _my_rnn)
    assert not check("ch10-rnn-forward", lambda x, h0, *w: _my_rnn(x, h0, *w)[::-1])
    assert not check(
        "ch10-rnn-forward", lambda x, h0, *w: np.vstack([h0, _my_rnn(x, h0, *w)])
    )
    assert not check(
        "ch10-rnn-forward", lambda x, h0, *w: ch10.rnn_forward(x, h0, *w)[1:]
    )

    def with_torch(x, h0, W_xh, W_hh, b):
        rnn = torch.nn.RNN(x.shape[1], len(h0)).double()
        with torch.no_grad():
            (
                rnn.weight_ih_l0.copy_(torch.tensor(W_xh)),
                rnn.weight_hh_l0.copy_(torch.tensor(W_hh)),
            )
            rnn.bias_ih_l0.copy_(torch.tensor(b)), rnn.bias_hh_l0.zero_()
        return rnn(torch.tensor(x), torch.tensor(h0)[None])[0].detach().numpy()

    assert np.allclose(
        with_torch(*ch10.checks._forward_cases()[0]),
        _my_rnn(*ch10.checks._forward_cases()[0]),
    )
    assert not check("ch10-rnn-forward", with_torch)
    assert not check("ch10-rnn-forward", lambda *a: None)


def _softmax(z, T):
    z = np.asarray(z, dtype=float) / T
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_check_temperature():
    import scipy.special

    assert check("ch10-temperature", _softmax)
    naive = lambda z, T: (
        np.exp(np.asarray(z) / T)
        / np.exp(np.asarray(z) / T).sum(axis=-1, keepdims=True)
    )
    with np.errstate(over="ignore", invalid="ignore"):
        assert not check("ch10-temperature", naive)  # overflows at 1000
    assert not check("ch10-temperature", lambda z, T: _softmax(z, 1.0))  # ignores T
    assert not check(
        "ch10-temperature",
        lambda z, T: scipy.special.softmax(np.asarray(z) / T, axis=-1),
    )
    assert not check(
        "ch10-temperature", lambda z, T: torch.softmax(torch.tensor(z) / T, -1).numpy()
    )


def _my_clip(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [g * scale for g in grads]


def test_check_clip():
    assert check("ch10-clip", _my_clip)
    assert not check(
        "ch10-clip", lambda grads, c: [g * min(1, c / np.linalg.norm(g)) for g in grads]
    )  # per array
    assert not check("ch10-clip", lambda grads, c: [np.clip(g, -c, c) for g in grads])
    assert not check(
        "ch10-clip",
        lambda grads, c: [
            g * c / np.sqrt(sum(np.sum(h**2) for h in grads)) for g in grads
        ],
    )  # always rescales

    def with_torch(grads, c):
        params = [
            torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads
        ]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_norm_(params, c)
        return [p.grad.numpy() for p in params]

    assert not check("ch10-clip", with_torch)
    assert not check("ch10-clip", lambda grads, c: None)


def test_check_vanishing():
    assert check("ch10-vanishing", 0.9**50)
    assert not check("ch10-vanishing", 0.9**49)
    assert not check("ch10-vanishing", 45.0)
    assert not check("ch10-vanishing", 0.1)


def test_quiz_numbers_are_right():
    assert math.isclose(quiz._LOSS, math.log(4)) and math.isclose(quiz._CLIP, 0.2)
    for q in quiz.QUIZ:
        assert q["type"] in ("multiple_choice", "numeric")
        assert sum(bool(a.get("correct")) for a in q["answers"]) == 1
