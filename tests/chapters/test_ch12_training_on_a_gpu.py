"""Chapter 12: number formats, the network and schedules, CIFAR-10's format, the
recorded slot, robustness and FGSM, figures and explorer, DDP, checks and quiz."""

import matplotlib

matplotlib.use("Agg")

import json  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import replace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from cnnlib import train  # noqa: E402
from cnnlib.chapters import ch12_training_on_a_gpu as ch12  # noqa: E402
from cnnlib.chapters.ch12_training_on_a_gpu import checks, figures, quiz  # noqa: E402
from cnnlib.checks import check  # noqa: E402

torch.set_num_threads(1)


def fake_tensors(n_train=128, n_test=64, shape=(1, 28, 28), seed=0):
    """Images whose class is a bright square at a class-dependent place."""
    g = torch.Generator().manual_seed(seed)
    out = {"classes": tuple(f"c{i}" for i in range(10))}
    for split, n in (("train", n_train), ("test", n_test)):
        y = torch.randint(0, 10, (n,), generator=g)
        x = torch.rand(n, *shape, generator=g) * 0.2
        for i, c in enumerate(y.tolist()):
            r, col = 2 + 2 * (c // 5) * 4, 2 + 4 * (c % 5)
            x[i, :, r:r + 4, col:col + 4] = 1.0
        out[f"x_{split}"], out[f"y_{split}"] = x, y
    return out


TINY = replace(ch12.SCHEDULES["cpu"], name="tiny", width=4, n_train=128, epochs=3,
               batch_size=32, lr=0.05, target=0.5)


# Number formats -------------------------------------------------------------------

def test_rounded_and_format_table():
    assert ch12.rounded([1 / 3], torch.float16) == [0.333251953125]
    assert ch12.rounded(70_000, torch.float16) == [float("inf")]
    assert ch12.rounded(70_000, torch.bfloat16) == [70144.0]
    assert ch12.rounded(1e-8, torch.float16) == [0.0]
    rows = {r["format"]: r for r in ch12.format_table()}
    assert [rows[k]["bits"] for k in ("float32", "bfloat16", "float16")] == [32, 16, 16]
    assert rows["float16"]["max"] == 65504 and rows["bfloat16"]["eps"] == 2 ** -7
    assert rows["bfloat16"]["smallest_normal"] == rows["float32"]["smallest_normal"]


def test_source_can_drop_the_docstring():
    with_doc = ch12.source(ch12.fashion_net)
    without = ch12.source(ch12.fashion_net, docstring=False)
    assert '"""' in with_doc and '"""' not in without
    assert without.startswith("def fashion_net") and "return nn.Sequential" in without


# Network, schedules, training ------------------------------------------------------

def test_fashion_net_shapes_and_standardisation():
    net = ch12.fashion_net(8).eval()
    assert net(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert sum(p.numel() for p in net.parameters()) == 25_154
    std = net[0](torch.full((1, 1, 2, 2), ch12.FASHION_MEAN))
    assert torch.allclose(std, torch.zeros_like(std), atol=1e-6)
    assert {"0.mean", "0.std"} <= set(net.state_dict())      # saved with the weights
    with pytest.raises(ValueError, match="width"):
        ch12.fashion_net(0)


def test_schedules_follow_the_device():
    assert ch12.pick_schedule("cpu").name == "cpu"
    assert ch12.pick_schedule(torch.device("cuda")).name == "gpu"
    assert ch12.SCHEDULES["cpu"].target == 0.85 and ch12.SCHEDULES["gpu"].target == 0.93
    assert ch12.SCHEDULES["gpu"].width == 4 * ch12.SCHEDULES["cpu"].width
    assert ch12.CIFAR_SCHEDULE.target == 0.94 and ch12.CIFAR_SCHEDULE.net == "cifar10"


def test_train_schedule_learns_and_resumes(tmp_path):
    data = fake_tensors()
    model, history = ch12.train_schedule(TINY, data, "cpu", progress=False,
                                         checkpoint=tmp_path / "ck.pt")
    assert history.epoch == [1, 2, 3] and history.images[-1] == 3 * 128
    assert history.test_acc[-1] > history.test_acc[0] or history.test_acc[-1] > 0.9
    _, again = ch12.train_schedule(TINY, data, "cpu", progress=False, resume=True,
                                   checkpoint=tmp_path / "ck.pt")
    assert again.test_acc == history.test_acc
    assert model[1][0].weight.is_contiguous(memory_format=torch.channels_last)


def test_fashion_tensors_when_installed():
    try:
        d = ch12.fashion_tensors(n_train=10, n_test=5, download=False)
    except FileNotFoundError:
        pytest.skip("Fashion-MNIST is not installed here")
    assert d["x_train"].shape == (10, 1, 28, 28) and d["y_test"].shape == (5,)
    assert d["x_train"].dtype == torch.float32 and len(d["classes"]) == 10


# CIFAR-10 in its own format ---------------------------------------------------------

def write_cifar(root, per_batch=20, seed=0):
    """A tiny CIFAR-10 in the official python layout: five training batches and a test
    batch, pickled dicts with bytes keys, as the real files are."""
    rng = np.random.default_rng(seed)
    folder = root / ch12.CIFAR10_FOLDER
    folder.mkdir(parents=True)
    for name in ch12.CIFAR10_FILES["train"] + ch12.CIFAR10_FILES["test"]:
        labels = rng.integers(0, 10, per_batch)
        images = rng.integers(0, 60, (per_batch, 3, 32, 32)).astype(np.uint8)
        for i, c in enumerate(labels):               # a class-coded bright patch
            images[i, c % 3, 4 * (c // 3):4 * (c // 3) + 8, 8:16] = 250
        batch = {b"batch_label": name.encode(), b"labels": labels.tolist(),
                 b"data": images.reshape(per_batch, -1),
                 b"filenames": [f"{i}.png".encode() for i in range(per_batch)]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    return folder


def test_cifar_batches_load_and_train(tmp_path):
    write_cifar(tmp_path)
    x, y = ch12.cifar10("train", root=tmp_path)
    assert x.shape == (100, 3, 32, 32) and y.shape == (100,)
    assert x.dtype == torch.float32
    assert 0 <= x.min() and x.max() <= 1 and y.dtype == torch.int64
    folder = tmp_path / ch12.CIFAR10_FOLDER
    first, labels = ch12.read_cifar_batch(folder / "data_batch_1")
    assert torch.equal(x[:20], torch.from_numpy(first).float() / 255)
    assert ch12.cifar10("test", root=tmp_path, n=7)[0].shape == (7, 3, 32, 32)
    data = ch12.cifar_tensors(root=tmp_path)
    assert data["x_test"].shape == (20, 3, 32, 32) and len(data["classes"]) == 10
    schedule = replace(ch12.CIFAR_SCHEDULE, width=4, n_train=100, epochs=1,
                       batch_size=10, lr=0.05)
    model, history = ch12.train_schedule(schedule, data, "cpu", progress=False)
    assert history.epoch == [1] and history.images == [100]
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError, match="at least 8 steps"):
        ch12.train_schedule(replace(schedule, batch_size=50), data, "cpu",
                            progress=False)


def test_cifar_never_downloads_here(tmp_path, monkeypatch):
    import torchvision.datasets

    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", refuse)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    with pytest.raises(FileNotFoundError, match="only on Colab"):
        ch12.cifar10("train", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="only on Colab"):
        ch12.cifar_tensors(root=tmp_path, download=False)
    with pytest.raises(ValueError, match="split"):
        ch12.cifar10("valid", root=tmp_path)
    with pytest.raises(ValueError, match="n="):
        ch12.cifar10("test", root=tmp_path, n=0)


def test_cifar_reader_refuses_what_is_not_a_batch(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(pickle.dumps({b"data": os.system}))
    with pytest.raises(ValueError, match="holds no"):
        ch12.read_cifar_batch(bad)
    bad.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(ValueError, match="a list"):
        ch12.read_cifar_batch(bad)
    bad.write_bytes(pickle.dumps({b"data": np.zeros((2, 10), np.uint8),
                                  b"labels": [0, 1]}))
    with pytest.raises(ValueError, match="3072"):
        ch12.read_cifar_batch(bad)
    bad.write_bytes(pickle.dumps({b"data": np.zeros((1, 3072), np.uint8),
                                  b"labels": [10]}))
    with pytest.raises(ValueError, match="0..9"):
        ch12.read_cifar_batch(bad)
    bad.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not a CIFAR-10 batch"):
        ch12.read_cifar_batch(bad)


# The recorded-results slot -----------------------------------------------------------

def test_the_slot_is_empty_and_says_why():
    content = json.loads(ch12.RECORDED.read_text())
    assert content["recorded"] is None and "GPU" in content["why"]
    assert ch12.load_recorded() is None
    assert ch12.load_recorded(ch12.RECORDED.with_name("absent.json")) is None


def synthetic_history():
    return train.History(epoch=[1, 2, 3], images=[60_000, 120_000, 180_000],
                         seconds=[3.1, 6.0, 8.9], train_loss=[0.9, 0.6, 0.5],
                         test_loss=[0.4, 0.3, 0.25], test_acc=[0.89, 0.925, 0.934],
                         device="NVIDIA Example GPU (cuda:0)", precision="bf16")


def test_a_filled_slot_is_read_checked_and_plotted(tmp_path):
    path = tmp_path / "recorded_gpu_run.json"
    record = ch12.make_record(synthetic_history(), ch12.SCHEDULES["gpu"], "cpu",
                              date="2030-01-02")
    record["recorded"]["hardware"] = "NVIDIA Example GPU"     # as if made on a GPU
    ch12.save_record(record, path)
    loaded = ch12.load_recorded(path)
    assert loaded["date"] == "2030-01-02" and loaded["hardware"] == "NVIDIA Example GPU"
    assert loaded["time_to_accuracy"] == {"target": 0.93, "seconds": 8.9}
    assert loaded["versions"]["torch"] == torch.__version__
    assert loaded["curves"]["test_acc"] == [0.89, 0.925, 0.934]
    fig = figures.curves_figure(synthetic_history(), 0.93, loaded)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    expected = "recorded, not this run: NVIDIA Example GPU, 2030-01-02"
    assert any(label.startswith(expected) for label in labels)
    assert not any("No recorded" in t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)
    empty = figures.curves_figure(synthetic_history(), 0.93, None)
    assert any("No recorded GPU run" in t.get_text() for t in empty.axes[0].texts)
    plt.close(empty)


@pytest.mark.parametrize("content, message", [
    ("not json", "not JSON"),
    ('{"other": 1}', "recorded"),
    ('{"recorded": {"hardware": "x"}}', "missing"),
])
def test_a_malformed_slot_raises(tmp_path, content, message):
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        ch12.load_recorded(path)


def test_malformed_curves_raise(tmp_path):
    record = ch12.make_record(synthetic_history(), ch12.SCHEDULES["gpu"], "cpu")
    record["recorded"]["curves"]["seconds"] = [1.0]
    with pytest.raises(ValueError, match="equally long"):
        ch12.save_record(record, tmp_path / "r.json")
    record = ch12.make_record(synthetic_history(), ch12.SCHEDULES["gpu"], "cpu")
    record["recorded"]["curves"]["test_acc"] = [89, 92, 93]
    with pytest.raises(ValueError, match="fractions"):
        ch12.save_record(record, tmp_path / "r.json")


# Robustness and FGSM -----------------------------------------------------------------

def test_perturb():
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, 0, 4] = 1
    assert torch.allclose(ch12.perturb(x, "rotate", 0), x, atol=1e-6)
    assert torch.allclose(ch12.perturb(x, "rotate", 90), torch.rot90(x, 1, (2, 3)),
                          atol=1e-5)
    shifted = ch12.perturb(torch.ones(1, 1, 4, 4), "shift", 1)
    assert shifted[0, 0, 0].sum() == 0 and shifted[0, 0, :, 0].sum() == 0
    assert shifted.sum() == 9
    assert torch.equal(ch12.perturb(x, "darken", 0.5), x * 0.5)
    for kind, level, match in (("shift", 1.5, "whole"), ("darken", 2, "brightness"),
                               ("blur", 1, "kind")):
        with pytest.raises(ValueError, match=match):
            ch12.perturb(x, kind, level)
    assert all(len(v) == 7 for v in ch12.ROBUSTNESS_LEVELS.values())


@pytest.fixture(scope="module")
def trained():
    data = fake_tensors(256, 64)
    model, _ = ch12.train_schedule(replace(TINY, n_train=256, epochs=4), data, "cpu",
                                   progress=False)
    return model.eval(), data


def test_robustness_curves_start_from_the_clean_accuracy(trained):
    model, data = trained
    curves = ch12.robustness_curves(model, data["x_test"], data["y_test"], "cpu")
    clean = float((ch12.predict(model, data["x_test"]).argmax(1) == data["y_test"])
                  .float().mean())
    assert set(curves) == {"rotate", "shift", "darken"}
    for levels, accs in curves.values():
        assert accs[0] == pytest.approx(clean) and len(levels) == len(accs)


def test_fgsm_stays_within_eps_and_raises_the_loss(trained):
    model, data = trained
    x, y = data["x_test"][:32], data["y_test"][:32]
    assert torch.equal(ch12.fgsm(model, x, y, 0.0), x)
    adv = ch12.fgsm(model, x, y, 0.1)
    assert (adv - x).abs().max() <= 0.1 + 1e-6 and adv.min() >= 0 and adv.max() <= 1
    loss = torch.nn.functional.cross_entropy
    with torch.no_grad():
        assert loss(model(adv), y) > loss(model(x), y)
    flips = ch12.first_flip(model, x, y, [0.05, 0.2, 0.5])
    found = flips[~flips.isnan()].tolist()
    assert flips.shape == (32,) and found
    assert all(min(abs(f - e) for e in (0.05, 0.2, 0.5)) < 1e-6 for f in found)
    with pytest.raises(ValueError, match="eps"):
        ch12.fgsm(model, x, y, -0.1)


# Figures and the explorer ------------------------------------------------------------

def test_figures_draw(trained):
    model, data = trained
    x, y = data["x_test"][:2], data["y_test"][:2]
    probs = ch12.predict(model, x)
    curves = ch12.robustness_curves(model, data["x_test"], data["y_test"])
    for fig in (figures.rounding_figure(points=400, bins=40),
                figures.samples_figure(data["x_train"], data["y_train"],
                                       data["classes"]),
                figures.parallel_figure(), figures.robustness_figure(curves),
                figures.fgsm_figure(x, ch12.fgsm(model, x, y, 0.1), y, probs, probs,
                                    data["classes"], 0.1)):
        assert isinstance(fig, plt.Figure)
        plt.close(fig)


def test_explorer_every_setting_and_web_companion(trained, tmp_path):
    model, data = trained
    explorer = figures.make_robustness_explorer(model, data["x_test"], data["y_test"],
                                                data["classes"])
    for kind in ch12.ROBUSTNESS_LEVELS:
        for strength in (0, 3, 6, 99, -1):      # the update clamps what it is given
            explorer.refresh({"kind": kind, "strength": strength})
    html = figures.robustness_web_explorer(explorer, folder=tmp_path).data
    assert len(list((tmp_path / "ch12-robustness").glob("*.jpg"))) == 21
    assert "21 settings precomputed" in html
    default = figures.make_robustness_explorer()
    assert default.refresh()[:2] == b"\xff\xd8"


# The DDP script -----------------------------------------------------------------------

def test_ddp_on_two_cpu_processes_ends_with_identical_weights(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           "--nproc-per-node", "2", "-m", "cnnlib.chapters.ch12_training_on_a_gpu.ddp",
           "--synthetic", "--n-train", "256", "--width", "4", "--batch-size", "64",
           "--epochs", "2", "--out", str(tmp_path)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2 ranks on cpu: weights identical on every rank: True" in run.stdout
    a = torch.load(tmp_path / "rank0.pt", weights_only=True)
    b = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    torch.manual_seed(0)
    start = ch12.fashion_net(4).state_dict()
    assert not torch.equal(a["1.0.weight"], start["1.0.weight"])      # it trained


def test_ddp_arguments():
    from cnnlib.chapters.ch12_training_on_a_gpu import ddp
    args = ddp.arguments(["--synthetic", "--n-train", "8"])
    assert args.synthetic and args.n_train == 8 and args.batch_size == 256
    data = ddp.dataset(args)
    assert len(data) == 8 and data[0][0].shape == (1, 28, 28)


# Exercise checks and quiz ---------------------------------------------------------

def test_checks_accept_the_solutions_and_refuse_mistakes(capsys):
    size = 60_000 * 784 * 4
    assert check("ch12-transfer", [size / 1e6, 1e3 * size / 25e9])
    assert not check("ch12-transfer", [size / 4e6, 1.0])
    assert check("ch12-transfer", ...) is None
    assert check("ch12-loss-scale", 8192)
    assert not check("ch12-loss-scale", 4096)
    assert not check("ch12-loss-scale", 65536)
    assert not check("ch12-loss-scale", 5000)
    assert check("ch12-mfu", 261e6 * 40_000 / 989e12)
    assert not check("ch12-mfu", 100 * 261e6 * 40_000 / 989e12)

    def bits(x):
        b = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
        b = (b + 0x7FFF + ((b >> 16) & 1)) & 0xFFFF0000
        return b.astype(np.uint32).view(np.float32)

    def truncate(x):
        b = np.ascontiguousarray(x, np.float32).view(np.uint32) & np.uint32(0xFFFF0000)
        return b.view(np.float32)

    def cheat(x):
        return torch.from_numpy(x).bfloat16().float().numpy()

    assert check("ch12-bf16-round", bits)
    assert not check("ch12-bf16-round", truncate)
    assert not check("ch12-bf16-round", cheat)
    assert "asks you not to use" in capsys.readouterr().out

    def shard(n, world, rank):
        total = world * -(-n // world)
        return [i % n for i in range(total)][rank::world]

    def no_padding(n, world, rank):
        return list(range(n))[rank::world]

    assert check("ch12-shard", shard) and not check("ch12-shard", no_padding)

    def attack(model, x, y, eps):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(torch.nn.functional.cross_entropy(model(x), y), x)
        return (x + eps * g.sign()).clamp(0, 1).detach()

    def unclipped(model, x, y, eps):
        return attack(model, x, y, eps) - eps

    def borrowed(model, x, y, eps):
        return ch12.fgsm(model, x, y, eps)

    assert check("ch12-fgsm", attack)
    assert not check("ch12-fgsm", unclipped) and not check("ch12-fgsm", borrowed)

    def placeholder(*args):
        ...
    for exercise_id in ("ch12-bf16-round", "ch12-shard", "ch12-fgsm"):
        assert check(exercise_id, placeholder) is None


def test_check_constants_match_the_notebooks_numbers():
    assert checks.MFU_FLOPS == pytest.approx(
        train.training_flops(ch12.fashion_net(32), torch.rand(4, 1, 28, 28)) / 4,
        rel=2e-3)


def test_quiz():
    assert 4 <= len(quiz.QUIZ) <= 6
    numeric = [q for q in quiz.QUIZ if q["type"] == "numeric"]
    low, high = numeric[0]["answers"][0]["range"]
    assert low < 65504 < high
    assert numeric[1]["answers"][0]["range"][0] == 128
