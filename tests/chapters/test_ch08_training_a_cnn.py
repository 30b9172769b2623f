"""Chapter 8: data, networks, the training loop in numpy and torch, the explorer's
computation, the figures, the exercise checks and the quiz."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from cnnlib import layers as L  # noqa: E402
from cnnlib.chapters import ch08_training_a_cnn as ch08  # noqa: E402
from cnnlib.chapters.ch08_training_a_cnn import figures, quiz  # noqa: E402
from cnnlib.checks import check  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    return ch08.digits_split()


def test_xo_data_is_balanced_noisy_and_split():
    d = ch08.xo_data(n_train=40, n_test=20, flip_prob=0.1)
    assert d["x_train"].shape == (40, 1, 9, 9) and d["x_test"].shape == (20, 1, 9, 9)
    assert d["x_train"].dtype == np.float32 and set(np.unique(d["x_train"])) == {-1, 1}
    assert np.bincount(d["y_train"]).tolist() == [20, 20]
    assert not np.array_equal(d["x_train"][:20], d["x_test"])
    clean = ch08.xo_data(n_train=40, n_test=20, flip_prob=0.0, max_shift=0)
    assert len({x.tobytes() for x in clean["x_train"]}) == 2  # exactly one X, one O
    with pytest.raises(ValueError, match="flip_prob"):
        ch08.xo_data(flip_prob=2.0)


def test_xo_net_is_the_sources_network():
    net = ch08.xo_net(np.random.default_rng(0))
    shapes = [a.shape[1:] for _, a in ch08.layer_outputs(net, np.zeros((1, 1, 9, 9)))]
    assert shapes == [
        (1, 9, 9),
        (3, 7, 7),
        (3, 7, 7),
        (3, 5, 5),
        (3, 5, 5),
        (3, 2, 2),
        (12,),
        (2,),
    ]
    assert sum(p.data.size for p in net.parameters()) == 140
    scored = ch08.xo_net(np.random.default_rng(0), sigmoid=True)
    out = scored(np.random.default_rng(1).normal(size=(5, 1, 9, 9)))
    assert out.shape == (5, 2) and np.all((out > 0) & (out < 1))
    assert np.allclose(
        out, ch08.sigmoid(net(np.random.default_rng(1).normal(size=(5, 1, 9, 9))))
    )


def test_one_hot():
    assert ch08.one_hot([1, 0, 2], 3).tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        ch08.one_hot([0, 3], 3)


def test_digits_split_is_stratified_and_standardised_on_training_images(digits):
    assert digits["x_train"].shape == (1347, 1, 8, 8) and len(digits["y_test"]) == 450
    assert digits["x_train"].dtype == np.float32 and digits["y_train"].dtype == np.int64
    share = [np.bincount(digits[k]) / len(digits[k]) for k in ("y_train", "y_test")]
    assert np.abs(share[0] - share[1]).max() < 0.005
    assert (
        abs(digits["x_train"].mean()) < 1e-5 and abs(digits["x_train"].std() - 1) < 1e-5
    )
    assert abs(digits["x_test"].mean()) > 1e-4  # the test images did not set the scale
    raw = digits["x_test"] * digits["std"] + digits["mean"]
    assert raw.min() > -1e-5 and raw.max() < 1 + 1e-5
    again = ch08.digits_split()
    assert np.array_equal(again["y_test"], digits["y_test"])


def test_digits_net_shapes_and_parameters():
    net = ch08.digits_net(np.random.default_rng(0))
    assert net(np.zeros((3, 1, 8, 8), np.float32)).shape == (3, 10)
    assert sum(p.data.size for p in net.parameters()) == 6090
    assert len(net.parameters()) == 6


def test_numpy_and_torch_steps_take_the_same_step_in_float64():
    net = ch08.digits_net(np.random.default_rng(3)).to(np.float64)
    model = L.to_torch(net)
    x = np.random.default_rng(4).normal(size=(16, 1, 8, 8))
    y = np.random.default_rng(5).integers(0, 10, 16)
    opt, t_opt = (
        L.Adam(net.parameters(), lr=1e-2),
        torch.optim.Adam(model.parameters(), lr=1e-2),
    )
    for _ in range(3):
        ours = ch08.train_step(net, L.CrossEntropyLoss(), opt, x, y)
        theirs = ch08.torch_step(
            model,
            torch.nn.CrossEntropyLoss(),
            t_opt,
            torch.from_numpy(x),
            torch.from_numpy(y),
        )
        assert np.isclose(ours, theirs, rtol=1e-10)
    for p, q in zip(net.parameters(), model.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_fit_steps_through_every_batch_and_reports_each_epoch():
    seen, lrs = [], []
    history = ch08.fit(
        lambda b: seen.append(b.copy()) or float(len(b)),
        n=10,
        epochs=3,
        batch_size=4,
        rng=np.random.default_rng(0),
        evaluate=lambda: {"score": 1.5},
        set_lr=lrs.append,
    )
    assert len(seen) == 9 and [len(b) for b in seen[:3]] == [4, 4, 2]
    for epoch in range(3):
        assert sorted(np.concatenate(seen[3 * epoch : 3 * epoch + 3])) == list(
            range(10)
        )
    assert lrs == [0, 1, 2] and history["loss"] == [4.0, 4.0, 2.0] * 3
    assert history["epochs"][0] == {"loss": 10 / 3, "score": 1.5}
    assert history["seconds"] >= 0
    again = []
    ch08.fit(
        lambda b: again.append(b.copy()) or 0.0, 10, 3, 4, np.random.default_rng(0)
    )
    assert all(
        np.array_equal(a, b) for a, b in zip(seen, again)
    )  # same seed, same batches


def test_cosine_schedule_sets_numpy_and_torch_rates():
    p = L.Parameter(np.zeros(2))
    ours = L.SGD([p], lr=1.0)
    theirs = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=1.0)
    for opt, read in (
        (ours, lambda: ours.lr),
        (theirs, lambda: theirs.param_groups[0]["lr"]),
    ):
        set_lr = ch08.cosine_schedule(opt, 0.4, 10)
        set_lr(0)
        assert np.isclose(read(), 0.4)
        set_lr(5)
        assert np.isclose(read(), 0.2)
        set_lr(9)
        assert 0 < read() < 0.01


def test_predict_and_accuracy_restore_the_mode_and_agree_across_libraries():
    net = L.Sequential(
        L.Linear(3, 4, rng=np.random.default_rng(0)),
        L.Dropout(0.5),
        L.Linear(4, 2, rng=np.random.default_rng(1)),
    )
    model = L.to_torch(net).train()
    x = np.random.default_rng(2).normal(size=(7, 3)).astype(np.float32)
    ours, theirs = ch08.predict(net, x, batch_size=3), ch08.predict(model, x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)  # dropout was off
    assert net.training and model.training
    y = ours.argmax(axis=1)
    assert ch08.accuracy(net, x, y) == 1.0 and ch08.accuracy(net, x, 1 - y) == 0.0


def test_softmax_sigmoid_and_the_two_losses():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, 0.0]])
    p = ch08.softmax(z)
    assert np.allclose(p.sum(axis=1), 1) and np.allclose(p[1], [1, 0, 0])
    assert np.allclose(p[0], torch.softmax(torch.tensor(z[0]), 0).numpy())
    assert ch08.sigmoid(0.0) == 0.5
    assert np.isclose(
        ch08.bce([0.92, 0.51], [1, 0]), (-np.log(0.92) - np.log(0.49)) / 2
    )
    assert np.isclose(ch08.mse([0.92, 0.51], [1, 0]), (0.08**2 + 0.51**2) / 2)


def test_layer_outputs_names_and_mode(digits):
    net = ch08.digits_net(np.random.default_rng(0))
    names = [name for name, _ in ch08.layer_outputs(net, digits["x_test"][:2])]
    assert names[:3] == ["input", "0 Conv2d", "1 ReLU"] and names[-1] == "7 Linear"
    assert net.training


def test_mosaic_tiles_with_nan_gaps():
    maps = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2)
    tiles = ch08.mosaic(maps, 2)
    assert tiles.shape == (2 * 3 - 1, 2 * 3 - 1)
    assert np.array_equal(tiles[:2, :2], maps[0]) and np.array_equal(
        tiles[:2, 3:], maps[1]
    )
    assert np.array_equal(tiles[3:, :2], maps[2]) and np.isnan(tiles[3:, 3:]).all()
    assert np.isnan(tiles[2]).all() and np.isnan(tiles[:, 2]).all()


def test_shift_image():
    image = np.arange(16.0).reshape(4, 4)
    assert np.array_equal(ch08.shift_image(image), image)
    right = ch08.shift_image(image, 1)
    assert np.array_equal(right[:, 1:], image[:, :3]) and np.all(right[:, 0] == 0)
    up = ch08.shift_image(image, dy=-2, fill=-1)
    assert np.array_equal(up[:2], image[2:]) and np.all(up[2:] == -1)
    assert np.all(ch08.shift_image(image, 5) == 0)


def test_digit_view_and_shifted_probs(digits):
    net = ch08.trained_digits_net()
    assert ch08.trained_digits_net() is net  # cached
    assert ch08.accuracy(net, digits["x_test"], digits["y_test"]) > 0.9
    view = ch08.digit_view(net, digits["x_test"][0, 0], dx=1)
    assert [m.shape for _, m in view["maps"]] == [
        (16, 8, 8),
        (16, 4, 4),
        (32, 4, 4),
        (32, 2, 2),
    ]
    assert (
        np.isclose(view["probs"].sum(), 1)
        and view["prediction"] == view["probs"].argmax()
    )
    assert np.array_equal(view["image"][:, 1:], digits["x_test"][0, 0][:, :7])
    probs = ch08.shifted_probs(net, digits["x_test"][0, 0], [0, 1])
    assert probs.shape == (2, 10) and np.allclose(probs[1], view["probs"], atol=1e-6)


def test_shift_agreement(digits):
    net = ch08.trained_digits_net()
    images = digits["x_test"][:60, 0]
    none, one, three = ch08.shift_agreement(net, images, [0, 1, 3])
    assert none == 1.0 and 0 <= three < one <= 1


def test_xo_evaluate():
    d = ch08.xo_data(n_train=10, n_test=10)
    net = ch08.xo_net(np.random.default_rng(0))
    out = ch08.xo_evaluate(net, d)
    assert 0 <= out["test_acc"] <= 1 and 0 < out["right_score"] < 1
    scored = ch08.xo_net(np.random.default_rng(0), sigmoid=True)
    assert ch08.xo_evaluate(scored, d, logits=False) == pytest.approx(out)


def test_source_drops_docstrings():
    text = ch08.source(L.ReLU)
    assert text.startswith("class ReLU(Module):\n    def forward") and '"""' not in text
    assert "def train_step" in ch08.source(ch08.train_step)
    fit = ch08.source(ch08.fit)                  # lambdas and conditional expressions
    assert fit.split("\n")[2].strip().startswith("from tqdm") and '"""' not in fit


