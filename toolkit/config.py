"""The bureau configuration (``bureau.yaml``): names, archive numbers, fonts, templates, signing.

It lives above the case folders (``casefiles/bureau.yaml``) and is found by walking up from a
case folder, so no case repeats the bureau's names.  It is checked against
``schemas/bureau.schema.json`` like any case file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from toolkit.case.schema import validate
from toolkit.case.yamlio import load_yaml
from toolkit.errors import ConfigError

CONFIG_NAME = "bureau.yaml"


@dataclass(frozen=True)
class BureauConfig:
    path: Path
    data: dict

    def __getitem__(self, key: str):
        return self.data[key]

    def get(self, key: str, default=None):
        return self.data.get(key, default)

    def relative(self, value: str) -> Path:
        """A path written in the configuration, relative to the configuration file."""
        return (self.path.parent / value).expanduser()

    @property
    def calendar_table(self) -> Path:
        return self.relative(self.data.get("calendar", "holidays.yaml"))

    @property
    def template_dirs(self) -> list[Path]:
        return [self.relative(self.data["templates"])] if "templates" in self.data else []


def find_config(start: Path) -> Path | None:
    for folder in [start.resolve(), *start.resolve().parents]:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path) -> BureauConfig:
    """The configuration that governs ``start`` (a case folder or the cases folder)."""
    path = find_config(start)
    if path is None:
        raise ConfigError(
            f"找不到局配置文件 {CONFIG_NAME}：应放在案件文件夹的上级目录（如 casefiles/{CONFIG_NAME}），"
            "字段见 docs/case-files.md", file=str(start))
    return read_config(path)


def read_config(path: Path) -> BureauConfig:
    """The configuration in the file ``path`` (checked against its schema)."""
    return _load(path, path.stat().st_mtime_ns)


@cache
def _load(path: Path, modified: int) -> BureauConfig:
    """Read once per version of the file: checking 500 cases reads it once."""
    loaded = load_yaml(path)
    problems = validate(loaded, "bureau.schema.json", str(path))
    if problems:
        raise ConfigError("局配置有误：\n" + "\n".join(p.format() for p in problems))
    return BureauConfig(path=path, data=loaded.data)
