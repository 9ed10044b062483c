"""The volume's PDF/A: every file validated once, its answer kept by its digest in the user's
cache folder; the merged volume validated without walking the files' pages again; signing and
verifying read the volume from the file."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pikepdf
import pikepdf.pdfa as pikepdf_pdfa
import pytest

from test_dossier_support import make_case, make_item_pdf, movie_pdf
from toolkit import attachments
from toolkit.cachefile import JsonCache
from toolkit.dossier import Attachment, build_dossier, verify_dossier
from toolkit.dossier import pdfa as dpdfa
from toolkit.dossier.verify import first_revision
from toolkit.errors import DossierError

pytest_plugins = ["test_dossier_support"]  # its fixtures: test_cert, signer_config


@pytest.fixture
def validated(monkeypatch) -> list[str]:
    """The names of the files pikepdf's validator is run on (pdfa.check), in order."""
    names: list[str] = []
    check = pikepdf_pdfa.check

    def counting(pdf, *args, **kwargs):
        names.append(Path(pdf.filename).name)
        return check(pdf, *args, **kwargs)

    monkeypatch.setattr(pikepdf_pdfa, "check", counting)
    return names


def new_process(monkeypatch) -> None:
    """What the next run finds: the answers kept in the cache folder, nothing in memory."""
    attachments._CACHE.save()
    monkeypatch.setattr(attachments, "_CACHE", JsonCache("attachments", attachments._salt))
    monkeypatch.setattr(attachments, "_DIGESTS", {})


def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "attachments.json"   # RCMZ_CACHE_DIR of the test (conftest)


def test_an_unchanged_file_is_not_validated_again_a_changed_one_is(tmp_path, monkeypatch, validated):
    new_process(monkeypatch)
    spec = make_case(tmp_path)
    build_dossier(spec, tmp_path / "out1", None)
    assert "03-decision-scan.pdf" in validated and "statement.pdf" in validated
    validated.clear()

    new_process(monkeypatch)
    build_dossier(spec, tmp_path / "out2", None)
    # every file (and every page made of an image), the sheets and the stamps known by digest
    assert validated == []

    scan = spec.items[2].pdf
    scan.write_bytes(scan.read_bytes() + b"\n")  # one byte more: another file
    new_process(monkeypatch)
    build_dossier(spec, tmp_path / "out3", None)
    # and another manifest, whose digest the 备考表 prints
    assert validated == ["03-decision-scan.pdf", "back.pdf"]


@pytest.mark.parametrize("damage", ["entries", "file"])
def test_a_damaged_cache_means_validating_again(tmp_path, monkeypatch, validated, damage):
    new_process(monkeypatch)
    spec = make_case(tmp_path)
    build_dossier(spec, tmp_path / "out1", None)
    attachments._CACHE.save()
    stored = json.loads(cache_file(tmp_path).read_text(encoding="utf-8"))
    if damage == "entries":  # the salt still right, the answers not what the code writes
        broken = [None, "pdf", ["pdf"], ["pdf", None, [["nonsense", "x", 0]]], ["pdf", 7, []], 42]
        stored["values"] = {key: broken[k % len(broken)] for k, key in enumerate(stored["values"])}
        cache_file(tmp_path).write_text(json.dumps(stored), encoding="utf-8")
    else:
        cache_file(tmp_path).write_bytes(b"\x00{not json")
    validated.clear()
    monkeypatch.setattr(attachments, "_CACHE", JsonCache("attachments", attachments._salt))
    monkeypatch.setattr(attachments, "_DIGESTS", {})
    path = build_dossier(spec, tmp_path / "out2", None)
    assert "03-decision-scan.pdf" in validated
    assert pikepdf_pdfa.validate_written(path, dpdfa.FLAVOUR).passed


def test_a_file_that_is_not_pdfa_is_refused_on_a_cached_run_too(tmp_path, monkeypatch, validated):
    spec = make_case(tmp_path, items=2)
    bad = movie_pdf(tmp_path / "case" / "att" / "movie.pdf")
    spec = replace(spec, items=(spec.items[0], replace(spec.items[1], attachments=(Attachment("影片", bad),))))
    messages = []
    for run in range(2):
        new_process(monkeypatch)
        validated.clear()
        with pytest.raises(DossierError) as raised:
            build_dossier(spec, tmp_path / f"out{run}", None)
        messages.append(raised.value.message)
        assert "第2件《张三同志容错免责事项调查核实报告》的附件1《影片》" in raised.value.message and "movie.pdf" in raised.value.message
        assert "不符合 PDF/A-3b" in raised.value.message
    assert validated == []  # the second refusal is the kept answer
    assert messages[0] == messages[1]
    assert not list((tmp_path / "out1").glob("*.pdf"))