def test_figures_return_figures(digits):
    net = ch08.trained_digits_net()
    outputs = ch08.layer_outputs(net, digits["x_test"][:1])
    history = {
        "loss": [1.0, 0.5, 0.2],
        "epochs": [{"loss": 1.0, "test_acc": 0.5}, {"loss": 0.4, "test_acc": 0.8}],
    }
    made = [
        figures.architecture_figure(outputs, 7, "net"),
        figures.xo_scores_figure(
            np.ones((2, 9, 9)), np.full((2, 2), 0.5), np.eye(2), ["X", "O"]
        ),
        figures.loss_gradient_figure(),
        figures.curves_figure(
            {"a": history, "b": [history, history]}, ("loss", "test_acc"), ("l", "a")
        ),
        figures.optimizer_figure({"sgd": {"loss": list(np.linspace(2, 0.1, 30))}}),
        figures.filters_figure(net[0].weight.data, net[0].weight.data * 2, "f"),
        figures.feature_maps_figure(outputs, "maps"),
        figures.misclassified_figure(
            digits["x_test"][:3, 0], [1, 2, 3], [4, 5, 6], [0.5, 0.6, 0.7]
        ),
        figures.misclassified_figure(np.zeros((0, 8, 8)), [], [], []),
    ]
    assert all(isinstance(f, plt.Figure) for f in made)
    assert len(made[0].axes[0].patches) >= 9  # one box per layer
    plt.close("all")


