"""What gets installed: the dependency pins that keep aiogram 3 (and not 2) next to arq, and the
contents of the two distributions (the product's wheel carries no dev kit, bench or tests)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import aiogram
import arq
import redis


def test_aiogram_3_is_what_is_imported() -> None:
    assert aiogram.__version__.startswith("3."), aiogram.__version__
    from aiogram.fsm.storage.redis import RedisStorage  # aiogram 3 only

    assert RedisStorage is not None


def test_redis_py_satisfies_arq_pin() -> None:
    assert redis.__version__.startswith("5."), redis.__version__
    assert version("arq").startswith("0.28"), arq.VERSION


ROOT = Path(__file__).resolve().parent.parent
# Left out of the copy the wheels are built from: caches and earlier build output only. The dev
# kit, the benches and the tests are copied, so the wheel is shown to leave them out by itself.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".devdata"
)


def _wheel_contents(project: Path, out: Path) -> dict[str, str]:
    """Top-level name → one file under it, of the wheel of ``project`` (the venv's setuptools);
    ``entry_points`` is the text of the wheel's entry points."""
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*pip, str(project), "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        contents = {name.split("/", 1)[0]: name for name in names}
        contents["entry_points"] = archive.read(points).decode()
    return contents


def test_the_product_wheel_holds_only_the_product(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    assert (source / "devkit" / "fakes").is_dir() and (source / "bench").is_dir()

    product = _wheel_contents(source, tmp_path / "product")
    points = product.pop("entry_points")
    assert set(product) == {
        "ingest",
        "workers",
        "shared",
        "migrations",
        "bot_gateway-0.1.0.dist-info",
    }
    assert "worker = workers.cli:register" in points and "devkit" not in points

    devkit = _wheel_contents(source / "devkit", tmp_path / "devkit")
    assert "fakes = devkit.fakes.cli:register" in devkit.pop("entry_points")
    assert set(devkit) == {"devkit", "bot_gateway_devkit-0.1.0.dist-info"}
