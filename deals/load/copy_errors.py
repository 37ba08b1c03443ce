"""PostgreSQL's COPY errors, turned into the sentence a person needs to fix their file.

COPY reports the line it was reading (`CONTEXT: COPY t, line N, column c: "v"`); that line counts
only what COPY saw, so CopySource maps it back to the file's physical line. COPY stops at the first
bad record; `is_record_problem` says whether the file can be checked on past it.
"""

import csv
import re

from deals import messages
from deals.driver import Error as PgError
from deals.driver import errorcodes
from deals.errors import LineProblem
from deals.source.csv_format import CopySource

CONTEXT = re.compile(
    r'COPY \S+, line (?P<line>\d+)(?:, column (?P<column>\w+): (?:"(?P<value>.*)"|null input))?(?:: "(?P<raw>.*)")?',
    re.S,
)
BYTES = re.compile(r"(0x[0-9a-f]{2}(?: 0x[0-9a-f]{2})*)")

VALUE_PROBLEMS = {
    errorcodes.INVALID_TEXT_REPRESENTATION: messages.NOT_WHOLE_NUMBER,
    errorcodes.NUMERIC_VALUE_OUT_OF_RANGE: messages.TOO_LARGE,
    errorcodes.INVALID_DATETIME_FORMAT: messages.NOT_DATE_TIME,
    errorcodes.DATETIME_FIELD_OVERFLOW: messages.IMPOSSIBLE_DATE,
}
LINE_PROBLEMS = {
    "missing data for column": messages.TOO_FEW_VALUES,
    "extra data after last expected column": messages.TOO_MANY_VALUES,
    "unterminated CSV quoted field": messages.UNCLOSED_QUOTE,
    "unquoted carriage return found in data": messages.STRAY_LINE_BREAK,
    "unquoted newline found in data": messages.STRAY_LINE_BREAK,
}


def is_files_fault(error: BaseException) -> bool:
    """Data exceptions and integrity violations (SQLSTATE classes 22, 23): the file's fault, not the database's."""
    return isinstance(error, PgError) and bool(error.pgcode) and error.pgcode[:2] in ("22", "23")


def copy_line(error: BaseException) -> int | None:
    """The line COPY names in its error's context, counted as COPY counts (its first line being 1)."""
    match = CONTEXT.search(error.diag.context or "") if isinstance(error, PgError) else None
    return int(match["line"]) if match else None


# Problems of one record, after which COPY can go on with the next: a bad value, a missing one,
# too few or too many values. Anything else (an encoding error, a NUL byte, a quote never closed, an
# error COPY gives no line for) leaves the rest of the file unreadable: checking stops there.
RECORD_PROBLEM_CODES = frozenset({*VALUE_PROBLEMS, errorcodes.CHECK_VIOLATION, errorcodes.NOT_NULL_VIOLATION})
RECORD_PROBLEM_PREFIXES = ("missing data for column", "extra data after last expected column")


def is_record_problem(error: BaseException) -> bool:
    """Whether `error` (a fault in the file) concerns one record only, so that checking may go on after it."""
    if copy_line(error) is None:
        return False
    primary = error.diag.message_primary or ""
    return error.pgcode in RECORD_PROBLEM_CODES or primary.startswith(RECORD_PROBLEM_PREFIXES)


def copy_problem(error: BaseException, source: CopySource, *, body_line: int | None) -> LineProblem:
    """The problem a COPY error (a fault in the file) names, at the record whose line COPY would have
    named as `body_line` had it read the whole body in one statement (deals/load/streams.py):
    CopySource maps that to the line where the record starts in the file."""
    diag = error.diag
    primary = diag.message_primary or str(error)
    match = CONTEXT.search(diag.context or "")
    line = source.physical_line(body_line) if match and body_line is not None else None
    if line is None:
        return LineProblem(None, messages.unreadable(None, primary))
    column, value = match["column"], match["value"]
    if error.pgcode in VALUE_PROBLEMS and column:
        problem = VALUE_PROBLEMS[error.pgcode]
        if column == "date" and error.pgcode == errorcodes.INVALID_TEXT_REPRESENTATION:
            problem = messages.NOT_DATE_TIME
        return _at_value(line, column, value, problem)
    if error.pgcode == errorcodes.CHECK_VIOLATION and diag.constraint_name in messages.CONSTRAINT_MESSAGES:
        column, problem = messages.CONSTRAINT_MESSAGES[diag.constraint_name]
        return _at_value(line, column, _value_in_line(match["raw"], column, source), problem)
    if error.pgcode == errorcodes.NOT_NULL_VIOLATION and diag.column_name:
        return _at_value(line, diag.column_name, None, messages.EMPTY_VALUE)
    if error.pgcode in (errorcodes.CHARACTER_NOT_IN_REPERTOIRE, errorcodes.UNTRANSLATABLE_CHARACTER):
        found = BYTES.search(primary)
        if found and found[1] == "0x00":
            return LineProblem(line, messages.at_line(line, messages.NUL_BYTE))
        detail = f"bytes {found[1]}" if found else primary
        return LineProblem(line, messages.bad_encoding(line, source.format.encoding, detail, declared=source.declared))
    if primary.startswith("unterminated CSV quoted field") and source.unclosed_quote_line():
        # COPY counts one record past the end here; the record left open is the last one started.
        line = source.unclosed_quote_line()
        return LineProblem(line, messages.at_line(line, messages.UNCLOSED_QUOTE))
    if primary.startswith("extra data after last expected column") and source.format.padding:
        return LineProblem(line, messages.value_in_unnamed_column(line, source.format.columns[-1]))
    for prefix, problem in LINE_PROBLEMS.items():
        if primary.startswith(prefix):
            return LineProblem(line, messages.at_line(line, problem))
    return LineProblem(line, messages.unreadable(line, primary))


def _at_value(line: int, column: str, value: str | None, problem: str) -> LineProblem:
    return LineProblem(line, messages.at_value(line, column, value, problem), column=column, value=value)


def _value_in_line(raw: str | None, column: str, source: CopySource) -> str | None:
    """The column's value in the line COPY quoted (it shows at most the first 100 bytes)."""
    if raw is None or column not in source.format.columns:
        return None
    values = next(csv.reader([raw], delimiter=source.format.delimiter), [])
    position = source.format.columns.index(column)
    return values[position].strip() if position < len(values) else None
