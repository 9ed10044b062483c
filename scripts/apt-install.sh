# Sourced by the ensure-*.sh scripts: one way to install missing Debian packages.
# apt_install PKG…  installs with apt-get (as root, or through sudo) and says so on stderr with
#                   the caller's words ($APT_WHAT); returns non-zero when apt is not there or the
#                   install fails, and the caller prints its own hint.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || return 1
  [ -z "$sudo" ] || command -v sudo >/dev/null || return 1
  local packages=() arg
  for arg in "$@"; do [ "${arg#-}" = "$arg" ] && packages+=("$arg"); done
  echo "正在安装${APT_WHAT:-缺少的软件}：${packages[*]}" >&2
  $sudo apt-get update -qq >/dev/null || return 1
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
