"""Measure make-guide's speed, size and memory, side by side with headless Chromium.

Run with ``./bench/run`` (or ``.venv/bin/python bench/bench.py --runs 5``). Every
figure is a median of several runs on this machine; nothing here is asserted by
the tests (timings vary with the machine), the targets are printed beside them.

Measured:
 1. cold ``make-guide --lang zh --operator beeline`` (PDF + HTML), a whole process;
 2. Chromium printing our HTML of the same leaflet (``--headless --print-to-pdf``);
 3. cold ``make-guide --all`` (every leaflet, PDF + HTML), and Chromium printing
    every HTML file, one process each, as a user's script would;
 4. a no-op ``make-guide --all`` (nothing changed);
 5. peak memory of ``--all`` (the whole process tree) and PDF sizes per language;
 6. memory of one process building 100 leaflets (does it grow?);
 7. ``make-guide serve`` (a warm server in a process of its own, the zh leaflet):
    from saving a catalog string to the reload event for the HTML, and for the PDF
    (median of 10 edits); its memory after 20 and after 200 rebuilds;
 8. ``make-guide pack --lang zh`` (every Chinese leaflet in one PDF) and an A5 booklet
    of one leaflet (``--paper a5 --impose booklet``): time and size.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLI = [PYTHON, "-m", "generator.cli"]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError):
                continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
        todo += children.get(p, [])
    return total


def peak_rss(cmd: list[str]) -> tuple[int, float]:
    """Peak memory of the process tree of ``cmd`` (sampled every 5 ms), and wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.005)

    thread = threading.Thread(target=sample)
    thread.start()
    proc.wait()
    stop.set()
    thread.join()
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return peak, time.perf_counter() - start


def chromium_print(chromium: str, html: Path, pdf: Path, profile: Path) -> float:
    return timed(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ]
    )


GROWTH = r"""
import resource, sys
from generator.build import Settings, Target, build_one
from generator.content import load_content
from generator.i18n import translator
from generator.project import Project
from pathlib import Path
project = Project.default(); content = load_content(project)
targets = [Target(l, o) for o in project.operators() for l in project.languages()]
trs = {l: translator(project, l) for l in project.languages()}
settings = Settings(Path(sys.argv[1]))
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
marks = {}
for i in range(100):
    t = targets[i % len(targets)]
    build_one(project, content, trs[t.lang], t, settings)
    if i + 1 in (20, 100): marks[i + 1] = rss()
print(f"{marks[20]:.0f} {marks[100]:.0f}")
"""


