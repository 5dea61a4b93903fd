// Proves that the published tarballs of @tagcache/core, @tagcache/memory and
// @tagcache/observability (without its optional peers) work
// for a consumer: `pnpm pack` them, install the tarballs with npm into a fresh
// project in the OS temp dir (outside the workspace, so no workspace link can
// help), then run the README's core example (createCache, set, get, invalidate, wrap) under plain Node ESM, type-check a typed
// version with tsc (skipLibCheck: false, so the shipped .d.ts are checked) and
// run it with Node's type stripping.
import { execFile } from 'node:child_process'
import {
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, dirname, isAbsolute, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const repoRoot = join(packageDir, '..', '..')
const fixtureDir = join(packageDir, 'fixture')
/** The workspace's TypeScript (the same version a consumer would install). */
const tscBin = createRequire(import.meta.url).resolve('typescript/bin/tsc')

const packages = ['core', 'memory', 'observability'] as const
type PackageName = (typeof packages)[number]

interface Packed {
  /** Absolute path of the tarball. */
  filename: string
  /** Paths inside the tarball, relative to `package/`. */
  files: string[]
  /** The package.json as packed (workspace ranges rewritten). */
  manifest: Record<string, unknown> & { name: string; version: string }
}

interface Result {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of child processes: this Node first on PATH (npm and pnpm run
 * on it), and without what pnpm exports to scripts (`npm_package_*`,
 * `npm_config_user_agent`, ...) and vitest's NODE_OPTIONS, which must not leak
 * into the fresh project. Registry, proxy and cache settings are kept.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS') continue
    if (
      /^p?npm_/i.test(name) &&
      !/^npm_config_(registry|https?_proxy|proxy|noproxy|cafile|ca|strict_ssl|cache|userconfig)$/i.test(
        name,
      )
    ) {
      continue
    }
    env[name] = value
  }
  env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`
  return env
}

/** Runs a command and resolves its exit code and output; never rejects on a non-zero exit. */
function exec(command: string, args: readonly string[], cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), maxBuffer: 16 * 1024 * 1024, timeout: 150_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`))
          return
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr })
      },
    )
  })
}

