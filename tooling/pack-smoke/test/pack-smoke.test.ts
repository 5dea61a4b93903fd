// Proves that the published tarballs work for a consumer. Every published package of the
// workspace (each packages/*/package.json without "private": true, so a new package is covered
// without editing this file) is packed with `pnpm pack`, and the tarballs are installed with
// `pnpm add` into fresh projects in the OS temp dir (outside the workspace, so no workspace link
// can help; pnpm's strict layout, so a dependency a package forgot to declare fails here):
//
// - `full`: every tarball, with every peer dependency (optional ones too). The root README's
//   quick start (its first ```ts block, read from the README here, not copied) is type-checked by
//   tsc (strict, NodeNext, skipLibCheck: false, so the shipped .d.ts are checked too) and run by
//   Node against a redis-server the harness started; so is a variant on the memory store. Every
//   entry point of every package (its `exports` map) loads under Node and type-checks, and the
//   names its .d.ts declares as values are exactly the ones it exports at runtime.
// - `bare`: core, memory and observability only, without observability's optional peers: the
//   typed core API example and observability run and type-check there (fixture/).
//
// The tarballs' @tagcache/* dependencies resolve to the other tarballs through pnpm overrides
// (the packages are not on the registry yet); the test checks that no other copy got in.
import {
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { redisForTests } from '@tagcache/redis-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  exec,
  lines,
  type Manifest,
  mustExec,
  packageDir,
  publishedPackages,
  type Result,
  repoRoot,
  tempDirOutsideWorkspace,
} from './workspace.js'

const fixtureDir = join(packageDir, 'fixture')
/** The workspace's TypeScript (the same version a consumer would install). */
const tscBin = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const published = publishedPackages()
/** The packages of the `bare` project. */
const bareNames = ['@tagcache/core', '@tagcache/memory', '@tagcache/observability']

interface Packed {
  /** Absolute path of the tarball. */
  filename: string
  /** Paths inside the tarball, relative to `package/`. */
  files: string[]
  /** The package.json as packed (workspace ranges rewritten). */
  manifest: Manifest
  /** The workspace package.json it was packed from. */
  source: Manifest
}

/** By package name. */
const packed = new Map<string, Packed>()
let work = ''
const full = { dir: '', entries: undefined as Result | undefined }
let bare = ''
let redis: { url: string; stop(): Promise<void> } | undefined

/** The root README's first ```ts block, and the packages its `pnpm add` line installs. */
async function readmeQuickStart(): Promise<{ code: string; installs: string[] }> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8')
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme)
  if (!block) throw new Error('README.md has no ```ts block')
  const install = /^pnpm add (.+)$/m.exec(readme)
  if (!install) throw new Error('README.md has no `pnpm add` line')
  return { code: block[1] as string, installs: (install[1] as string).trim().split(/\s+/) }
}

/** Bare package names imported by `code` (`@scope/name` or `name`, without subpaths). */
function importedPackages(code: string): string[] {
  const names = [...code.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1] as string)
  return [
    ...new Set(
      names.map((n) =>
        n
          .split('/')
          .slice(0, n.startsWith('@') ? 2 : 1)
          .join('/'),
      ),
    ),
  ]
}

function replaceOnce(code: string, pattern: RegExp, replacement: string, what: string): string {
  const count = [...code.matchAll(new RegExp(pattern.source, `${pattern.flags}g`))].length
  if (count !== 1) {
    throw new Error(
      `the README quick start changed (${what}: ${count} matches of ${pattern}); update this test's memory variant`,
    )
  }
  return code.replace(pattern, replacement)
}

/** The quick start on the memory store, as the README says ("the API is the same"). */
function memoryVariant(code: string): string {
  let out = code
  out = replaceOnce(
    out,
    /^import \{ ioredisStore \} from '@tagcache\/ioredis'\n/m,
    "import { memoryStore } from '@tagcache/memory'\n",
    'the ioredisStore import',
  )
  out = replaceOnce(out, /^import \{ Redis \} from 'ioredis'\n/m, '', 'the ioredis import')
  out = replaceOnce(out, /^const redis = .*\n/m, '', 'the Redis client')
  out = replaceOnce(out, /ioredisStore\(redis\)/, 'memoryStore()', 'the store')
  out = replaceOnce(out, /^await redis\.quit\(\).*(\n|$)/m, '', 'the client quit')
  return out
}