def deep_pdf(path: Path, depth: int) -> Path:
    """A one-page PDF whose content nests the graphics state ``depth`` levels deep."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"q " * depth + b"0 0 10 10 re f " + b"Q " * depth)
    pdf.save(path)
    return path


def test_what_the_stamp_adds_to_a_page_is_validated(tmp_path):
    """A page nested as deep as PDF/A allows passes on its own; wrapped for the page number in
    the volume it would go one level deeper: the volume is refused, naming the file."""
    deep = deep_pdf(tmp_path / "deep.pdf", 28)
    assert attachments.assess(deep).problem is None and not attachments.assess(deep).conversions
    spec = make_case(tmp_path, items=2)
    spec = replace(spec, items=(spec.items[0], replace(spec.items[1], attachments=(Attachment("深层", deep),))))
    with pytest.raises(DossierError) as raised:
        build_dossier(spec, tmp_path / "out", None)
    assert "附件1《深层》" in raised.value.message and "deep.pdf" in raised.value.message
    assert "q/Q" in raised.value.message


def test_a_trusted_page_is_not_walked_but_the_volume_still_passes_the_full_check(tmp_path):
    spec = make_case(tmp_path)
    path = build_dossier(spec, tmp_path / "out", None)
    with pikepdf.open(path) as pdf:
        content = range(2, len(pdf.pages) - 1)  # cover, one index page … 备考表
    trusted = {i: f"第{i}页" for i in content}
    assert dpdfa.validate_volume(path, trusted).passed
    assert pikepdf_pdfa.validate_written(path, dpdfa.FLAVOUR).passed


@pytest.mark.parametrize("where", ["outline", "trusted page", "stamp"])
def test_what_the_merge_adds_is_still_validated(tmp_path, where):
    """JavaScript (forbidden in PDF/A) put into a bookmark, into the dictionary of a page whose
    content is trusted, or into the stamp drawn on such a page: the volume's check finds it."""
    spec = make_case(tmp_path)
    path = build_dossier(spec, tmp_path / "out", None)
    bad = tmp_path / "bad.pdf"
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    with pikepdf.open(path) as pdf:
        page = pdf.pages[3]
        if where == "outline":
            pdf.Root.Outlines.First.A = script
        elif where == "trusted page":
            page.obj.AA = pikepdf.Dictionary(O=script)
        else:
            stamp = next(v for k, v in page.obj.Resources.XObject.items() if k.startswith("/Rcmz"))
            stamp.Resources.Font = pikepdf.Dictionary(F9=pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
            stamp.write(stamp.read_bytes() + b" BT /F9 8 Tf (x) Tj ET")
        pdf.save(bad)
    with pikepdf.open(bad) as pdf:
        trusted = {i: f"第{i}页" for i in range(2, len(pdf.pages) - 1)}
    assert not dpdfa.validate_volume(bad, trusted).passed


def test_other_files_validated_meanwhile_get_pikepdfs_own_walker(tmp_path):
    """While a volume is validated, the engine's walker is the volume's for that file only."""
    from pikepdf.pdfa import _engine

    spec = make_case(tmp_path)
    path = build_dossier(spec, tmp_path / "out", None)
    seen = []
    with pikepdf.open(path) as volume, pikepdf.open(spec.items[0].pdf) as other:
        with dpdfa._trusting(volume, dpdfa._Trust({})):
            seen = [type(_engine.DocumentWalker(ctx_for(pdf), None)).__name__ for pdf in (volume, other)]
    assert seen == ["_VolumeWalker", "DocumentWalker"]


def ctx_for(pdf):
    from pikepdf.pdfa._context import ValidationContext

    return ValidationContext(pikepdf_pdfa.Flavour("3b"), pdf, pikepdf_pdfa.Report(pikepdf_pdfa.Flavour("3b")))


def test_signing_in_place_verifies_and_only_appends(tmp_path, signer_config, test_cert):
    spec = make_case(tmp_path)
    unsigned = build_dossier(spec, tmp_path / "draft", None)
    signed = build_dossier(spec, tmp_path / "signed", signer_config)
    data = signed.read_bytes()
    assert first_revision(data) == unsigned.read_bytes()
    report = verify_dossier(signed, [test_cert[1]], spec.source_root)
    assert report.ok and report.signatures and report.signatures[0]["intact"], report.text()


def test_verify_reads_the_volume_from_the_file(tmp_path, monkeypatch, signer_config, test_cert):
    """Never the whole file in memory: Path.read_bytes (of any file as large as the volume)
    fails during the check, and the volume still verifies."""
    spec = make_case(tmp_path)
    signed = build_dossier(spec, tmp_path / "signed", signer_config)
    copy = shutil.copy(signed, tmp_path / "copy.pdf")
    size = signed.stat().st_size
    read_bytes = Path.read_bytes

    def small_only(self: Path) -> bytes:
        if self.stat().st_size >= size:
            raise AssertionError(f"{self} read whole")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", small_only)
    report = verify_dossier(Path(copy), [test_cert[1]], spec.source_root)
    assert report.ok, report.text()
    assert any("签名前的案卷符合" in f.message for f in report.findings)


# --- the sheets and the page-number stamps: validated on their own, kept by digest --------------


@pytest.fixture
def drawn(monkeypatch) -> list[int]:
    """How many stamps reportlab draws (batches drawn, not taken from the cache)."""
    from toolkit.dossier.sheets import stamps

    counts: list[int] = []
    render = stamps.render_stamps

    def counting(path, batch, book):
        counts.append(len(batch))
        return render(path, batch, book)

    monkeypatch.setattr(stamps, "render_stamps", counting)
    return counts


def kept_batches(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "stamps").glob("*.pdf"))


