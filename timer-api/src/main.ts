/** timer-api as a process: `npm run start:api`. */
import { runService } from '@timer/shared';
import { startApi } from './server';

if (require.main === module) {
  void runService('timer-api', [startApi]);
}
