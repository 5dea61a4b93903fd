// `pnpm changeset version`, dry run: the pending changesets and .changeset/config.json give
// every published package the version we mean to release, and a CHANGELOG.md entry with each
// changeset that names it. It runs in a copy of the files changesets reads (.changeset/, the
// root package.json, pnpm-workspace.yaml, every workspace package.json and CHANGELOG.md), made
// in the OS temp dir, so the repository is never touched.
//
// What we expect, from .changeset/config.json: `fixed: [["@tagcache/*"]]` versions every
// @tagcache package together, at the highest current version bumped by the highest bump any
// pending changeset asks for (`onlyUpdatePeerDependentsWhenOutOfRange` keeps a minor of core from
// turning into a major of the plug-ins that peer on it). Private packages (apps, tooling) are not
// versioned (`privatePackages.version: false`). For the first release: every package is at
// 0.1.0, the changesets ask for minor bumps (none for a major), so every package becomes 0.2.0.
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Manifest,
  mustExec,
  type PublishedPackage,
  publishedPackages,
  repoRoot,
  tempDirOutsideWorkspace,
} from './workspace.js'

/** The version every published package gets from the first `changeset version`: they read 0.0.0 until released. */
const FIRST_RELEASE_VERSION = '0.1.0'

type Bump = 'major' | 'minor' | 'patch'
const bumpOrder: Bump[] = ['patch', 'minor', 'major']

interface Changeset {
  file: string
  releases: Map<string, Bump>
  summary: string
}

/** Parses a changeset file: YAML front matter of `"name": bump` lines, then the summary. */
function parseChangeset(file: string, text: string): Changeset {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text)
  if (!match) throw new Error(`.changeset/${file}: no front matter`)
  const releases = new Map<string, Bump>()
  for (const line of (match[1] as string).split(/\r?\n/)) {
    if (line.trim() === '') continue
    const release = /^\s*(["']?)([^"']+)\1\s*:\s*(major|minor|patch|none)\s*$/.exec(line)
    if (!release) throw new Error(`.changeset/${file}: cannot read "${line}"`)
    if (release[3] !== 'none') releases.set(release[2] as string, release[3] as Bump)
  }
  return { file, releases, summary: (match[2] as string).trim() }
}

/** `x.y.z` bumped as changesets does (a 0.x minor is 0.(x+1).0; a major is a major). */
function bumpVersion(version: string, bump: Bump): string {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number)
  if (bump === 'major') return `${major + 1}.0.0`
  if (bump === 'minor') return `${major}.${minor + 1}.0`
  return `${major}.${minor}.${patch + 1}`
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

/** The workspace's package folders, from pnpm-workspace.yaml's `dir/*` globs. */
async function workspacePackageDirs(): Promise<string[]> {
  const yaml = await readFile(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1] as string)
  const dirs: string[] = []
  for (const glob of globs) {
    if (!/^[\w.-]+\/\*$/.test(glob)) throw new Error(`unsupported workspace glob ${glob}`)
    const parent = glob.slice(0, -2)
    for (const entry of await readdir(join(repoRoot, parent), { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(`${parent}/${entry.name}`)
    }
  }
  return dirs
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined
    throw error
  }
}

const published: PublishedPackage[] = publishedPackages()
let copy = ''
let changesets: Changeset[] = []
/** Packages never versioned yet: no CHANGELOG.md in the repository. */
let unreleased: string[] = []
/** Every workspace package.json before and after, by folder. */
const before = new Map<string, Manifest>()
const after = new Map<string, Manifest>()
let output = ''

beforeAll(async () => {
  const files = (await readdir(join(repoRoot, '.changeset'))).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  )
  changesets = await Promise.all(
    files.map(async (file) =>
      parseChangeset(file, await readFile(join(repoRoot, '.changeset', file), 'utf8')),
    ),
  )

  copy = await tempDirOutsideWorkspace('tagcache-changeset-version-')
  await cp(join(repoRoot, '.changeset'), join(copy, '.changeset'), { recursive: true })
  for (const file of ['package.json', 'pnpm-workspace.yaml']) {
    await cp(join(repoRoot, file), join(copy, file))
  }
  const dirs = await workspacePackageDirs()
  for (const dir of dirs) {
    const manifest = await readIfExists(join(repoRoot, dir, 'package.json'))
    if (manifest === undefined) continue
    await mkdir(join(copy, dir), { recursive: true })
    await writeFile(join(copy, dir, 'package.json'), manifest)
    before.set(dir, JSON.parse(manifest))
    const changelog = await readIfExists(join(repoRoot, dir, 'CHANGELOG.md'))
    if (changelog !== undefined) await writeFile(join(copy, dir, 'CHANGELOG.md'), changelog)
    else if (dir.startsWith('packages/')) unreleased.push(dir)
  }
  unreleased = published
    .filter((pkg) => unreleased.includes(`packages/${pkg.dir}`))
    .map((p) => p.dir)
  // The changelog generator named in config.json resolves from the copy's node_modules.
  await symlink(join(repoRoot, 'node_modules'), join(copy, 'node_modules'), 'dir')

  const require = createRequire(join(repoRoot, 'package.json'))
  const cli = join(dirname(require.resolve('@changesets/cli/package.json')), 'bin.js')
  output = (await mustExec(process.execPath, [cli, 'version'], copy)).stdout

  for (const dir of before.keys()) {
    after.set(dir, JSON.parse(await readFile(join(copy, dir, 'package.json'), 'utf8')))
  }
}, 120_000)

afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true })
})

describe('changesets', () => {
  it('finds the published packages and pending changesets', () => {
    expect(published.map((pkg) => pkg.manifest.name)).toContain('@tagcache/core')
    expect(changesets.length).toBeGreaterThan(0)
  })

  it('name only published packages', () => {
    const names = new Set(published.map((pkg) => pkg.manifest.name))
    for (const changeset of changesets) {
      for (const name of changeset.releases.keys()) {
        expect(names.has(name), `.changeset/${changeset.file} names ${name}`).toBe(true)
      }
      expect(changeset.summary, `.changeset/${changeset.file} has a summary`).not.toBe('')
    }
  })

  it('cover every package not released yet (its first release says what it is)', () => {
    const missing = unreleased
      .map((dir) => published.find((pkg) => pkg.dir === dir)!.manifest.name)
      .filter((name) => !changesets.some((changeset) => changeset.releases.has(name)))
    expect(missing, 'published packages without a changeset').toEqual([])
  })
})

describe('changeset version (dry run in a copy)', () => {
  it('leaves the repository untouched', async () => {
    expect(output).toContain('All files have been updated')
    const pending = (await readdir(join(repoRoot, '.changeset'))).filter(
      (file) => file.endsWith('.md') && file !== 'README.md',
    )
    expect(pending).toHaveLength(changesets.length)
    // ...and consumed the copy's changesets.
    expect((await readdir(join(copy, '.changeset'))).sort()).toEqual(['README.md', 'config.json'])
  })

  it('gives every published package the expected version', () => {
    const bumps = changesets.flatMap((changeset) => [...changeset.releases.values()])
    const highest = bumps.reduce<Bump>(
      (a, b) => (bumpOrder.indexOf(b) > bumpOrder.indexOf(a) ? b : a),
      'patch',
    )
    const current = published
      .map((pkg) => pkg.manifest.version)
      .reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b))
    const expected = bumpVersion(current, highest)
    if (unreleased.length === published.length) {
      // The first release (no package has a CHANGELOG.md yet): see the comment at the top.
      expect(expected).toBe(FIRST_RELEASE_VERSION)
    }
    const versions = Object.fromEntries(
      published.map((pkg) => [pkg.manifest.name, after.get(`packages/${pkg.dir}`)?.version]),
    )
    expect(versions).toEqual(
      Object.fromEntries(published.map((pkg) => [pkg.manifest.name, expected])),
    )
  })

  it('keeps workspace ranges between packages (pnpm pack rewrites them)', () => {
    for (const pkg of published) {
      const manifest = after.get(`packages/${pkg.dir}`)!
      for (const field of ['dependencies', 'peerDependencies'] as const) {
        for (const [name, range] of Object.entries(manifest[field] ?? {})) {
          if (name.startsWith('@tagcache/')) {
            expect(range, `${pkg.manifest.name} ${field}.${name}`).toMatch(/^workspace:/)
          }
        }
      }
    }
  })

  it('does not version private packages (apps, tooling)', async () => {
    for (const [dir, manifest] of before) {
      if (manifest.private !== true) continue
      expect(after.get(dir)?.version, dir).toBe(manifest.version)
      if ((await readIfExists(join(repoRoot, dir, 'CHANGELOG.md'))) === undefined) {
        expect(await readIfExists(join(copy, dir, 'CHANGELOG.md')), dir).toBeUndefined()
      }
    }
  })

  it.each(published.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s gets a CHANGELOG.md entry with each of its changesets',
    async (name, pkg) => {
      const version = after.get(`packages/${pkg.dir}`)!.version
      const changelog = await readIfExists(join(copy, 'packages', pkg.dir, 'CHANGELOG.md'))
      expect(changelog, `packages/${pkg.dir}/CHANGELOG.md`).toBeDefined()
      expect(changelog!.startsWith(`# ${name}\n\n## ${version}\n`)).toBe(true)
      const entry = changelog!.split(/^## /m)[1] ?? ''
      const own = changesets.filter((changeset) => changeset.releases.has(name))
      for (const changeset of own) {
        const firstLine = changeset.summary.split('\n')[0] as string
        expect(entry, `.changeset/${changeset.file} in ${name}'s ${version} entry`).toContain(
          `- ${firstLine}`,
        )
      }
    },
  )
})
