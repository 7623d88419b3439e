"""Data files written by people (scenarios, policies, rules): read with positions, fail clearly.

A leaf package shared by ``matching``, ``alerting`` and ``twin``; it imports none of them.
"""

from datafiles.errors import AtKey, Problem, UserError, did_you_mean
from datafiles.locate import KeyPath, Origin, format_key, read_yaml
from datafiles.strict import Strict
from datafiles.units import Duration, format_duration, parse_duration
from datafiles.validate import validate

__all__ = [
    "AtKey",
    "Duration",
    "KeyPath",
    "Origin",
    "Problem",
    "Strict",
    "UserError",
    "did_you_mean",
    "format_duration",
    "format_key",
    "parse_duration",
    "read_yaml",
    "validate",
]
