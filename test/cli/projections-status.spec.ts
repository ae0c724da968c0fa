import { formatTable } from '../../apps/cli/src/projections-status.command';

test('projections status prints one aligned row per projection version, marking capped lag, pauses, rebuild progress and the owner', () => {
  const table = formatTable([
    { name: 'read_model', version: 2, state: 'live', paused: false, checkpoint: '812-77', eventsProcessed: 1_000_000, lagEvents: 10_000, lagEventsCapped: true, lagSeconds: 12.34, deadLetters: 3, updatedAt: '', owner: { holder: 'host-a:4242', heartbeatAgeSeconds: 0.3 } },
    { name: 'read_model', version: 3, state: 'building', paused: false, checkpoint: '90-1', eventsProcessed: 250_000, lagEvents: 10_000, lagEventsCapped: true, lagSeconds: 80, deadLetters: 0, updatedAt: '', owner: { holder: 'host-a:4242', heartbeatAgeSeconds: 0.3 }, progress: 0.25 },
    { name: 'sessions', version: 1, state: 'live', paused: true, checkpoint: null, eventsProcessed: -1, lagEvents: 0, lagEventsCapped: false, lagSeconds: 0, deadLetters: 0, updatedAt: '', owner: null },
  ]);
  const lines = table.trimEnd().split('\n');
  expect(lines).toHaveLength(5);
  expect(lines[2]).toMatch(/^read_model\s+2\s+live\s+812-77\s+1,000,000\s+≥10,000\s+12\.3\s+3\s+host-a:4242$/);
  expect(lines[3]).toMatch(/^read_model\s+3\s+building 25\.0%\s+90-1\s+250,000\s+≥10,000\s+80\.0\s+0\s+host-a:4242$/);
  expect(lines[4]).toMatch(/^sessions\s+1\s+live \(paused\)\s+-\s+-\s+0\s+0\.0\s+0\s+none$/);
});
