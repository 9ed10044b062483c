"""Font roles, per-character fallback, the non-BMP ToUnicode fix and configuration."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from reportlab.pdfgen import canvas

from toolkit.errors import ConfigError, RenderError
from toolkit.render import fonts as F
from toolkit.render.fonts import ROLES, FontBook, default_fontbook, fontbook_from_config

WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"

RARE = "𠮷㵘堃喆"

pytestmark = pytest.mark.skipif(not Path(WENKAI).exists() or not Path(UMING).exists(),
                                reason="free CJK fonts not installed (scripts/ensure-fonts.sh)")


@pytest.fixture(scope="module")
def book() -> FontBook:
    return default_fontbook()


def test_every_role_has_a_usable_font_ending_with_wenkai(book):
    for role in ROLES:
        faces = book.faces(role)
        assert faces, role
        assert faces[-1].path.endswith("LXGWWenKai-Regular.ttf")


def test_free_defaults_role_mapping(book):
    names = {role: Path(book.files(role)[0].split("#")[0]).name.lower() for role in ROLES}
    # Licensed fonts win where installed; on the Debian test machine the stand-ins are used.
    if not F._find(F.OFFICIAL_FILES["fangsong"]):
        assert names["fangsong"] == "uming.ttc"
    if not F._find(F.OFFICIAL_FILES["heiti"]):
        assert names["heiti"] == "wqy-zenhei.ttc"
    if not F._find(F.OFFICIAL_FILES["kaiti"]):
        assert names["kaiti"] == "ukai.ttc"


def test_runs_fall_back_per_character(book):
    runs = book.runs("吉𠮷祥", "fangsong")
    assert "".join(s for _, s in runs) == "吉𠮷祥"
    assert len(runs) == 3
    assert runs[0][0] == runs[2][0] != runs[1][0]
    assert "LXGW" in runs[1][0]


def test_runs_keep_whole_runs(book):
    text = "关于对张三同志容错免责的决定 GB/T 9704-2012"
    runs = book.runs(text, "fangsong")
    assert runs == [(book.primary("fangsong"), text)]


def test_missing_character_raises_naming_it(book):
    with pytest.raises(RenderError) as err:
        book.runs("张\U0010FFFD", "heiti", field="申请人姓名")
    msg = str(err.value.message)
    assert "U+10FFFD" in msg and "申请人姓名" in msg and "LXGWWenKai" in msg
    assert book.missing("张\U0010FFFD三", "heiti") == ["\U0010FFFD"]


def test_width_sums_runs(book):
    assert book.width("一二三", "fangsong", 16) == pytest.approx(48)
    assert book.width("𠮷", "fangsong", 16) == pytest.approx(16)
    assert 0 < book.width("2025", "fangsong", 16) < 48


def test_rare_characters_survive_text_extraction(book):
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, initialFontName=book.primary("fangsong"))
    x = 72
    for font, s in book.runs("姓名：" + RARE, "fangsong"):
        c.setFont(font, 16)
        c.drawString(x, 700, s)
        x += book.width(s, "fangsong", 16)
    c.showPage()
    c.save()
    text = pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()
    assert RARE in text.replace("\n", "")


def test_to_unicode_cmap_uses_surrogate_pairs():
    cmap = F.to_unicode_cmap("X", [0, 0x20BB7, 0x5803])
    assert "<01> <D842DFB7>" in cmap and "<02> <5803>" in cmap


def test_collection_index_entry():
    assert F._split_entry("a/b.ttc#2") == ("a/b.ttc", 2)
    assert F._split_entry("a/b.ttf") == ("a/b.ttf", 0)
    book = FontBook({"kaiti": [UMING + "#1"]})
    assert book.faces("kaiti")[0].index == 1


def test_config_mapping(tmp_path):
    book = fontbook_from_config({"fonts": {"fangsong": [WENKAI]}})
    assert book is fontbook_from_config({"fangsong": [WENKAI]})
    assert book.faces("fangsong")[0].path == WENKAI
    # the defaults follow the configured file as fallbacks
    assert len(book.faces("fangsong")) >= 2
    with pytest.raises(ConfigError):
        FontBook({"fangsong": [str(tmp_path / "nope.ttf")]})
    with pytest.raises(ConfigError):
        FontBook({"mingti": [WENKAI]})


def _make_cff_font(path: Path) -> None:
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder([".notdef", "uni4E00"])
    fb.setupCharacterMap({0x4E00: "uni4E00"})
    pen = T2CharStringPen(1000, None)
    pen.moveTo((100, 400))
    pen.lineTo((900, 400))
    pen.lineTo((900, 450))
    pen.closePath()
    fb.setupCFF("TestCFF", {"FullName": "TestCFF"},
                {".notdef": T2CharStringPen(1000, None).getCharString(),
                 "uni4E00": pen.getCharString()}, {})
    fb.setupHorizontalMetrics({".notdef": (1000, 0), "uni4E00": (1000, 100)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "TestCFF", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))


def test_cff_font_is_skipped_with_a_note(tmp_path):
    otf = tmp_path / "NotoLike.otf"
    _make_cff_font(otf)
    book = FontBook({"heiti": [str(otf)]})
    runs = book.runs("一", "heiti")
    assert "NotoLike" not in runs[0][0]
    assert any("CFF" in note for note in book.notes)


def test_config_relative_paths_resolve_against_base(tmp_path):
    (tmp_path / "wk.ttf").symlink_to(WENKAI)
    book = fontbook_from_config({"fonts": {"kaiti": ["wk.ttf"]}}, base=tmp_path)
    assert book.faces("kaiti")[0].path == str(tmp_path / "wk.ttf")
