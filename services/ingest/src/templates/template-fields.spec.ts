import { LeapError } from '@leap/errors';
import { checkedFields, checkedOverride } from './template-fields';

const problem = (run: () => unknown): LeapError => {
  try {
    run();
  } catch (error) {
    return error as LeapError;
  }
  throw new Error('expected a refusal');
};

describe('the transcription fields of a template', () => {
  it('takes the quality policy, the providers in failover order and the translation languages', () => {
    const fields = checkedFields({
      processingConfig: { transcription: { qualityPolicy: 'fail', providers: ['assemblyai', 'offline'], translateTo: ['de', 'pt-BR'] } },
    });
    expect(fields.processingConfig?.transcription).toEqual({ qualityPolicy: 'fail', providers: ['assemblyai', 'offline'], translateTo: ['de', 'pt-BR'] });
    expect(checkedFields({ processingConfig: { transcription: { qualityPolicy: null, providers: null, translateTo: [] } } }).processingConfig?.transcription).toEqual({
      qualityPolicy: null,
      providers: null,
      translateTo: [],
    });
  });

  it('refuses a policy, provider or language it does not know, naming each field (422 TEMPLATE.INVALID)', () => {
    const error = problem(() =>
      checkedFields({ processingConfig: { transcription: { qualityPolicy: 'drop', providers: ['openai', 'deepgram'], translateTo: ['German'] } } }),
    );
    expect(error).toBeInstanceOf(LeapError);
    expect(error).toMatchObject({ code: 'TEMPLATE.INVALID', status: 422 });
    const fields = (error.details as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['processingConfig.transcription.qualityPolicy', 'processingConfig.transcription.providers.1', 'processingConfig.transcription.translateTo.0']),
    );
  });

  it('refuses an empty or repeating provider list and too many languages', () => {
    const fieldsOf = (transcription: object) =>
      (problem(() => checkedFields({ processingConfig: { transcription } })).details as { errors: { field: string; message: string }[] }).errors;
    expect(fieldsOf({ providers: [] })).toEqual([{ field: 'processingConfig.transcription.providers', message: 'must name at least one provider' }]);
    expect(fieldsOf({ providers: ['openai', 'openai'] })).toEqual([{ field: 'processingConfig.transcription.providers', message: 'must not name the same entry twice' }]);
    expect(fieldsOf({ translateTo: ['de', 'de'] })).toEqual([{ field: 'processingConfig.transcription.translateTo', message: 'must not name the same entry twice' }]);
    expect(fieldsOf({ translateTo: Array.from({ length: 11 }, (_, i) => `l${String.fromCharCode(97 + i)}`) })).toEqual([
      { field: 'processingConfig.transcription.translateTo', message: 'must have at most 10 languages' },
    ]);
  });

  it('checks a recording override the same way (RECORDING_CONFIG.INVALID)', () => {
    expect(problem(() => checkedOverride({ processing: { transcription: { qualityPolicy: 'strict' } } }))).toMatchObject({ code: 'RECORDING_CONFIG.INVALID', status: 422 });
    expect(checkedOverride({ processing: { transcription: { qualityPolicy: 'flag' } } }).processing?.transcription?.qualityPolicy).toBe('flag');
  });
});
