import { createTransport } from 'nodemailer';
import { startTestSmtpServer, tokenFrom, type TestSmtpServer } from '../support/smtp';

// The test SMTP server other suites rely on: it delivers, refuses on demand (4xx, 5xx) and can be down for a while.
describe('test SMTP server', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startTestSmtpServer();
  });
  afterAll(async () => smtp.close());
  const send = (to: string) =>
    createTransport({ url: smtp.url, ignoreTLS: true, connectionTimeout: 2_000 } as never).sendMail({
      from: 'noreply@example.com',
      to,
      subject: 'Hello',
      text: 'Open https://example.com/verify?token=abc_DEF-123 to go on.',
      html: '<p>hi</p>',
      messageId: '<event-1@accounts.test>',
    });

  it('collects what it is sent, parsed', async () => {
    await send('Ada@Example.com');
    const message = await smtp.waitForMessageTo('ada@example.com');
    expect(message.messageId).toBe('<event-1@accounts.test>');
    expect(message.subject).toBe('Hello');
    expect(tokenFrom(message)).toBe('abc_DEF-123');
  });

  it('refuses with the code it is told, temporary or permanent', async () => {
    smtp.refuseAll(451);
    await expect(send('b@example.com')).rejects.toMatchObject({ responseCode: 451 });
    smtp.refuse((to) => (to === 'c@example.com' ? 550 : undefined));
    await expect(send('c@example.com')).rejects.toMatchObject({ responseCode: 550 });
    await send('d@example.com');
    smtp.acceptAll();
    expect(smtp.to('b@example.com')).toHaveLength(0);
    expect(smtp.to('d@example.com')).toHaveLength(1);
  });

  it('is unreachable while stopped and delivers again once started', async () => {
    await smtp.stop();
    await expect(send('e@example.com')).rejects.toMatchObject({ code: expect.stringMatching(/ECONNREFUSED|ECONNECTION|ESOCKET/) });
    await smtp.start();
    await send('e@example.com');
    expect(smtp.to('e@example.com')).toHaveLength(1);
  });
});