/** Like {@link exec}, but rejects with the full output when the exit code is not 0. */
async function mustExec(command: string, args: readonly string[], cwd: string): Promise<Result> {
  const result = await exec(command, args, cwd)
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.code}\n${result.stdout}\n${result.stderr}`,
    )
  }
  return result
}

/** Stdout split into lines, without the trailing empty one. */
function lines(stdout: string): string[] {
  return stdout.replace(/\n$/, '').split('\n')
}

let work = ''
let project = ''
/**
 * Runs `file` of the installed project with Node (a `.ts` file with its type
 * stripping) and expects exit code 0, nothing on stderr, and these lines on stdout.
 */
async function expectRun(file: string, expected: string[]): Promise<void> {
  const flags = file.endsWith('.ts') ? ['--disable-warning=ExperimentalWarning'] : []
  const result = await exec(process.execPath, [...flags, file], project)
  expect(result).toEqual({ code: 0, stdout: expect.any(String), stderr: '' })
  expect(lines(result.stdout)).toEqual(expected)
}
const packed = {} as Record<PackageName, Packed>

beforeAll(async () => {
  work = await realpath(await mkdtemp(join(tmpdir(), 'tagcache-pack-smoke-')))
  const rel = relative(await realpath(repoRoot), work)
  if (!rel.startsWith('..') && !isAbsolute(rel)) {
    throw new Error(`the temp dir ${work} is inside the workspace; set TMPDIR elsewhere`)
  }
  const tarballs = join(work, 'tarballs')
  project = join(work, 'project')
  await mkdir(tarballs)
  await mkdir(project)

  for (const name of packages) {
    const { stdout } = await mustExec(
      'pnpm',
      ['pack', '--pack-destination', tarballs, '--json'],
      join(repoRoot, 'packages', name),
    )
    const info = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as {
      filename: string
      files: { path: string }[]
    }
    const manifest = await mustExec(
      'tar',
      ['-xOzf', info.filename, 'package/package.json'],
      tarballs,
    )
    packed[name] = {
      filename: info.filename,
      files: info.files.map((f) => f.path).sort(),
      manifest: JSON.parse(manifest.stdout),
    }
  }

  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'tagcache-pack-smoke-consumer', private: true, type: 'module' }, null, 2)}\n`,
  )
  await mustExec(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      packed.core.filename,
      packed.memory.filename,
      packed.observability.filename,
      '@types/node@24',
    ],
    project,
  )
  for (const file of ['example.mjs', 'example.ts', 'observability.ts', 'tsconfig.json']) {
    await copyFile(join(fixtureDir, file), join(project, file))
  }
}, 180_000)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('packed tarballs', () => {
  it.each(packages)('@tagcache/%s has no workspace: range left', (name) => {
    const { manifest } = packed[name]
    expect(manifest.name).toBe(`@tagcache/${name}`)
    expect(JSON.stringify(manifest)).not.toContain('workspace:')
  })

  it('@tagcache/memory peers on the packed @tagcache/core version', () => {
    expect(packed.memory.manifest.peerDependencies).toEqual({
      '@tagcache/core': `^${packed.core.manifest.version}`,
    })
  })

  it('@tagcache/observability peers on core; OpenTelemetry and prom-client are optional', () => {
    const { manifest } = packed.observability
    expect(manifest.peerDependencies).toEqual({
      '@opentelemetry/api': expect.any(String),
      '@tagcache/core': `^${packed.core.manifest.version}`,
      'prom-client': expect.any(String),
    })
    expect(manifest.peerDependenciesMeta).toEqual({
      '@opentelemetry/api': { optional: true },
      'prom-client': { optional: true },
    })
  })

  it.each(packages)('@tagcache/%s ships its build, not its sources or tests', (name) => {
    const { files } = packed[name]
    expect(files).toEqual(
      expect.arrayContaining(['dist/index.d.ts', 'dist/index.js', 'package.json']),
    )
    for (const file of files) {
      expect(file).toMatch(/^(dist\/|package\.json$|(README|LICENSE|CHANGELOG)(\.md)?$)/i)
    }
  })

  it('are installed as copies in the fresh project, with one @tagcache/core', async () => {
    for (const name of packages) {
      const dir = join(project, 'node_modules', '@tagcache', name)
      expect((await lstat(dir)).isSymbolicLink()).toBe(false)
      const installed = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
      expect(installed.version).toBe(packed[name].manifest.version)
    }
    await expect(
      lstat(join(project, 'node_modules', '@tagcache', 'memory', 'node_modules', '@tagcache')),
    ).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('consumer project', () => {
  it('runs the core API example under plain Node ESM', async () => {
    await expectRun('example.mjs', ['my value', 'undefined', 'true true', '{ id: 1 }', '9000000'])
  })

  // tsc takes ~5 s alone and 4x that while turbo runs every other suite on 2 cores.
  it('type-checks the typed example and the shipped .d.ts (skipLibCheck: false)', {
    timeout: 120_000,
  }, async () => {
    const result = await exec(process.execPath, [tscBin, '-p', 'tsconfig.json'], project)
    // On failure the diagnostics are in stdout.
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('@tagcache/observability works without its optional peers installed', async () => {
    for (const peer of ['@opentelemetry/api', 'prom-client']) {
      await expect(lstat(join(project, 'node_modules', peer))).rejects.toMatchObject({
        code: 'ENOENT',
      })
    }
    await expectRun('observability.ts', [
      '1 1 1 1 2',
      '2',
      'info tagcache invalidated tags',
      // Only the subpath that needs prom-client fails, and says so.
      'ERR_MODULE_NOT_FOUND',
    ])
  })

  it('runs the typed example with Node type stripping', async () => {
    await expectRun('example.ts', [
      'my value',
      'undefined',
      'true true',
      'key1 E_CACHE_MISS',
      '{"id":0,"name":"Ada"}',
      'user 1 1 1 user:1',
      '2',
      '9000000',
      'true true',
      'user:2',
    ])
  })
})
