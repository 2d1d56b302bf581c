/**
 * Runs one HTTP download in a process of its own, so a test can kill it with SIGKILL mid-transfer
 * (as a crash would) and start another on the same partial downloads folder. Arguments: the
 * folder, the recording id, the URL, the host to allow. Prints `bytes <n>` as bytes reach the
 * disk and `done <size>` at the end.
 */
import { OutboundHttp, OutboundPolicy } from '@leap/outbound';
import { HttpTransfer } from '../http-transfer';
import { PartialDownloads } from '../partial-download';

async function main(): Promise<void> {
  const [dir, recordingId, url, allowed] = process.argv.slice(2);
  const partials = new PartialDownloads(dir!, 3_600_000);
  const transfer = new HttpTransfer(new OutboundHttp(new OutboundPolicy({ allowedHosts: allowed })), partials);
  const result = await transfer.fetch({ recordingId: recordingId!, url: url!, maxBytes: 10 ** 9, onBytes: (done) => console.log(`bytes ${done}`) });
  console.log(`done ${result.sizeBytes} resumed ${result.resumedFromBytes}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
