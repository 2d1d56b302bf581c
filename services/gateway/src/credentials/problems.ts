import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'CREDENTIAL.DUPLICATE': 'A credential for that account already exists',
});
