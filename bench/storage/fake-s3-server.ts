/**
 * The fake S3 server of @leap/testing in a process of its own, so the benchmark's client and the
 * server do not share one event loop: prints its settings as one JSON line, runs until killed.
 */
import { startFakeS3 } from '@leap/testing';

async function main(): Promise<void> {
  const s3 = await startFakeS3({ buckets: ['leap-bench'] });
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, bucket: 'leap-bench' })}\n`);
  const stop = () => void s3.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
