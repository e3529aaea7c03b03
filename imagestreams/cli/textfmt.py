"""Go text layout helpers that ``oc describe`` output depends on, reproduced exactly.

oc renders descriptions through Go's ``text/tabwriter`` (tab-padded columns: ``Name:\\t\\t\\tx``)
and prints sizes with docker's ``units.HumanSize`` ("2.814MB"). Scripts and eyes compare our
output with oc's, so these are re-implemented to the byte rather than approximated with Python's
formatting helpers. Ages use docker's ``units.HumanDuration``, shared with ``oc get``'s columns in
:func:`imagestreams.resources.image.columns.docker_human_duration`.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["human_size", "parse_time", "tabwrite"]

_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def tabwrite(
    text: str, *, minwidth: int = 0, tabwidth: int = 8, padding: int = 1, padchar: str = "\t"
) -> str:
    """Go's ``tabwriter.Writer`` (flags 0) over the whole of ``text``.

    A cell is text terminated by a tab; the last cell of a line is not part of a column. A
    column block is a run of consecutive lines that have a cell in that column; its width is
    the widest cell plus ``padding``. With ``padchar`` ``"\\t"`` cells are padded with tabs up to
    the next multiple of ``tabwidth``, as a terminal would expand them.
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def pad(textw: int, cellw: int) -> str:
        if padchar == "\t":
            if tabwidth == 0:
                return ""
            cellw = (cellw + tabwidth - 1) // tabwidth * tabwidth
            return "\t" * ((cellw - textw + tabwidth - 1) // tabwidth)
        return padchar * (cellw - textw)

    def write_lines(line0: int, line1: int) -> None:
        for i in range(line0, line1):
            parts: list[str] = []
            for j, cell in enumerate(lines[i]):
                parts.append(cell)
                if j < len(widths) and j < len(lines[i]) - 1:
                    parts.append(pad(len(cell), widths[j]))
            out.append("".join(parts))

    def format_block(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            format_block(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    format_block(0, len(lines))
    return "\n".join(out)


def _go_g4(value: float) -> str:
    """Go's ``%.4g`` (Python's differs only in exponent padding, which sizes never reach)."""
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        sign, digits = exponent[0], exponent[1:].lstrip("0")
        text = f"{mantissa}e{sign}{digits.rjust(2, '0')}"
    return text


def human_size(size: float) -> str:
    """docker ``units.HumanSize``: decimal units, four significant digits."""
    unit = 0
    while size >= 1000.0 and unit < len(_DECIMAL_UNITS) - 1:
        size /= 1000.0
        unit += 1
    return f"{_go_g4(size)}{_DECIMAL_UNITS[unit]}"


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 API timestamp, or None when absent or unparseable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
