import { describeErrorSafely } from '../runtime/safe-error';

/**
 * OpenSearch could not be reached or refused a request as a whole. For the sink: nothing of the batch was
 * checkpointed and the runner retries it. For the reader: the query failed (a 503 for the caller).
 */
export class SearchClusterUnavailableError extends Error {
  constructor(operation: string, cause: unknown) {
    // Only the error's class and code: a client error's message can quote the request, and so emails.
    super(`OpenSearch ${operation} failed: ${describeErrorSafely(cause)}`);
    this.name = 'SearchClusterUnavailableError';
  }
}
