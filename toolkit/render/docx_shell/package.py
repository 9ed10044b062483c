"""The other parts of the package (settings, font table, relationships, properties) and the
zip: fixed dates and order, so the shell is byte-identical on every run."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import quoteattr

from toolkit.render.docx_shell.body import (
    document_xml,
    footer_first,
    hdr_ftr,
    header_first,
    page_number,
)
from toolkit.render.docx_shell.layout import ALT_NAMES, CHAR, FANGSONG, HEITI, KAITI, SONGTI, XBS
from toolkit.render.docx_shell.styles import styles_xml
from toolkit.render.docx_shell.wordml import R_NS, W_NS, XML_DECL


def settings_xml() -> str:
    # GB/T 15834 line breaking: Word's "custom" first/last character lists.
    # 号 too: a line never starts with it, so 〔2025〕3 / 号 never splits a document number
    no_start = "!%),.:;>?]}¢¨°·ˇˉ―‖’”…‰′″›℃∶、。〃〉》」』】〕〗〞︶︺︾﹀﹄﹚﹜﹞！＂％＇），．：；？］｝～￠—号"
    no_end = "$([{£¥·‘“〈《「『【〔〖〝﹙﹛﹝＄（．［｛￡￥"
    return (XML_DECL + f'<w:settings xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
            '<w:zoom w:percent="100"/>'
            f'<w:defaultTabStop w:val="{2 * CHAR}"/>'
            '<w:evenAndOddHeaders/>'
            '<w:characterSpacingControl w:val="doNotCompress"/>'
            f'<w:noLineBreaksAfter w:lang="zh-CN" w:val={quoteattr(no_end)}/>'
            f'<w:noLineBreaksBefore w:lang="zh-CN" w:val={quoteattr(no_start)}/>'
            '<w:compat><w:compatSetting w:name="compatibilityMode" '
            'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
            '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
            '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>'
            "</w:settings>")


def font_table_xml() -> str:
    # charset 86 = GB2312; panose/alt names help Word/WPS substitute when a face is missing.
    entries = [
        (FANGSONG, ALT_NAMES[FANGSONG], "02010609060101010101", "modern", "fixed"),
        (HEITI, ALT_NAMES[HEITI], "02010609060101010101", "modern", "fixed"),
        (KAITI, ALT_NAMES[KAITI], "02010609060101010101", "modern", "fixed"),
        (SONGTI, ALT_NAMES[SONGTI], "02010600030101010101", "auto", "variable"),
        (XBS, ALT_NAMES[XBS], "02000000000000000000", "auto", "variable"),
    ]
    fonts_xml = "".join(
        f'<w:font w:name="{n}"><w:altName w:val="{alt}"/><w:panose1 w:val="{p}"/>'
        f'<w:charset w:val="86"/><w:family w:val="{fam}"/><w:pitch w:val="{pitch}"/></w:font>'
        for n, alt, p, fam, pitch in entries)
    return XML_DECL + f'<w:fonts xmlns:w="{W_NS}" xmlns:r="{R_NS}">{fonts_xml}</w:fonts>'


CT = ("application/vnd.openxmlformats-officedocument.wordprocessingml.", "+xml")


def content_types() -> str:
    over = {
        "/word/document.xml": "document.main",
        "/word/styles.xml": "styles",
        "/word/settings.xml": "settings",
        "/word/fontTable.xml": "fontTable",
        "/word/header1.xml": "header",
        "/word/footer1.xml": "footer",
        "/word/footer2.xml": "footer",
        "/word/footer3.xml": "footer",
    }
    items = "".join(f'<Override PartName="{k}" ContentType="{CT[0]}{v}{CT[1]}"/>'
                    for k, v in over.items())
    return (XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + items
            + '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>")


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels(items: list[tuple[str, str, str]]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in items)
    return (XML_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{body}</Relationships>')


def core_xml() -> str:
    return (XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<dc:title>rcmz 公文样式外壳</dc:title><dc:creator>rcmz</dc:creator>'
            '<cp:lastModifiedBy>rcmz</cp:lastModifiedBy><cp:revision>1</cp:revision>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
            "</cp:coreProperties>")


def app_xml() -> str:
    return (XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>rcmz</Application><DocSecurity>0</DocSecurity>'
            "</Properties>")


def parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": rels([
            ("rId1", REL + "officeDocument", "word/document.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                     "core-properties", "docProps/core.xml"),
            ("rId3", REL + "extended-properties", "docProps/app.xml"),
        ]),
        "docProps/app.xml": app_xml(),
        "docProps/core.xml": core_xml(),
        "word/_rels/document.xml.rels": rels([
            ("rIdStyles", REL + "styles", "styles.xml"),
            ("rIdSettings", REL + "settings", "settings.xml"),
            ("rIdFontTable", REL + "fontTable", "fontTable.xml"),
            ("rIdHeaderFirst", REL + "header", "header1.xml"),
            ("rIdFooterOdd", REL + "footer", "footer1.xml"),
            ("rIdFooterEven", REL + "footer", "footer2.xml"),
            ("rIdFooterFirst", REL + "footer", "footer3.xml"),
        ]),
        "word/document.xml": document_xml(),
        "word/fontTable.xml": font_table_xml(),
        "word/footer1.xml": hdr_ftr("footer", page_number("GwPageOdd")),
        "word/footer2.xml": hdr_ftr("footer", page_number("GwPageEven")),
        "word/footer3.xml": footer_first(),
        "word/header1.xml": header_first(),
        "word/settings.xml": settings_xml(),
        "word/styles.xml": styles_xml(),
    }


def build() -> bytes:
    """The shell as DOCX bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts().items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()
