"""A build killed with SIGKILL in the middle leaves every previous output intact,
and the next build sweeps up what the killed one left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from generator.build import Settings, Target, build
from generator.project import Project


def test_sigkill_mid_build_keeps_previous_outputs(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    targets = [Target(lang, op) for op in project.operators() for lang in project.languages()]
    assert not [r.error for r in build(project, targets, Settings(out), jobs=2) if r.error]
    before = {p.name: p.read_bytes() for p in out.glob("*.*") if not p.name.startswith(".")}
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.*")}

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator.cli",
            "--all",
            "--force",
            "--jobs",
            "2",
            "--out",
            str(out),
            "-q",
        ],
        start_new_session=True,
    )
    # Kill it once it has replaced at least one file, i.e. in the middle of its work.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        changed = [p for p in out.glob("*.*") if p.stat().st_mtime_ns != stamps.get(p.name)]
        if any(not p.name.startswith(".") for p in changed):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # The workers die a moment after the parent (bounded: an unreaped zombie still
    # "exists"; the workers dropped their copy of the lock when they started anyway).
    give_up = time.monotonic() + 5
    while time.monotonic() < give_up:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)

    after = {p.name: p.read_bytes() for p in out.glob("*.*") if not p.name.startswith(".")}
    assert after.keys() == before.keys()
    for name, data in before.items():
        # Either untouched or replaced whole: the rebuild of the same inputs is identical.
        assert after[name] == data, name

    # The next build runs (the lock died with the process) and leaves no temp files.
    results = list(build(project, targets, Settings(out), jobs=2))
    assert not [r.error for r in results if r.error]
    assert not list(out.glob(".*.tmp"))
