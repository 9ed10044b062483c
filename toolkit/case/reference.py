"""The case-file reference (docs/case-files.md), generated from the schemas.

Run ``python -m toolkit.case.reference > docs/case-files.md`` after changing a schema; a test
checks the file is current, so the reference can never drift from the definition.
"""

from __future__ import annotations

from toolkit.case.schema import _describe, schema_of
from toolkit.case.steps import STEPS

INTRO = """# 案件文件参考

> 本文件由 `python -m toolkit.case.reference > docs/case-files.md` 根据 `schemas/` 生成，请勿手工修改。

一个案件是 `casefiles/` 下的一个文件夹。事实按办法第九条的步骤分成多个文件，步骤发生后才添加
该步骤的文件（`rcmz step`），所以案件的 git 历史就是它的办理进程。附件（扫描件、证据）放在案件
文件夹内（如 `attachments/`），在各步骤的 `attachments` 中用相对路径引用；`original_of` 标明该扫描件是
哪份生成文书的签章原件，归档时以扫描件代替生成件。

日期写作 `2025-01-06`；时刻写作 `"09:30"`（加引号）；较长的文字用 `|` 块，每段一行。

文字的长度以文书容得下为限（“取值”一栏的“至多 N 字”）：姓名、职务、地点、电话等单行字段至多 100 字，
题名、范围至多 200 字，叙述性字段（事实、理由、意见等）至多 10000 字（约合公文正文 16 页）。
控制字符（制表符和换行只能写在 `|` 块中）、双向文字控制符（如 U+202E）和所配字体都不含的字（如 𪚥、
表情符号）在 `rcmz check` 时即报错，指明文件、行和字段。附件图像每页不超过 1.5 亿像素（A4 幅面
1200 dpi 约 1.39 亿像素）。

| 文件 | 步骤 | 依据 |
|---|---|---|
"""


def _type(schema: dict) -> str:
    if "enum" in schema:
        return " / ".join(str(v) for v in schema["enum"])
    if schema.get("format") == "date":
        return "日期"
    kind = schema.get("type", "")
    if isinstance(kind, list):  # a text or a list of items (common.schema.json#/$defs/points)
        return "或".join(_type({**schema, "type": one}) for one in kind)
    if kind == "array":
        return f"列表（{_type(_describe(schema.get('items', {})))}）"
    if kind == "string" and "maxLength" in schema:
        return f"文字（至多 {schema['maxLength']} 字）"
    return {"string": "文字", "integer": "整数", "boolean": "true / false", "object": "映射"}.get(kind, kind)


def _rows(schema: dict, prefix: str = "") -> list[str]:
    rows = []
    required = set(schema.get("required", []))
    for name, sub in schema.get("properties", {}).items():
        sub = _describe(sub)
        path = f"{prefix}{name}"
        note = sub.get("description", "").replace("|", "｜")
        rows.append(f"| `{path}` | {sub.get('title', '')} | {_type(sub)} | {'是' if name in required else ''} | {note} |")
        if sub.get("type") == "object":
            rows.extend(_rows(sub, path + "."))
        items = _describe(sub.get("items", {}))
        if sub.get("type") == "array" and items.get("type") == "object" and name != "attachments":
            rows.extend(_rows(items, path + "[]."))
    return rows


def reference() -> str:
    out = [INTRO.rstrip("\n")]
    out.extend(f"| `{s.file}` | {s.title} | {s.article} |" for s in STEPS)
    out.append("")
    for step in STEPS:
        schema = schema_of(step.schema)
        out += [f"## {step.file} — {step.title}", "", schema.get("description", ""), "",
                "| 字段 | 名称 | 取值 | 必填 | 说明 |", "|---|---|---|---|---|", *_rows(schema), ""]
    common = schema_of("common.schema.json")["$defs"]
    out += ["## 附件（各文件的 attachments 列表中的一项）", "",
            "| 字段 | 名称 | 取值 | 必填 | 说明 |", "|---|---|---|---|---|", *_rows(common["attachment"]), ""]
    original_of = common["attachment"]["properties"]["original_of"]
    out += ["### 文书代号（`original_of` 的取值）", "",
            "签章原件扫描件的 `original_of` 写它所代替的生成文书的代号：", "",
            "| 代号 | 文书 |", "|---|---|",
            *(f"| `{code}` | {original_of['x-enum-titles'][code]} |" for code in original_of["enum"]), ""]
    bureau = schema_of("bureau.schema.json")
    out += ["## 局配置 bureau.yaml", "", bureau.get("description", ""), "",
            "| 字段 | 名称 | 取值 | 必填 | 说明 |", "|---|---|---|---|---|", *_rows(bureau), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(reference(), end="")
