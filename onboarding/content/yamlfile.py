"""YAML that remembers where each value stands, so problems can name the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass
class YamlDocument:
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[str, int]] = field(default_factory=list)

    def line_of(self, location: Path_) -> int | None:
        """The line of ``location``, or of the nearest enclosing value that has one."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return None


class YamlProblem(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load(path: Path) -> YamlDocument:
    """Parse ``path``; raise ``YamlProblem`` (with a line when the parser gives one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblem("not UTF-8 text", None) from error
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "invalid YAML"
        raise YamlProblem(reason, mark.line + 1 if mark else None) from error
    finally:
        loader.dispose()
    document = YamlDocument(data=None)
    if root is not None:
        document.data = _build(root, (), document, yaml.SafeLoader(""))
    return document


def _build(node: yaml.Node, location: Path_, document: YamlDocument, loader: Any) -> Any:
    document.lines.setdefault(location, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                document.duplicate_keys.append((key, key_node.start_mark.line + 1))
            document.lines[(*location, key)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, (*location, key), document, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*location, index), document, loader)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node)