def stamp_numbers(path: Path) -> list[str | None]:
    from toolkit.dossier.verify.stamps import stamp_text

    with pikepdf.open(path) as pdf:
        return [stamp_text(page) for page in pdf.pages]


def test_stamp_batches_are_kept_and_drawn_again_when_they_change(tmp_path, monkeypatch, validated, drawn):
    new_process(monkeypatch)
    spec = make_case(tmp_path)
    first = build_dossier(spec, tmp_path / "out1", None)
    assert drawn == [11] and len(kept_batches(tmp_path)) == 1
    assert any(name.startswith("stamps-") for name in validated)  # the batch, validated once
    drawn.clear()
    validated.clear()

    new_process(monkeypatch)
    second = build_dossier(spec, tmp_path / "out2", None)
    assert drawn == [] and validated == []  # drawn and validated before: kept, known by digest
    assert second.read_bytes() == first.read_bytes()

    # one more page in the first item: every later page number moves, another batch
    make_item_pdf(spec.items[0].pdf, 4, "启动审批表")
    new_process(monkeypatch)
    third = build_dossier(spec, tmp_path / "out3", None)
    assert drawn == [12]
    assert any(name.startswith("stamps-") for name in validated)
    assert stamp_numbers(third)[2:-1] == [str(n) for n in range(1, 13)]
    assert pikepdf_pdfa.validate_written(third, dpdfa.FLAVOUR).passed


