import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'PRESET.NOT_FOUND': 'Preset not found',
  'PRESET.NAME_TAKEN': 'Preset name already used',
  'PRESET.INVALID': 'The preset is not valid for its platform',
  'CREDENTIAL.NOT_FOUND': 'Credential not found',
  'PUBLISHING.TEMPLATE_SYNTAX': 'The template does not parse',
  'PUBLISHING.TEMPLATE_TOO_LONG': 'The template is too long',
  'PUBLISHING.TEMPLATE_LIMIT_EXCEEDED': 'The template went past its limits',
  'PUBLISHING.TEMPLATE_NEEDS_VARIABLE': 'The title template uses no variable',
  'PUBLISHING.UNAVAILABLE': 'Publishing service unavailable',
  'CREDENTIAL.INVALID': 'The credential is not valid',
  'CREDENTIAL.MISSING': 'The preset names no credential',
  'PRESET.REQUIRED': 'A preset is required',
  'TARGET.NOTHING_TO_PUBLISH': 'Nothing to publish yet',
  'TARGET.INVALID': 'The target is not valid',
  'TARGET.NOT_FOUND': 'Output target not found',
  'TARGET.NOT_RETRACTABLE': 'The target cannot be retracted',
  'CREDENTIAL.ENCRYPTION_UNCONFIGURED': 'Credentials cannot be stored',
});

/** The codes the publishing service answers preset routes with, by status. */
export const PRESET_PROBLEMS = {
  404: ['PRESET.NOT_FOUND'],
  409: ['PRESET.NAME_TAKEN'],
  422: [
    'PRESET.INVALID',
    'CREDENTIAL.NOT_FOUND',
    'PUBLISHING.TEMPLATE_SYNTAX',
    'PUBLISHING.TEMPLATE_TOO_LONG',
    'PUBLISHING.TEMPLATE_LIMIT_EXCEEDED',
    'PUBLISHING.TEMPLATE_NEEDS_VARIABLE',
  ],
  503: ['PUBLISHING.UNAVAILABLE'],
};
