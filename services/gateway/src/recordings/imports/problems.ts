import { registerProblemTitles } from '../../common/problem-details';

registerProblemTitles({
  'INGEST.URL_NOT_ALLOWED': 'The URL may not be fetched',
  'INGEST.INVALID_URL': 'Not a usable URL',
  'INGEST.INVALID_OPTION': 'Unknown option value',
  'INGEST.URL_UNSUPPORTED': 'Nothing to download at this URL',
  'INGEST.SOURCE_PRIVATE': 'The source is private',
  'INGEST.SOURCE_REMOVED': 'The source was removed',
  'INGEST.SOURCE_GEO_BLOCKED': 'The source is not available in this region',
  'INGEST.SOURCE_LOGIN_REQUIRED': 'The source needs a signed-in account',
});
