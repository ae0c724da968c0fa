import type { MailKind } from './mail-plan';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailContent {
  kind: MailKind;
  /** The mailed token (recreated from the event's token id): it appears in the mail and nowhere else. */
  token: string;
  expiresAt: string;
  /** Where the person's client takes the token: `<linkBase>/verify-email?token=…` and so on. */
  linkBase: string;
}

const PAGES: Record<MailKind, { path: string; subject: string; intro: string; action: string }> = {
  'email-verification': {
    path: 'verify-email',
    subject: 'Confirm your email address',
    intro: 'Please confirm that this is your email address.',
    action: 'Confirm my address',
  },
  'password-reset': {
    path: 'reset-password',
    subject: 'Reset your password',
    intro: 'Someone asked to reset the password of the account with this address. If it was not you, ignore this mail: your password stays as it is.',
    action: 'Choose a new password',
  },
  invitation: {
    path: 'accept-invitation',
    subject: 'You are invited to join an organization',
    intro: 'You were invited to join an organization. Accept with the link below (you will be asked to sign in or create an account with this address).',
    action: 'Accept the invitation',
  },
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The plain-text and HTML bodies of each mail. They name no person and no organization (the mail is written from ids;
 * a name would be personal data the sender would have to open too), only what to do, the link and until when.
 */
export function renderMail(content: MailContent): RenderedMail {
  const page = PAGES[content.kind];
  const link = `${content.linkBase.replace(/\/$/, '')}/${page.path}?token=${content.token}`;
  const until = new Date(content.expiresAt).toUTCString();
  const text = `${page.intro}\n\n${page.action}: ${link}\n\nThe link works once, until ${until}.\n`;
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<p>${escapeHtml(page.intro)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(page.action)}</a></p>`,
    `<p style="color: #555">The link works once, until ${escapeHtml(until)}.</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: page.subject, text, html };
}

/** The mail's Message-ID, from its event's id: a repeat of the same mail (a crash after sending) has the same one. */
export function messageIdFor(eventId: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'accounts.invalid';
  return `<${eventId.toLowerCase()}@${domain}>`;
}
