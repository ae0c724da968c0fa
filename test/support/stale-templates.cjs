// Jest's globalSetup and globalTeardown: drop the migrated template databases (`tmpl_<pid>_<hex>`, made by
// test/support/postgres.ts once per worker) whose worker process is gone. A suite that ends without dropping its
// worker's template, or a run that was killed, would otherwise leave one on the machine's PostgreSQL for good.
// Templates of other live processes (another run on the same machine, or a worker still closing) are left alone;
// the next run drops them.
const { Client } = require('pg');

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

module.exports = async function dropStaleTemplates() {
  const client = new Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname ~ '^tmpl_[0-9]+_[0-9a-f]+$'`);
    for (const { datname } of rows) {
      const pid = Number(datname.split('_')[1]);
      // This process's own are this run's, done with by its teardown (tests run in band on a machine of two cores).
      if (pid !== process.pid && alive(pid)) continue;
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
  } catch {
    // Cleaning up is a courtesy: the tests report PostgreSQL being down themselves.
  } finally {
    await client.end().catch(() => undefined);
  }
};
