// Prints the run's totals as one plain line at the very end ("N passed, N failed, N skipped"), which CI tools read
// without knowing Jest's own summary format. Written synchronously: Jest may exit before an async write flushes.
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    writeSync(1, `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}

module.exports = SummaryReporter;