@pytest.mark.parametrize("damage", ["altered", "cut off"])
def test_a_damaged_kept_batch_is_drawn_again(tmp_path, monkeypatch, drawn, damage):
    new_process(monkeypatch)
    spec = make_case(tmp_path)
    first = build_dossier(spec, tmp_path / "out1", None)
    (kept,) = kept_batches(tmp_path)
    data = kept.read_bytes()
    if damage == "altered":  # still a PDF, other numbers: not what its name says
        kept.write_bytes(data.replace(b"/Count 11", b"/Count 11 ", 1))
    else:
        kept.write_bytes(data[: len(data) // 2])
    drawn.clear()
    new_process(monkeypatch)
    second = build_dossier(spec, tmp_path / "out2", None)
    assert drawn == [11]
    assert second.read_bytes() == first.read_bytes()
    assert [p.read_bytes() for p in kept_batches(tmp_path)] == [data]


def test_a_batch_that_is_not_pdfa_is_refused(tmp_path, monkeypatch):
    """The stamps are trusted in the volume because their batch passed the validator: one
    that does not (here a font left out of it) stops the build."""
    from toolkit.dossier.sheets import stamps

    render = stamps.render_stamps

    def unembedded(path, batch, book):
        render(path, batch, book)
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.pages[0].obj.Resources.Font = pikepdf.Dictionary(F9=pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
            pdf.pages[0].contents_add(b"BT /F9 8 Tf (x) Tj ET")
            pdf.save(path)

    monkeypatch.setattr(stamps, "render_stamps", unembedded)
    with pytest.raises(DossierError) as raised:
        build_dossier(make_case(tmp_path), tmp_path / "out", None)
    assert "页号图层" in raised.value.message and "不符合 PDF/A-3b" in raised.value.message
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_a_sheet_that_is_not_pdfa_is_refused(tmp_path, monkeypatch):
    from toolkit.dossier import build

    render = build.render_back

    def with_movie(path, *args, **kwargs):
        info = render(path, *args, **kwargs)
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Movie, Rect=[0, 0, 10, 10], F=4))])
            pdf.save(path)
        return info

    monkeypatch.setattr(build, "render_back", with_movie)
    with pytest.raises(DossierError) as raised:
        build_dossier(make_case(tmp_path), tmp_path / "out", None)
    assert "卷内备考表" in raised.value.message and "不符合 PDF/A-3b" in raised.value.message


@pytest.mark.parametrize("where", ["form dictionary", "page dictionary", "outline"])
def test_with_every_page_and_stamp_trusted_what_the_merge_adds_is_still_validated(tmp_path, where):
    """The build's own trust — every page's content and every stamp's, each validated in its
    own file — still leaves the merge's objects walked: a stamp form's dictionary (here with
    an /OPI entry, forbidden), a page's, the outline."""
    spec = make_case(tmp_path)
    path = build_dossier(spec, tmp_path / "out", None)
    with pikepdf.open(path) as pdf:
        everything = {i: f"第{i}页" for i in range(len(pdf.pages))}
    assert dpdfa.validate_volume(path, everything, stamps_validated=True).passed
    bad = tmp_path / "bad.pdf"
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    with pikepdf.open(path) as pdf:
        page = pdf.pages[3]
        if where == "form dictionary":
            stamp = next(v for k, v in page.obj.Resources.XObject.items() if k.startswith("/Rcmz"))
            stamp.OPI = pikepdf.Dictionary(Version=2.0)
        elif where == "page dictionary":
            page.obj.AA = pikepdf.Dictionary(O=script)
        else:
            pdf.Root.Outlines.First.A = script
        pdf.save(bad)
    assert not dpdfa.validate_volume(bad, everything, stamps_validated=True).passed


def test_the_pages_of_a_long_volume_are_grouped_in_a_page_tree(tmp_path, signer_config, test_cert):
    """More pages than one node of the page tree holds: grouped (so that signing finds the last
    page without reading every page), in their order, and the volume verifies."""
    from toolkit.dossier.bundle import PAGE_TREE_FANOUT

    spec = make_case(tmp_path, extra_items=PAGE_TREE_FANOUT + 10)
    path = build_dossier(spec, tmp_path / "out", signer_config)
    with pikepdf.open(path) as pdf:
        kids = list(pdf.Root.Pages.Kids)
        assert 1 < len(kids) <= PAGE_TREE_FANOUT and all(kid.Type == pikepdf.Name.Pages for kid in kids)
        assert sum(int(kid.Count) for kid in kids) == len(pdf.pages) == int(pdf.Root.Pages.Count)
    numbers = stamp_numbers(path)
    first = numbers.index("1")
    assert [n for n in numbers if n is not None] == [str(k) for k in range(1, len(numbers) - first)]
    report = verify_dossier(path, [test_cert[1]], spec.source_root)
    assert report.ok, report.text()


