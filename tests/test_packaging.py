"""What `pip install .` ships: every file of the package, in the sdist and in the wheel.

An editable install reads the checkout, so it never misses a file; the wheel once shipped without
the app's stylesheet and `ticker --demo` crashed on a fresh install. The build here is the one a
person's pip runs (sdist, then a wheel from the unpacked sdist, as `python -m build` does), with
the setuptools pyproject.toml asks for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# What a build reads from the checkout; tests, bench and screenshots do not ship.
BUILD_INPUTS = ("pyproject.toml", "README.md", "MANIFEST.in", "LICENSE")
CACHES = ("__pycache__", "*.pyc", "*.pyo")


def package_files(root: Path) -> set[str]:
    """Every file under root/ticker (caches aside), as 'ticker/app/ticker.tcss'."""
    return {
        path.relative_to(root).as_posix()
        for path in (root / "ticker").rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in (".pyc", ".pyo")
    }


def run(*command: str | Path, cwd: Path, backend: Path | None) -> str:
    env = None if backend is None else {**os.environ, "PYTHONPATH": str(backend)}
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_backend(work: Path) -> Path | None:
    """Where the build's setuptools lives: None when this venv's one satisfies pyproject.toml,
    else a folder pip installed the required one into (a build without isolation then)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        requires = [Requirement(r) for r in tomllib.load(file)["build-system"]["requires"]]
    try:
        if all(metadata.version(r.name) in r.specifier for r in requires):
            return None
    except metadata.PackageNotFoundError:
        pass
    target = work / "backend"
    pip = (sys.executable, "-m", "pip", "install", "--quiet", "--target", target)
    run(*pip, *(str(r) for r in requires), cwd=work, backend=None)
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel) built from a copy of the checkout, the wheel from the unpacked sdist."""
    work = tmp_path_factory.mktemp("build")
    # A copy: a build writes build/ and *.egg-info beside the sources, and a stale build/ of
    # the checkout's could put a file in the wheel that the rules would not.
    source = work / "checkout"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "ticker", source / "ticker", ignore=shutil.ignore_patterns(*CACHES))
    backend = build_backend(work)

    dist = work / "dist"
    sdist_name = run(
        sys.executable,
        "-c",
        "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))",
        dist,
        cwd=source,
        backend=backend,
    ).splitlines()[-1]
    sdist = dist / sdist_name
    with tarfile.open(sdist) as archive:
        # The "data" filter (safe paths only) came in 3.11.4; our own sdist is trusted anyway.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(work / "unpacked", **safe)  # type: ignore[arg-type]
    [unpacked] = (work / "unpacked").iterdir()
    pip_wheel = (sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps")
    run(
        *pip_wheel, "--no-build-isolation", "--wheel-dir", dist, unpacked, cwd=work, backend=backend
    )
    [wheel] = dist.glob("*.whl")
    return sdist, wheel


def test_the_sdist_and_its_wheel_hold_every_file_of_the_package(
    built: tuple[Path, Path],
) -> None:
    sdist, wheel = built
    expected = package_files(ROOT)
    assert "ticker/app/ticker.tcss" in expected  # the file the first wheel lacked

    with tarfile.open(sdist) as archive:
        prefix = archive.getnames()[0].split("/")[0] + "/"
        in_sdist = {
            name.removeprefix(prefix)
            for name in archive.getnames()
            if name.startswith(prefix + "ticker/") and archive.getmember(name).isfile()
        }
    assert sorted(expected - in_sdist) == []
    assert sorted(in_sdist - expected) == []  # no caches, nothing stale

    with zipfile.ZipFile(wheel) as archive:
        in_wheel = {name for name in archive.namelist() if name.startswith("ticker/")}
        entry_points = next(n for n in archive.namelist() if n.endswith("/entry_points.txt"))
        commands = archive.read(entry_points).decode()
    assert sorted(expected - in_wheel) == []
    assert sorted(in_wheel - expected) == []
    assert "ticker = ticker.__main__:main" in commands
    with zipfile.ZipFile(wheel) as archive:
        licences = [n for n in archive.namelist() if n.endswith("/LICENSE")]
        assert licences and b"MIT License" in archive.read(licences[0])
    with tarfile.open(sdist) as archive:
        assert any(name.endswith("/LICENSE") for name in archive.getnames())
