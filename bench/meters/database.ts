/**
 * A database server as the cost measurement sees it: the process to charge its
 * CPU to, counters that only grow (bytes by the engine's own account, statements
 * or commands), and the settings that decide what a commit survives.
 *
 * The servers on a development machine are shared: their counters and CPU move
 * with every client, so a delta means something only on a quiet machine.
 */
export interface DatabaseMeter {
  /** mariadb, postgresql, redis, sqlite. */
  name: string;
  /** The server process (its tree counts); undefined for an embedded database. */
  pid: number | undefined;
  /** Monotonic counters, the meter's own queries taken out. */
  counters(): Promise<Record<string, number>>;
  /** What a commit survives, as the server reports it. */
  durability(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}
