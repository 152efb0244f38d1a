/** timer-controller as a process: `npm run start:controller`. */
import { runService } from '@timer/shared';
import { startController } from './service';

if (require.main === module) {
  void runService('timer-controller', [startController], { multipleStatements: true });
}
