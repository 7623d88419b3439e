"""The runnable examples in the public API's docstrings (one per package at least) run."""

import doctest
import importlib

import pytest

MODULES = ["alerting.pipeline", "matching.engine"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
