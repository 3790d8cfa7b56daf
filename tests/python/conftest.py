"""Fixtures of the Python package's tests: the default pack, the caveat binary (for comparisons
with `caveat audit`), and a small synthetic log made by `caveat sample`.

ctest runs these with PYTHONPATH=build/python and CAVEAT_BIN=build/caveat (CMakeLists.txt)."""
import os
import subprocess

import pytest

import caveat


@pytest.fixture(scope="session")
def pack():
    return caveat.Pack.default()


@pytest.fixture(scope="session")
def caveat_bin():
    path = os.environ.get("CAVEAT_BIN", "build/caveat")
    if not os.path.exists(path):
        pytest.skip("no caveat binary (set CAVEAT_BIN)")
    return path


@pytest.fixture(scope="session")
def sample_log(tmp_path_factory, caveat_bin):
    """A 20,000-row log with 2% bad rows, and `caveat audit`'s output for it."""
    d = tmp_path_factory.mktemp("sample")
    log = d / "log.csv"
    with open(log, "wb") as f:
        subprocess.run([caveat_bin, "sample", "--rows", "20000", "--seed", "11", "--bad-rate",
                        "0.02"], stdout=f, check=True)
    audited = d / "audited.csv"
    rc = subprocess.run([caveat_bin, "audit", "-q", str(log), "-o", str(audited)]).returncode
    assert rc in (0, 1)  # 1: some rows are errors
    return log, audited
