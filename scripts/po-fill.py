"""Fill or fix entries of a .po catalogue from a JSON object {msgid: msgstr}.

Used when a few UI strings change:
    python scripts/po-fill.py src/kuulo/locale/fi/LC_MESSAGES/django.po fi.json
Clears the fuzzy flag and previous-msgid comments of the entries it fills.
"""

import json
import re
import sys
from pathlib import Path


def unquote(lines: list[str]) -> str:
    return "".join(json.loads(line[line.index('"') :]) for line in lines)


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main(po_path: str, json_path: str) -> None:
    translations = json.loads(Path(json_path).read_text(encoding="utf-8"))
    blocks = Path(po_path).read_text(encoding="utf-8").split("\n\n")
    filled = set()
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        id_start = next((n for n, line in enumerate(lines) if line.startswith("msgid ")), None)
        str_start = next((n for n, line in enumerate(lines) if line.startswith("msgstr")), None)
        if id_start is None or str_start is None or "msgid_plural" in block:
            continue
        msgid = unquote(lines[id_start:str_start])
        if msgid not in translations:
            continue
        comments = [
            re.sub(r",\s*fuzzy", "", line) if line.startswith("#,") else line
            for line in lines[:id_start]
            if not line.startswith("#|")
        ]
        comments = [line for line in comments if line.strip() not in ("#", "#,")]
        blocks[i] = "\n".join([*comments, *lines[id_start:str_start], f"msgstr {quote(translations[msgid])}"])
        filled.add(msgid)
    Path(po_path).write_text("\n\n".join(blocks), encoding="utf-8")
    missing = set(translations) - filled
    if missing:
        sys.exit(f"not in catalogue: {sorted(missing)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
