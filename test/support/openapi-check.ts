import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document is plain JSON */
type Json = Record<string, any>;

export interface CheckedResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  operation: Json;
}

/**
 * Holds every response of the HTTP suites to `/openapi.json`: its status must be one the operation lists, every
 * header declared for that status present when required and matching its schema when present, its content type one
 * listed for that status (or no body when none is listed), and a JSON body must match the schema. Paths the document
 * does not have are skipped.
 */
export class DocumentCheck {
  private readonly operations: Operation[] = [];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    addFormats(this.ajv);
    for (const [template, item] of Object.entries<Json>(document.paths ?? {})) {
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`);
      for (const [method, operation] of Object.entries<Json>(item)) this.operations.push({ method: method.toUpperCase(), template, pattern, operation });
    }
    // A literal segment wins over a parameter (`/v1/sessions/current` before `/v1/sessions/{sessionId}`).
    this.operations.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  }

  /** Undefined when the response is what the document says; otherwise a message naming the operation and the mismatch. */
  mismatch(method: string, url: string, response: CheckedResponse): string | undefined {
    const path = url.split('?')[0]!;
    const found = this.operations.find((candidate) => candidate.method === method.toUpperCase() && candidate.pattern.test(path));
    if (!found) return undefined;
    const name = `${found.method} ${found.template} (${found.operation.operationId})`;
    const responses = found.operation.responses as Json;
    const documented = responses[String(response.status)] ?? responses.default;
    if (!documented) return `${name} answered ${response.status}, which the document does not list (it lists ${Object.keys(responses).join(', ')}); body: ${excerpt(response.text)}`;
    const header = this.headerMismatch(`${found.method} ${found.template} ${response.status}`, documented.headers as Json | undefined, response.headers);
    if (header) return `${name} answered ${response.status} ${header}`;
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const content = documented.content as Json | undefined;
    if (!content) return response.text === '' ? undefined : `${name} answered ${response.status} with a body, where the document lists none: ${excerpt(response.text)}`;
    const mediaType = Object.keys(content).find((listed) => listed === contentType || (listed.endsWith('/*') && contentType.startsWith(listed.slice(0, -1))));
    if (!mediaType) return `${name} answered ${response.status} as "${contentType}", where the document lists ${Object.keys(content).join(', ')}; body: ${excerpt(response.text)}`;
    if (!/^application\/(?:[\w.-]+\+)?json$/.test(mediaType)) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return `${name} answered ${response.status} as ${mediaType} with a body that is not JSON: ${excerpt(response.text)}`;
    }
    const validate = this.validator(`${found.method} ${found.template} ${response.status} ${mediaType}`, content[mediaType].schema ?? {});
    if (validate(body)) return undefined;
    const problems = (validate.errors ?? []).slice(0, 5).map((error) => `${error.instancePath || '(body)'} ${error.message}${error.params && 'allowedValues' in error.params ? ` ${JSON.stringify(error.params.allowedValues)}` : ''}`);
    return `${name} answered ${response.status} with a body the document does not allow: ${problems.join('; ')}; body: ${excerpt(response.text)}`;
  }

  /** The first declared header that is required and missing, or present with a value its schema does not allow. */
  private headerMismatch(key: string, declared: Json | undefined, headers: CheckedResponse['headers']): string | undefined {
    for (const [header, declaration] of Object.entries<Json>(declared ?? {})) {
      const value = headers[header.toLowerCase()];
      if (value === undefined) {
        if (declaration.required === true) return `without the header ${header}, which the document requires`;
        continue;
      }
      const validate = this.validator(`${key} header ${header}`, declaration.schema ?? {});
      for (const one of Array.isArray(value) ? value : [value]) {
        if (!validate(String(one))) return `with the header ${header}: ${JSON.stringify(String(one))}, which its schema does not allow (${(validate.errors ?? []).map((error) => error.message).join('; ')})`;
      }
    }
    return undefined;
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // `#/components/...` references resolve against this root, which carries the document's components.
      validate = this.ajv.compile({ ...schema, components: this.document.components });
      this.validators.set(key, validate);
    }
    return validate;
  }
}

function excerpt(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text || '(empty)';
}
