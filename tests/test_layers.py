"""cnnlib.layers: every backward by finite differences and against torch autograd
(float64), a whole network's gradients against torch's, the optimisers against
torch.optim, the Module API, the errors, and functional's conv-with-columns hook."""

import numpy as np
import pytest
import torch

import cnnlib.functional as F
from cnnlib import gradcheck
from cnnlib import layers as L

torch.set_num_threads(1)


def rng(seed=0):
    return np.random.default_rng(seed)


def as_functions(layer, names):
    """forward(x, *params) and backward(g, x, *params) of a layer (check_backward)."""

    def forward(x, *params):
        for name, p in zip(names, params):
            getattr(layer, name).data = p
        return layer(x)

    def backward(g, x, *params):
        forward(x, *params)
        layer.zero_grad()
        gx = layer.backward(g)
        return (gx, *[getattr(layer, name).grad.copy() for name in names])

    return forward, backward


def torch_grads(module, x, g):
    """Output and gradients (input, then the module's parameters) from autograd."""
    xt = torch.tensor(x, requires_grad=True)
    y = module(xt)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), [xt.grad.numpy()] + [
        p.grad.numpy() for p in module.parameters()
    ]


def copy_into(torch_module, layer):
    with torch.no_grad():
        torch_module.weight.copy_(torch.from_numpy(layer.weight.data))
        if layer.bias is not None:
            torch_module.bias.copy_(torch.from_numpy(layer.bias.data))


def agrees_with_torch(layer, module, names, x, seed):
    """The layer's output and gradients (input, then ``names``) equal the torch module's
    for the same weights, on a random upstream gradient."""
    copy_into(module, layer)
    y = layer(x)
    g = rng(seed).normal(size=y.shape)
    layer.zero_grad()
    ours = [layer.backward(g)] + [getattr(layer, n).grad for n in names]
    y_t, theirs = torch_grads(module, x, g)
    np.testing.assert_allclose(y, y_t, rtol=1e-12, atol=1e-12)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


