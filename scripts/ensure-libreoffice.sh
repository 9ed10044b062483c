#!/usr/bin/env bash
# LibreOffice Writer for the DOCX layout tests (tests/test_docx_layout.py): the DOCX of every
# document is converted to PDF once per test session and measured like the PDF.  Without it
# those tests are skipped.  Installed with apt when missing (libreoffice-writer-nogui: no GUI
# toolkit, about 300 MB); elsewhere only a hint is printed — make test goes on.
set -u
command -v soffice >/dev/null && exit 0
. "$(dirname "$0")/apt-install.sh"
# the no-GUI package first (Debian 12 and later), else the ordinary one
for pkg in libreoffice-writer-nogui libreoffice-writer; do
  APT_WHAT=" LibreOffice Writer（DOCX 版面测试用）" apt_install --no-install-recommends "$pkg" && exit 0
done
echo "提示：未安装 LibreOffice（soffice），DOCX 版面测试将跳过。Debian/Ubuntu：" >&2
echo "      apt-get install libreoffice-writer-nogui" >&2
exit 0
