"""Small helpers for the package's XML (lxml): elements, serialisation, schema validation."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from toolkit.errors import RcmzError
from toolkit.paths import SCHEMAS_DIR

SCHEMA_FOLDER = SCHEMAS_DIR / "archive"
#: The schema of each XML file of the package, by its root element.
SCHEMAS = {"说明文件": "说明文件.xsd", "案卷目录": "目录.xsd", "文件目录": "目录.xsd",
           "电子文件元数据": "元数据.xsd", "四性检测报告": "四性检测报告.xsd", "签名核验证据": "元数据.xsd"}


def el(parent, tag: str, text=None, **attrs):
    """A child ``tag`` of ``parent`` (or a root when ``parent`` is None) with text and attributes."""
    attrs = {k: str(v) for k, v in attrs.items() if v is not None}
    node = etree.Element(tag, attrs) if parent is None else etree.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = str(text)
    return node


def to_bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def schema(name: str) -> etree.XMLSchema:
    path = SCHEMA_FOLDER / name
    try:
        return etree.XMLSchema(etree.parse(str(path)))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise RcmzError(f"无法读取 XML 模式 {path}：{exc}") from None


def validate(data: bytes, where: str) -> list[str]:
    """Problems of the XML document ``data`` against the schema of its root element."""
    try:
        doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"{where}：XML 无法解析（{exc}）"]
    name = SCHEMAS.get(doc.tag)
    if name is None:
        return [f"{where}：根元素“{doc.tag}”不是归档信息包的 XML"]
    xsd = schema(name)
    if xsd.validate(doc):
        return []
    return [f"{where} 第{e.line}行：{e.message}" for e in xsd.error_log][:20]


def schema_files() -> list[Path]:
    return sorted(SCHEMA_FOLDER.glob("*.xsd"))