def test_explorer_updates_in_place_and_clamps(digits):
    explorer = figures.make_digit_explorer()
    assert explorer.controls["index"].max == len(digits["y_test"]) - 1
    assert (explorer.controls["shift"].min, explorer.controls["shift"].max) == (-2, 2)
    heading = explorer.animated[-2]
    explorer.refresh({"index": 3, "shift": 0})
    first = heading.get_text()
    explorer.refresh({"index": 3, "shift": 2})
    assert first != heading.get_text() and "shifted +2" in heading.get_text()
    explorer.update(index=10_000, shift=0)  # clamped, no IndexError
    assert f"test digit {len(digits['y_test']) - 1} " in heading.get_text()


def test_explorer_frames_pick_every_class_and_mistakes():
    labels = np.array([3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5])
    predicted = labels.copy()
    predicted[0] = 8  # the first 3 is a mistake
    frames = figures.explorer_frames(labels, predicted)
    indices = [f["index"] for f in frames]
    assert indices[:10] == list(range(1, 11)) and indices[10] == 0
    assert frames[11:] == [dict(index=4, shift=s) for s in (-2, -1, 1, 2)]


def test_checks_accept_right_answers_and_refuse_mistakes(capsys):
    assert check("ch08-source-losses", [0.39823, 0.13325])
    assert not check("ch08-source-losses", [0.7965, 0.13325])  # a sum, not a mean
    assert check("ch08-source-losses", ...) is None
    assert check("ch08-xo-parameters", 140)
    assert not check("ch08-xo-parameters", 132)  # biases forgotten
    p = 1 / (1 + np.exp(3.0))
    assert check("ch08-wrong-gradient", [p - 1, 2 * (p - 1) * p * (1 - p)])
    assert not check("ch08-wrong-gradient", [p - 1, 2 * (p - 1)])
    out = capsys.readouterr().out
    assert "take the mean" in out and "bias" in out and "chain rule" in out