CONV_CASES = [
    dict(c_in=2, c_out=3, k=3),
    dict(c_in=2, c_out=4, k=(2, 3), stride=2, padding=1),
    dict(c_in=4, c_out=2, k=3, padding=2, dilation=2, groups=2),
    dict(c_in=1, c_out=2, k=3, padding="same", bias=False),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_backward_matches_finite_differences_and_torch(case):
    kw = {k: v for k, v in case.items() if k not in ("c_in", "c_out", "k")}
    layer = L.Conv2d(case["c_in"], case["c_out"], case["k"], rng=rng(1), **kw).to(
        np.float64
    )
    names = ["weight"] + (["bias"] if layer.bias is not None else [])
    if layer.bias is not None:  # a non-zero bias, so its use is tested
        layer.bias.data[:] = rng(2).normal(size=case["c_out"])
    x = rng(3).normal(size=(2, case["c_in"], 6, 7))
    forward, backward = as_functions(layer, names)
    params = [getattr(layer, n).data.copy() for n in names]
    gradcheck.check_backward(forward, backward, [x] + params)

    module = torch.nn.Conv2d(
        case["c_in"], case["c_out"], case["k"], dtype=torch.float64, **kw
    )
    forward(x, *params)
    agrees_with_torch(layer, module, names, x, seed=4)


POOLS = [
    (L.MaxPool2d, torch.nn.MaxPool2d, dict(kernel_size=2)),
    (L.MaxPool2d, torch.nn.MaxPool2d, dict(kernel_size=3, stride=2, padding=1)),
    (L.AvgPool2d, torch.nn.AvgPool2d, dict(kernel_size=2)),
    (L.AvgPool2d, torch.nn.AvgPool2d, dict(kernel_size=3, stride=2, padding=1)),
]


@pytest.mark.parametrize("ours,theirs,kw", POOLS, ids=lambda v: str(v))
def test_pooling_backward_matches_finite_differences_and_torch(ours, theirs, kw):
    layer = ours(**kw)
    x = rng(5).normal(size=(2, 3, 7, 6))  # distinct values: no ties in max pooling
    forward, backward = as_functions(layer, [])
    gradcheck.check_backward(forward, backward, [x])
    y = layer(x)
    g = rng(6).normal(size=y.shape)
    y_t, (gx_t,) = torch_grads(theirs(**kw), x, g)
    np.testing.assert_allclose(y, y_t, rtol=1e-12)
    np.testing.assert_allclose(layer.backward(g), gx_t, rtol=1e-12, atol=1e-14)


ELEMENTWISE = [
    (L.ReLU, torch.nn.ReLU),
    (L.Sigmoid, torch.nn.Sigmoid),
    (L.Flatten, torch.nn.Flatten),
]


@pytest.mark.parametrize("ours,theirs", ELEMENTWISE, ids=lambda v: v.__name__)
def test_parameter_free_layers_match_finite_differences_and_torch(ours, theirs):
    layer = ours()
    x = rng(7).normal(size=(3, 2, 4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU away from its kink
    forward, backward = as_functions(layer, [])
    gradcheck.check_backward(forward, backward, [x])
    y = layer(x)
    g = rng(8).normal(size=y.shape)
    y_t, (gx_t,) = torch_grads(theirs(), x, g)
    np.testing.assert_allclose(y, y_t, rtol=1e-12)
    np.testing.assert_allclose(layer.backward(g), gx_t, rtol=1e-12)


def test_relu_gradient_at_zero_is_zero_as_in_torch():
    layer = L.ReLU()
    layer(np.array([[-1.0, 0.0, 2.0]]))
    assert layer.backward(np.ones((1, 3))).tolist() == [[0.0, 0.0, 1.0]]


def test_sigmoid_does_not_overflow():
    y = L.Sigmoid()(np.array([-1000.0, 0.0, 1000.0]))
    assert y.tolist() == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("bias", [True, False])
def test_linear_backward_matches_finite_differences_and_torch(bias):
    layer = L.Linear(5, 3, bias=bias, rng=rng(9)).to(np.float64)
    names = ["weight"] + (["bias"] if bias else [])
    x = rng(10).normal(size=(4, 5))
    forward, backward = as_functions(layer, names)
    gradcheck.check_backward(
        forward, backward, [x] + [getattr(layer, n).data.copy() for n in names]
    )
    module = torch.nn.Linear(5, 3, bias=bias, dtype=torch.float64)
    agrees_with_torch(layer, module, names, x, seed=11)


def test_dropout_scales_in_training_and_is_the_identity_in_eval():
    layer = L.Dropout(0.25, rng=rng(12))
    x = np.ones((200, 50))
    y = layer(x)
    kept = y != 0
    assert np.allclose(y[kept], 1 / 0.75) and 0.2 < 1 - kept.mean() < 0.3
    g = rng(13).normal(size=x.shape)
    # torch's dropout is x * mask / (1 - p): with our mask, its gradient must equal ours
    mask = torch.tensor(kept.astype(float))
    xt = torch.tensor(x, requires_grad=True)
    (xt * mask / 0.75).backward(torch.tensor(g))
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy())
    forward, backward = as_functions(layer, [])
    layer.eval()
    gradcheck.check_backward(forward, backward, [x[:3, :4]])
    assert np.array_equal(layer(x), x) and np.array_equal(layer.backward(g), g)
    assert np.all(L.Dropout(1.0).train()(x) == 0)


def test_cross_entropy_matches_torch():
    z = rng(14).normal(size=(6, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2, 0])
    loss = L.CrossEntropyLoss()
    value = loss(z, labels)
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    ref.backward()
    assert np.isclose(value, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(loss.backward(), zt.grad.numpy(), rtol=1e-12, atol=1e-15)
    numeric = gradcheck.numerical_gradient(
        lambda v: L.CrossEntropyLoss()(v, labels), z.copy()
    )
    np.testing.assert_allclose(loss.backward(), numeric, rtol=1e-6, atol=1e-9)
    # huge logits: log-sum-exp keeps it finite and exact
    assert L.CrossEntropyLoss()(np.array([[1000.0, 0.0]]), np.array([1])) == 1000.0


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (L.BCEWithLogitsLoss, torch.nn.functional.binary_cross_entropy_with_logits),
        (L.MSELoss, torch.nn.functional.mse_loss),
    ],
    ids=["bce", "mse"],
)
def test_pair_losses_match_torch(ours, theirs):
    z = rng(15).normal(size=(5, 2)) * 4
    t = (rng(16).random((5, 2)) > 0.5).astype(float)
    loss = ours()
    value = loss(z, t)
    zt = torch.tensor(z, requires_grad=True)
    ref = theirs(zt, torch.tensor(t))
    ref.backward()
    assert np.isclose(value, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(loss.backward(), zt.grad.numpy(), rtol=1e-12, atol=1e-15)
    numeric = gradcheck.numerical_gradient(lambda v: ours()(v, t), z.copy())
    np.testing.assert_allclose(loss.backward(), numeric, rtol=1e-6, atol=1e-9)


def test_bce_with_huge_logits_is_finite():
    loss = L.BCEWithLogitsLoss()
    value = loss(np.array([[800.0, -800.0]]), np.array([[0.0, 1.0]]))
    assert np.isclose(value, 800.0) and np.allclose(loss.backward(), [[0.5, -0.5]])


def small_net(seed=0, dtype=np.float64):
    r = rng(seed)
    return L.Sequential(
        L.Conv2d(1, 4, 3, padding=1, rng=r),
        L.ReLU(),
        L.MaxPool2d(2),
        L.Conv2d(4, 6, 3, padding=1, rng=r),
        L.ReLU(),
        L.AvgPool2d(2),
        L.Flatten(),
        L.Linear(6 * 2 * 2, 8, rng=r),
        L.Sigmoid(),
        L.Linear(8, 3, rng=r),
    ).to(dtype)


def test_a_whole_network_has_torchs_gradients_for_the_same_weights():
    net = small_net()
    x = rng(17).normal(size=(5, 1, 8, 8))
    labels = np.array([0, 2, 1, 2, 0])
    loss = L.CrossEntropyLoss()
    value = loss(net(x), labels)
    net.zero_grad()
    gx = net.backward(loss.backward())
    ref_net = L.to_torch(net)
    xt = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(ref_net(xt), torch.tensor(labels))
    ref.backward()
    assert np.isclose(value, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-9, atol=1e-14)
    ours, theirs = net.parameters(), list(ref_net.parameters())
    assert len(ours) == len(theirs) == 8
    for p, q in zip(ours, theirs):
        assert p.shape == tuple(q.shape)
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_gradients_accumulate_until_zero_grad():
    net = small_net()
    x = rng(18).normal(size=(2, 1, 8, 8))
    g = rng(19).normal(size=(2, 3))
    net(x)
    net.backward(g)
    once = [p.grad.copy() for p in net.parameters()]
    net(x)
    net.backward(g)
    assert all(np.allclose(p.grad, 2 * o) for p, o in zip(net.parameters(), once))
    net.zero_grad()
    assert all(not p.grad.any() for p in net.parameters())


@pytest.mark.parametrize(
    "make",
    [
        (lambda ps, r: (L.SGD(ps, lr=0.1), torch.optim.SGD(r, lr=0.1))),
        (
            lambda ps, r: (
                L.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-2),
                torch.optim.SGD(r, lr=0.05, momentum=0.9, weight_decay=1e-2),
            )
        ),
        (lambda ps, r: (L.Adam(ps, lr=0.01), torch.optim.Adam(r, lr=0.01))),
        (
            lambda ps, r: (
                L.Adam(ps, lr=0.02, betas=(0.8, 0.99), weight_decay=1e-2),
                torch.optim.Adam(r, lr=0.02, betas=(0.8, 0.99), weight_decay=1e-2),
            )
        ),
    ],
    ids=["sgd", "momentum", "adam", "adam-decay"],
)
def test_optimisers_take_torchs_steps(make):
    net = small_net(3)
    ref_net = L.to_torch(net)
    ours, theirs = make(net.parameters(), ref_net.parameters())
    loss = L.CrossEntropyLoss()
    for step in range(6):
        x = rng(20 + step).normal(size=(4, 1, 8, 8))
        labels = rng(40 + step).integers(0, 3, size=4)
        ours.zero_grad()
        loss(net(x), labels)
        net.backward(loss.backward())
        ours.step()
        theirs.zero_grad()
        torch.nn.functional.cross_entropy(
            ref_net(torch.tensor(x)), torch.tensor(labels)
        ).backward()
        theirs.step()
    for p, q in zip(net.parameters(), ref_net.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_training_lowers_the_loss():
    net = small_net(4, np.float32)
    x = rng(21).normal(size=(12, 1, 8, 8)).astype(np.float32)
    labels = np.arange(12) % 3
    loss, opt = L.CrossEntropyLoss(), L.Adam(net.parameters(), lr=0.02)
    first = loss(net(x), labels)
    for _ in range(40):
        opt.zero_grad()
        loss(net(x), labels)
        net.backward(loss.backward())
        opt.step()
    assert loss(net(x), labels) < 0.2 * first
    assert all(p.data.dtype == np.float32 for p in net.parameters())


def test_module_api():
    net = small_net()
    assert len(net) == 10 and isinstance(net[0], L.Conv2d) and len(net[:3]) == 3
    assert [type(m).__name__ for m in net][:3] == ["Conv2d", "ReLU", "MaxPool2d"]
    assert sum(p.data.size for p in net.parameters()) == (
        4 * 9 + 4 + 6 * 4 * 9 + 6 + 24 * 8 + 8 + 8 * 3 + 3
    )
    assert net.to(np.float32).parameters()[0].data.dtype == np.float32
    net.eval()
    assert not any(m.training for m in net)
    net.train()
    assert all(m.training for m in net)
    text = repr(net)
    assert text.startswith(
        "Sequential(\n  (0): Conv2d(1, 4, kernel_size=(3, 3), padding=1)"
    )
    assert "(6): Flatten()" in text and "Linear(in_features=24, out_features=8)" in text
    assert repr(L.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2)"
    assert (
        repr(L.Conv2d(2, 3, 5, stride=2, bias=False))
        == "Conv2d(2, 3, kernel_size=(5, 5), stride=2, bias=False)"
    )
    assert repr(L.Dropout(0.3)) == "Dropout(p=0.3)"
    assert L.ReLU().parameters() == [] and L.Conv2d(1, 2, 3).parameters()[0].shape == (
        2,
        1,
        3,
        3,
    )


def test_initialisation_is_he_normal_and_seeded():
    a, b = L.Conv2d(8, 64, 3, rng=rng(5)), L.Conv2d(8, 64, 3, rng=rng(5))
    assert np.array_equal(a.weight.data, b.weight.data)
    assert np.isclose(a.weight.data.std(), np.sqrt(2 / 72), rtol=0.05)
    assert not a.bias.data.any() and a.weight.data.dtype == np.float32


def test_conv2d_builds_its_columns_once_per_step(monkeypatch):
    import cnnlib.functional.conv as conv

    calls = []
    original = conv.im2col
    monkeypatch.setattr(conv, "im2col", lambda *a: calls.append(1) or original(*a))
    layer = L.Conv2d(2, 3, 3, rng=rng())
    y = layer(rng().normal(size=(2, 2, 5, 5)))
    layer.backward(np.ones_like(y))
    assert len(calls) == 1


BAD_INPUTS = [
    (
        L.Conv2d(3, 8, 3),
        np.zeros((2, 1, 8, 8)),
        r"Conv2d\(3, 8.*\(2, 1, 8, 8\).*\(N, 3, H, W\)",
    ),
    (L.Conv2d(1, 8, 3), np.zeros((1, 8, 8)), r"Conv2d.*\(1, 8, 8\)"),
    (
        L.Conv2d(1, 8, 5),
        np.zeros((2, 1, 3, 3)),
        r"Conv2d\(1, 8, kernel_size=\(5, 5\)\).*larger",
    ),
    (
        L.Linear(64, 10),
        np.zeros((4, 63)),
        r"Linear\(in_features=64.*\(4, 63\).*\(N, 64\)",
    ),
    (L.MaxPool2d(2), np.zeros((4, 8, 8)), r"MaxPool2d.*\(4, 8, 8\).*\(N, C, H, W\)"),
    (L.AvgPool2d(4), np.zeros((1, 1, 3, 3)), r"AvgPool2d.*larger"),
    (L.Flatten(), np.zeros(5), r"Flatten\(\).*\(5,\)"),
]


@pytest.mark.parametrize("layer,x,message", BAD_INPUTS, ids=lambda v: repr(v)[:30])
def test_wrong_input_shapes_name_the_layer_and_shapes(layer, x, message):
    with pytest.raises(ValueError, match=message):
        layer(x)


def test_sequential_says_which_layer_failed():
    net = L.Sequential(L.Flatten(), L.Linear(10, 2))
    with pytest.raises(ValueError, match=r"Sequential layer 1: Linear.*\(3, 12\)"):
        net(np.zeros((3, 3, 4)))


def test_loss_errors():
    ce = L.CrossEntropyLoss()
    with pytest.raises(
        ValueError, match=r"labels range over \[0, 4\].*\(2, 4\).*\[0, 3\]"
    ):
        ce(np.zeros((2, 4)), np.array([0, 4]))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        ce(np.zeros((2, 4)), np.array([-1, 1]))
    with pytest.raises(ValueError, match=r"labels have shape \(3,\); expected \(2,\)"):
        ce(np.zeros((2, 4)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integers"):
        ce(np.zeros((2, 4)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*\(8,\)"):
        ce(np.zeros(8), np.array([0]))
    with pytest.raises(ValueError, match=r"BCEWithLogitsLoss.*\[0.0, 2.0\]"):
        L.BCEWithLogitsLoss()(np.zeros((1, 2)), np.array([[0.0, 2.0]]))
    with pytest.raises(ValueError, match=r"MSELoss.*\(2, 2\).*\(2,\)"):
        L.MSELoss()(np.zeros((2, 2)), np.zeros(2))


def test_backward_errors():
    with pytest.raises(RuntimeError, match=r"Linear.*before forward"):
        L.Linear(2, 2).backward(np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match=r"CrossEntropyLoss.*before forward"):
        L.CrossEntropyLoss().backward()
    layer = L.Conv2d(1, 2, 3)
    layer(np.zeros((1, 1, 5, 5)))
    with pytest.raises(
        ValueError,
        match=r"Conv2d.*grad_output has shape \(1, 2, 4, 4\).*"
        r"\(1, 2, 3, 3\)",
    ):
        layer.backward(np.zeros((1, 2, 4, 4)))
    relu = L.ReLU()
    relu(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"ReLU.*\(3, 2\)"):
        relu.backward(np.zeros((3, 2)))


def test_optimiser_and_dropout_arguments():
    with pytest.raises(ValueError, match="non-empty"):
        L.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr=0"):
        L.Adam(L.Linear(2, 2).parameters(), lr=0)
    with pytest.raises(ValueError, match=r"Dropout\(p=1.5\)"):
        L.Dropout(1.5)


# functional's hook: convolution with its columns kept ---------------------------

HOOK_CASES = [
    ((2, 4, 7, 6), (6, 4, 3, 2), {}),
    ((2, 4, 7, 6), (6, 2, 3, 2), dict(stride=2, padding=1, dilation=2, groups=2)),
    ((3, 2, 11), (4, 2, 3), dict(stride=3, padding="valid")),
    ((1, 1, 5, 4, 4), (2, 1, 3, 2, 2), dict(padding=1)),
    ((0, 2, 5, 5), (3, 2, 3, 3), {}),
]


@pytest.mark.parametrize("x_shape,w_shape,kw", HOOK_CASES, ids=str)
def test_columns_hook_equals_conv_nd_and_its_backward(x_shape, w_shape, kw):
    r = rng(30)
    x, w, b = r.normal(size=x_shape), r.normal(size=w_shape), r.normal(size=w_shape[0])
    y, cols = F.conv_nd_with_columns(x, w, b, **kw)
    assert np.array_equal(y, F.conv_nd(x, w, b, **kw))
    g = r.normal(size=y.shape)
    ours = F.conv_nd_backward_from_columns(g, cols, x.shape, w, b, **kw)
    for a, e in zip(ours, F.conv_nd_backward(g, x, w, b, **kw)):
        assert a.shape == e.shape and np.allclose(a, e, rtol=1e-13, atol=1e-13)
    no_bias = F.conv_nd_backward_from_columns(g, cols, x.shape, w, None, **kw)
    assert no_bias[2] is None


def test_columns_hook_dtypes_and_errors():
    r = rng(31)
    x = r.integers(0, 5, size=(1, 1, 4, 4))
    w = r.normal(size=(1, 1, 2, 2)).astype(np.float16)
    y, cols = F.conv_nd_with_columns(x, w)
    assert y.dtype == np.float16 and cols.dtype == np.float32
    gx, gw, _ = F.conv_nd_backward_from_columns(np.ones(y.shape), cols, x.shape, w)
    assert gx.dtype == gw.dtype == np.float32
    with pytest.raises(ValueError, match=r"columns has shape .*expected \(1, 4, 9\)"):
        F.conv_nd_backward_from_columns(np.ones(y.shape), cols[:, :3], x.shape, w)
    with pytest.raises(ValueError, match="grad_output"):
        F.conv_nd_backward_from_columns(np.ones((1, 1, 2, 2)), cols, x.shape, w)
    with pytest.raises(ValueError, match="bias"):
        F.conv_nd_backward_from_columns(np.ones(y.shape), cols, x.shape, w, np.ones(2))
    with pytest.raises(TypeError):
        F.conv_nd_with_columns(x, w, stride=1.5)


def test_to_torch_gives_the_same_function_in_each_dtype():
    r = rng(32)
    for dtype, tol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        net = (
            L.Sequential(
                L.Conv2d(1, 3, 3, stride=2, padding=1, rng=r),
                L.ReLU(),
                L.AvgPool2d(2),
                L.Conv2d(3, 4, (1, 2), bias=False, rng=r),
                L.Sigmoid(),
                L.MaxPool2d(1),
                L.Flatten(),
                L.Dropout(0.5),
                L.Linear(8, 2, rng=r),
            )
            .to(dtype)
            .eval()
        )
        twin = L.to_torch(net).eval()
        x = r.normal(size=(3, 1, 8, 10)).astype(dtype)
        y_t = twin(torch.from_numpy(x)).detach().numpy()
        assert y_t.dtype == dtype
        np.testing.assert_allclose(net(x), y_t, rtol=tol, atol=tol)
    with pytest.raises(TypeError, match="CrossEntropyLoss"):
        L.to_torch(L.CrossEntropyLoss())


def test_backward_reuses_the_columns_only_when_allowed():
    """``overwrite_columns`` turns the columns into scratch memory; without it they are
    left as they were, and the input is never written (a 1x1 kernel's columns can be a
    view of it)."""
    x, w = rng(3).normal(size=(1, 3, 4, 4)), rng(4).normal(size=(2, 3, 1, 1))
    y, cols = F.conv_nd_with_columns(x, w)
    g = rng(5).normal(size=y.shape)
    kept = cols.copy()
    expected = F.conv_nd_backward_from_columns(g, cols, x.shape, w)
    np.testing.assert_array_equal(cols, kept)
    reused = F.conv_nd_backward_from_columns(g, cols, x.shape, w, overwrite_columns=True)
    assert not np.array_equal(cols, kept)
    for a, b in zip(expected[:2], reused[:2]):
        np.testing.assert_array_equal(a, b)
    before = x.copy()
    F.conv2d_backward(g, x, w)
    np.testing.assert_array_equal(x, before)


def test_conv2d_backward_uses_up_its_forward():
    layer = L.Conv2d(1, 2, 3, rng=rng())
    y = layer(np.ones((1, 1, 5, 5)))
    layer.backward(np.ones(y.shape))
    with pytest.raises(RuntimeError, match=r"Conv2d.*before forward.*uses up"):
        layer.backward(np.ones(y.shape))
