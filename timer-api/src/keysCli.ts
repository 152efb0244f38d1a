/**
 * `npm run keys -- <command>`: API keys and tenants, straight in the database
 * that DATABASE_URL names (an operator's tool: whoever can run it can read the
 * database anyway). The same operations as /admin/keys, through the same code.
 *
 *   create --tenant <name> --scope read|write|admin   prints the new key alone on stdout
 *   list [--tenant <name>]                            one key per line, never the key itself
 *   revoke <key or key id>                            fails on every api replica within 5 s
 *   tenants                                           the tenants and their settings
 *   limits --tenant <name> [--max-pending N] [--creates-per-second N]
 *                                                     its quotas (N, 0 for no cap, or default)
 *   secret rotate|retire|clear --tenant <name>        its webhook signing secret; rotate prints
 *                                                     the new one alone on stdout
 *   reencrypt [--batch 500] [--pause-ms 0]            rewrites what is sealed with another key than
 *                                                     DATA_KEYS's first, or stored plain, with the
 *                                                     first; safe while the service runs
 *
 * In the embedded mode the running process holds the SQLite file: stop it first,
 * or use the admin endpoints.
 */
import { parseArgs } from 'node:util';
import {
  createDb,
  createLogger,
  dataKeysFor,
  Reencryption,
  isScope,
  loadConfig,
  migrateToLatest,
  Store,
  systemClock,
  TENANT_NAME,
} from '@timer/shared';
import { AdminService } from './domain/admin';
import { AppError } from './errors';

const USAGE = `usage: npm run keys -- create --tenant <name> --scope read|write|admin
       npm run keys -- list [--tenant <name>]
       npm run keys -- revoke <key or key id>
       npm run keys -- tenants
       npm run keys -- limits --tenant <name> [--max-pending N|default] [--creates-per-second N|default]
       npm run keys -- secret rotate|retire|clear --tenant <name>
       npm run keys -- reencrypt [--batch 500] [--pause-ms 0]`;

class UsageError extends Error {}

async function run(argv: string[], out: (line: string) => void): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      scope: { type: 'string' },
      'max-pending': { type: 'string' },
      'creates-per-second': { type: 'string' },
      batch: { type: 'string', default: '500' },
      'pause-ms': { type: 'string', default: '0' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.tenant !== undefined && !TENANT_NAME.test(values.tenant)) {
    throw new UsageError('--tenant must be lower-case letters, digits, - and _ (at most 64)');
  }
  const config = loadConfig(process.env, { standalone: true });
  const logger = createLogger({ level: 'warn', service: 'keys' });
  const db = createDb(config, logger);
  try {
    await migrateToLatest(db);
    const dataKeys = await dataKeysFor(config, logger);
    const admin = new AdminService(new Store(db, config.dbQueryTimeoutMs, { dataKeys }), logger);
    switch (command) {
      case 'create': {
        if (values.tenant === undefined) throw new UsageError('create needs --tenant');
        if (values.scope === undefined || !isScope(values.scope))
          throw new UsageError('create needs --scope read|write|admin');
        const key = await admin.createKey(values.tenant, values.scope, 'cli');
        process.stderr.write(`Created ${key.id} (tenant ${key.tenant}, scope ${key.scope}). The key, shown once:\n`);
        out(key.key);
        return;
      }
      case 'list':
        for (const k of await admin.keys(values.tenant)) {
          out(
            [
              k.id,
              k.tenant,
              k.scope,
              `created ${k.created_at}`,
              `used ${k.last_used_at ?? 'never'}`,
              k.revoked_at ? `revoked ${k.revoked_at}` : 'active',
            ].join('  '),
          );
        }
        return;
      case 'revoke': {
        if (rest.length !== 1) throw new UsageError('revoke needs one key or key id');
        const key = await admin.revokeKey(rest[0], 'cli');
        out(`${key.id} revoked at ${key.revoked_at}`);
        return;
      }
      case 'tenants':
        for (const t of await admin.tenants()) {
          out(
            [
              t.name,
              `max_pending ${t.max_pending ?? 'default'}`,
              `creates_per_second ${t.creates_per_second ?? 'default'}`,
              `signing_secrets ${t.signing_secrets}`,
            ].join('  '),
          );
        }
        return;
      case 'limits': {
        if (values.tenant === undefined) throw new UsageError('limits needs --tenant');
        const limits = {
          maxPending: quota('--max-pending', values['max-pending']),
          createsPerSecond: quota('--creates-per-second', values['creates-per-second']),
        };
        const t = await admin.setLimits(values.tenant, limits, 'cli');
        out(
          `${t.name}  max_pending ${t.max_pending ?? 'default'}  creates_per_second ${t.creates_per_second ?? 'default'}`,
        );
        return;
      }
      case 'secret': {
        if (values.tenant === undefined) throw new UsageError('secret needs --tenant');
        const [action] = rest;
        if (action === 'rotate') {
          const made = await admin.rotateSigningSecret(values.tenant, 'cli');
          process.stderr.write(
            `New signing secret of ${made.tenant} (${made.signing_secrets} now sign its webhooks). Shown once:\n`,
          );
          out(made.secret);
        } else if (action === 'retire') {
          const t = await admin.retirePreviousSecrets(values.tenant, 'cli');
          out(`${t.name}  signing_secrets ${t.signing_secrets}`);
        } else if (action === 'clear') {
          const t = await admin.clearSigningSecrets(values.tenant, 'cli');
          out(`${t.name}  signing_secrets 0 (WEBHOOK_SECRET signs its webhooks)`);
        } else {
          throw new UsageError('secret needs rotate, retire or clear');
        }
        return;
      }
      case 'reencrypt': {
        const batchSize = count('--batch', values.batch, 1, 10_000);
        const pauseMs = count('--pause-ms', values['pause-ms'], 0, 60_000);
        if (!dataKeys.enabled) throw new UsageError('reencrypt needs DATA_KEYS: there is no key to encrypt with');
        const counts = await new Reencryption(db, config.dbQueryTimeoutMs, dataKeys).run({
          batchSize,
          pauseMs,
          clock: systemClock,
          onProgress: (c) => out(`${c.table}: ${c.rewritten} re-encrypted so far`),
        });
        for (const c of counts) {
          out(
            `${c.table}: ${c.rewritten} re-encrypted, ${c.unreadable} unreadable, ${c.changedMeanwhile} changed meanwhile`,
          );
        }
        const left = counts.reduce((n, c) => n + c.unreadable + c.changedMeanwhile, 0);
        const done = counts.reduce((n, c) => n + c.rewritten, 0);
        out(
          left === 0
            ? `Done: ${done} rows re-encrypted with data key ${dataKeys.currentId}; no row needs another key`
            : `${done} rows re-encrypted with data key ${dataKeys.currentId}; ${left} left as they are: keep the old keys`,
        );
        if (left > 0) process.exitCode = 1;
        return;
      }
      default:
        throw new UsageError(command === undefined ? 'no command given' : `unknown command ${command}`);
    }
  } finally {
    await db.destroy();
  }
}

/** `--max-pending 500`: 500; `default`: the service's; absent: unchanged. */
function quota(flag: string, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'default') return null;
  if (!/^\d+$/.test(raw) || Number(raw) > 10_000_000) {
    throw new UsageError(`${flag} must be a whole number from 0 to 10000000, or default`);
  }
  return Number(raw);
}

function count(flag: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw ?? '') || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

if (require.main === module) {
  run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n${USAGE}\n`);
    else if (err instanceof AppError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
