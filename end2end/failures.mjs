// Prints each failed test of a Playwright JSON report with the start of its error: make test
// runs it after a failed end-to-end run, so the reason is in the last lines of the log.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'report.json', 'utf8'));
const strip = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');

function* specs(suite, titles = []) {
  const here = suite.title ? [...titles, suite.title] : titles;
  for (const spec of suite.specs ?? []) yield [here, spec];
  for (const child of suite.suites ?? []) yield* specs(child, here);
}

for (const suite of report.suites ?? []) {
  for (const [titles, spec] of specs(suite)) {
    for (const test of spec.tests ?? []) {
      for (const result of test.results ?? []) {
        if (result.status === 'passed' || result.status === 'skipped') continue;
        console.log(`\nFAILED ${[...titles, spec.title].join(' › ')} (${spec.file}:${spec.line}, ${result.status})`);
        for (const error of result.errors ?? []) {
          const lines = strip(error.message ?? String(error.value ?? '')).split('\n').slice(0, 12);
          console.log(lines.map((l) => '  ' + l).join('\n'));
          if (error.location) console.log(`  at ${error.location.file}:${error.location.line}`);
        }
      }
    }
  }
}