/**
 * The quick start's outcome, printed before it closes the cache: user:1 was invalidated
 * (a miss), user:2 was loaded once by `wrap` and is now cached.
 */
const probe =
  "console.log(JSON.stringify({ 'user:1': (await cache.get('user:1')) ?? 'miss', 'user:2': await cache.get('user:2'), user }))\n"
const probeOutput = JSON.stringify({
  'user:1': 'miss',
  'user:2': { id: 2, name: 'Grace' },
  user: { id: 2, name: 'Grace' },
})
function withProbe(code: string): string {
  return replaceOnce(code, /^(?=await cache\.close\(\))/m, probe, 'the cache.close() line')
}

/** A TypeScript identifier for an entry point: `@tagcache/observability/prometheus` -> `tagcache_observability_prometheus`. */
const identifierOf = (specifier: string) => specifier.replace(/^@/, '').replace(/\W/g, '_')

/** Every entry point of a packed package: its `exports` keys, without ./package.json. */
function entryPoints(manifest: Manifest): string[] {
  const keys = Object.keys(manifest.exports ?? { '.': null })
  return keys
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.replace(/^\.\//, '')}`))
}

/**
 * The non-@tagcache peers of the packed packages, optional ones too, at the version the
 * workspace tests them with (the package's devDependency, so `--prefer-offline` finds it in
 * the store), else at the peer range.
 */
function peersToInstall(): string[] {
  const specs = new Map<string, string>()
  for (const { manifest, source } of packed.values()) {
    for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (name.startsWith('@tagcache/') || specs.has(name)) continue
      const dev = source.devDependencies?.[name]
      specs.set(name, dev && !/^(npm|workspace|file|link):/.test(dev) ? dev : range)
    }
  }
  return [...specs].map(([name, version]) => `${name}@${version}`)
}

