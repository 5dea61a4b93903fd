// Key and tag encoding (DESIGN.md rule 3). Every user-supplied string becomes
// a component made only of [A-Za-z0-9_.~!*'()-] and %-escapes, so `:` can
// separate components, `{`/`}` never reach Redis Cluster hash-slot parsing,
// and no user input can spell an internal key.

const SAFE = /^[A-Za-z0-9_.~!*'()-]*$/

/** @internal Encodes one user-supplied component (key, tag or namespace). */
export function encodeComponent(input: string): string {
  if (SAFE.test(input)) return input
  try {
    return encodeURIComponent(input)
  } catch {
    // Lone surrogates: escape every UTF-16 unit as %uXXXX. `u` is not a hex
    // digit, so this never collides with encodeURIComponent's %HH output.
    let out = ''
    for (let i = 0; i < input.length; i++) {
      const c = input.charCodeAt(i)
      const ch = input[i] as string
      out += SAFE.test(ch) ? ch : `%u${c.toString(16).padStart(4, '0')}`
    }
    return out
  }
}

/**
 * @internal The ids core hands to a store for one namespace:
 * - entry:   `<ns>:e:<key>`
 * - tag:     `<ns>:t:<tag>`
 * - the namespace's own version (every entry carries it): `<ns>:n`
 */
export interface KeySpace {
  readonly namespaceTag: string
  entry(key: string): string
  tag(tag: string): string
}

/** @internal */
export function createKeySpace(namespace: string): KeySpace {
  const ns = encodeComponent(namespace)
  const entryPrefix = `${ns}:e:`
  const tagPrefix = `${ns}:t:`
  return {
    namespaceTag: `${ns}:n`,
    entry: (key) => entryPrefix + encodeComponent(key),
    tag: (tag) => tagPrefix + encodeComponent(tag),
  }
}
