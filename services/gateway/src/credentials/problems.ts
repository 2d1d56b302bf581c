import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'CREDENTIAL.DUPLICATE': 'A credential for that account already exists',
  'CREDENTIAL.NOT_BROWSABLE': 'Only a Yandex Disk source credential can be browsed',
  'YANDEX_DISK.NEEDS_REAUTH': 'Yandex Disk refused the credential: connect the account again',
  'YANDEX_DISK.NOT_FOUND': 'There is no such folder on the Yandex Disk',
  'YANDEX_DISK.RATE_LIMITED': 'Yandex Disk asks to slow down',
  'YANDEX_DISK.UNAVAILABLE': 'Yandex Disk did not answer',
});
