import { Inject, Injectable } from '@nestjs/common';
import type { ReceiveZoomWebhook, ZoomWebhookReceived } from '@leap/contracts';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { Clock } from '../../clock.service';
import type { SourceCredentialVault } from '../../credentials/source-credential-vault';
import { SourceCredentialsRepository, type SourceCredentialRow } from '../../credentials/source-credentials.repository';
import { SOURCE_CREDENTIAL_VAULT } from '../../credentials/source-credentials.service';
import type { PipelineTx } from '../../pipeline/pipeline.service';
import { SourceSyncService } from '../source-sync.service';
import { SourcesRepository, type SourceRow } from '../sources.repository';
import { ZoomClient } from './zoom.client';
import { zoomItem, type ZoomFile, type ZoomMeeting } from './zoom.adapter';
import { checkZoomTimestamp, parseZoomEvent, signatureInvalid, signatureMatches, urlValidationToken, webhookInvalid } from './zoom-webhook-signature';

/** The most credentials one webhook is checked against (a forged request costs at most this many HMACs). */
const MAX_CANDIDATES = 200;
/** How long the ownership check of a credential that knows no account may take. */
const CONFIRM_TIMEOUT_MS = 5_000;

interface Signer {
  credential: SourceCredentialRow;
  secretToken: string;
}

interface CompletedMeeting extends ZoomMeeting {
  host_id?: string;
  host_email?: string;
  recording_files: ZoomFile[];
}

/**
 * Zoom's webhooks (`POST /api/v1/webhooks/zoom`, forwarded by the gateway). The timestamp is
 * checked first, then the signature against the webhook secret token of each candidate
 * credential: those of the payload's account, then those that know no account. A
 * `recording.completed` event becomes a recording by the sync's own per-item rules (best file,
 * blank → SKIPPED, dedupe by source key), for the oldest active ZOOM source of each signer whose
 * config covers the meeting's host; the DOWNLOAD job does the rest. Zoom's retries, and a sync
 * that lists the same meeting, find the recording and add nothing.
 */
