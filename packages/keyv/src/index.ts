export {
  type KeyvStoreOptions,
  keyvNamespaceTag,
  keyvStore,
  TagcacheKeyvStore,
} from './keyv-store.js'
