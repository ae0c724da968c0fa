import type { Pool } from 'pg';

export interface WebhookHealth {
  /** Endpoints whose current event is failing: since when, how many attempts, when the next one is due. */
  failing: { webhookId: string; eventId: string; failingSince: string; attempts: number; nextRetryAt: string | null }[];
  /** Endpoints disabled after their retry window (until a caller enables them again). */
  disabled: { webhookId: string; disabledAt: string | null }[];
}

const UNDEFINED_TABLE = '42P01';

/**
 * What operators see of the deliveries besides each endpoint's lag (its projector `webhook:<id>` is listed with the
 * other projections): which endpoints fail now, and which were disabled. Never a URL or a secret.
 */
export async function readWebhookHealth(pool: Pool): Promise<WebhookHealth> {
  const { rows: failing } = await pool.query<{ endpoint_id: string; event_id: string; failing_since: Date; attempts: number; next_retry_at: Date | null }>(
    `SELECT f.endpoint_id, f.event_id, f.failing_since, f.attempts,
            (SELECT d.next_retry_at FROM webhook_deliveries d WHERE d.endpoint_id = f.endpoint_id ORDER BY d.id DESC LIMIT 1) AS next_retry_at
       FROM webhook_failures f ORDER BY f.failing_since`,
  );
  let disabled: { id: string; disabled_at: Date | null }[] = [];
  try {
    disabled = (await pool.query<{ id: string; disabled_at: Date | null }>(`SELECT id, disabled_at FROM webhook_endpoints WHERE status = 'disabled' ORDER BY id`)).rows;
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNDEFINED_TABLE) throw error; // no endpoint was ever projected
  }
  return {
    failing: failing.map((row) => ({
      webhookId: row.endpoint_id,
      eventId: row.event_id,
      failingSince: row.failing_since.toISOString(),
      attempts: row.attempts,
      nextRetryAt: row.next_retry_at?.toISOString() ?? null,
    })),
    disabled: disabled.map((row) => ({ webhookId: row.id, disabledAt: row.disabled_at?.toISOString() ?? null })),
  };
}
