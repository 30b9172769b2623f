"""cnnlib.train on the CPU: devices, precision, loaders, the loop, checkpoints."""
import pytest
import torch
from torch import nn

from cnnlib import train

torch.set_num_threads(1)


def tiny_data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    x = torch.rand(n, 1, 8, 8, generator=g) * 0.3
    x[torch.arange(n), 0, 2 * y, 2 * y] += 1.0          # an easy, learnable cue
    return x, y


def tiny_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Dropout(0.1), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))


def run(epochs, checkpoint=None, resume=False, augment=None, precision="fp32"):
    x, y = tiny_data()
    model = train.prepare(tiny_net(), "cpu", channels_last=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.1, total_steps=4 * 6)
    loaders = (train.make_loader(x, y, 16, "cpu", seed=3),
               train.make_loader(x, y, 32, "cpu", shuffle=False))
    history = train.fit(model, *loaders, optimizer, epochs, scheduler=scheduler,
                        device="cpu", precision=precision, channels_last=True,
                        augment=augment, checkpoint=checkpoint, resume=resume,
                        progress=False)
    return model, history


def test_pick_device_prefers_a_gpu_and_refuses_what_is_not_here():
    auto = train.pick_device()
    assert auto.type == ("cuda" if torch.cuda.is_available() else auto.type)
    assert train.pick_device("cpu") == torch.device("cpu")
    assert train.pick_device(torch.device("cpu")).type == "cpu"
    with pytest.raises(ValueError, match="not a device"):
        train.pick_device("gpu0")
    with pytest.raises(ValueError, match="string"):
        train.pick_device(3)
    with pytest.raises(ValueError, match="use one of"):
        train.pick_device("meta")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="Change runtime type"):
            train.pick_device("cuda")
    assert "CPU" in train.describe("cpu")


def test_precision_per_device():
    assert train.amp_dtype("cpu") is None and train.amp_dtype("cpu", "fp32") is None
    assert train.amp_dtype("cpu", "bf16") is torch.bfloat16
    with pytest.raises(ValueError, match="on a CPU use 'bf16'"):
        train.amp_dtype("cpu", "fp16")
    with pytest.raises(ValueError, match="precision='half'"):
        train.amp_dtype("cpu", "half")
    assert train.loader_settings("cpu") == {"pin_memory": False, "num_workers": 0}
    assert train.loader_settings("cuda")["pin_memory"] is True
    assert train.loader_settings("cuda", resident=True)["pin_memory"] is False


def test_epoch_batches_cover_every_example_once_and_repeat_per_epoch():
    s = train.EpochBatches(10, 4, seed=1)
    first = [b.tolist() for b in s]
    assert len(s) == 3 and [len(b) for b in first] == [4, 4, 2]
    assert sorted(sum(first, [])) == list(range(10))
    s.set_epoch(1)
    second = [b.tolist() for b in s]
    assert second != first
    s.set_epoch(0)
    assert [b.tolist() for b in s] == first
    assert len(train.EpochBatches(10, 4, drop_last=True)) == 2
    assert [b.tolist() for b in train.EpochBatches(5, 2, shuffle=False)] == \
        [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="batch_size"):
        train.EpochBatches(10, 0)


def test_make_loader_yields_batches_and_checks_its_input():
    x, y = tiny_data(40)
    loader = train.make_loader(x, y, 16, "cpu", shuffle=False)
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [16, 16, 8]
    assert torch.equal(batches[0][0], x[:16]) and torch.equal(batches[2][1], y[32:])
    with pytest.raises(ValueError, match="same length"):
        train.make_loader(x, y[:-1], 16, "cpu")
    with pytest.raises(ValueError, match="tensors"):
        train.make_loader(x.numpy(), y, 16, "cpu")


def test_augment_shift_flip_moves_and_mirrors():
    x = torch.zeros(64, 1, 6, 6)
    x[:, 0, 2, 2] = 1
    out = train.augment_shift_flip(x, torch.Generator().manual_seed(0), max_shift=1)
    assert out.shape == x.shape and torch.all(out.sum((1, 2, 3)) == 1)
    rows, cols = out[:, 0].nonzero()[:, 1], out[:, 0].nonzero()[:, 2]
    assert set(rows.tolist()) == {1, 2, 3}
    assert set(cols.tolist()) == {1, 2, 3} | {2, 3, 4}     # shifted, then mirrored
    none = train.augment_shift_flip(x, torch.Generator(), max_shift=0, flip=False)
    assert torch.equal(none, x)


