"""Hooks for the whole suite."""

from __future__ import annotations

import zlib

import numpy as np
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """tests.frontend.models.RNG draws the weights of most hand-built test models. It is shared by
    every test file in a process, and pytest-xdist hands files to processes by timing, so its
    state at a test used to depend on which tests ran before it there (a model's SNR could move
    across a threshold between runs). Reseeded here from the test's id, before its fixtures are
    made, a test gets the same weights however the suite is split or filtered."""
    from tests.frontend import models

    seed = zlib.crc32(item.nodeid.encode())
    models.RNG.bit_generator.state = np.random.default_rng(seed).bit_generator.state
