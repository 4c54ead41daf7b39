"""Binary snapshots from Python: save and load give an equal dataset that ranks the same;
damaged, foreign and missing files raise the documented exceptions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

import glassfeed
from glassfeed import DataError, IoError


def test_save_load_round_trip(world: glassfeed.Dataset, tmp_path: Path) -> None:
    path = tmp_path / "world.snap"
    world.save(path)
    loaded = glassfeed.Dataset.load(str(path))
    assert loaded == world
    assert loaded.post_count == world.post_count
    pipeline = glassfeed.Pipeline.preset("bridging")
    pd.testing.assert_frame_equal(
        pipeline.rank_all(loaded).to_pandas(), pipeline.rank_all(world).to_pandas()
    )
    assert sorted(os.listdir(tmp_path)) == ["world.snap"]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_damaged_files_raise_data_error(world: glassfeed.Dataset, tmp_path: Path) -> None:
    path = tmp_path / "world.snap"
    world.save(path)
    good = path.read_bytes()

    path.write_bytes(good[:-10])
    with pytest.raises(DataError, match=r"world\.snap byte 12: field `header.length`: .*truncated"):
        glassfeed.Dataset.load(path)

    corrupt = bytearray(good)
    corrupt[len(good) // 2] ^= 0x01
    path.write_bytes(bytes(corrupt))
    with pytest.raises(DataError, match="checksum mismatch"):
        glassfeed.Dataset.load(path)

    future = bytearray(good)
    future[8:12] = (7).to_bytes(4, "little")
    path.write_bytes(bytes(future))
    with pytest.raises(DataError, match="format version 7; this build of glassfeed reads version 1"):
        glassfeed.Dataset.load(path)

    path.write_text('{"id": "ann"}\n')
    with pytest.raises(DataError, match="not a glassfeed snapshot"):
        glassfeed.Dataset.load(path)


def test_missing_files_raise_io_error(world: glassfeed.Dataset, tmp_path: Path) -> None:
    with pytest.raises(IoError, match="nothing.snap"):
        glassfeed.Dataset.load(tmp_path / "nothing.snap")
    with pytest.raises(IoError):
        world.save(tmp_path / "no" / "such" / "dir.snap")
