// Redis Cluster's key slot: CRC16 (XMODEM) of the key's hash tag (the part
// between the first `{` and the next `}`, when not empty) or of the whole
// key, modulo 16384. As redis-server's `keyHashSlot`.

const TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1
    table[i] = crc & 0xffff
  }
  return table
})()

function crc16(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0
  for (let i = from; i < to; i++) {
    crc = ((crc << 8) ^ (TABLE[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number)) & 0xffff
  }
  return crc
}

const OPEN = 0x7b // {
const CLOSE = 0x7d // }

/** The slot Redis Cluster hashes `key` (as the server receives it, UTF-8) to. */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8')
  const open = bytes.indexOf(OPEN)
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE, open + 1)
    if (close > open + 1) return crc16(bytes, open + 1, close) & 0x3fff
  }
  return crc16(bytes, 0, bytes.length) & 0x3fff
}
