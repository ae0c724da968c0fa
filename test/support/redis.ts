/**
 * The Redis that tests use: the machine's (127.0.0.1:6379) unless TEST_REDIS_URL names another server, so two
 * checkouts can run their suites at once without flushing each other's databases. Each test file owns one numbered
 * database (0–15) and flushes it when it starts; no two files share a number.
 */
export function testRedisUrl(db: number): string {
  return `${(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '')}/${db}`;
}
