"""Every wrapper that lets a wide table scroll sideways can be scrolled by keyboard: it is
focusable and named as a region (axe's scrollable-region-focusable, WCAG 2.1.1)."""

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
WRAPPER = re.compile(r'<div class="table-wrap[^"]*"[^>]*>')


def test_every_scrolling_table_wrapper_is_focusable_and_named() -> None:
    found = []
    for template in SOURCE.glob("*/templates/**/*.html"):
        for tag in WRAPPER.findall(template.read_text()):
            found.append(tag)
            named = "aria-label=" in tag or "aria-labelledby=" in tag
            assert 'tabindex="0"' in tag and 'role="region"' in tag and named, f"{template}: {tag}"
    assert len(found) > 20
