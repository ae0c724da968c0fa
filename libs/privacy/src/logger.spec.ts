import { Writable } from 'node:stream';
import { createLogger, safeFields } from './logger';
import { maskEmail, maskIp } from './masking';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'trace', destination }) };
}

describe('redacting logger', () => {
  const secrets = {
    email: 'ada.lovelace@example.com',
    password: 'correct horse battery staple',
    hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    token: 'pX3dRk9Qy0Vf7mB2nL5sT8wZ1cA4eH6jK0oP2qR4sT6',
    tokenHash: 'a'.repeat(64),
    ip: '203.0.113.42',
    ipv6: '2001:db8:85a3::8a2e:370:7334',
  };

  test('removes secrets and personal data by path, at any depth, and anywhere in strings', () => {
    const { lines, logger } = capture();
    logger.info({ password: secrets.password, user: { email: secrets.email, passwordHash: secrets.hash } }, 'registered');
    logger.info({ req: { headers: { authorization: `Bearer ${secrets.token}` }, ip: secrets.ip } }, 'request');
    logger.debug({ detail: `login of ${secrets.email} from ${secrets.ip} / ${secrets.ipv6} with ${secrets.token}` });
    logger.warn(`free text mentioning ${secrets.email} and ${secrets.hash} and ${secrets.tokenHash}`);
    logger.error({ nested: { deeper: { list: [secrets.token, { newPassword: secrets.password }] } } });
    const output = lines.join('\n');
    for (const value of Object.values(secrets)) expect(output).not.toContain(value);
    expect(output).toContain('registered');
    expect(lines).toHaveLength(5);
  });

  test('a line of safe fields skips scrubbing but not redaction by path; the mark does not leak to other lines', () => {
    const { lines, logger } = capture();
    logger.info(safeFields({ route: '/v1/sessions/current', token: secrets.token, ip: secrets.ip, status: 200 }), 'request');
    logger.info({ detail: `from ${secrets.ip}` }, 'plain line');
    const [safe, plain] = lines.map((line) => JSON.parse(line));
    expect(safe).toMatchObject({ route: '/v1/sessions/current', token: '[redacted]', ip: '[redacted]', status: 200, msg: 'request' });
    expect(plain.detail).toBe('from [redacted-ip]');
    expect(lines.join('')).not.toContain(secrets.token);
  });

  test('keeps ids and positions readable', () => {
    const { lines, logger } = capture();
    logger.info({ userId: '0b6c3f9e-4a57-4c5f-9d0a-3c1f1b2e9a11', position: '1234-56' });
    expect(lines[0]).toContain('0b6c3f9e-4a57-4c5f-9d0a-3c1f1b2e9a11');
    expect(lines[0]).toContain('1234-56');
  });
});

describe('masking for audit reviewers', () => {
  test('emails and IPs', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@e***.com');
    expect(maskIp('203.0.113.42')).toBe('203.0.113.0/24');
    expect(maskIp('2001:db8:85a3::8a2e:370:7334')).toBe('2001:db8:85a3::/48');
    expect(maskIp('not an ip')).toBe('***');
  });
});
