/** timer-controller as a process: `npm run start:controller`. */
import { runService } from '@timer/shared';
import { startController } from './server';

if (require.main === module) {
  void runService('timer-controller', [startController]);
}
