// What the release tests share: the workspace's published packages (computed, so a new package
// under packages/ is covered without editing a list), child processes with a clean environment,
// and a temp dir outside the workspace.
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, realpath } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, isAbsolute, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
export const repoRoot = join(packageDir, '..', '..')

/** A package.json, as far as these tests read it. */
export interface Manifest {
  name: string
  version: string
  private?: boolean
  exports?: Record<string, unknown>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  [field: string]: unknown
}

/** A package of the workspace's `packages/` folder that is published (not `"private": true`). */
export interface PublishedPackage {
  /** The folder under `packages/`, e.g. `node-redis`. */
  dir: string
  manifest: Manifest
}

/** Every `packages/<dir>/package.json` without `"private": true`, sorted by folder. */
export function publishedPackages(root = repoRoot): PublishedPackage[] {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((dir) => {
      let text: string
      try {
        text = readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')
      } catch {
        return [] // a folder without a package.json (a leftover build dir) is no package
      }
      const manifest = JSON.parse(text) as Manifest
      return manifest.private === true ? [] : [{ dir, manifest }]
    })
}

export interface Result {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of child processes: this Node first on PATH (npm and pnpm run
 * on it), and without what pnpm exports to scripts (`npm_package_*`,
 * `npm_config_user_agent`, ...) and vitest's NODE_OPTIONS, which must not leak
 * into the fresh project. Registry, proxy, cache and store settings are kept.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS') continue
    if (
      /^p?npm_/i.test(name) &&
      !/^npm_config_(registry|https?_proxy|proxy|noproxy|cafile|ca|strict_ssl|cache|userconfig|store_dir)$/i.test(
        name,
      )
    ) {
      continue
    }
    env[name] = value
  }
  env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`
  return { ...env, ...extra }
}

/** Runs a command and resolves its exit code and output; never rejects on a non-zero exit. */
export function exec(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(env), maxBuffer: 16 * 1024 * 1024, timeout: 150_000 },
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
export async function mustExec(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Result> {
  const result = await exec(command, args, cwd, env)
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited with ${result.code}\n${result.stdout}\n${result.stderr}`,
    )
  }
  return result
}

/** Stdout split into lines, without the trailing empty one. */
export function lines(stdout: string): string[] {
  return stdout.replace(/\n$/, '').split('\n')
}

/**
 * A new directory in the OS temp dir, checked to be outside the workspace (a
 * project inside it would see the workspace's node_modules and pnpm-workspace.yaml).
 */
export async function tempDirOutsideWorkspace(prefix: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)))
  const rel = relative(await realpath(repoRoot), dir)
  if (!rel.startsWith('..') && !isAbsolute(rel)) {
    throw new Error(`the temp dir ${dir} is inside the workspace; set TMPDIR elsewhere`)
  }
  return dir
}
