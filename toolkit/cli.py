"""The rcmz command line: click wiring only; each command calls one stage function."""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

import click

from toolkit import __version__, click_zh

click_zh.install()


class RcmzGroup(click.Group):
    """The command group: a user's mistake is a Chinese message (RcmzError), and anything else
    is a defect of rcmz — one line for the user, the traceback with ``-v`` or ``RCMZ_DEBUG=1``."""

    command_class = click_zh.ChineseCommand
    context_class = click_zh.ChineseContext

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception:
            if _debugging(ctx):
                raise
            command = " ".join(["rcmz", "-v", *sys.argv[1:]])
            click.echo("内部错误：这是 rcmz 的缺陷，不是案件材料的问题。请运行\n"
                       f"  {command}\n并把输出报告给维护者。", err=True)
            raise SystemExit(70) from None  # EX_SOFTWARE


def _debugging(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("verbose")) or bool(os.environ.get("RCMZ_DEBUG"))


@click.group(cls=RcmzGroup, context_settings={"help_option_names": ["-h", "--help"]},
             options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
@click.version_option(__version__, prog_name="rcmz")
@click.option("-v", "--verbose", is_flag=True, help="显示第三方库的详细日志和内部错误的追溯信息。")
def main(verbose: bool) -> None:
    """rcmz：容错免责案卷工具。"""
    from toolkit.logs import configure

    configure(verbose)
    # A command builds many objects that live until it ends (font tables, parsed cases): with
    # Python's default of a collection every 700 allocations, it would walk them over and over.
    gc.set_threshold(50_000, 10, 10)


@main.command()
@click.argument("event_date", metavar="日期")
@click.option("--workdays", type=int, metavar="N", help="期间为 N 个工作日（如申请期 7、反馈期 3）。")
@click.option("--months", type=int, metavar="N", help="期间为 N 个月（如核实期 1、暂缓期 3）。")
@click.option("-v", "--verbose", is_flag=True, help="先逐日列出计算过程。")
@click.option("--table", type=click.Path(dir_okay=False), metavar="文件",
              help="本地节假日表；默认用当前目录下的 casefiles/holidays.yaml（存在时）。")
def deadline(event_date: str, workdays: int | None, months: int | None, verbose: bool,
             table: str | None) -> None:
    """期间的最后一日：日期（YYYY-MM-DD）为引起期间的事件之日，当日不计入。

    最后一行输出最后一日（YYYY-MM-DD）；所需年份没有节假日安排时输出可能的范围
    （最早/最迟，如 2027-02-13/2027-02-23）并以状态 1 退出。
    """
    from pathlib import Path

    from toolkit.calendar import WorkCalendar, default_table, parse_iso_date
    from toolkit.errors import CalendarDataMissing, UsageError

    if workdays is not None and months is None:
        length, unit = workdays, "workdays"
    elif months is not None and workdays is None:
        length, unit = months, "months"
    else:
        raise UsageError("请给出 --workdays N 或 --months N 中的一项")
    if length < 1:
        raise UsageError(f"N 应为正整数，而不是 {length}")
    start = parse_iso_date(event_date)
    calendar = WorkCalendar(Path(table) if table else default_table())
    explanation: list[str] = []
    try:
        if unit == "workdays":
            end = calendar.add_workdays(start, length, explanation)
        else:
            end = calendar.add_months(start, length, explanation)
    except (OverflowError, ValueError):  # past year 9999: Python's dates end there
        raise UsageError(f"期间过长：自{event_date}起{length}{'个工作日' if unit == 'workdays' else '个月'}超出可计算的日期范围") from None
    except CalendarDataMissing as missing:
        from toolkit.calendar import range_report

        why, bound = range_report(calendar, start, length, unit, missing)
        for line in (explanation if verbose else []):
            click.echo(line)
        click.echo("\n".join(why), err=True)
        click.echo(bound)
        raise SystemExit(1) from None
    if verbose:
        for line in explanation:
            click.echo(line)
    click.echo(end.isoformat())


@main.command()
@click.argument("case_dirs", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="案件文件夹...")
@click.option("--strict", is_flag=True, help="把警告也当作错误。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出问题和计算出的期限。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="日期", help="以此日期判断期限是否已过（默认今天）。")
def check(case_dirs: tuple[Path, ...], strict: bool, as_json: bool, today) -> None:
    """检查案件：格式、办法规定和期限。可以给出案件文件夹，或包含多个案件的文件夹。"""
    from toolkit.pipeline import check_all

    results = check_all(list(case_dirs), today.date() if today else None)
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    if as_json:
        click.echo(json.dumps({
            "cases": [{"case": r.case.id, "folder": str(r.case.folder),
                       "problems": [p.as_dict() for p in r.problems],
                       "time_limits": [t.as_dict() for t in r.limits]} for r in results],
            "errors": errors, "warnings": warnings}, ensure_ascii=False, indent=2))
    else:
        for result in results:
            for problem in result.problems:
                click.echo(problem.format())
        click.echo(f"检查了 {len(results)} 个案件：{errors} 个错误，{warnings} 个警告。")
    if errors or (strict and warnings):
        raise SystemExit(1)


@main.command("new")
@click.argument("case_dir", type=click.Path(path_type=Path), metavar="案件文件夹")
def new(case_dir: Path) -> None:
    """新建案件文件夹：生成带注释的 00-case.yaml 和 01-application.yaml。"""
    from toolkit.case.scaffold import new_case

    for path in new_case(case_dir):
        click.echo(f"已生成 {path}")
    click.echo(str(case_dir))


@main.command("step")
@click.argument("case_dir", type=click.Path(path_type=Path, file_okay=False), metavar="案件文件夹")
@click.argument("step", required=False, metavar="[步骤]")
def step(case_dir: Path, step: str | None) -> None:
    """为案件添加下一步骤的文件（或指定的步骤，如 followup），不改动已有文件。"""
    from toolkit.case.scaffold import add_step

    click.echo(str(add_step(case_dir, step)))


@main.command("set")
@click.argument("yaml_file", type=click.Path(path_type=Path, dir_okay=False), metavar="案件文件")
@click.argument("assignment", metavar="字段=值")
def set_field(yaml_file: Path, assignment: str) -> None:
    """修改案件文件中的一个字段（如 volume.checker=何晓岚），注释、顺序和引号保持不变。"""
    from toolkit.case.edit import set_field as set_case_field
    from toolkit.errors import UsageError

    key, sep, value = assignment.partition("=")
    if not sep or not key:
        raise UsageError("请写成 字段=值，例如 volume.checker=何晓岚")
    set_case_field(yaml_file, key.strip(), value)
    click.echo(f"已修改 {yaml_file}：{key.strip()}")


@main.command("numbers")
@click.argument("cases_dir", required=False, default="casefiles", type=click.Path(path_type=Path), metavar="[案件总文件夹]")
@click.option("--year", type=int, metavar="年度", help="列出该年度的编号（默认今年）。")
def numbers(cases_dir: Path, year: int | None) -> None:
    """各发文字号序列的下一个空号和下一个案卷号（按局配置的代字，读取全部案件）。"""
    import datetime as dt

    from toolkit.docket.numbers import report

    for line in report(cases_dir, year or dt.date.today().year):
        click.echo(line)


@main.command()
@click.argument("case_dir", type=click.Path(path_type=Path), metavar="案件文件夹")
@click.option("--only", metavar="文书", help="只生成这一种文书（如 decision）。")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "both"]), default="both",
              show_default=True, help="输出格式。")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), metavar="文件夹", help="输出文件夹（默认 build/<案件>/）。")
