/**
 * The floors of `npm run bench:http`: a bare Fastify process doing only the work the service cannot avoid, on the
 * same machine, stores and data, measured in the same run so that the service's ratio to it means something on a
 * shared machine.
 * - GET /v1/sessions/current: the same service-key check, then the same Redis script on the same keys.
 * - POST /v1/organizations/:id/members: the same key check, then the writes a command must make, in one
 *   transaction sent as one round trip: claim the idempotency key, append the event (es_append), store the response.
 *   No decision, no read of the organization: the floor of any implementation. Its events go to streams of their
 *   own (`benchfloor-<id>`), so the service's organizations do not grow from them.
 */
import { createHash, randomUUID } from 'node:crypto';
import Fastify, { type FastifyRequest } from 'fastify';
import { Pool } from 'pg';
import { ServiceKeys } from '../apps/api/src/auth/service-keys';
import { DEVELOPMENT_SERVICE_KEYS, openRedis } from '@accounts/config';
import { SessionKeys } from '@accounts/projections/sessions/session-keys';
import { runScript, VALIDATE_SESSION, VERSION_UNAVAILABLE } from '@accounts/projections/sessions/session-scripts';

const TOKEN = /^[A-Za-z0-9_-]{20,128}$/;
const keys = ServiceKeys.parse(DEVELOPMENT_SERVICE_KEYS);
const redis = openRedis(process.env.REDIS_URL!, { maxRetriesPerRequest: 2, commandTimeoutMs: 2_000 });
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20, application_name: 'bench-floor' });
const idleMs = String(Number(process.env.SESSION_IDLE_SECONDS ?? 1800) * 1000);
let live: SessionKeys | undefined;

function service(request: FastifyRequest, scope: 'sessions' | 'commands'): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
  const found = match ? keys.authenticate(match[1]!) : undefined;
  return found?.scopes.has(scope) ? found.name : undefined;
}

const app = Fastify({ logger: false });

app.get('/v1/sessions/current', async (request, reply) => {
  if (!service(request, 'sessions')) return reply.code(401).send({ code: 'unauthorized' });
  const token = request.headers['x-session-token'];
  if (typeof token !== 'string' || !TOKEN.test(token)) return reply.code(401).send({ code: 'session_invalid' });
  live ??= SessionKeys.forVersion(Number((await redis.get(SessionKeys.LIVE_VERSION)) ?? '1'));
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const record = (await runScript(redis, VALIDATE_SESSION, [live.checkpoint(), live.unavailable(), live.token(tokenHash)], [live.prefix, String(Date.now()), idleMs])) as string | null;
  if (record === VERSION_UNAVAILABLE) return reply.code(503).send({ code: 'service_unavailable' });
  if (!record) return reply.code(401).send({ code: 'session_invalid' });
  const session = JSON.parse(record) as { sessionId: string; userId: string; expiresAt: string };
  return { sessionId: session.sessionId, userId: session.userId, expiresAt: session.expiresAt };
});

app.post<{ Params: { id: string }; Body: { userId: string; role: string } }>('/v1/organizations/:id/members', async (request, reply) => {
  const caller = service(request, 'commands');
  if (!caller) return reply.code(401).send({ code: 'unauthorized' });
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return reply.code(400).send({ code: 'missing_idempotency_key' });
  const { userId, role } = request.body;
  const organizationId = request.params.id;
  const joinedAt = new Date().toISOString();
  const body = { organizationId, userId, role, joinedAt };
  const data = JSON.stringify(body);
  const metadata = JSON.stringify({ occurredAt: joinedAt, service: caller, actorId: request.headers['x-actor-id'], correlationId: randomUUID() });
  const fingerprint = createHash('sha256').update(JSON.stringify(request.body)).digest('hex');
  const client = await pool.connect();
  try {
    const literal = (value: string) => client.escapeLiteral(value);
    const results = (await client.query(
      `BEGIN;
       INSERT INTO idempotency_records (service, idempotency_key, request_fingerprint, state)
         VALUES (${literal(caller)}, ${literal(key)}, ${literal(fingerprint)}, 'pending');
       SELECT * FROM es_append(${literal(`benchfloor-${organizationId}`)}, 'any', NULL, ARRAY[${literal(randomUUID())}]::uuid[],
         ARRAY['MemberJoined']::text[], ARRAY[${literal(data)}]::jsonb[], ARRAY[${literal(metadata)}]::jsonb[]);
       UPDATE idempotency_records SET state = 'completed', status_code = 201, response_body = ${literal(data)}, response_headers = '{}',
              subject_id = ${literal(organizationId)}, completed_at = now()
        WHERE service = ${literal(caller)} AND idempotency_key = ${literal(key)};
       COMMIT;`,
    )) as unknown as { rows: { last_transaction_id: string; last_sequence: string }[] }[];
    const appended = results[2]!.rows[0]!;
    return reply.code(201).header('x-event-position', `${appended.last_transaction_id}-${appended.last_sequence}`).send(body);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
});

app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
