// Every ```ts block of the READMEs (the root one and each package's) typechecks, runs as
// written, and exits.
//
// Each block is written to a file under apps/playground/.tmp/ (gitignored), where the workspace
// packages and the drivers resolve through the playground's dependencies, checked by TypeScript
// with the playground's settings, and run by Node, which strips the types. Examples that talk to Redis read their server from the environment, as an
// application would: `new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379')` (ioredis's
// typings take no `undefined`, hence the `??`), `REDIS_CLUSTER_URL` for a cluster. This test
// points both at servers the harness started, never at the developer's own port 6379.
//
// A block with decorators is compiled by TypeScript first. One that cannot run on its own is
// opted out by the line before it:
//   <!-- not-runnable: why -->
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sharedCluster, sharedRedis } from '@tagcache/redis-harness/vitest'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedPort } from './closed-port.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const workDir = fileURLToPath(new URL('../.tmp/readme-examples/', import.meta.url))

interface Block {
  /** `packages/core/README.md:14`, the line of the opening fence. */
  where: string
  code: string
  /** Why the block is not run, from its `<!-- not-runnable: ... -->` marker. */
  notRunnable: string | undefined
}

function readmeBlocks(readme: string): Block[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```ts') continue
    // A fence may be indented (a block inside a list item): it closes at the
    // same indentation, and the block's lines lose that indentation.
    const indent = (lines[i] as string).length - (lines[i] as string).trimStart().length
    const fence = `${' '.repeat(indent)}\`\`\``
    const end = lines.indexOf(fence, i + 1)
    if (end < 0) throw new Error(`${readme}:${i + 1}: unterminated code block`)
    let before = i - 1
    while (before >= 0 && lines[before]?.trim() === '') before--
    const marker = /^<!-- not-runnable:(.*)-->$/.exec(lines[before]?.trim() ?? '')
    blocks.push({
      where: `${readme}:${i + 1}`,
      // Blank lines in place of the README's lines above it: Node's line numbers are the README's.
      code:
        '\n'.repeat(i + 1) +
        lines
          .slice(i + 1, end)
          .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
          .join('\n'),
      notRunnable: marker?.[1]?.trim(),
    })
    i = end
  }
  return blocks
}

const readmes = [
  'README.md',
  ...readdirSync(join(root, 'packages'))
    .map((pkg) => `packages/${pkg}/README.md`)
    .filter((readme) => existsSync(join(root, readme))),
]
const blocks = readmes.flatMap(readmeBlocks)
const runnable = blocks.filter((block) => block.notRunnable === undefined)
const usesCluster = (block: Block) => block.code.includes('REDIS_CLUSTER_URL')

interface Run {
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

const fileOf = (block: Block) => join(workDir, `${block.where.replace(/[/:.]/g, '_')}.ts`)
const hasDecorators = (block: Block) => /^\s*@[\w.]+\(/m.test(block.code)

/** Writes each block as a `.ts` file, and a compiled `.mjs` beside the ones Node cannot strip. */
function writeBlocks() {
  for (const block of runnable) {
    writeFileSync(fileOf(block), block.code)
    if (hasDecorators(block)) {
      // TC39 decorators: Node cannot strip them; compile the block as a user's `tsc` would.
      const options = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext }
      const js = ts.transpileModule(block.code, { compilerOptions: options }).outputText
      writeFileSync(fileOf(block).replace(/\.ts$/, '.mjs'), js)
    }
  }
  // The playground's settings: the repository's strict base, and erasable syntax only.
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'] }),
  )
}

/** Runs one block with Node; kills it after `limitMs` (an example that never exits). */
function runBlock(block: Block, env: Record<string, string>, limitMs: number): Promise<Run> {
  const file = hasDecorators(block) ? fileOf(block).replace(/\.ts$/, '.mjs') : fileOf(block)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, limitMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}

/** Generous: a loaded 2-core machine. A client left open never exits at all. */
const limitMs = 120_000

describe('README examples', () => {
  let env: Record<string, string>

  beforeAll(async () => {
    rmSync(workDir, { recursive: true, force: true })
    mkdirSync(workDir, { recursive: true })
    writeBlocks()
    // The run's shared server and cluster (vitest globalSetup): the examples use their own namespaces.
    const [redis, cluster] = [
      sharedRedis(),
      runnable.some(usesCluster) ? sharedCluster() : undefined,
    ]
    env = { REDIS_URL: redis.url, ...(cluster ? { REDIS_CLUSTER_URL: cluster.urls[0]! } : {}) }
  })

  afterAll(async () => {
    rmSync(workDir, { recursive: true, force: true })
  })

  it('finds a block in every README, and opt-outs say why', () => {
    expect(readmes.length).toBeGreaterThanOrEqual(10)
    for (const readme of readmes) {
      expect(
        blocks.some((block) => block.where.startsWith(`${readme}:`)),
        readme,
      ).toBe(true)
    }
    for (const block of blocks) expect(block.notRunnable ?? 'runnable', block.where).not.toBe('')
  })

  it('typecheck as a strict TypeScript project', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(workDir, 'tsconfig.json'), undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    })
    expect(config?.fileNames).toHaveLength(runnable.length)
    const program = ts.createProgram(config!.fileNames, config!.options)
    const readmeOf = new Map(runnable.map((block) => [fileOf(block), block.where.split(':')[0]]))
    const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const { file, start = 0 } = diagnostic
      // Line numbers are the README's (see readmeBlocks).
      const where = file
        ? `${readmeOf.get(file.fileName)}:${file.getLineAndCharacterOfPosition(start).line + 1}`
        : ''
      return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`
    })
    expect(errors).toEqual([])
  })

  for (const block of runnable) {
    it(`${block.where} runs and exits 0`, { timeout: limitMs + 10_000 }, async () => {
      // Checked before running: an example without it would use whatever listens on 6379.
      if (/from '(ioredis|redis)'/.test(block.code)) {
        expect(block.code, `${block.where} reads REDIS_URL`).toMatch(
          /process\.env\.REDIS_(CLUSTER_)?URL/,
        )
      }
      const run = await runBlock(block, env, limitMs)
      const report = `${block.where}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
      expect(run.timedOut, `${report}\ndid not exit within ${limitMs} ms`).toBe(false)
      expect(run.code, report).toBe(0)
      expect(run.stderr, report).toBe('')
    })
  }

  it('the Redis Cluster example gives up when no cluster is there', async () => {
    const block = runnable.find(usesCluster)
    expect(block).toBeDefined()
    const url = `redis://127.0.0.1:${await closedPort()}`
    const run = await runBlock(block!, { REDIS_CLUSTER_URL: url }, limitMs)
    expect(run.timedOut, run.stderr).toBe(false)
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('None of startup nodes is available')
  })
})
