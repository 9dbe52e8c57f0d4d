"""A ledger import streams its file and is bounded: a file over the size or row limit is refused
plainly, the report lists the first 100 problems and counts them all, memory does not grow with
the file, and a broken workbook gives one line. Exports write any text and are owner-only."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from interfaces.ledger import COLUMNS, Limits, import_ledger
from interfaces.ledger.files import write
from tests.ledger.conftest import ID_A
from tests.ledger.test_ledger import ledger_row, write_rows

BAD_ID = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "2")


def _csv(path: Path, rows: int, *, bad_last: bool = True) -> Path:
    """A ledger CSV of `rows` distinct valid rows (the last one bad, so nothing gets recorded)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n in range(rows):
        cells = {"反映的主要内容": f"第{n}行：对滞纳金的计算有异议，要求说明依据并核实缴费基数。" * 3}
        if bad_last and n == rows - 1:
            cells[COLUMNS[COLUMNS.index("身份证号/统一社会信用代码")]] = BAD_ID
        writer.writerow(ledger_row(**cells))
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(fresh_store, tmp_path):
    path = _csv(tmp_path / "big.csv", 50)
    report = import_ledger(fresh_store(), path, limits=Limits(max_bytes=4096))
    assert report["imported"] == 0
    (error,) = report["errors"]
    assert "over the limit of" in error["message"] and "FENGQIAO_LEDGER_MAX_BYTES" in error["message"]


def test_more_rows_than_the_limit_are_refused_and_nothing_is_recorded(fresh_store, tmp_path):
    path = _csv(tmp_path / "rows.csv", 30, bad_last=False)
    target = fresh_store()
    report = import_ledger(target, path, limits=Limits(max_rows=20))
    assert report["imported"] == 0
    assert any("more than 20 rows" in e["message"] for e in report["errors"])
    assert target.fengqiao.recorder.max_notification_id() in (None, 0)


def test_the_report_lists_the_first_hundred_problems_and_counts_them_all(fresh_store, tmp_path):
    rows = [list(COLUMNS)] + [ledger_row(**{"联系电话": "12345", "反映的主要内容": f"第{n}行"}) for n in range(250)]
    path = tmp_path / "bad.csv"
    write_rows(path, rows)
    report = import_ledger(fresh_store(), path)
    assert report["rows"] == 250
    assert len(report["errors"]) == 100
    assert report["error_count"] == 250
    assert report["errors"][0]["row"] == 2


def test_memory_does_not_grow_with_the_file(fresh_store, tmp_path):
    """A 5 MB ledger (the size that once took 2.3 GB) is checked within a few MB of Python memory."""
    path = _csv(tmp_path / "five-mb.csv", 14_000)
    assert path.stat().st_size > 5_000_000
    target = fresh_store()
    tracemalloc.start()
    try:
        report = import_ledger(target, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report["rows"] == 14_000 and report["error_count"] == 1 and report["imported"] == 0
    assert peak < 20_000_000, f"peak {peak / 1e6:.1f} MB"


def test_a_broken_workbook_gives_one_line_never_a_traceback(fresh_store, tmp_path):
    good = tmp_path / "good.xlsx"
    write_rows(good, [list(COLUMNS), ledger_row()])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # the sheet's XML cut off mid-way
            dst.writestr(info, data)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:300])
    for path in (broken, truncated):
        report = import_ledger(fresh_store(path.stem), path)
        (error,) = report["errors"]
        assert "xlsx" in error["message"] and "\n" not in error["message"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_write_any_text_and_are_owner_only(tmp_path, fmt):
    nasty = "摘要\x00含\x01控制\x1f字符\x7f与\ud800孤立代理\t和换行\n结束"
    row = ledger_row(**{"反映的主要内容": nasty, "缴费人名称/姓名": "=HYPERLINK(\"x\")"})
    out = tmp_path / f"ledger.{fmt}"
    write(out, fmt, [row])
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    if fmt == "xlsx":
        sheet = load_workbook(out).worksheets[0]
        summary = [c.value for c in sheet[2]][COLUMNS.index("反映的主要内容")]
    else:
        lines = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
        summary = lines[1][COLUMNS.index("反映的主要内容")]
    assert summary.startswith("摘要\ufffd含\ufffd控制\ufffd字符") and "结束" in summary
    name_column = COLUMNS.index("缴费人名称/姓名")
    if fmt == "xlsx":
        cell = sheet.cell(row=2, column=name_column + 1)
        assert (cell.value, cell.data_type, cell.quotePrefix) == ('=HYPERLINK("x")', "s", True)
    else:
        assert lines[1][name_column] == "'=HYPERLINK(\"x\")"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


# VmHWM, the peak resident memory of this process's own address space: getrusage's ru_maxrss
# would carry over the parent's peak on Linux (it survives fork and exec).
_LARGEST = """
import sys
from pathlib import Path
from interfaces.ledger import import_ledger
from interfaces.runtime import build_runtime
from tests.ledger.conftest import sqlite_settings
runtime = build_runtime(sqlite_settings(Path(sys.argv[2]), b"k"), with_http=False)
report = import_ledger(runtime, Path(sys.argv[1]))
peak = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
print(report["rows"], report["error_count"], int(peak.split()[1]) // 1024)
"""


def test_the_largest_allowed_file_stays_under_200_mb_in_a_process_of_its_own(tmp_path):
    """50,000 rows close to 20 MB: the whole process (interpreter and libraries included) peaks
    under 200 MB of resident memory."""
    path = _csv(tmp_path / "largest.csv", 50_000)
    assert 15_000_000 < path.stat().st_size <= 20 * 1024 * 1024
    done = subprocess.run(
        [sys.executable, "-c", _LARGEST, str(path), str(tmp_path / "store")],
        capture_output=True, text=True, timeout=300, check=True, cwd=Path(__file__).parents[2],
    )
    rows, errors, peak_mb = (int(v) for v in done.stdout.split()[-3:])
    assert (rows, errors) == (50_000, 1)
    assert peak_mb < 200, f"{peak_mb} MB"