@Injectable()
export class ZoomWebhookService {
  constructor(
    private readonly credentials: SourceCredentialsRepository,
    @Inject(SOURCE_CREDENTIAL_VAULT) private readonly vault: Pick<SourceCredentialVault, 'open'>,
    private readonly sources: SourcesRepository,
    private readonly syncs: SourceSyncService,
    private readonly zoom: ZoomClient,
    private readonly clock: Clock,
    @Inject(SERVICE_LOGGER) private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {}

  async receive(tx: PipelineTx, q: ReceiveZoomWebhook): Promise<ZoomWebhookReceived> {
    const event = parseZoomEvent(q.body);
    checkZoomTimestamp(q.timestamp, this.clock.now());
    const signers = await this.signers(tx, event.payload.account_id ?? null, q);
    if (signers.length === 0) {
      this.logger.warn('Zoom webhook refused: no credential signed it', { event: event.event, accountId: event.payload.account_id });
      throw signatureInvalid();
    }
    if (event.event === 'endpoint.url_validation') {
      const plainToken = event.payload.plainToken;
      if (typeof plainToken !== 'string' || !plainToken) throw webhookInvalid('payload.plainToken is missing');
      return { outcome: 'validated', plainToken, encryptedToken: urlValidationToken(signers[0].secretToken, plainToken), recordingIds: [] };
    }
    if (event.event !== 'recording.completed') return { outcome: 'ignored', recordingIds: [] };
    const meeting = completedMeeting(event.payload.object);
    let created = 0;
    const recordingIds: string[] = [];
    for (const signer of signers) {
      if (!(await this.owns(signer, meeting))) continue;
      const source = (await this.sources.activeWithCredential(tx.manager, signer.credential.userId, 'ZOOM', signer.credential.id)).find((s) => coversHost(s, meeting));
      if (!source) continue;
      const pending = meeting.recording_files.some((f) => f.status === 'processing');
      const item = zoomItem(meeting, meeting.recording_files, { pending, credentialId: signer.credential.id, sourceId: source.id });
      const outcome = await this.syncs.apply(tx, source, [item]);
      created += outcome.created + outcome.updated;
      const known = await this.sources.known(tx.manager, source.userId, [item.sourceKey]);
      if (known) recordingIds.push(known.recordingId);
      this.logger.info(`Zoom webhook: meeting ${meeting.uuid} for source ${source.id}`, { sourceId: source.id, created: outcome.created, updated: outcome.updated, skips: outcome.skips.map((k) => k.reason) });
    }
    const outcome = created > 0 ? 'ingested' : recordingIds.length > 0 ? 'duplicate' : 'ignored';
    return { outcome, recordingIds };
  }

  /** The candidates whose secret token made the signature; a credential that does not open is passed over. */
  private async signers(tx: PipelineTx, accountId: string | null, q: ReceiveZoomWebhook): Promise<Signer[]> {
    if (!q.signature || !q.timestamp) return [];
    const out: Signer[] = [];
    for (const credential of await this.credentials.webhookCandidates(tx.manager, accountId, MAX_CANDIDATES)) {
      let secretToken: string | undefined;
      try {
        secretToken = this.vault.open<{ webhookSecretToken?: string }>(credential.id, credential.sealedData).webhookSecretToken;
      } catch {
        this.logger.warn(`Zoom credential ${credential.id} does not open; skipped for webhooks`, { credentialId: credential.id });
      }
      if (secretToken && signatureMatches(secretToken, q.timestamp, q.body, q.signature)) out.push({ credential, secretToken });
    }
    return out;
  }

  /**
   * A credential of the event's account owns the meeting. One that knows no account (user OAuth:
   * one app's secret token may sign the events of many accounts) owns it only if Zoom shows it
   * the meeting. The call is short and bounded (CONFIRM_TIMEOUT_MS) and happens before any row
   * is locked; only OAuth credentials of a shared app's secret need it.
   */
  private async owns(signer: Signer, meeting: CompletedMeeting): Promise<boolean> {
    if (signer.credential.externalAccountId) return true;
    try {
      const answer = await this.zoom.get(signer.credential, `/meetings/${encodeURIComponent(encodeURIComponent(meeting.uuid))}/recordings`, AbortSignal.timeout(CONFIRM_TIMEOUT_MS));
      return answer.status < 400;
    } catch (error) {
      this.logger.warn(`Zoom did not confirm meeting ${meeting.uuid} for credential ${signer.credential.id}: ${(error as Error).message}`, { credentialId: signer.credential.id });
      return false;
    }
  }
}

/** The event's meeting with what an item needs, else ZOOM_WEBHOOK.INVALID (400). */
function completedMeeting(object: Record<string, unknown> | undefined): CompletedMeeting {
  if (!object) throw webhookInvalid('payload.object is missing');
  const m = object as Partial<CompletedMeeting>;
  if (typeof m.uuid !== 'string' || !m.uuid) throw webhookInvalid('payload.object.uuid is missing');
  if (typeof m.start_time !== 'string' || Number.isNaN(Date.parse(m.start_time))) throw webhookInvalid('payload.object.start_time is not a time');
  if (typeof m.duration !== 'number') throw webhookInvalid('payload.object.duration is not a number');
  if (!Array.isArray(m.recording_files)) throw webhookInvalid('payload.object.recording_files is missing');
  for (const f of m.recording_files) {
    if (typeof f !== 'object' || f === null || typeof f.file_type !== 'string' || typeof f.download_url !== 'string') throw webhookInvalid('a recording file has no file_type or download_url');
  }
  return { ...m, topic: typeof m.topic === 'string' ? m.topic : '' } as CompletedMeeting;
}

/** Whether a source lists the meeting's host: its user (`me` or unset: the credential's own), or one of a master account's users. */
function coversHost(source: SourceRow, meeting: CompletedMeeting): boolean {
  const config = source.config as { userId?: string; isMasterAccount?: boolean; userEmails?: string[] };
  const host = [meeting.host_id, meeting.host_email?.toLowerCase()].filter(Boolean);
  if (config.isMasterAccount) return !config.userEmails?.length || config.userEmails.some((e) => host.includes(e.toLowerCase()));
  if (!config.userId || config.userId === 'me') return true;
  return host.includes(config.userId) || host.includes(config.userId.toLowerCase());
}
