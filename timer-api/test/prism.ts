/**
 * Prism (@stoplight/prism-cli) as a validating proxy in front of a running api:
 * `prism proxy <document> <api> --errors`, the tool integrators run against an
 * OpenAPI document. It checks each request and each answer against the document.
 * What it does with a violation, as measured with prism-cli 5.14:
 * - a request that breaks the document is not forwarded: Prism answers 422 itself
 *   (401 when the security requirement is not met), as problem+json;
 * - an answer that breaks it at severity error becomes Prism's own 500;
 * - every violation, warnings included, is listed in the `sl-violations` header;
 *   an answer status the document does not list is only a warning, so the header
 *   has to be read on every answer.
 * Prism's own answers are typed https://stoplight.io/prism/errors#… . It needs no
 * network: the document is a local file and the api is on 127.0.0.1.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../../test/helpers/ports';
import { waitFor } from '../../test/helpers/wait';
import { RawResponse } from './support';

const PRISM_CLI = require.resolve('@stoplight/prism-cli/dist/index.js');
const PRISM_ERROR = 'https://stoplight.io/prism/errors#';

export interface Violation {
  location?: string[];
  severity?: string;
  code?: string | number;
  message: string;
}

export interface PrismProxy {
  port: number;
  /** What Prism wrote, for a failure's message. */
  output: string[];
  close(): Promise<void>;
}

/**
 * Starts Prism between its own port and `upstream`. With `validateRequests: false`
 * it forwards requests as they are and checks only the answers: the way to check
 * what the api answers to a request that is invalid on purpose.
 */
export async function startPrism(
  documentFile: string,
  upstream: string,
  { validateRequests = true }: { validateRequests?: boolean } = {},
): Promise<PrismProxy> {
  const port = await freePort();
  const args = ['proxy', documentFile, upstream, '--errors', '--host', '127.0.0.1', '--port', String(port)];
  if (!validateRequests) args.push('--validate-request', 'false');
  const child: ChildProcess = spawn(process.execPath, [PRISM_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      'Prism to listen',
      () => {
        if (child.exitCode !== null) throw new Error(`Prism exited: ${output.join('')}`);
        return output.join('').includes('Prism is listening on');
      },
      { timeoutMs: 45_000, intervalMs: 50 },
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { port, output, close };
}

/** Whether the answer is Prism's own (the request or answer broke the document), not the api's. */
export function isPrismAnswer(res: RawResponse): boolean {
  const type = (res.body as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' && type.startsWith(PRISM_ERROR);
}

/** Every violation Prism reported for one exchange: in its header, and in an answer of its own. */
export function violationsOf(res: RawResponse): Violation[] {
  const header = res.headers['sl-violations'];
  const listed = header ? (JSON.parse(String(header)) as Violation[]) : [];
  if (!isPrismAnswer(res)) return listed;
  const problem = res.body as { title: string; validation?: Violation[] };
  const own = problem.validation ?? [{ message: problem.title }];
  const key = (v: Violation) => JSON.stringify([v.location, v.code, v.message]);
  return [...listed, ...own.filter((v) => !listed.some((l) => key(l) === key(v)))];
}
