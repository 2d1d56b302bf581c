import { applyPatch, deepMerge, resolveLayers, type ConfigLayer } from './config-layers';

/** leap-inventory §4.3: layer order, deep merges, nulls ignored, and where each value comes from. */
describe('resolveLayers', () => {
  const base: ConfigLayer = {
    name: 'default_template',
    templateId: 'base',
    config: { processing: { trimming: { enableTrimming: true, paddingBefore: 1 }, transcription: { language: 'ru', enableTopics: true } }, output: { presetIds: ['p1'] } },
  };

  it.each<[string, ConfigLayer[], string, unknown, string]>([
    ['the default template alone', [base], 'processing.trimming.enableTrimming', true, 'default_template'],
    ['a bound template over the default', [base, { name: 'bound_template', config: { processing: { trimming: { enableTrimming: false } } } }], 'processing.trimming.enableTrimming', false, 'bound_template'],
    ['a deep merge keeps the siblings of a changed value', [base, { name: 'bound_template', config: { processing: { trimming: { enableTrimming: false } } } }], 'processing.trimming.paddingBefore', 1, 'default_template'],
    ['a null never overrides', [base, { name: 'manual_override', config: { processing: { transcription: { language: null } } } as never }], 'processing.transcription.language', 'ru', 'default_template'],
    [
      'the runtime template over the bound one',
      [base, { name: 'runtime_template', config: { processing: { transcription: { language: 'de' } } } }, { name: 'bound_template', config: { processing: { transcription: { language: 'en' } } } }],
      'processing.transcription.language',
      'de',
      'runtime_template',
    ],
    [
      'recording preferences over the templates',
      [base, { name: 'bound_template', config: { processing: { transcription: { language: 'en' } } } }, { name: 'recording_preferences', config: { processing: { transcription: { language: 'fr' } } } }],
      'processing.transcription.language',
      'fr',
      'recording_preferences',
    ],
    [
      'the manual override over everything, whatever order the layers come in',
      [{ name: 'manual_override', config: { processing: { transcription: { language: 'es' } } } }, { name: 'recording_preferences', config: { processing: { transcription: { language: 'fr' } } } }, base],
      'processing.transcription.language',
      'es',
      'manual_override',
    ],
    ['arrays are replaced whole', [base, { name: 'bound_template', config: { output: { presetIds: ['p2', 'p3'] } } }], 'output.presetIds', ['p2', 'p3'], 'bound_template'],
    ['an empty array still replaces', [base, { name: 'bound_template', config: { output: { presetIds: [] } } }], 'output.presetIds', [], 'bound_template'],
  ])('%s', (_name, layers, path, value, source) => {
    const resolved = resolveLayers(layers);
    const keys = path.split('.');
    let at: unknown = resolved.effective;
    for (const key of keys) at = (at as Record<string, unknown>)[key];
    expect(at).toEqual(value);
    expect(resolved.sources[path]).toBe(source);
  });

  it('lists the layers lowest first and always answers the three blocks', () => {
    const resolved = resolveLayers([{ name: 'manual_override', config: {} }, { name: 'default_template', config: {} }]);
    expect(resolved.layers.map((l) => l.name)).toEqual(['default_template', 'manual_override']);
    expect(resolved.effective).toEqual({ processing: {}, metadata: {}, output: {} });
    expect(resolved.sources).toEqual({});
  });
});

describe('deepMerge and applyPatch', () => {
  it('deepMerge ignores nulls and does not change its inputs', () => {
    const a = { x: { y: 1, z: 2 } };
    expect(deepMerge(a, { x: { y: null, z: 3 }, w: null })).toEqual({ x: { y: 1, z: 3 } });
    expect(a).toEqual({ x: { y: 1, z: 2 } });
  });

  it('applyPatch merges deeply, a null removes a key, and an emptied object goes', () => {
    const stored = { processing: { trimming: { enableTrimming: false }, transcription: { language: 'en' } } };
    expect(applyPatch(stored, { processing: { transcription: { language: null }, trimming: { paddingAfter: 2 } } })).toEqual({
      processing: { trimming: { enableTrimming: false, paddingAfter: 2 } },
    });
  });
});
