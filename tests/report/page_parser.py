"""A tiny HTML structure reader (stdlib only) for the report tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class PageStructure(HTMLParser):
    """Collects element ids, script elements (with their type and text) and visible text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.text: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self._script_type: str | None = None
        self._in_script = False
        self._in_style = False
        self._buffer: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag == "script":
            self._in_script = True
            self._script_type = values.get("type")
            self._buffer = []
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script:
            self.scripts.append((self._script_type, "".join(self._buffer)))
            self._in_script = False
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._buffer.append(data)
        elif not self._in_style:
            self.text.append(data)

    @property
    def visible_text(self) -> str:
        return "".join(self.text)


# `rnnlens <word>` where <word> reads as a command; "rnnlens demo: ..." / "rnnlens report: ..." are page titles.
_COMMAND = re.compile(r"\brnnlens ([a-z][a-z_-]*)\b(?!:)")
# In source code, prose says "rnnlens traces ..."; a command the user is told to run is in backticks.
_QUOTED_COMMAND = re.compile(r"`rnnlens ([a-z][a-z_-]*)\b")


def unknown_commands(text: str, *, quoted_only: bool = False) -> list[str]:
    """The ``rnnlens <command>`` mentions in ``text`` that name no command of the CLI.

    ``quoted_only``: read only mentions in backticks (for source code, whose prose names the package).
    """
    from rnnlens.cli.app import app

    known = {command.name for command in app.registered_commands}
    pattern = _QUOTED_COMMAND if quoted_only else _COMMAND
    return sorted({f"rnnlens {word}" for word in pattern.findall(text) if word not in known})
