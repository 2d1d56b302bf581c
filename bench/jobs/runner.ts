/** A second job runner process for `npm run bench:jobs`: `runner.ts <database url> <concurrency>`; stops on SIGTERM. */
import { startRunner } from './common';

async function main(): Promise<void> {
  const [url, concurrency] = process.argv.slice(2);
  const runner = await startRunner(url!, Number(concurrency));
  process.stdout.write('runner ready\n');
  process.on('SIGTERM', () => {
    void runner.stop().then(() => process.exit(0));
  });
}

void main();
