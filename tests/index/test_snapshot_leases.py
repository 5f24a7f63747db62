"""Leases on index snapshots: held while their reader lives, gone when it is closed, collected or dead."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.snapshot_leases import SnapshotLeases

REPO = Path(__file__).resolve().parents[2]


class Reader:  # any object can own a lease
    pass


def test_a_lease_lasts_while_its_reader_lives_or_until_released(tmp_path):
    leases = SnapshotLeases(tmp_path / "index")
    reader, other = Reader(), Reader()
    release = leases.hold("aaa", reader)
    leases.hold("bbb", other)
    assert leases.held() == {"aaa", "bbb"}
    release()
    release()  # twice is harmless
    assert leases.held() == {"bbb"}
    del other
    gc.collect()
    assert leases.held() == set() and list(leases.directory.iterdir()) == []


def test_a_lease_of_a_process_that_died_is_dropped(tmp_path):
    script = ("import sys, time\nfrom index.snapshot_leases import SnapshotLeases\nclass R: pass\n"
              "r = R()\nSnapshotLeases(sys.argv[1]).hold('ccc', r)\nprint('held', flush=True)\ntime.sleep(600)\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "index")], cwd=REPO,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        leases = SnapshotLeases(tmp_path / "index")
        assert leases.held() == {"ccc"}  # another live process on this host
        child.send_signal(signal.SIGKILL)  # no chance to clean up
        child.wait(timeout=30)
        assert leases.held() == set() and list(leases.directory.iterdir()) == []
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_lease_from_another_host_counts_until_it_is_max_age_old(tmp_path, monkeypatch):
    reader = Reader()
    with monkeypatch.context() as patch:
        patch.setattr(socket, "gethostname", lambda: "elsewhere")
        SnapshotLeases(tmp_path / "index").hold("ddd", reader)
    leases = SnapshotLeases(tmp_path / "index", max_age=3600)
    assert leases.held() == {"ddd"}  # its pid means nothing here: trusted while young
    (lease,) = leases.directory.iterdir()
    old = time.time() - 7200
    os.utime(lease, (old, old))
    assert leases.held() == set() and not lease.exists()


def test_max_age_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="max_age"):
        SnapshotLeases(tmp_path, max_age=0)
