"""Structured log lines: key=value pairs (logfmt), easy to grep and to parse."""

import json


def logfmt(**fields) -> str:
    """One line of key=value pairs; a value with spaces, quotes or = is quoted as JSON."""
    return " ".join(f"{key}={_logfmt_value(value)}" for key, value in fields.items())


def _logfmt_value(value) -> str:
    text = "" if value is None else str(value)
    if text and not any(c in text for c in ' "=\\') and text.isprintable():
        return text
    return json.dumps(text, ensure_ascii=False)
