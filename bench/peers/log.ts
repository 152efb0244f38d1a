/** The peers' processes log JSON lines on stdout, as our services do, so the bench can wait on them. */
export function log(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level: 'info', message, ...fields })}\n`);
}
