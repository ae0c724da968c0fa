import { isStoreUnavailable, StoreUnavailableError } from './store-unavailable';

describe('isStoreUnavailable', () => {
  test.each([
    ['our typed error', new StoreUnavailableError('redis')],
    ['an adapter error coded *_unavailable', Object.assign(new Error('x'), { code: 'event_store_unavailable' })],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a socket error from another realm', { name: 'Error', code: 'ECONNRESET', message: 'read ECONNRESET' }],
    ['PostgreSQL shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a connection exception (class 08)', Object.assign(new Error('x'), { code: '08006' })],
    ['pg losing its connection', new Error('Connection terminated unexpectedly')],
    ['ioredis with its connection closed', new Error('Connection is closed.')],
    ['ioredis giving up', Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' })],
    ['a wrapper keeping the cause', new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })],
    ['both addresses of localhost refused', new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])],
  ])('%s is an outage', (_, error) => expect(isStoreUnavailable(error)).toBe(true));

  test.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a domain error', Object.assign(new Error('No such user.'), { code: 'user_not_found' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s is not', (_, error) => expect(isStoreUnavailable(error)).toBe(false));
});
