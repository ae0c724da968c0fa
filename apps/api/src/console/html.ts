/**
 * HTML for the console, written by hand: every value goes through `escape` (the `html` tag escapes what it
 * interpolates unless it is already `Html`), so no input can open a tag or an attribute. No inline script or style
 * anywhere: the Content-Security-Policy forbids both.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escape(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type Part = Html | string | number | bigint | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escape(part);
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return new Html(out);
}

export interface Viewer {
  userId: string;
  role: 'owner' | 'admin' | 'member';
  csrf: string;
  mayOperate: boolean;
  mayReveal: boolean;
}

/** The page frame: landmarks (banner, navigation, main), a skip link first in the focus order, one h1 per page. */
export function layout(title: string, viewer: Viewer | undefined, body: Html, options: { script?: boolean; current?: string } = {}): string {
  const link = (href: string, label: string, key: string) =>
    html`<li><a href="${href}"${options.current === key ? new Html(' aria-current="page"') : ''}>${label}</a></li>`;
  const navigation = viewer
    ? html`<nav aria-label="Console">
  <ul>
    ${link('/console/audit', 'Audit', 'audit')}
    ${link('/console/audit/export', 'Export', 'export')}
    ${viewer.mayOperate ? link('/console/operations', 'Operations', 'operations') : ''}
  </ul>
  <form method="post" action="/console/sign-out" class="sign-out">
    <input type="hidden" name="_csrf" value="${viewer.csrf}">
    <span class="who">Signed in as <code>${viewer.userId}</code> (${viewer.role})</span>
    <button type="submit">Sign out</button>
  </form>
</nav>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Accounts console</title>
<link rel="stylesheet" href="/console/assets/console.css">
${options.script ? '<script src="/console/assets/console.js" defer></script>' : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><p class="brand">Accounts console</p>${navigation}</header>
<main id="main" tabindex="-1">
<h1>${escape(title)}</h1>
${body.text}
</main>
</body>
</html>`;
}