/** A fresh consumer project whose @tagcache/* dependencies all resolve to the tarballs. */
async function createProject(dir: string, tarballs: string[], extra: string[]): Promise<void> {
  await mkdir(dir)
  const overrides = Object.fromEntries(
    [...packed.values()].map((p) => [p.manifest.name, `file:${p.filename}`]),
  )
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'tagcache-pack-smoke-consumer', private: true, type: 'module', pnpm: { overrides } }, null, 2)}\n`,
  )
  // hoist=false: a package reaches only what it declares (pnpm otherwise hoists every
  // dependency into node_modules/.pnpm/node_modules, where an undeclared import still resolves).
  await writeFile(join(dir, '.npmrc'), 'hoist=false\n')
  await mustExec('pnpm', ['add', '--prefer-offline', ...tarballs, ...extra], dir)
}

/**
 * Runs `file` of a project with Node (a `.ts` file with its type stripping) and expects exit
 * code 0, nothing on stderr, and these lines on stdout.
 */
async function expectRun(
  project: string,
  file: string,
  expected: string[],
  env: Record<string, string> = {},
): Promise<void> {
  const flags = file.endsWith('.ts') ? ['--disable-warning=ExperimentalWarning'] : []
  const result = await exec(process.execPath, [...flags, file], project, env)
  expect(result).toEqual({ code: 0, stdout: expect.any(String), stderr: '' })
  expect(lines(result.stdout)).toEqual(expected)
}

/** The consumer's compiler settings: strict, NodeNext, the shipped .d.ts checked too. */
const tsconfig = {
  compilerOptions: {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    types: ['node'],
    skipLibCheck: false,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
  },
}

beforeAll(async () => {
  work = await tempDirOutsideWorkspace('tagcache-pack-smoke-')
  const tarballs = join(work, 'tarballs')
  await mkdir(tarballs)
  const server = redisForTests().then((r) => {
    redis = r
  })

  await Promise.all(
    published.map(async ({ dir, manifest: source }) => {
      const { stdout } = await mustExec(
        'pnpm',
        ['pack', '--pack-destination', tarballs, '--json'],
        join(repoRoot, 'packages', dir),
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
      packed.set(source.name, {
        filename: info.filename,
        files: info.files.map((f) => f.path).sort(),
        manifest: JSON.parse(manifest.stdout),
        source,
      })
    }),
  )

  full.dir = join(work, 'full')
  bare = join(work, 'bare')
  const all = [...packed.values()].map((p) => p.filename)
  const bareTarballs = bareNames.map((name) => packed.get(name)!.filename)
  await Promise.all([
    createProject(full.dir, all, [...peersToInstall(), '@types/node@24']),
    createProject(bare, bareTarballs, ['@types/node@24']),
  ])

  // bare: the fixtures.
  for (const file of ['example.mjs', 'example.ts', 'observability.ts', 'tsconfig.json']) {
    await copyFile(join(fixtureDir, file), join(bare, file))
  }

  // full: the quick start as written (type-checked), with the probe (run), on the memory store.
  const { code } = await readmeQuickStart()
  await writeFile(join(full.dir, 'quickstart.ts'), code)
  await writeFile(join(full.dir, 'quickstart-run.ts'), withProbe(code))
  await writeFile(join(full.dir, 'quickstart-memory.ts'), withProbe(memoryVariant(code)))

  // full: every entry point, loaded by Node, which prints the names each one exports...
  const specifiers = [...packed.values()].flatMap((p) => entryPoints(p.manifest)).sort()
  await writeFile(
    join(full.dir, 'entries.mjs'),
    `const specifiers = ${JSON.stringify(specifiers)}\nconst names = {}\nfor (const specifier of specifiers) names[specifier] = Object.keys(await import(specifier)).sort()\nconsole.log(JSON.stringify(names))\n`,
  )
  full.entries = await exec(process.execPath, ['entries.mjs'], full.dir)
  const runtime: Record<string, string[]> =
    full.entries.code === 0 ? JSON.parse(full.entries.stdout) : {}
  // ...and, for tsc, each entry point's declared value exports compared with those names:
  // a value its .d.ts declares that does not exist at runtime (or the reverse) is an error
  // whose message names it.
  const union = (names: string[] = []) =>
    names.length ? names.map((n) => JSON.stringify(n)).join(' | ') : 'never'
  const checks = specifiers.map((specifier) => {
    const id = identifierOf(specifier)
    // Without runtime names (Node failed to load the entry points: that test says why), only the imports.
    if (!runtime[specifier]) return `import * as ${id} from '${specifier}'\nexport { ${id} }`
    return [
      `import * as ${id} from '${specifier}'`,
      `export const ${id}_declared: Only<keyof typeof ${id}, ${union(runtime[specifier])}, '${specifier}: its .d.ts declares, its runtime lacks'> = true`,
      `export const ${id}_exported: Only<${union(runtime[specifier])}, keyof typeof ${id}, '${specifier}: its runtime exports, its .d.ts lacks'> = true`,
    ].join('\n')
  })
  await writeFile(
    join(full.dir, 'entries.ts'),
    `type Only<A, B, Message extends string> = [Exclude<A, B>] extends [never] ? true : \`\${Message} \${Exclude<A, B> & string}\`\n${checks.join('\n')}\n`,
  )
  await writeFile(
    join(full.dir, 'tsconfig.json'),
    JSON.stringify({
      ...tsconfig,
      files: ['quickstart.ts', 'quickstart-memory.ts', 'entries.ts'],
    }),
  )
  await server
}, 600_000) // packs and installs every package: 3 min was not enough on a loaded 2-core machine

afterAll(async () => {
  await redis?.stop()
  // TAGCACHE_KEEP_PACK_SMOKE=1 keeps the projects to look into after a failure.
  if (process.env.TAGCACHE_KEEP_PACK_SMOKE === '1') console.log(`kept ${work}`)
  else if (work) await rm(work, { recursive: true, force: true })
})

