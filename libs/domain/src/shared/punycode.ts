/**
 * Punycode (RFC 3492) encoding of one domain label, and a domain's ASCII form (its non-ASCII labels as `xn--…`), so
 * `bücher.de` and `xn--bcher-kva.de` are compared as the same domain. Written here rather than imported because the
 * domain library depends on nothing; encoding is all it needs (an address is compared, never displayed, in this form).
 */
const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 0x80;

/** The domain with every label that is not ASCII replaced by its `xn--` form. */
export function domainToAscii(domain: string): string {
  return domain
    .split('.')
    .map((label) => ([...label].every((char) => char.charCodeAt(0) < 0x80) ? label : `xn--${encodeLabel(label)}`))
    .join('.');
}

/** RFC 3492, section 6.3: the basic code points first, then each other code point as a variable-length delta. */
export function encodeLabel(label: string): string {
  const input = Array.from(label, (char) => char.codePointAt(0)!);
  const basic = input.filter((codePoint) => codePoint < 0x80);
  let output = String.fromCharCode(...basic);
  if (basic.length > 0) output += '-';
  let n = INITIAL_N;
  let delta = 0;
  let bias = INITIAL_BIAS;
  let handled = basic.length;
  while (handled < input.length) {
    const next = Math.min(...input.filter((codePoint) => codePoint >= n));
    delta += (next - n) * (handled + 1);
    n = next;
    for (const codePoint of input) {
      if (codePoint < n) delta++;
      if (codePoint !== n) continue;
      let q = delta;
      for (let k = BASE; ; k += BASE) {
        const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
        if (q < t) break;
        output += digit(t + ((q - t) % (BASE - t)));
        q = Math.floor((q - t) / (BASE - t));
      }
      output += digit(q);
      bias = adapt(delta, handled + 1, handled === basic.length);
      delta = 0;
      handled++;
    }
    delta++;
    n++;
  }
  return output;
}

function digit(value: number): string {
  return String.fromCharCode(value < 26 ? 0x61 + value : 0x16 + value); // a–z, then 0–9
}

function adapt(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / DAMP) : delta >> 1;
  d += Math.floor(d / points);
  let k = 0;
  while (d > ((BASE - T_MIN) * T_MAX) >> 1) {
    d = Math.floor(d / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + SKEW));
}
