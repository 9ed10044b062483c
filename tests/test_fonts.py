"""Font roles, per-character fallback, CFF conversion, the fallback report, ``rcmz fonts``."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pikepdf
import pypdf
import pytest
from click.testing import CliRunner
from reportlab.pdfgen import canvas

from toolkit.cli import main
from toolkit.errors import ConfigError, RenderError
from toolkit.render import fontcache as C
from toolkit.render import fonts as F
from toolkit.render.fonts import ROLES, FontBook, default_fontbook, fontbook_from_config

WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"

RARE = "𠮷㵘堃喆"

pytestmark = pytest.mark.skipif(not Path(WENKAI).exists() or not Path(UMING).exists(),
                                reason="free CJK fonts not installed (make setup)")

#: BaseFont names of FangSong faces: the licensed ones and FandolFang.
FANGSONG = re.compile(r"fang|仿宋", re.I)
#: … of Song faces fit for the mark and titles (小标宋, a bold Song) — and of sans faces.
SONG = re.compile(r"song|serif|xbs|xiaobiao|simsun|ming|宋", re.I)
SANS = re.compile(r"hei|sans|gothic|wqy|yahei|黑", re.I)


@pytest.fixture(scope="module")
def book() -> FontBook:
    return default_fontbook()


def licensed(role: str) -> bool:
    return bool(F._find(F.OFFICIAL_FILES[role]))


def fandol(name: str) -> str | None:
    found = F._find([name])
    return found[0] if found else None


# --------------------------------------------------------------------------------------------
# roles and fallback


def test_every_role_has_a_usable_font_ending_with_wenkai(book):
    for role in ROLES:
        faces = book.faces(role)
        assert faces, role
        assert faces[-1].path.endswith("LXGWWenKai-Regular.ttf")


def test_free_defaults_role_mapping(book):
    """Licensed fonts win where installed; otherwise Fandol (make setup fetches it)."""
    names = {role: Path(book.files(role)[0].split("#")[0]).name for role in ROLES}
    expected = {"fangsong": "FandolFang-Regular.otf", "heiti": "FandolHei-Regular.otf",
                "kaiti": "FandolKai-Regular.otf", "songti": "FandolSong-Regular.otf"}
    for role, name in expected.items():
        if not licensed(role):
            assert names[role] == name, f"{role}: {names[role]} — run make setup (Fandol fonts)"
    if not licensed("xiaobiaosong"):
        assert names["xiaobiaosong"] in ("NotoSerifCJK-Bold.ttc", "FandolSong-Bold.otf")
    # never a sans for the mark and the titles, anywhere in the chain before the last resort
    for entry in book.files("xiaobiaosong")[:-1]:
        assert "wqy" not in entry.lower() and "hei" not in Path(entry).name.lower()


def test_fandol_covers_gb2312():
    hanzi = C.gb2312_hanzi()
    assert len(hanzi) == 6763
    assert all(0x4E00 <= ord(c) <= 0x9FA5 for c in hanzi)
    fang = fandol("FandolFang-Regular.otf")
    if fang is None:
        pytest.skip("Fandol not fetched")
    src = C.source(*F._split_entry(fang))
    assert sum(1 for c in hanzi if ord(c) in src.widths) == 6763
    assert not any(ord(c) in src.widths for c in "喆昇堃犇")   # so the per-glyph fallback stays


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


def test_config_relative_paths_resolve_against_base(tmp_path):
    (tmp_path / "wk.ttf").symlink_to(WENKAI)
    book = fontbook_from_config({"fonts": {"kaiti": ["wk.ttf"]}}, base=tmp_path)
    assert book.faces("kaiti")[0].path == str(tmp_path / "wk.ttf")


def test_configured_licensed_font_wins_and_is_not_a_standin(tmp_path):
    (tmp_path / "simfang.ttf").symlink_to(WENKAI)       # stands for a licensed file
    book = FontBook({"fangsong": [str(tmp_path / "simfang.ttf")]})
    assert book.primary_face("fangsong").path == str(tmp_path / "simfang.ttf")
    assert book.standins(["fangsong"]) == []
    assert F.is_standin(WENKAI) and F.is_standin("/x/FandolFang-Regular.otf")


# --------------------------------------------------------------------------------------------
# CFF fonts: converted in parts, cached by digest


def _make_cff_font(path: Path, extra: dict[int, int] | None = None) -> None:
    """A CFF font with 一 (a bar), A and, for each code in ``extra``, a box of that width."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    def bar(width, y0=400, y1=450):
        pen = T2CharStringPen(width, None)
        pen.moveTo((100, y0))
        pen.curveTo((300, y0 - 20), (600, y0 - 20), (width - 100, y0))
        pen.lineTo((width - 100, y1))
        pen.lineTo((100, y1))
        pen.closePath()
        return pen.getCharString()

    extra = extra or {}
    order = [".notdef", "uni4E00", "A"] + [f"u{c:04X}" for c in extra]
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({0x4E00: "uni4E00", 0x41: "A", **{c: f"u{c:04X}" for c in extra}})
    strings = {".notdef": T2CharStringPen(1000, None).getCharString(), "uni4E00": bar(1000),
               "A": bar(600, 0, 700), **{f"u{c:04X}": bar(w) for c, w in extra.items()}}
    fb.setupCFF("TestCFF", {"FullName": "TestCFF"}, strings, {})
    fb.setupHorizontalMetrics({".notdef": (1000, 0), "uni4E00": (1000, 100), "A": (600, 100),
                               **{f"u{c:04X}": (w, 100) for c, w in extra.items()}})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "TestCFF", "styleName": "Regular", "psName": "TestCFF-Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120)
    fb.setupPost()
    fb.save(str(path))


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RCMZ_FONT_CACHE", str(tmp_path / "font-cache"))
    return tmp_path / "font-cache"