def test_the_pages_of_validated_files_are_not_walked_again_in_the_volume(tmp_path, monkeypatch):
    """Building, the volume's check visits none of its pages (each comes from a file, a sheet
    or a stamp batch validated on its own) but does walk what the merge put on them — every
    stamp form; ``rcmz verify``'s full check visits every page."""
    from pikepdf.pdfa._walker import DocumentWalker

    visited: list[tuple[str, str]] = []  # (file, role) of every object the walker visits
    visit = DocumentWalker._visit

    def seen(self, item):
        visited.append((Path(self.ctx.pdf.filename).name, item.role))
        visit(self, item)

    monkeypatch.setattr(DocumentWalker, "_visit", seen)
    spec = make_case(tmp_path)
    path = build_dossier(spec, tmp_path / "out", None)
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
        assert len(pdf.Root.Pages.Kids) == pages  # too few pages for a tree of nodes
        stamped = sum(1 for page in pdf.pages
                      if any(str(k).startswith("/Rcmz") for k in page.obj.Resources.get("/XObject", {}).keys()))
    in_volume = [role for name, role in visited if name == "volume.pdf"]
    assert in_volume.count("PageTreeNode") == 0 and in_volume.count("FormXObject") == stamped > 0
    visited.clear()
    assert dpdfa.validate_volume(path, {}).passed
    assert [role for _, role in visited].count("PageTreeNode") == pages  # one node of all pages


def test_the_volume_id_is_derived_from_its_manifest(tmp_path):
    """Both halves of the unsigned volume's /ID are the same 16 bytes, made from the manifest's
    digest (no hash of the whole written file): the same spec gives the same ID, another
    manifest another one."""
    from toolkit.dossier.build import manifest_digest

    spec = make_case(tmp_path)
    first = build_dossier(spec, tmp_path / "out1", None)
    again = build_dossier(spec, tmp_path / "out2", None)
    other = build_dossier(replace(spec, volume_title=spec.volume_title + "（补）"), tmp_path / "out3", None)
    ids = []
    for path in (first, again, other):
        with pikepdf.open(path) as pdf:
            halves = [bytes(half) for half in pdf.trailer.ID]
        digest = manifest_digest(path)
        assert digest is not None and halves == [dpdfa.file_identifier(digest)] * 2
        ids.append(halves[0])
    assert ids[0] == ids[1] != ids[2]
    assert first.read_bytes() == again.read_bytes()


def open_pdf(path: Path, depth: int) -> Path:
    """A one-page PDF whose content leaves ``depth`` levels of the graphics state open."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"q " * depth + b"0 0 10 10 re f")
    pdf.save(path)
    return path


def test_a_files_nesting_is_kept_with_its_answer_and_spares_reading_its_pages(tmp_path, monkeypatch):
    """How deep a file's pages nest comes with its (kept) answer; a volume whose files and stamps
    stay within the limit as drawn is not parsed for it — a file 27 levels deep, or leaving 27
    levels open, is drawn 28 deep with the page number (the limit, allowed) — and one whose
    numbers do not say so is parsed."""
    deep, left = deep_pdf(tmp_path / "deep.pdf", 27), open_pdf(tmp_path / "open.pdf", 27)
    assert attachments.assess(deep).nesting == attachments.Nesting(27, 0)
    assert attachments.assess(left).nesting == attachments.Nesting(27, 27)
    new_process(monkeypatch)  # the same numbers from the cache folder
    assert attachments.assess(left).nesting == attachments.Nesting(27, 27)

    parsed: list[int] = []
    deepest_q = dpdfa._deepest_q
    monkeypatch.setattr(dpdfa, "_deepest_q", lambda page, depths: parsed.append(1) or deepest_q(page, depths))
    spec = make_case(tmp_path)
    for k, (name, pdf) in enumerate((("深层", deep), ("未闭合", left))):
        with_it = replace(spec, items=(spec.items[0], replace(spec.items[1], attachments=(Attachment(name, pdf),))))
        path = build_dossier(with_it, tmp_path / f"out{k}", None)
        assert parsed == []
        assert pikepdf_pdfa.validate_written(path, dpdfa.FLAVOUR).passed
    with pikepdf.open(path) as volume:
        everything = {i: f"第{i}页" for i in range(len(volume.pages))}
    said = dict.fromkeys(everything, attachments.Nesting(27, 27))
    for stamps, parsing in ((attachments.Nesting(0, 0), False), (attachments.Nesting(1, 0), True), (None, True)):
        parsed.clear()
        assert dpdfa.validate_volume(path, everything, stamps_validated=True, nesting=said,
                                     stamp_nesting=stamps).passed
        assert bool(parsed) is parsing
