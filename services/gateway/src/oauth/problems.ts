import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'OAUTH.PLATFORM_UNKNOWN': 'No such OAuth platform',
  'OAUTH.NOT_CONFIGURED': 'Connecting this platform is not configured',
  'OAUTH.STATE_INVALID': 'The OAuth state is not valid',
  'OAUTH.DENIED': 'The platform did not grant access',
  'OAUTH.EXCHANGE_FAILED': 'The platform refused the authorization',
  'OAUTH.IMPLICIT_INVALID': 'The pasted address holds no access token',
});