def test_part_of_splits_gb2312_levels():
    assert C.part_of(ord("啊")) == "core" and C.part_of(ord("A")) == "core"
    assert C.part_of(ord("，")) == "core" and C.part_of(ord("〔")) == "core"
    assert C.part_of(ord("亍")) == "gb2"                 # first hanzi of level 2 (row 56)
    assert C.part_of(ord("喆")) == "u5400"
    assert C.part_of(0x20BB7) == "u20800"
    assert C.part_order(["u5400", "gb2", "u3400", "core"]) == ["core", "gb2", "u3400", "u5400"]


def test_cff_font_is_converted_and_drawn(tmp_path, own_cache):
    otf = tmp_path / "NotoLike.otf"
    _make_cff_font(otf, {0x5586: 900})                  # 喆, in a block part of its own
    assert C.is_cff(str(otf))
    book = FontBook({"heiti": [str(otf)]})
    faces = [f for f in book.faces("heiti") if f.path == str(otf)]
    assert [f.part for f in faces] == ["core", "u5400"]
    assert not list(own_cache.rglob("*.ttf"))           # nothing converted to know coverage
    assert book.width("一A", "heiti", 10) == pytest.approx(10 + 6)
    runs = book.runs("一A", "heiti")
    assert runs == [(faces[0].name, "一A")]
    converted = list(own_cache.rglob("*.ttf"))
    assert [p.name for p in converted] == ["0-core.ttf"]  # only the part used
    assert book.width("喆", "heiti", 10) == pytest.approx(9)
    digest = C.file_digest(str(otf))
    assert converted[0].parent.name == digest           # keyed by the source's SHA-256
    assert oct(own_cache.stat().st_mode & 0o777) == "0o700"
    # the converted outline is the source's, as quadratic TrueType curves
    from fontTools.ttLib import TTFont
    tt = TTFont(converted[0])
    assert "glyf" in tt and "CFF " not in tt
    g = tt["glyf"]["uni4E00"]
    assert (g.xMin, g.xMax, g.yMax) == (100, 900, 450) and 370 <= g.yMin <= 390
    assert tt["hmtx"]["uni4E00"][0] == 1000 and tt["name"].getDebugName(6) == "TestCFF-Regular"
    # drawn into a PDF: embedded as TrueType under the source's PostScript name
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for font, s in book.runs("一A喆", "heiti"):
        c.setFont(font, 16)
        c.drawString(72, 700, s)
    c.showPage()
    c.save()
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        ours = [f for f in pdf.pages[0].Resources.Font.values() if "+" in str(f.BaseFont)]
        assert sorted(str(f.BaseFont)[8:] for f in ours) == ["TestCFF-Regular", "TestCFF-Regular-U5400"]
        assert all("/FontFile2" in f.FontDescriptor for f in ours)
    # a second process would find it: same digest, same file
    assert C.cached_part(C.source(str(otf)), "core") == converted[0]