def test_fit_learns_and_measures_time_to_accuracy():
    model, history = run(4)
    assert history.epoch == [1, 2, 3, 4] and history.images == [96, 192, 288, 384]
    assert history.test_acc[-1] > 0.9 and history.train_loss[-1] < history.train_loss[0]
    assert all(b > a for a, b in zip(history.seconds, history.seconds[1:]))
    assert history.time_to(0.0) == history.seconds[0] and history.time_to(1.01) is None
    assert history.images_per_s > 0 and "CPU" in history.device
    loss, acc = train.evaluate(model, train.make_loader(*tiny_data(), 50, "cpu",
                                                        shuffle=False), "cpu")
    assert acc == pytest.approx(history.test_acc[-1]) and loss > 0
    assert train.History.from_dict(history.as_dict()) == history


def test_fit_in_bf16_on_the_cpu_and_with_augmentation():
    _, history = run(4, precision="bf16")
    assert history.precision == "bf16" and history.test_acc[-1] > 0.9
    _, moved = run(1, augment=train.augment_shift_flip)   # the cue moves: just runs
    assert moved.precision == "fp32" and moved.train_loss[0] > 0


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path):
    whole, history = run(4)
    ck = tmp_path / "run.pt"
    run(2, checkpoint=ck)                       # interrupted after two epochs
    epoch, saved = train.load_checkpoint(ck, tiny_net())
    assert epoch == 2 and saved.epoch == [1, 2]
    resumed, history2 = run(4, checkpoint=ck, resume=True)   # a fresh process would
    a, b = whole.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert history2.epoch == [1, 2, 3, 4]
    assert history2.test_acc == history.test_acc
    assert history2.train_loss == history.train_loss


def test_checkpoint_loads_with_weights_only_and_refuses_a_wrong_model(tmp_path):
    model, _ = run(1, checkpoint=tmp_path / "c.pt")
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert set(state) >= {"model", "optimizer", "scheduler", "epoch", "rng", "history"}
    assert not (tmp_path / "c.pt.tmp").exists()
    with pytest.raises(RuntimeError):
        train.load_checkpoint(tmp_path / "c.pt", nn.Linear(3, 3))
    with pytest.raises(FileNotFoundError):
        train.load_checkpoint(tmp_path / "missing.pt", tiny_net())


def test_fit_rejects_bad_arguments(tmp_path):
    x, y = tiny_data()
    model = tiny_net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = train.make_loader(x, y, 16, "cpu")
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="epochs"):
            train.fit(model, loader, loader, opt, bad, progress=False)
    with pytest.raises(ValueError, match="resume=True needs"):
        train.fit(model, loader, loader, opt, 1, resume=True, progress=False)
    with pytest.raises(ValueError, match="precision"):
        train.fit(model, loader, loader, opt, 1, device="cpu", precision="fp8",
                  progress=False)


def test_training_flops_counts_forward_and_backward():
    conv = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, bias=False), nn.Flatten())
    x = torch.rand(5, 1, 4, 4)
    forward = 2 * 5 * 2 * 1 * 9 * 16        # 2 * N * C_out * C_in * K * K * H * W
    # backward: the weight gradient (the input needs none) costs one more forward
    labels = torch.zeros(5, dtype=torch.long)
    assert train.training_flops(conv, x, labels) >= 2 * forward
    assert all(p.grad is None for p in conv.parameters())


def test_unwrap_and_prepare():
    net = tiny_net()
    assert train.unwrap(net) is net
    prepared = train.prepare(net, "cpu", channels_last=True)
    assert prepared[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_one_thread_restores_the_thread_count_even_after_an_error():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.raises(RuntimeError, match="inside"):
            with train.one_thread():
                assert torch.get_num_threads() == 1
                raise RuntimeError("inside")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