describe('the published packages', () => {
  it('are found in packages/ (every package.json without "private": true)', () => {
    const names = published.map((p) => p.manifest.name)
    expect(names).toEqual(expect.arrayContaining([...bareNames, '@tagcache/ioredis']))
    expect(names.length).toBeGreaterThanOrEqual(12)
  })

  it("are this package's devDependencies, so turbo builds them before this test", async () => {
    const own = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Manifest
    const missing = published
      .map((p) => p.manifest.name)
      .filter((name) => own.devDependencies?.[name] !== 'workspace:*')
    expect(missing, 'add them to tooling/pack-smoke/package.json as "workspace:*"').toEqual([])
  })
})

describe('packed tarballs', () => {
  const names = published.map((p) => p.manifest.name)

  it.each(names)('%s has no workspace: range left', (name) => {
    const { manifest, source } = packed.get(name)!
    expect(manifest.name).toBe(name)
    expect(manifest.version).toBe(source.version)
    expect(JSON.stringify(manifest)).not.toContain('workspace:')
  })

  it.each(names)(
    '%s depends on @tagcache packages that are published, at ^ their packed version',
    (name) => {
      const { manifest } = packed.get(name)!
      for (const field of ['dependencies', 'peerDependencies'] as const) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          if (!dep.startsWith('@tagcache/')) continue
          const target = packed.get(dep)
          expect(target, `${name} ${field}.${dep}: not a published package`).toBeDefined()
          expect(range, `${name} ${field}.${dep}`).toBe(`^${target!.manifest.version}`)
        }
      }
    },
  )

  it.each(names)('%s peers on @tagcache/core (one copy of core in an app)', (name) => {
    if (name === '@tagcache/core') return
    const { manifest } = packed.get(name)!
    expect(manifest.dependencies?.['@tagcache/core']).toBeUndefined()
    expect(manifest.peerDependencies?.['@tagcache/core']).toBeDefined()
  })

  it('@tagcache/observability: OpenTelemetry and prom-client are optional peers', () => {
    const { manifest } = packed.get('@tagcache/observability')!
    expect(manifest.peerDependencies).toEqual({
      '@opentelemetry/api': expect.any(String),
      '@tagcache/core': `^${packed.get('@tagcache/core')!.manifest.version}`,
      'prom-client': expect.any(String),
    })
    expect(manifest.peerDependenciesMeta).toEqual({
      '@opentelemetry/api': { optional: true },
      'prom-client': { optional: true },
    })
  })

  it.each(names)('%s ships its build and README, not its sources or tests', (name) => {
    const { files } = packed.get(name)!
    expect(files).toEqual(
      expect.arrayContaining(['dist/index.d.ts', 'dist/index.js', 'package.json', 'README.md']),
    )
    for (const file of files) {
      expect(file).toMatch(/^(dist\/|package\.json$|(README|LICENSE|CHANGELOG)(\.md)?$)/i)
    }
  })

  it.each(names)('%s has the fields every published package has (STYLE.md)', (name) => {
    const { manifest, source } = packed.get(name)!
    expect(manifest).toMatchObject({
      type: 'module',
      sideEffects: false,
      license: expect.any(String),
      description: expect.any(String),
      engines: { node: expect.any(String) },
      exports: { '.': expect.anything(), './package.json': './package.json' },
    })
    // Types first, so TypeScript picks them before `default`.
    const root = manifest.exports?.['.'] as Record<string, unknown>
    expect(Object.keys(root)[0]).toBe('types')
    expect(source.publishConfig).toMatchObject({ access: 'public' })
  })

  it.each(names)('%s ships every file its exports map names', (name) => {
    const { files, manifest } = packed.get(name)!
    const targets: string[] = []
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''))
      else if (value && typeof value === 'object') Object.values(value).forEach(walk)
    }
    walk(manifest.exports)
    for (const field of ['main', 'types', 'module']) {
      if (typeof manifest[field] === 'string')
        targets.push(String(manifest[field]).replace(/^\.\//, ''))
    }
    expect(targets.length).toBeGreaterThan(0)
    for (const target of targets) expect(files, `${name}: ${target}`).toContain(target)
  })
})