def test_unwritable_cache_converts_into_a_temporary_folder(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RCMZ_FONT_CACHE", str(blocker / "cache"))   # cannot be created
    monkeypatch.setattr(C, "_TEMP", {})
    otf = tmp_path / "ReadOnlyHome.otf"
    _make_cff_font(otf)
    with caplog.at_level(logging.WARNING, logger="rcmz.render.fontcache"):
        book = FontBook({"heiti": [str(otf)]})
        assert book.runs("一", "heiti")[0][0] == book.faces("heiti")[0].name
    assert any("无法写入" in r.getMessage() for r in caplog.records)
    assert Path(book.faces("heiti")[0].file).is_file()


def test_failed_conversion_falls_back_to_the_next_face(tmp_path, own_cache, monkeypatch, caplog):
    otf = tmp_path / "Broken.otf"
    _make_cff_font(otf)

    def fail(*args):
        raise ValueError("bad charstring")

    monkeypatch.setattr(C, "convert", fail)
    with caplog.at_level(logging.WARNING):
        book = FontBook({"heiti": [str(otf)]})
        name, _ = book.runs("一", "heiti")[0]
    assert "Broken" not in name
    assert any("转换为 TrueType 失败" in n for n in book.notes)


def test_conversion_of_a_fandol_part_matches_the_source_metrics():
    fang = fandol("FandolFang-Regular.otf")
    if fang is None:
        pytest.skip("Fandol not fetched")
    from reportlab.pdfbase.ttfonts import TTFont
    src = C.source(*F._split_entry(fang))
    font = TTFont("probe-fandol", str(C.part_file(src, "core")))
    assert font.face.ascent == src.ascent and font.face.descent == src.descent
    for code in src.parts["core"]:
        assert font.face.charWidths[code] == pytest.approx(src.widths[code])


# --------------------------------------------------------------------------------------------
# the official documents: faces per element, fallback report, stand-in warning


def _fonts_by_size(pdf_path: Path, page_no: int = 0) -> dict[float, dict[str, int]]:
    """Font size → BaseFont (without the subset tag) → number of characters set, on a page."""
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[page_no]
        bases = {str(k): str(v.BaseFont).split("+", 1)[-1] for k, v in page.Resources.Font.items()}
        out: dict[float, dict[str, int]] = {}
        font, size = None, 0.0
        for operands, op in pikepdf.parse_content_stream(page):
            if str(op) == "Tf":
                font, size = str(operands[0]), round(float(operands[1]), 1)
            elif str(op) in ("Tj", "TJ") and font:
                n = len(bytes(operands[0])) if str(op) == "Tj" else sum(
                    len(bytes(x)) for x in operands[0] if isinstance(x, pikepdf.String))
                out.setdefault(size, {}).setdefault(bases[font], 0)
                out[size][bases[font]] += n
        return out


@pytest.fixture(scope="module")
def decision(tmp_path_factory):
    import shutil

    from conftest import CASEFILES

    root = tmp_path_factory.mktemp("decision") / "casefiles"
    root.mkdir()
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(CASEFILES / name, root / name)
    shutil.copytree(CASEFILES / "2025-003-hearing-deferral", root / "2025-003-hearing-deferral")
    out = root.parent / "out"
    # the stand-in line comes once per process (per rcmz command): earlier tests may have had it
    fontbook_from_config(None)._warned_standins = False
    result = CliRunner().invoke(main, ["render", str(root / "2025-003-hearing-deferral"),
                                       "--only", "decision", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # what the clerk sees on the terminal, without -v (toolkit/logs.py)
    told = [line.removeprefix("提示：") for line in result.stderr.splitlines() if line.startswith("提示：")]
    return next(out.glob("decision-*.pdf")), told


def test_official_body_is_fangsong_and_title_a_song_face(decision):
    """On this machine (Fandol or licensed fonts): body in a FangSong, mark and title in a Song."""
    path, _ = decision
    sizes = _fonts_by_size(path)
    body = sizes[16.0]                                   # 三号: the body (and 一、 headings)
    main_face = max(body, key=body.get)
    assert FANGSONG.search(main_face), f"body set in {main_face}, not a FangSong: {body}"
    for size in (22.0, 42.0):                            # 二号 title, 初号 red mark
        faces = [f for f in sizes.get(size, {}) if not f.startswith("UMing")]
        assert faces, sizes
        for face in faces:
            assert SONG.search(face) and not SANS.search(face), f"{size} pt set in {face}"


def test_render_reports_fallbacks_and_standins_once(decision):
    """Set with free faces: one line per document with fallen-back characters, one stand-in
    line, on the terminal of ``rcmz render``."""
    _, logged = decision
    # the case names 欧阳喆: FandolFang has no 喆 (licensed 仿宋_GB2312 has none either)
    fell = [ln for ln in logged if "后备字体" in ln]
    assert len(fell) == 1 and "《" in fell[0] and "喆" in fell[0]
    standin = [ln for ln in logged if "免费替代字体" in ln]
    book = fontbook_from_config(None)
    if book.standins(["fangsong"]):
        assert len(standin) == 1 and "仿宋→" in standin[0]
    else:
        assert not standin


def test_fontbook_records_each_render(tmp_path, caplog):
    book = FontBook(official=True)
    for title in ("甲文书", "乙文书"):
        buf = io.BytesIO()
        c = canvas.Canvas(buf, invariant=1, initialFontName=book.primary("fangsong"))
        c.setTitle(title)
        text = "关于欧阳喆同志" if title == "甲文书" else "关于张三同志"
        for font, s in book.runs(text, "fangsong"):
            c.setFont(font, 16)
            c.drawString(72, 700, s)
        c.showPage()
        with caplog.at_level(logging.WARNING, logger="rcmz.render.fonts"):
            c.save()
    first, second = book.renders[-2:]
    assert (first.title, second.title) == ("甲文书", "乙文书")
    assert set(first.fallbacks) == {"喆"} and first.fallbacks["喆"][0] == "fangsong"
    assert second.fallbacks == {}
    messages = [r.getMessage() for r in caplog.records]
    assert sum("后备字体" in m for m in messages) == 1
    assert sum("免费替代字体" in m for m in messages) == (1 if book.standins(["fangsong"]) else 0)


# --------------------------------------------------------------------------------------------
# rcmz fonts


def test_rcmz_fonts_lists_roles_files_and_coverage(example):
    case = example("2025-003-hearing-deferral")
    result = CliRunner().invoke(main, ["fonts", str(case)])
    assert result.exit_code == 0, result.output
    out = result.output
    for name in ("仿宋（fangsong）", "小标宋（xiaobiaosong）", "黑体（heiti）", "楷体（kaiti）",
                 "宋体（songti）"):
        assert name in out
    assert out.count("  文件：") == 5
    assert re.search(r"GB2312 汉字：\d+/6763", out)
    lines = out.splitlines()
    fang = lines[lines.index(next(ln for ln in lines if ln.startswith("仿宋"))) :][:6]
    case_line = next(ln for ln in fang if "本案用字" in ln)
    assert "喆" in case_line                       # the name 欧阳喆 falls back
    if fandol("FandolFang-Regular.otf") and not licensed("fangsong"):
        assert "FandolFang Regular［免费替代字体］" in out
        assert "GB2312 汉字：6763/6763" in out


def test_rcmz_fonts_without_a_case(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fonts"])
    assert result.exit_code == 0, result.output
    assert "本案用字" not in result.output and result.output.count("  文件：") == 5
