#!/usr/bin/env bash
# 浏览器测试所需的系统软件：Debian 的 chromium、chromium-driver 与 chromium-l10n（中文界面资源）。
# 网页工作台（rcmz serve）的浏览器测试用 Playwright 驱动这个 chromium（不运行 playwright install）。
# 缺少时若 apt 可用则安装；装不上只提示，浏览器测试随后注明原因跳过。
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
[ -e /usr/lib/chromium/locales/zh-CN.pak ] || need+=(chromium-l10n)
[ ${#need[@]} -eq 0 ] && exit 0
. "$(dirname "$0")/apt-install.sh"
APT_WHAT="浏览器测试所需的软件" apt_install "${need[@]}" && exit 0
echo "提示：缺少 ${need[*]}，网页工作台的浏览器测试将跳过（Debian/Ubuntu：apt-get install ${need[*]}）。" >&2
exit 0
