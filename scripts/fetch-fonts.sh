#!/usr/bin/env bash
# 取得免费的 Fandol 字体（FandolFang 仿宋、FandolSong 宋体/粗体、FandolHei 黑体、FandolKai 楷体），
# 不安装 TeX：用 apt-get download 下载 Debian 的 texlive-lang-chinese 软件包（约 49 MB）到缓存文件夹，
# 只解出其中的 fandol 字体和许可文件（README、COPYING），放到
#   ${RCMZ_FONT_HOME:-${XDG_DATA_HOME:-~/.local/share}/rcmz/fonts}/fandol/
# 然后（有 .venv 时）把字体的 CFF 轮廓转换为 TrueType 并缓存（python -m toolkit.render.fontcache）。
# 已有这些文件（或已装 TeX Live 的 fandol）时什么也不做。许可：GPL 加字体例外，见 docs/fonts-and-layout.md。
# 不中断：失败时说明怎么办（排版会退回到旧的替代字体并提示），退出码 1；字体齐备且已转换时为 0。
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
home="${RCMZ_FONT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/rcmz/fonts}"
dest="$home/fandol"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/rcmz/deb"
files="FandolFang-Regular.otf FandolSong-Regular.otf FandolSong-Bold.otf FandolHei-Regular.otf FandolHei-Bold.otf FandolKai-Regular.otf"
texlive=/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol

have_all() {
  for f in $files; do [ -s "$1/$f" ] || return 1; done
  return 0
}

convert() {
  if [ -x "$root/.venv/bin/python" ]; then
    (cd "$root" && .venv/bin/python -m toolkit.render.fontcache) && return 0
    echo "提示：字体转换未完成；首次排版时会自动转换（较慢）。" >&2
  fi
  return 1
}

if have_all "$dest" || have_all "$texlive"; then
  convert
  exit
fi

explain() {
  echo "提示：未能取得 Fandol 字体（$1）。公文将以旧的替代字体排印（正文非仿宋）。" >&2
  echo "      办法：在 Debian/Ubuntu 上运行 apt-get download texlive-lang-chinese，用" >&2
  echo "      dpkg-deb -x 解开，把 …/fonts/opentype/public/fandol/ 中的 $files" >&2
  echo "      复制到 $dest/；或从 CTAN 的 fandol 字体包取得这些文件放入该文件夹；" >&2
  echo "      或安装正式字体（仿宋_GB2312、方正小标宋简体等）、在 casefiles/bureau.yaml 的 fonts 一节指定。" >&2
}

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  explain "本机没有 apt-get / dpkg-deb"
  exit 1
fi

mkdir -p "$cache" && chmod 700 "$cache" 2>/dev/null
work="$(mktemp -d "${TMPDIR:-/tmp}/rcmz-fandol.XXXXXX")" || { explain "无法建立临时文件夹"; exit 1; }
trap 'rm -rf "$work"' EXIT

download() {
  (cd "$cache" && apt-get download texlive-lang-chinese 2>"$work/apt.err" >/dev/null)
}
echo "正在下载 texlive-lang-chinese（只取其中的 Fandol 字体，不安装 TeX）……" >&2
if ! download; then
  # the package lists may be missing or stale: refresh them once (needs root)
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get update -qq >/dev/null 2>&1 && download
fi
deb="$(ls -t "$cache"/texlive-lang-chinese_*.deb 2>/dev/null | head -n 1)"
if [ -z "$deb" ]; then
  explain "apt-get download 失败：$(grep -v '^W:' "$work/apt.err" 2>/dev/null | head -n 1)"
  exit 1
fi

pattern='./usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol[FSHK]*.otf'
docs='./usr/share/doc/texlive-doc/fonts/fandol/*'
if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards "$pattern" "$docs" 2>"$work/tar.err"; then
  explain "解包失败：$(head -n 1 "$work/tar.err")"
  exit 1
fi
if ! have_all "$work/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"; then
  explain "软件包中缺少字体文件"
  exit 1
fi
mkdir -p "$dest.new" || { explain "无法写入 $home"; exit 1; }
for f in $files; do cp "$work/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/$f" "$dest.new/"; done
cp "$work/usr/share/doc/texlive-doc/fonts/fandol/README" "$dest.new/README" 2>/dev/null
gzip -dc "$work/usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz" > "$dest.new/COPYING" 2>/dev/null
echo "$(basename "$deb")" > "$dest.new/SOURCE"
rm -rf "$dest" && mv "$dest.new" "$dest"
rm -f "$deb"        # the fonts are kept; the 49 MB package is not needed any more
echo "已取得 Fandol 字体：$dest" >&2
convert
