"""``{% matrix_cells row %}``: the cells of one row of the positions matrix.

A matrix has 400 × 37 cells; Django's template language costs about 0.1 ms a
cell, so a row's cells are written here in one pass, every user text escaped with the standard
library's ``html.escape`` (Django's lazy-aware escape costs three times as much).
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from drafting.reads.positions import MatrixRow

register = template.Library()


@register.simple_tag
def matrix_cells(row: MatrixRow) -> SafeString:
    """``<td>`` per delegation: the stance's letter, its words and statement as the title."""
    out = []
    for cell in row.cells:
        if cell.stance == "none":
            out.append('<td class="stance-none">–</td>')
            continue
        title = escape(cell.describe())
        out.append(f'<td class="stance-{cell.stance}" title="{title}">{cell.mark}</td>')
    return mark_safe("".join(out))  # noqa: S308  (fixed markup; user text escaped above)
