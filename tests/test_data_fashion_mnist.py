"""cnnlib.data.fashion_mnist and read_idx: IDX files written here, in the standard format,
stand in for the real ones (no machine here can download)."""

import gzip
import os

import numpy as np
import pytest

from cnnlib import data

DEBIAN = data.FASHION_MNIST_DIRS[0]


def write_idx(path, array):
    """Write ``array`` (uint8) as an IDX file, gzipped if ``path`` ends with .gz."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def fake_split(folder, split="train", n=7, gz=True, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    names = data._FASHION_FILES[split]
    ext = ".gz" if gz else ""
    write_idx(os.path.join(folder, names[0] + ext), images)
    write_idx(os.path.join(folder, names[1] + ext), labels)
    return images, labels


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No Debian package and an empty cache: only ``root`` can provide files."""
    monkeypatch.setattr(data, "FASHION_MNIST_DIRS", ())
    monkeypatch.setattr(data, "FASHION_MNIST_CACHE", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, gz):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, a)
    assert np.array_equal(data.read_idx(path), a)


def test_read_idx_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(
        b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + bytes(12)
    )  # float type
    with pytest.raises(ValueError, match="unsigned-byte IDX"):
        data.read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + bytes(3))
    with pytest.raises(ValueError, match="holds 3 values"):
        data.read_idx(short)


@pytest.mark.parametrize("gz", [True, False])
def test_loader_reads_a_given_folder(nowhere, gz):
    images, labels = fake_split(nowhere, "test", n=9, gz=gz)
    x, y = data.fashion_mnist("test", root=str(nowhere), verify=False)
    assert x.shape == (9, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.allclose(x * 255, images) and np.array_equal(y, labels)
    assert 0 <= x.min() and x.max() <= 1
    x3, y3 = data.fashion_mnist("test", n=3, root=str(nowhere), verify=False)
    assert x3.shape == (3, 28, 28) and np.array_equal(y3, labels[:3])


def test_loader_finds_torchvisions_layout(nowhere):
    raw = nowhere / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    fake_split(raw, "train", n=4)
    x, _ = data.fashion_mnist("train", root=str(nowhere), verify=False)
    assert x.shape == (4, 28, 28)


def test_loader_checks_the_hash(nowhere):
    fake_split(nowhere, "train")
    with pytest.raises(ValueError, match="SHA-256"):
        data.fashion_mnist("train", root=str(nowhere))


def test_loader_refuses_bad_arguments(nowhere):
    with pytest.raises(ValueError, match="split"):
        data.fashion_mnist("validation")
    with pytest.raises(ValueError, match="n="):
        data.fashion_mnist(n=0)


def test_missing_files_without_download_say_how_to_get_them(nowhere):
    with pytest.raises(
        FileNotFoundError, match="apt-get install dataset-fashion-mnist"
    ):
        data.fashion_mnist(root=str(nowhere), download=False)


def test_failed_download_is_a_clear_error(nowhere, monkeypatch):
    import torchvision.datasets

    class Offline:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", Offline)
    with pytest.raises(FileNotFoundError, match="could not be downloaded.*digits"):
        data.fashion_mnist(root=str(nowhere), download=True)


def test_download_goes_to_the_cache_and_is_read_from_there(nowhere, monkeypatch):
    import torchvision.datasets

    class Downloader:  # what torchvision leaves behind, without the network
        def __init__(self, root, train, download):
            raw = os.path.join(root, "FashionMNIST", "raw")
            os.makedirs(raw, exist_ok=True)
            fake_split(raw, "train" if train else "test", n=5, gz=False)

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", Downloader)
    x, y = data.fashion_mnist("test", verify=False, download=True)
    assert x.shape == (5, 28, 28) and len(y) == 5


def test_by_default_only_colab_downloads(nowhere, monkeypatch):
    import sys
    import types

    import torchvision.datasets

    calls = []

    class Downloader:
        def __init__(self, root, train, download):
            calls.append(root)
            raw = os.path.join(root, "FashionMNIST", "raw")
            os.makedirs(raw, exist_ok=True)
            fake_split(raw, "train" if train else "test", n=5, gz=False)

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", Downloader)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    with pytest.raises(FileNotFoundError, match="not found"):
        data.fashion_mnist("test", verify=False)          # here: the build, the tests
    assert calls == []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    x, _ = data.fashion_mnist("test", verify=False)       # on Colab
    assert len(calls) == 1 and x.shape == (5, 28, 28)


@pytest.mark.skipif(
    not os.path.isdir(DEBIAN), reason="dataset-fashion-mnist not installed"
)
def test_debians_files_are_the_standard_split():
    x, y = data.fashion_mnist("test")  # verifies the SHA-256
    assert x.shape == (10_000, 28, 28)
    assert np.array_equal(np.bincount(y), [1000] * 10)  # 1,000 test images per class
