import type { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import type { StoredEvent } from './in-memory-log';

/** The server-side filter: on event type or stream name, by regex or by prefixes. */
export function filterOf(options: ReadReq.Options): ((event: StoredEvent) => boolean) | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const byStream = filter.hasStreamIdentifier();
  const expression = byStream ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return (event) => {
    const subject = byStream ? event.streamName : event.type;
    return (!regex || regex.test(subject)) && (prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix)));
  };
}
