"""The DOCX as LibreOffice lays it out, with the faces the PDF was set in.

:func:`convert` turns DOCX files into PDFs in one batch: LibreOffice (``soffice --headless``)
first converts them to flat ODF, the two paragraph properties that the DOCX states but
LibreOffice 7.4's importer drops are applied (``w:autoSpaceDE``/``w:autoSpaceDN`` off →
``style:text-autospace="none"``; ``w:overflowPunct`` off, which the importer reads inverted →
``style:punctuation-wrap="simple"``), then a second batch writes the PDFs — what Word and WPS
do with the same file.  A private fontconfig file aliases the names the shell uses (仿宋_GB2312,
方正小标宋简体 …) to the FontBook's faces, so both layouts measure the same glyphs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

#: The shell's face names per FontBook role (toolkit/render/docx_shell/layout.py, with the
#: alternates Word falls back to).
ROLE_NAMES = {
    "fangsong": ("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312"),
    "kaiti": ("楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312"),
    "heiti": ("黑体", "SimHei"),
    "songti": ("宋体", "SimSun"),
    "xiaobiaosong": ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S"),
}
TIMEOUT = 600


def available() -> bool:
    return shutil.which("soffice") is not None


def _family(path: str, index: int) -> tuple[str, bool]:
    """(typographic family, bold) of a font file's face."""
    font = TTCollection(path).fonts[index] if path.lower().endswith(".ttc") else TTFont(path, lazy=True)
    name = font["name"]
    family = None
    for nid in (16, 1):
        for rec in name.names:
            if rec.nameID == nid and rec.platformID == 3 and rec.langID == 0x409:
                family = rec.toUnicode()
                break
        if family:
            break
    bold = bool(font["OS/2"].usWeightClass >= 600)
    return family or Path(path).stem, bold


def fontconfig(fonts, folder: Path) -> Path:
    """A fonts.conf that maps the shell's names to the FontBook's first face of each role."""
    dirs, matches = set(), []
    for role, names in ROLE_NAMES.items():
        face = fonts.primary_face(role)
        family, bold = _family(face.path, face.index)
        dirs.add(str(Path(face.path).parent))
        weight = '<edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>' \
            if bold else '<edit name="weight" mode="assign" binding="strong"><const>regular</const></edit>'
        lang = '<edit name="lang" mode="assign" binding="strong"><string>zh-cn</string></edit>'
        for n in names:
            matches.append(f'<match target="pattern"><test name="family"><string>{n}</string></test>'
                           f'<edit name="family" mode="assign" binding="strong"><string>{family}</string>'
                           f'</edit>{weight}{lang}</match>')
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    + "".join(f"<dir>{d}</dir>" for d in sorted(dirs))
                    + f"<cachedir>{folder / 'fc-cache'}</cachedir>"
                    + "".join(matches) + "</fontconfig>", encoding="utf-8")
    return conf


def _soffice(args: list[str], folder: Path, conf: Path) -> None:
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(folder))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
                    "--norestore", *args], env=env, check=True, capture_output=True, timeout=TIMEOUT)


def convert(docx_files: list[Path], folder: Path, fonts) -> dict[Path, Path]:
    """PDF of each DOCX as LibreOffice lays it out (see the module's doc); one batch each way."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = fontconfig(fonts, folder)
    flat = folder / "fodt"
    _soffice(["--convert-to", "fodt", "--outdir", str(flat), *map(str, docx_files)], folder, conf)
    fodts = []
    for docx in docx_files:
        path = flat / (docx.stem + ".fodt")
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'style:text-autospace="[^"]*"', 'style:text-autospace="none"', text)
        text = re.sub(r'style:punctuation-wrap="[^"]*"', 'style:punctuation-wrap="simple"', text)
        path.write_text(text, encoding="utf-8")
        fodts.append(path)
    out = folder / "pdf"
    _soffice(["--convert-to", "pdf", "--outdir", str(out), *map(str, fodts)], folder, conf)
    return {docx: out / (docx.stem + ".pdf") for docx in docx_files}