describe('installed with pnpm add', () => {
  it('every @tagcache package is one copy, from its tarball, not from the workspace or the registry', async () => {
    for (const project of [full.dir, bare]) {
      const store = await readdir(join(project, 'node_modules', '.pnpm'))
      const names = project === bare ? bareNames : [...packed.keys()]
      for (const name of names) {
        const copies = store.filter((dir) => dir.startsWith(`${name.replace('/', '+')}@`))
        expect(copies, `${project}: ${name}`).toHaveLength(1)
        expect(copies[0]).toMatch(/@file\+/)
        const link = join(project, 'node_modules', name)
        expect((await lstat(link)).isSymbolicLink()).toBe(true)
        const target = await realpath(link)
        expect(relative(project, target).startsWith('..'), `${name} -> ${target}`).toBe(false)
        const installed = JSON.parse(await readFile(join(target, 'package.json'), 'utf8'))
        expect(installed.version).toBe(packed.get(name)!.manifest.version)
      }
      // Nothing under @tagcache came from anywhere else.
      const others = store.filter(
        (dir) =>
          dir.startsWith('@tagcache+') &&
          !names.some((n) => dir.startsWith(`${n.replace('/', '+')}@`)),
      )
      expect(others).toEqual([])
    }
  })
})

describe('README quick start (full project: every tarball and peer)', () => {
  it('installs only what the README tells a user to install', async () => {
    const { code, installs } = await readmeQuickStart()
    expect(importedPackages(code).sort()).toEqual([...installs].sort())
  })

  it('runs under Node against Redis', async () => {
    await expectRun(full.dir, 'quickstart-run.ts', [probeOutput], { REDIS_URL: redis!.url })
  })

  it('runs under Node on the memory store', async () => {
    await expectRun(full.dir, 'quickstart-memory.ts', [probeOutput])
  })

  it('every entry point of every package loads under Node', () => {
    expect(full.entries).toMatchObject({ code: 0, stderr: '' })
    const names = JSON.parse(full.entries!.stdout) as Record<string, string[]>
    const specifiers = [...packed.values()].flatMap((p) => entryPoints(p.manifest))
    expect(Object.keys(names).sort()).toEqual(specifiers.sort())
    for (const specifier of specifiers) expect(names[specifier], specifier).not.toEqual([])
  })

  // tsc takes several seconds alone and 4x that while turbo runs every other suite on 2 cores.
  it('type-checks (tsc --noEmit, strict, NodeNext, skipLibCheck: false): the quick start, its memory variant, every entry point, declared values = runtime exports', {
    timeout: 150_000,
  }, async () => {
    const result = await exec(
      process.execPath,
      [tscBin, '--noEmit', '-p', 'tsconfig.json'],
      full.dir,
    )
    // On failure the diagnostics are in stdout.
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' })
  })
})

describe('bare project (core, memory, observability; no optional peers)', () => {
  it('runs the core API example under plain Node ESM', async () => {
    await expectRun(bare, 'example.mjs', [
      'my value',
      'undefined',
      'true true',
      '{ id: 1 }',
      '9000000',
    ])
  })

  it('type-checks the typed example and observability (skipLibCheck: false)', {
    timeout: 150_000,
  }, async () => {
    const result = await exec(process.execPath, [tscBin, '-p', 'tsconfig.json'], bare)
    // On failure the diagnostics are in stdout.
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('@tagcache/observability works without its optional peers installed', async () => {
    for (const peer of ['@opentelemetry/api', 'prom-client']) {
      await expect(lstat(join(bare, 'node_modules', peer))).rejects.toMatchObject({
        code: 'ENOENT',
      })
    }
    await expectRun(bare, 'observability.ts', [
      '1 1 1 1 2',
      '2',
      'info tagcache invalidated tags',
      // Only the subpath that needs prom-client fails, and says so.
      'ERR_MODULE_NOT_FOUND',
    ])
  })

  it('runs the typed example with Node type stripping', async () => {
    await expectRun(bare, 'example.ts', [
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
