"""A build killed with SIGKILL in the middle leaves every previous output intact,
and the next build sweeps up what the killed one left behind; the worker processes
it forked die with it and let go of the caller's pipes."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

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
        if any(not p.name.startswith(".") for p in _changed(out, stamps)):
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


def _changed(out: Path, stamps: dict[str, int]) -> list[Path]:
    """Files of ``out`` written since ``stamps`` were taken."""
    changed = []
    for path in out.glob("*.*"):
        with contextlib.suppress(FileNotFoundError):  # a temporary file renamed meanwhile
            if path.stat().st_mtime_ns != stamps.get(path.name):
                changed.append(path)
    return changed


def _forked_children(pid: int) -> list[int]:
    """Children of ``pid`` that are forks of it (same command line), not programs it runs."""
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and (entry / "cmdline").read_bytes() == cmdline:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return found


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie (which holds no files; only its new parent,
    perhaps an init that does not reap, can remove it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def _read_to_eof(pipes: list[IO[bytes]], deadline: float) -> bool:
    """True when every pipe reached end-of-file (all writers gone) before ``deadline``."""
    selector = selectors.DefaultSelector()
    for pipe in pipes:
        selector.register(pipe, selectors.EVENT_READ)
    while selector.get_map() and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            if not os.read(key.fd, 65536):
                selector.unregister(key.fileobj)
    return not selector.get_map()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("workers", ["process-pool", "pdf-process"])
def test_workers_die_with_make_guide(
    project: Project, tmp_path: Path, sig: signal.Signals, workers: str
) -> None:
    if workers == "process-pool":  # build._results' ProcessPoolExecutor
        what, expected = ["--all"], 2
    else:  # a single leaflet's PDF process, forked first thing
        what = ["--lang", project.languages()[0], "--operator", project.operators()[0]]
        expected = 1
    argv = [*what, "--jobs", "2", "--force", "--format", "pdf", "--out", str(tmp_path)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    children: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            # Seen twice, 50 ms apart: a fork about to exec fc-match is no worker.
            children = _forked_children(proc.pid)
            if len(children) >= expected:
                time.sleep(0.05)
                children = sorted(set(children) & set(_forked_children(proc.pid)))
                if len(children) >= expected:
                    break
            time.sleep(0.002)
        assert len(children) >= expected, "the build ended before its workers were seen"
        os.kill(proc.pid, sig)  # make-guide alone, as the OOM killer would
        proc.wait()
        give_up = time.monotonic() + 2
        assert proc.stdout is not None and proc.stderr is not None
        assert _read_to_eof([proc.stdout, proc.stderr], give_up), "a worker holds the pipes"
        while time.monotonic() < give_up and not all(_gone(pid) for pid in children):
            time.sleep(0.01)
        assert [pid for pid in children if not _gone(pid)] == []
    finally:
        for pid in children:  # a failed test must not leave them behind either
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()
        proc.stdout and proc.stdout.close()
        proc.stderr and proc.stderr.close()