def _xent(logits, labels):
    n = len(labels)
    s = logits - logits.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    grad = np.exp(log_p)
    grad[np.arange(n), labels] -= 1
    return -log_p[np.arange(n), labels].mean(), grad / n


def test_softmax_cross_entropy_check_forbids_the_library(capsys):
    assert check("ch08-softmax-cross-entropy", _xent)

    def shortcut(logits, labels):
        loss_fn = L.CrossEntropyLoss()
        return loss_fn(logits, labels), loss_fn.backward()

    def via_torch(logits, labels):
        z = torch.tensor(logits, requires_grad=True)
        loss = torch.nn.functional.cross_entropy(z, torch.tensor(labels))
        loss.backward()
        return loss.item(), z.grad.numpy()

    def unstable(logits, labels):
        n, p = len(labels), np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        grad = p.copy()
        grad[np.arange(n), labels] -= 1
        return -np.log(p[np.arange(n), labels]).mean(), grad / n

    def summed(logits, labels):
        loss, grad = _xent(logits, labels)
        return loss, grad * len(labels)

    for wrong in (shortcut, via_torch, unstable, summed):
        with np.errstate(all="ignore"):
            assert not check("ch08-softmax-cross-entropy", wrong), wrong.__name__
    assert check("ch08-softmax-cross-entropy", lambda z, y: None) is None
    out = capsys.readouterr().out
    assert out.count("asks you not to use") == 2 and "maximum" in out and "by N" in out
    assert L.CrossEntropyLoss()(np.zeros((1, 2)), np.array([0])) > 0  # restored


def _momentum(w, grads, lr, momentum):
    w, v = w.copy(), np.zeros_like(w)
    for g in grads:
        v = momentum * v + g
        w = w - lr * v
    return w


def test_momentum_check(capsys):
    assert check("ch08-momentum", _momentum)

    def plain(w, grads, lr, momentum):
        return w - lr * np.sum(grads, axis=0)

    def shortcut(w, grads, lr, momentum):
        p = L.Parameter(w.copy())
        opt = L.SGD([p], lr=lr, momentum=momentum)
        for g in grads:
            p.grad[...] = g
            opt.step()
        return p.data

    def dampened(w, grads, lr, momentum):  # v = mu v + (1 - mu) g
        w, v = w.copy(), np.zeros_like(w)
        for g in grads:
            v = momentum * v + (1 - momentum) * g
            w = w - lr * v
        return w

    for wrong in (plain, shortcut, dampened):
        assert not check("ch08-momentum", wrong), wrong.__name__
    out = capsys.readouterr().out
    assert "plain SGD" in out and "asks you not to use" in out


def test_quiz_numbers_are_computed():
    numeric = [q for q in quiz.QUIZ if q["type"] == "numeric"]
    right = [next(a for a in q["answers"] if a["correct"])["range"] for q in numeric]
    assert right == [[11.5, 12.5], [1289.5, 1290.5]]
    assert all(
        sum(a.get("correct", False) for a in q["answers"]) == 1 for q in quiz.QUIZ
    )
