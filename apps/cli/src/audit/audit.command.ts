import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { type Evolver, exportPages, stateAt } from '@accounts/audit';
import { organizationStream, userStream } from '@accounts/streams';
import { organizationDecider, userDecider } from '@accounts/domain';
import { helpOrUnknownCommand, reportingErrors } from '../cli-errors';
import { openAuditInfrastructure } from './audit-infrastructure';
import { csvHeader, csvRow } from './csv';

interface PiiOption {
  pii?: boolean;
}

const ENTITIES: Record<string, { stream: (id: string) => string; decider: Evolver }> = {
  users: { stream: userStream, decider: userDecider as unknown as Evolver },
  organizations: { stream: organizationStream, decider: organizationDecider as unknown as Evolver },
};

function entity(kind: string | undefined, id: string | undefined) {
  const known = kind ? ENTITIES[kind] : undefined;
  if (!known || !id || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('expected: users|organizations <uuid>');
  return { stream: known.stream(id.toLowerCase()), decider: known.decider };
}

/** Writes and waits when the destination is full, so an export of millions of events never piles up in memory. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

abstract class AuditSubCommand extends CommandRunner {
  @Option({ flags: '--pii', description: 'show personal data unmasked (the read is recorded in the audit trail)' })
  parsePii(): boolean {
    return true;
  }
}

/** `audit history users|organizations <id>`: the stream's events, oldest first, one JSON object per line. */
@SubCommand({ name: 'history', arguments: '<kind> <id>', description: "a user's or an organization's events, oldest first (NDJSON)" })
export class AuditHistoryCommand extends AuditSubCommand {
  run([kind, id]: string[], options: PiiOption): Promise<void> {
    return reportingErrors(async () => {
      const { stream } = entity(kind, id);
      const audit = await openAuditInfrastructure();
      try {
        const events = await audit.reader.stream(stream, options.pii === true);
        if (events.length === 0) throw new Error('no such stream');
        if (options.pii) await audit.reader.recordRead(audit.reviewer, { kind: 'history', stream });
        for (const event of events) await write(process.stdout, `${JSON.stringify(event)}\n`);
      } finally {
        await audit.close();
      }
    });
  }
}

/** `audit state users|organizations <id> --at <time|revision>`: the entity as it was then, rebuilt from its events. */
@SubCommand({ name: 'state', arguments: '<kind> <id>', description: 'the entity as it was at a time or revision, rebuilt by the deciders' })
export class AuditStateCommand extends AuditSubCommand {
  run([kind, id]: string[], options: PiiOption & { at?: string }): Promise<void> {
    return reportingErrors(async () => {
      const { stream, decider } = entity(kind, id);
      if (!options.at) throw new Error('--at <ISO time or revision> is required');
      const audit = await openAuditInfrastructure();
      try {
        const result = await stateAt(audit.reader, stream, decider, options.at, options.pii === true);
        if (!result) throw new Error('no such stream');
        if (options.pii) await audit.reader.recordRead(audit.reviewer, { kind: 'state', stream, at: options.at });
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } finally {
        await audit.close();
      }
    });
  }

  @Option({ flags: '--at <when>', description: 'an ISO-8601 time or a stream revision' })
  parseAt(value: string): string {
    return value;
  }
}

/** `audit export --from --to [--type] [--actor] [--format ndjson|csv] [--out file]`: every event in the window. */
@SubCommand({ name: 'export', description: 'every event in a time window, as NDJSON or CSV, streamed' })
export class AuditExportCommand extends AuditSubCommand {
  run(_parameters: string[], options: PiiOption & { from?: string; to?: string; type?: string; actor?: string; format?: string; out?: string }): Promise<void> {
    return reportingErrors(async () => {
      const format = options.format ?? 'ndjson';
      if (format !== 'ndjson' && format !== 'csv') throw new Error('--format is ndjson or csv');
      for (const [name, value] of [['--from', options.from], ['--to', options.to]] as const) {
        if (value !== undefined && (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))) throw new Error(`${name} must be an ISO-8601 time`);
      }
      const window = { from: options.from, to: options.to, type: options.type, actorId: options.actor };
      const audit = await openAuditInfrastructure();
      const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
      let count = 0;
      try {
        if (options.pii) await audit.reader.recordRead(audit.reviewer, { kind: 'export', ...Object.fromEntries(Object.entries(window).filter(([, v]) => v !== undefined)) });
        if (format === 'csv') await write(out, csvHeader());
        for await (const page of exportPages(audit.reader, window, options.pii === true)) {
          await write(out, page.map((event) => (format === 'csv' ? csvRow(event) : `${JSON.stringify(event)}\n`)).join(''));
          count += page.length;
        }
      } finally {
        if (options.out) await new Promise((resolve) => out.end(resolve));
        await audit.close();
      }
      if (options.out) process.stderr.write(`${count.toLocaleString('en-US')} events written to ${options.out}\n`);
    });
  }

  @Option({ flags: '--from <time>', description: 'ISO-8601 time, inclusive' })
  parseFrom(value: string): string {
    return value;
  }

  @Option({ flags: '--to <time>', description: 'ISO-8601 time, inclusive' })
  parseTo(value: string): string {
    return value;
  }

  @Option({ flags: '--type <types>', description: 'event types, comma-separated' })
  parseType(value: string): string {
    return value;
  }

  @Option({ flags: '--actor <userId>', description: 'only events done on behalf of this user' })
  parseActor(value: string): string {
    return value;
  }

  @Option({ flags: '--format <format>', description: 'ndjson (default) or csv' })
  parseFormat(value: string): string {
    return value;
  }

  @Option({ flags: '--out <file>', description: 'write to a file instead of standard output' })
  parseOut(value: string): string {
    return value;
  }
}

/** `accounts audit <subcommand>`: what audit reviewers run. */
@Command({ name: 'audit', description: 'history, state at a moment, and exports, for audit reviewers', subCommands: [AuditHistoryCommand, AuditStateCommand, AuditExportCommand] })
export class AuditCommand extends CommandRunner {
  async run(operands: string[]): Promise<void> {
    helpOrUnknownCommand(this.command, operands);
  }
}
