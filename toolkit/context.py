"""What a run resolves once from a case folder: the bureau configuration, the working-day
calendar, the wording-template folders, the fonts and the signing settings.

Every stage receives these from one :class:`RunContext` instead of looking them up itself, so a
run reads ``bureau.yaml`` and the holiday table once and every stage sees the same values.
Contexts are cached per version (mtime) of the configuration and the holiday table: checking
500 cases under one ``casefiles/`` resolves them once.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.calendar import WorkCalendar, default_table
from toolkit.config import CONFIG_NAME, BureauConfig, find_config, read_config
from toolkit.errors import ConfigError

if TYPE_CHECKING:  # the heavy stages are imported only by the commands that use them
    from toolkit.dossier.sign import TsaSettings
    from toolkit.dossier.spec import SignerConfig
    from toolkit.render.coverage import Coverage
    from toolkit.render.fonts import FontBook

#: Where the key of the automatically made test certificate lives: ignored by git.
TEST_CERT_DIR = Path("build/.testcert")
TEST_CERT_PASSPHRASE_ENV = "RCMZ_TEST_CERT_PASSPHRASE"
#: A throwaway certificate marked as a test certificate protects nothing; its passphrase is fixed.
TEST_CERT_PASSPHRASE = "rcmz-test-certificate"


@dataclass(frozen=True)
class Signing:
    """The signer and the trust roots to verify its volumes with."""

    signer: SignerConfig
    trust_roots: tuple[Path, ...]
    test_certificate: bool
    tsa: TsaSettings | None = None


@dataclass(frozen=True, eq=False)
class RunContext:
    """The resolved settings of one folder of cases (see the module docstring)."""

    config_path: Path | None
    calendar: WorkCalendar
    _config: BureauConfig | None = field(repr=False, default=None)

    @property
    def config(self) -> BureauConfig:
        """The bureau configuration; a folder without one cannot be rendered or filed."""
        if self._config is None:
            raise ConfigError(
                f"找不到局配置文件 {CONFIG_NAME}：应放在案件文件夹的上级目录（如 casefiles/{CONFIG_NAME}），"
                "字段见 docs/case-files.md")
        return self._config

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        """The bureau's override folders, searched before the project's templates."""
        return tuple(self.config.template_dirs)

    @property
    def docx_shell(self) -> Path | None:
        """The bureau's own DOCX style shell (edited in Word or WPS), or None for the project's."""
        if self._config is None or "docx_shell" not in self._config.data:
            return None
        return self._config.relative(self._config["docx_shell"])

    @cached_property
    def fonts(self) -> FontBook:
        """The bureau's fonts, or the discovered ones where there is no configuration."""
        from toolkit.render.fonts import fontbook_from_config

        if self._config is None:
            return fontbook_from_config(None)
        return fontbook_from_config(self._config.get("fonts"), base=self._config.path.parent)

    @cached_property
    def coverage(self) -> Coverage | None:
        """Which characters the fonts can print, for ``rcmz check`` (no font or PDF library is
        loaded); None when the font configuration cannot be used."""
        from toolkit.render.coverage import coverage_for

        if self._config is None:
            return coverage_for(None, None)
        return coverage_for(self._config.get("fonts"), self._config.path.parent)

    @cached_property
    def signing(self) -> Signing:
        """The configured signer, or a throwaway test certificate made on first use; with
        ``signing.tsa`` the long-term (B-LT/B-LTA) settings."""
        from toolkit.dossier.sign import LongTermSigner

        signing = self.config.get("signing") or {}
        tsa = self.tsa
        if "p12" in signing:
            roots = tuple(self.config.relative(p) for p in signing.get("trust_roots", []))
            refuse_key_in_git(self.config.relative(signing["p12"]))
            signer = LongTermSigner(p12=self.config.relative(signing["p12"]),
                                    passphrase_env=signing.get("passphrase_env", "RCMZ_P12_PASSPHRASE"),
                                    tsa=tsa, trust_roots=roots)
            return Signing(signer, roots, test_certificate=False, tsa=tsa)
        p12, ca = ensure_test_certificate(self.config["party_committee"])
        return Signing(LongTermSigner(p12=p12, passphrase_env=TEST_CERT_PASSPHRASE_ENV, tsa=tsa, trust_roots=(ca,)),
                       (ca,), test_certificate=True, tsa=tsa)

    @property
    def tsa(self) -> TsaSettings | None:
        """The timestamp authority of ``signing.tsa`` (None: volumes are signed PAdES B-B)."""
        from toolkit.dossier.sign import TsaSettings

        if self._config is None:
            return None
        tsa = (self._config.get("signing") or {}).get("tsa")
        if not tsa:
            return None
        return TsaSettings(url=tsa["url"], level=tsa.get("level", "B-LTA"),
                           crls=tuple(self._config.relative(p) for p in tsa.get("crls", [])),
                           fetch=bool(tsa.get("fetch_revocation", False)),
                           trust_roots=tuple(self._config.relative(p) for p in tsa.get("trust_roots", [])),
                           timeout=int(tsa.get("timeout", 10)))

    @property
    def trust_roots(self) -> tuple[Path, ...]:
        """The roots volumes of this bureau are verified against (nothing is created here)."""
        tsa_roots = self.tsa.trust_roots if self.tsa is not None else ()
        if self._config is not None and "p12" in (self._config.get("signing") or {}):
            return self.signing.trust_roots + tsa_roots
        test_root = TEST_CERT_DIR / "test-ca.pem"
        return ((test_root,) if test_root.exists() else ()) + tsa_roots


