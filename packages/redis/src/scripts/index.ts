// One module per script; each names its KEYS, ARGV and every key it touches.

export {
  BOUNDED_DELETE_SCRIPT,
  type BoundedScripts,
  boundedScripts,
  type RedisPolicyName,
} from './bounded.js'
export { DELETE_IF_SCRIPT } from './delete-if.js'
export { EXPIRE_SCRIPT } from './expire.js'
export { GET_SCRIPT } from './get.js'
export { GET_OR_CAPTURE_SCRIPT } from './get-or-capture.js'
export { HINTED_GET_SCRIPT } from './hinted-get.js'
export type { LuaScript } from './script.js'
export { SET_SCRIPT } from './set.js'
export { TAGS_SCRIPT } from './tags.js'
export { UNLOCK_SCRIPT } from './unlock.js'
