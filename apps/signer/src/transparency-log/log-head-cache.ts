import { CompactRange } from '@fleetsign/tlog';
import type { Redis } from 'ioredis';

// Redis caches where the log ends so appenders need not look it up in the store; the
// store stays the truth. The head only moves forward: a signer that learnt of a shorter
// log later never moves it back.
const ADVANCE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, head = pcall(cjson.decode, current)
  if ok and type(head) == 'table' and tonumber(head.size) and tonumber(head.size) >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

type RedisWithAdvance = Redis & { fleetsignLogAdvance(key: string, size: number, head: string): Promise<number> };

/** Redis key of the cached head: `${prefix}:tlog:head`. */
export function logHeadRedisKey(prefix: string): string {
  return `${prefix}:tlog:head`;
}

/** The cached log head. */
export class LogHeadCache {
  private readonly redis: RedisWithAdvance;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('fleetsignLogAdvance', { numberOfKeys: 1, lua: ADVANCE_SCRIPT });
    this.redis = redis as RedisWithAdvance;
  }

  /** The cached head, or undefined when Redis has none (or a value that does not parse). */
  async get(): Promise<CompactRange | undefined> {
    const text = await this.redis.get(logHeadRedisKey(this.prefix));
    if (text === null) return undefined;
    try {
      const head = JSON.parse(text) as { size: number; range: string[] };
      return CompactRange.of(head.size, head.range.map((h) => Buffer.from(h, 'hex')));
    } catch {
      return undefined;
    }
  }

  /** Moves the cached head to `range` unless it is already there or further. */
  async advance(range: CompactRange): Promise<void> {
    const text = JSON.stringify({ size: range.size, range: range.hashes().map((h) => h.toString('hex')) });
    await this.redis.fleetsignLogAdvance(logHeadRedisKey(this.prefix), range.size, text);
  }
}