#: Why a private key may not live where git would commit it (the test certificate's folder is
#: refused with the same words, in toolkit.dossier.sign).
KEY_IN_GIT = ("在 git 仓库中且未被 .gitignore 忽略：私钥不得进入 git。"
              "请改用被忽略的目录（如 build/.testcert/ 或 secrets/）")


def refuse_key_in_git(p12: Path) -> None:
    """Refuse a configured signing key that git tracks, or would pick up (not ignored).

    A key committed once is in every clone and in the history for good; it must be treated as
    disclosed.  Without git, or outside a work tree, there is nothing to check.
    """
    from toolkit.errors import DossierError

    folder = p12.parent
    if not folder.is_dir():
        return  # the signer reports the missing file

    def git(*args: str) -> subprocess.CompletedProcess | None:
        try:
            return subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                                  text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None

    inside = git("rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0 or inside.stdout.strip() != "true":
        return
    tracked = git("ls-files", "--error-unmatch", "--", p12.name)
    if tracked is not None and tracked.returncode == 0:
        raise DossierError(f"{p12} {KEY_IN_GIT}（该文件已被 git 跟踪：已提交的私钥应视为泄露，"
                           "请用 git rm --cached 移出仓库并更换证书）")
    ignored = git("check-ignore", "-q", "--", p12.name)
    if ignored is not None and ignored.returncode == 1:  # 1: not ignored (128: git failed)
        raise DossierError(f"{p12} {KEY_IN_GIT}")


def ensure_test_certificate(org_name: str) -> tuple[Path, Path]:
    """The test certificate under ``build/.testcert``, made when it does not exist yet."""
    os.environ.setdefault(TEST_CERT_PASSPHRASE_ENV, TEST_CERT_PASSPHRASE)
    p12, ca = TEST_CERT_DIR / "test-signer.p12", TEST_CERT_DIR / "test-ca.pem"
    if p12.exists() and ca.exists():
        return p12, ca
    from toolkit.dossier.sign import create_test_certificate

    return create_test_certificate(TEST_CERT_DIR, org_name, passphrase_env=TEST_CERT_PASSPHRASE_ENV)


def context_for(folder: Path) -> RunContext:
    """The context that governs ``folder`` (a case folder or a folder of cases)."""
    config_path = find_config(folder) if folder.exists() else None
    config = read_config(config_path) if config_path is not None else None
    table = config.calendar_table if config is not None else default_table()
    if table is not None and not table.is_file():
        table = None
    calendar = _calendar(table, _version(table))
    return _context(config_path, _version(config_path), calendar)


def _version(path: Path | None) -> int | None:
    return path.stat().st_mtime_ns if path is not None else None


@cache
def _calendar(table: Path | None, version: int | None) -> WorkCalendar:
    return WorkCalendar(table)


@cache
def _context(config_path: Path | None, version: int | None, calendar: WorkCalendar) -> RunContext:
    config = read_config(config_path) if config_path is not None else None
    return RunContext(config_path, calendar, config)
