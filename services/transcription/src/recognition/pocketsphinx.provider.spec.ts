import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeapError } from '@leap/errors';
import type { AudioConverter } from './audio-converter';
import { PocketsphinxProvider } from './pocketsphinx.provider';
import type { ProcessResult, ProcessRunner } from './process-runner';

/** A model folder with the three files the provider checks for. */
async function fakeModel(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leap-model-'));
  for (const name of ['en-us', 'en-us.lm.bin', 'cmudict-en-us.dict']) await writeFile(join(dir, name), '');
  return dir;
}

/** Writes a WAV header for `seconds` of 16 kHz mono 16-bit audio where the real converter would write speech. */
const converter: AudioConverter = {
  async toWav16kMono(_input, output) {
    const bytes = 32000 * 2;
    const header = Buffer.alloc(44 + bytes);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(36 + bytes, 4);
    header.write('WAVEfmt ', 8, 'ascii');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(16000, 24);
    header.writeUInt32LE(32000, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(bytes, 40);
    await writeFile(output, header);
  },
};

function runner(result: ProcessResult | Error, calls: Array<{ command: string; args: readonly string[] }> = []): ProcessRunner {
  return {
    async run(command, args) {
      calls.push({ command, args });
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<LeapError> {
  try {
    await promise;
  } catch (error) {
    return error as LeapError;
  }
  throw new Error('expected a failure');
}

describe('PocketsphinxProvider', () => {
  let model: string;
  beforeAll(async () => {
    model = await fakeModel();
  });
  afterAll(() => rm(model, { recursive: true, force: true }));

  it('runs pocketsphinx on the converted WAV with the model and returns English words and the duration', async () => {
    const calls: Array<{ command: string; args: readonly string[] }> = [];
    const stdout = 'hello world\n<s> 0.0 0.1 1\nhello 0.1 0.5 0.9\nworld(2) 0.6 1.0 0.8\n</s> 1.0 1.1 1\n';
    const provider = new PocketsphinxProvider(runner({ code: 0, stdout, stderr: '' }, calls), converter, { modelDir: model });
    const result = await provider.transcribe('/tmp/in.mp3', { language: 'en' });
    expect(result).toEqual({
      language: 'en',
      durationSeconds: 2,
      words: [
        { text: 'hello', start: 0.1, end: 0.5, confidence: 0.9 },
        { text: 'world', start: 0.6, end: 1, confidence: 0.8 },
      ],
      usage: { audioSeconds: 2 },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.command).toBe('pocketsphinx_continuous');
    expect(calls[0]!.args).toEqual(expect.arrayContaining(['-time', 'yes', '-hmm', join(model, 'en-us'), '-lm', join(model, 'en-us.lm.bin')]));
  });

  it('says how to install pocketsphinx when the binary is missing', async () => {
    const missing = new LeapError('TRANSCRIPTION.TOOL_MISSING', 'pocketsphinx_continuous was not found', { retryable: false });
    const error = await failure(new PocketsphinxProvider(runner(missing), converter, { modelDir: model }).transcribe('/tmp/in.mp3', {}));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.TOOL_MISSING', retryable: false });
    expect(error.message).toMatch(/install the pocketsphinx and pocketsphinx-en-us packages or set POCKETSPHINX_PATH/);
  });

  it('refuses a configured binary path that does not exist, before running anything', async () => {
    const calls: Array<{ command: string; args: readonly string[] }> = [];
    const provider = new PocketsphinxProvider(runner({ code: 0, stdout: '', stderr: '' }, calls), converter, {
      modelDir: model,
      binary: '/nowhere/pocketsphinx_continuous',
    });
    const error = await failure(provider.transcribe('/tmp/in.mp3', {}));
    expect(error.message).toBe('POCKETSPHINX_PATH points to /nowhere/pocketsphinx_continuous, which does not exist');
    expect(calls).toEqual([]);
  });

  it('names the missing model files', async () => {
    const provider = new PocketsphinxProvider(runner({ code: 0, stdout: '', stderr: '' }), converter, { modelDir: '/nowhere/model' });
    const error = await failure(provider.transcribe('/tmp/in.mp3', {}));
    expect(error.code).toBe('TRANSCRIPTION.TOOL_MISSING');
    expect(error.message).toMatch(/\/nowhere\/model\/en-us\.lm\.bin.*POCKETSPHINX_MODEL_DIR/);
  });

  it('reports a crashed recogniser as retryable', async () => {
    const provider = new PocketsphinxProvider(runner({ code: 1, stdout: '', stderr: 'INFO: x\nFATAL: cannot allocate\n' }), converter, { modelDir: model });
    const error = await failure(provider.transcribe('/tmp/in.mp3', {}));
    expect({ code: error.code, retryable: error.retryable, message: error.message }).toEqual({
      code: 'TRANSCRIPTION.PROVIDER_FAILED',
      retryable: true,
      message: 'pocketsphinx failed: FATAL: cannot allocate',
    });
  });
});