def rss_mib() -> tuple[float, float]:
    """This process's resident memory now and at its peak, in MiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def serve_probe(work: Path, edits: int, rebuilds: int) -> dict[str, float]:
    """In a process of its own: preview latency and memory of a warm ``serve``.

    A copy of the guide project is served (the zh leaflet of one operator); a
    section heading of the zh catalog is saved with new text again and again, and
    the times from each save to the event saying the HTML, then the PDF, was
    rebuilt are taken as a page would see them (an event-stream client).
    """
    sys.path.insert(0, str(ROOT / "tests"))
    from catalog_edit import catalog, headings, set_msgstr

    from generator.project import Project
    from generator.serve import Server

    root = work / "serve-project"
    for name in ("content", "templates", "locales"):
        shutil.copytree(ROOT / name, root / name)
    project = Project(root)
    operator = project.operators()[0]
    server = Server(project, ["zh"], [operator], port=0)
    server.start()
    server.wait_built(120)
    html, pdf = (server.files[next(iter(server.files))][f] for f in ("html", "pdf"))
    events: queue.Queue[tuple[float, dict]] = queue.Queue()

    def listen() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        conn.request("GET", "/__events")
        stream = conn.getresponse()
        for raw in stream:
            line = raw.decode()
            if line.startswith("data: "):
                events.put((time.perf_counter(), json.loads(line[6:])))

    threading.Thread(target=listen, daemon=True).start()
    state = events.get(timeout=60)[1]
    heading = headings(catalog(project, "zh"))[0]

    def edit(n: int) -> tuple[float, float]:
        nonlocal state
        versions = state["versions"]
        start = time.perf_counter()
        set_msgstr(project.po_file("zh"), heading, f"预览 {n}")
        seen: dict[str, float] = {}
        while len(seen) < 2:
            at, state = events.get(timeout=60)
            if state["errors"]:
                raise SystemExit(f"serve failed: {state['errors']}")
            for name in (html, pdf):
                if name not in seen and state["versions"][name] > versions[name]:
                    seen[name] = at - start
        return seen[html], seen[pdf]

    for n in range(3):  # warm up: the first saves pay for imports and caches
        edit(n)
    times = [edit(n) for n in range(3, 3 + edits)]
    memory: dict[str, float] = {}
    for n in range(1, rebuilds + 1):
        edit(1000 + n)
        if n in (20, rebuilds):
            memory[f"rss_{n}"], memory[f"peak_{n}"] = rss_mib()
    server.stop()
    return {
        "html": statistics.median(t for t, _ in times),
        "pdf": statistics.median(t for _, t in times),
        "html_max": max(t for t, _ in times),
        "pdf_max": max(t for _, t in times),
        **memory,
    }


def serve_rows(work: Path, edits: int = 10, rebuilds: int = 200) -> list[tuple[str, str, str, str]]:
    """Runs :func:`serve_probe` in a fresh process, as ``make-guide serve`` would be."""
    out = subprocess.run(
        [PYTHON, __file__, "--serve-probe", str(work), str(edits), str(rebuilds)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    r = json.loads(out.splitlines()[-1])
    growth = r[f"peak_{rebuilds}"] / r["peak_20"] - 1
    return [
        (
            f"serve, zh leaflet: save -> HTML reload event (median of {edits})",
            f"{r['html']:.2f} s (max {r['html_max']:.2f})",
            "",
            "target <= 0.3 s",
        ),
        (
            f"serve, zh leaflet: save -> PDF reload event (median of {edits})",
            f"{r['pdf']:.2f} s (max {r['pdf_max']:.2f})",
            "",
            "target <= 0.5 s",
        ),
        (
            f"serve, RSS after 20 / {rebuilds} rebuilds",
            f"{r['rss_20']:.0f} / {r[f'rss_{rebuilds}']:.0f} MiB",
            "",
            "",
        ),
        (
            f"serve, peak RSS after 20 / {rebuilds} rebuilds",
            f"{r['peak_20']:.0f} / {r[f'peak_{rebuilds}']:.0f} MiB ({growth:+.1%})",
            "",
            "target: within 10 %",
        ),
    ]


def print_table(rows: list[tuple[str, str, str, str]], runs: int) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("measure", "make-guide", "Chromium", "ratio / target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print(f"make-guide benchmark: {os.cpu_count()} cores, median of {runs} runs")
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def main() -> None:
    if sys.argv[1:2] == ["--serve-probe"]:
        work, edits, rebuilds = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        sys.path.insert(0, str(ROOT))
        print(json.dumps(serve_probe(work, edits, rebuilds)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument(
        "--only-serve", action="store_true", help="measure make-guide serve only (item 7)"
    )
    args = parser.parse_args()
    if args.only_serve:
        work = Path(tempfile.mkdtemp(prefix="make-guide-bench-"))
        try:
            print_table(serve_rows(work), args.runs)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("Chromium is not installed: run ./bench/run, which installs it")
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from generator.project import Project

    project = Project.default()
    n_leaflets = len(project.languages()) * len(project.operators())
    work = Path(tempfile.mkdtemp(prefix="make-guide-bench-"))
    env = dict(os.environ)
    rows: list[tuple[str, str, str, str]] = []

    def fresh(name: str) -> Path:
        path = work / f"{name}-{time.perf_counter_ns()}"
        return path

    # Warm the OS file cache and the font-subset cache once, as any second run would.
    subprocess.run([*CLI, "--all", "--out", str(work / "warmup"), "-q"], check=True)
    cold_fonts = work / "cold-font-cache"
    first = timed(
        [*CLI, "--lang", "zh", "--operator", "beeline", "--out", str(fresh("z")), "-q"],
        env={**env, "MAKE_GUIDE_CACHE": str(cold_fonts)},
    )

    # 1 + 2: one Chinese leaflet.
    ours = statistics.median(
        timed(
            [
                *CLI,
                "--lang",
                "zh",
                "--operator",
                "beeline",
                "--out",
                str(fresh("one")),
                "-q",
                "--force",
            ]
        )
        for _ in range(args.runs)
    )
    html = work / "warmup" / "beeline-zh.html"
    chrome_one = statistics.median(
        chromium_print(chromium, html, work / f"chrome-{i}.pdf", work / f"profile-{i}")
        for i in range(args.runs)
    )
    rows.append(
        (
            "zh beeline, PDF+HTML, cold process",
            f"{ours:.2f} s",
            f"{chrome_one:.2f} s (PDF only)",
            f"{ours / chrome_one:.2f}x (target <= 0.6)",
        )
    )
    rows.append(("  same, first run with an empty font cache", f"{first:.2f} s", "", ""))

    # 3: every leaflet.
    all_ours = statistics.median(
        timed([*CLI, "--all", "--out", str(fresh("all")), "-q"]) for _ in range(args.runs)
    )
    htmls = sorted(p for p in (work / "warmup").glob("*-*.html"))  # the leaflets, not index.html
    chrome_dir = work / "chrome-all"
    chrome_dir.mkdir()

    def chrome_all() -> float:
        start = time.perf_counter()
        for i, h in enumerate(htmls):
            chromium_print(chromium, h, chrome_dir / f"{h.stem}.pdf", work / f"p-all-{i}")
        return time.perf_counter() - start

    chrome_total = statistics.median(chrome_all() for _ in range(max(1, args.runs // 2)))
    rows.append(
        (
            f"--all ({n_leaflets} leaflets), PDF+HTML, cold",
            f"{all_ours:.2f} s",
            f"{chrome_total:.2f} s (PDF only)",
            f"{chrome_total / all_ours:.1f}x faster (target: ours <= 2.0 s)",
        )
    )

    # 4: nothing to do.
    noop_dir = work / "warmup"
    noop = statistics.median(
        timed([*CLI, "--all", "--out", str(noop_dir), "-q"]) for _ in range(args.runs)
    )
    rows.append(("--all, nothing changed", f"{noop:.2f} s", "", "target <= 0.15 s"))

    # 5: memory and sizes.
    peak, _ = peak_rss([*CLI, "--all", "--out", str(fresh("mem")), "-q"])
    rows.append(
        ("--all peak RSS (process tree)", f"{peak / 2**20:.0f} MiB", "", "target <= 300 MB")
    )
    growth_dir = fresh("growth")
    growth_dir.mkdir()
    out = subprocess.run(
        [PYTHON, "-c", GROWTH, str(growth_dir)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    rows.append(
        (
            "one process, RSS after 20 / 100 leaflets",
            f"{out[0]} / {out[1]} MiB",
            "",
            "should not grow",
        )
    )

    sizes: dict[str, list[tuple[int, int]]] = {}
    for h in htmls:
        lang = h.stem.split("-", 1)[1]
        sizes.setdefault(lang, []).append(
            (h.with_suffix(".pdf").stat().st_size, (chrome_dir / f"{h.stem}.pdf").stat().st_size)
        )
    for lang, pairs in sorted(sizes.items()):
        ours_kb = statistics.median(a for a, _ in pairs) / 1000
        chrome_kb = statistics.median(b for _, b in pairs) / 1000
        target = "<= 120 KB" if lang.startswith("zh") else "<= 40 KB"
        rows.append(
            (
                f"PDF size, {lang} (median of {len(pairs)})",
                f"{ours_kb:.0f} KB",
                f"{chrome_kb:.0f} KB",
                f"target {target}",
            )
        )

    # 8: a travel pack and a booklet.
    pack_dir = fresh("pack")
    pack_time = statistics.median(
        timed([*CLI, "pack", "--lang", "zh", "--out", str(pack_dir), "-q"])
        for _ in range(max(1, args.runs // 2))
    )
    pack_size = (pack_dir / "pack-zh.pdf").stat().st_size
    rows.append(
        (
            "pack --lang zh (4 leaflets, one PDF)",
            f"{pack_time:.2f} s, {pack_size / 1000:.0f} KB",
            "",
            "",
        )
    )
    book_dir = fresh("booklet")
    book_time = statistics.median(
        timed(
            [
                *CLI,
                "--lang",
                "zh",
                "--operator",
                "beeline",
                "--paper",
                "a5",
                "--impose",
                "booklet",
                "--format",
                "pdf",
                "--force",
                "--out",
                str(book_dir),
                "-q",
            ]
        )
        for _ in range(max(1, args.runs // 2))
    )
    book_size = (book_dir / "beeline-zh-a5-booklet.pdf").stat().st_size
    rows.append(
        (
            "zh A5 leaflet + its booklet (cold process)",
            f"{book_time:.2f} s, {book_size / 1000:.0f} KB",
            "",
            "",
        )
    )

    rows += serve_rows(work)
    print_table(rows, args.runs)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