def render(case_dir: Path, only: str | None, fmt: str, out: Path | None) -> None:
    """生成案件的全部文书：可打印的 PDF（GB/T 9704）和可编辑的 DOCX。最后一行输出文件夹。"""
    from toolkit.pipeline import render as render_documents

    formats = ("pdf", "docx") if fmt == "both" else (fmt,)
    run = render_documents(case_dir, out, formats, only)
    for result in run.documents:
        for path in result.files.values():
            click.echo(f"已生成 {path}")
    click.echo(str(run.out_dir))


@main.command("status")
@click.argument("cases_dir", required=False, default="casefiles", type=click.Path(path_type=Path), metavar="[案件总文件夹]")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供其他工具使用）。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="日期", help="以此日期计算剩余天数（默认今天）。")
@click.option("--no-cache", is_flag=True, help="不使用缓存，重新读取全部案件文件。")
def status(cases_dir: Path, as_json: bool, today, no_cache: bool) -> None:
    """各案件进度与下一期限，最紧急的在前。案件总文件夹默认为 casefiles。"""
    from toolkit.docket.status import STYLES, run, summary_line, table_lines, to_json

    rows, day = run(cases_dir, today.date() if today else None, cache=not no_cache)
    if as_json:
        click.echo(to_json(rows, day))
        return
    for text, style in table_lines(rows) if rows else []:
        click.echo(click.style(text, **STYLES[style]))
    click.echo(summary_line(rows, day))


@main.command()
@click.argument("case_dir", type=click.Path(path_type=Path), required=False, metavar="[案件文件夹]")
@click.option("--all", "build_all", is_flag=True, help="为所给文件夹（缺省 casefiles）中的每个案件并行生成案卷。")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), metavar="文件夹",
              help="输出文件夹（默认 build/<案件>/；--all 时为各案件的上级文件夹）。")
