"""Untrusted pipeline specs: `Pipeline.from_json(spec, untrusted=True)` applies the
default limits; a trusted spec keeps its freedom."""

from __future__ import annotations

import json

import pytest

import glassfeed
from glassfeed import SpecError


def test_untrusted_spec_over_a_limit_is_a_spec_error() -> None:
    spec = json.dumps({"sources": [{"stage": "in_network"}], "selector": {"stage": "top_k", "k": 501}})
    glassfeed.Pipeline.from_json(spec)
    with pytest.raises(SpecError, match=r"top_k \(selector\).*`k`.*more than the limit of 500"):
        glassfeed.Pipeline.from_json(spec, untrusted=True)
    for name in glassfeed.Pipeline.presets():
        preset = glassfeed.Pipeline.preset(name)
        again = glassfeed.Pipeline.from_json(preset.to_json(), untrusted=True)
        assert again.fingerprint == preset.fingerprint