@click.option("--force", is_flag=True, help="案件有未提交到 git 的修改时也签名（草稿水印仍保留）。")
@click.option("--resign", is_flag=True, help="与最新的已签名案卷内容相同时也重新生成并签名（另存为新版本）。")
def dossier(case_dir: Path | None, build_all: bool, out: Path | None, force: bool, resign: bool) -> None:
    """整理成卷：封面、卷内文件目录、文书、附件、备考表，PDF/A 并电子签名。最后一行输出案卷路径。"""
    from toolkit import pipeline
    from toolkit.errors import UsageError

    if build_all:
        report = pipeline.dossier_all(case_dir or Path("casefiles"), out, force=force, resign=resign)
        for result in report.built:
            click.echo(str(result.output))
        for line in report.lines():
            click.echo(line, err=True)
        if _debugging(click.get_current_context()):
            for failed in report.failed:
                if failed.detail:
                    click.echo(failed.detail, err=True)
        raise SystemExit(report.exit_code)
    if case_dir is None:
        raise UsageError("请给出案件文件夹，或用 --all 生成全部案件的案卷")
    click.echo(str(pipeline.dossier(case_dir, out, force=force, ask_passphrase=_ask_passphrase,
                                    resign=resign)))


def _ask_passphrase(p12: Path) -> str | None:
    """The signing key's passphrase, asked for with hidden input when a person is at a terminal."""
    if sys.stdin is None or not sys.stdin.isatty():
        return None
    return click.prompt(f"签名证书 {p12.name} 的口令", hide_input=True, default="",
                        show_default=False, err=True)


@main.command()
@click.argument("dossier_pdf", type=click.Path(path_type=Path), metavar="案卷PDF")
@click.option("--case", "case_dir", type=click.Path(path_type=Path, file_okay=False), metavar="案件文件夹",
              help="同时核对案卷清单与该案件文件夹中的文件。")
@click.option("--trust-root", "trust_roots", multiple=True, type=click.Path(path_type=Path, dir_okay=False), metavar="证书",
              help="信任的根证书（PEM）；缺省取局配置 signing.trust_roots，或自动生成的测试根证书。")
@click.option("--report", "package", is_flag=True,
              help="所给的是归档信息包（文件夹或 ZIP）：按 DA/T 70 重新检测（长期保存环节），并说明与归档时相比的变化。")
def verify(dossier_pdf: Path, case_dir: Path | None, trust_roots: tuple[Path, ...], package: bool) -> None:
    """离线核验案卷：签名、PDF/A、目录与页码，及（--case）清单与案件文件；--report 检测归档信息包。"""
    from toolkit import pipeline

    if package:
        report, changes = pipeline.verify_package(dossier_pdf, case_dir)
        click.echo(report.text())
        click.echo("与归档时相比：" + ("\n  " + "\n  ".join(changes) if changes else "无变化"))
        raise SystemExit(0 if report.result == "通过" else 1)
    volume = pipeline.verify(dossier_pdf, case_dir, trust_roots)
    click.echo(volume.text())
    if not volume.ok:
        raise SystemExit(1)


@main.command("archive")
@click.argument("case_dir", type=click.Path(path_type=Path, file_okay=False), metavar="案件文件夹")
@click.option("--volume", type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="案卷PDF",
              help="归档这一已签名的案卷（缺省为当场生成案卷）。")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), metavar="文件夹", help="输出文件夹（默认 build/<案件>/）。")
@click.option("--transfer", is_flag=True, help="同时生成移交信息包：去除签名数据的案卷（去技术化），核验结果冻结为元数据。")
def archive_command(case_dir: Path, volume: Path | None, out: Path | None, transfer: bool) -> None:
    """整理归档信息包（说明文件、目录、DA/T 46 元数据、四性检测报告）并打包为 ZIP。最后一行输出 ZIP 路径。"""
    from toolkit.pipeline import archive

    for package in archive(case_dir, out, volume=volume, transfer=transfer, ask_passphrase=_ask_passphrase):
        click.echo(str(package.folder))
        click.echo(str(package.zip))


@main.command()
@click.argument("volume", type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="案卷PDF")
@click.option("--case", "case_dir", type=click.Path(path_type=Path, file_okay=False), metavar="文件夹",
              help="其局配置（bureau.yaml）所在的案件文件夹；缺省为当前目录下的 casefiles。")
def renew(volume: Path, case_dir: Path | None) -> None:
    """续展案卷签名的长期验证：存入最近时间戳的吊销信息并加盖新的文档时间戳（PAdES B-LTA）。"""
    from toolkit.pipeline import renew as renew_volume

    click.echo(renew_volume(volume, case_dir).text())


@main.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default="build/.testcert", metavar="文件夹",
              show_default=True, help="证书存放的文件夹（须被 git 忽略）。")
@click.option("--org", default="测试单位", show_default=True, metavar="单位", help="证书上的单位名称。")
def testcert(out: Path, org: str) -> None:
    """生成一次性的测试证书（仅供演示和测试，签名与备考表上注明“测试证书”）。"""
    from toolkit.context import TEST_CERT_PASSPHRASE, TEST_CERT_PASSPHRASE_ENV
    from toolkit.dossier.sign import create_test_certificate

    os.environ.setdefault(TEST_CERT_PASSPHRASE_ENV, TEST_CERT_PASSPHRASE)
    p12, ca = create_test_certificate(out, org, passphrase_env=TEST_CERT_PASSPHRASE_ENV)
    click.echo(f"测试根证书：{ca}\n口令在环境变量 {TEST_CERT_PASSPHRASE_ENV} 中（缺省 {TEST_CERT_PASSPHRASE}）")
    click.echo(str(p12))


@main.command("calendar")
@click.argument("cases_dir", required=False, default="casefiles", type=click.Path(path_type=Path), metavar="[案件总文件夹]")
@click.option("--ics", "ics", is_flag=True, required=True, help="输出 iCalendar（.ics）文件（目前唯一的格式）。")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), metavar="文件", help="写入此文件；缺省输出到标准输出。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="日期", help="日程时间戳所用的日期（缺省取案件数据中的最近日期）。")
def calendar_command(cases_dir: Path, ics: bool, out: Path | None, today) -> None:
    """把各案件待办期限和回访计划导出为日历文件，可导入 Outlook、WPS、手机日历。"""
    from toolkit.docket.ics import run

    export = run(cases_dir, out, today.date() if today else None)
    for note in export.notes:
        click.echo(f"注意：{note}", err=True)
    if export.written is None:
        click.echo(export.data, nl=False)  # bytes go to the binary stream as they are: CRLF kept
        click.echo(f"共 {export.count} 个日程。", err=True)
    else:
        click.echo(f"共 {export.count} 个日程，已写入：")
        click.echo(str(export.written))


@main.command("stats")
@click.argument("cases_dir", required=False, default="casefiles", type=click.Path(path_type=Path), metavar="[案件总文件夹]")
@click.option("--year", type=int, required=True, metavar="年度", help="统计年度（按认定日期；未认定的按启动问责日期）。")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), metavar="文件夹",
              help="输出文件夹（默认 build/stats-年度）。")
def stats_command(cases_dir: Path, year: int, out: Path | None) -> None:
    """第十二条共性问题分析：按年度统计情形、结果、单位、各环节用时和逾期，输出 PDF 与 CSV。"""
    from toolkit.docket.stats import run

    stats, folder, written = run(cases_dir, year, out)
    for note in stats.notes:
        click.echo(f"注意：{note}", err=True)
    click.echo(f"{year}年度：{len(stats.cases)} 个案件，已生成 {len(written)} 个文件：")
    for path in written:
        click.echo(f"  {path.name}")
    click.echo(str(folder))


@main.command("serve")
@click.argument("cases_dir", required=False, default="casefiles", type=click.Path(path_type=Path), metavar="[案件总文件夹]")
@click.option("--port", type=click.IntRange(0, 65535), default=8777, show_default=True, metavar="N",
              help="本机端口；0 表示自动选择空闲端口。")
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="日期", help="以此日期计算期限（默认今天）。")
def serve_command(cases_dir: Path, port: int, no_browser: bool, today) -> None:
    """网页工作台：在本机浏览器中查看台账、填写表单、检查并提交（只监听 127.0.0.1）。"""
    from toolkit.workbench import serve

    serve(cases_dir, port, not no_browser, today.date() if today else None)


@main.command("precommit")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path), metavar="文件...")
@click.pass_context
def precommit(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """供 pre-commit 钩子使用：检查本次提交涉及的案件文件夹（所给文件为改动的文件）。"""
    from toolkit.docket.hooks import case_folders_for

    folders = case_folders_for(files)
    if not folders:
        click.echo("本次改动不涉及案件文件夹。")
        return
    ctx.invoke(check, case_dirs=tuple(folders), strict=False, as_json=False, today=None)


@main.command("fonts")
@click.argument("case_dir", required=False, type=click.Path(path_type=Path, file_okay=False, exists=True),
                metavar="[案件文件夹]")
def fonts_command(case_dir: Path | None) -> None:
    """各字体角色所用的字体、字体文件及其对 GB2312 汉字（和所给案件用字）的覆盖。"""
    from toolkit.pipeline import fonts_report

    for line in fonts_report(case_dir):
        click.echo(line)
